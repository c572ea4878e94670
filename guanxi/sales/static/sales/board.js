// Opportunities (sales/pipelines): the kanban board's drag and drop (SortableJS), its "Move to…"
// menus, the quick-edit off-canvas, and the opportunity form's account picker and stage select.
// No inline script anywhere (strict CSP): everything is wired here through data attributes.
(function () {
  "use strict";

  function ready(fn) {
    if (document.readyState !== "loading") fn(); else document.addEventListener("DOMContentLoaded", fn);
  }

  function toast(text, kind) {
    var c = document.getElementById("gx-toasts");
    if (!c || !window.bootstrap) return;
    var t = document.createElement("div");
    t.className = "toast align-items-center border-0 text-bg-" + (kind || "secondary");
    t.setAttribute("role", kind === "danger" ? "alert" : "status");
    t.setAttribute("data-testid", "board-toast");
    var b = document.createElement("div");
    b.className = "toast-body";
    b.textContent = text;
    t.appendChild(b);
    c.appendChild(t);
    new bootstrap.Toast(t, { delay: 5000 }).show();
  }

  function fromHTML(html) {
    var tpl = document.createElement("template");
    tpl.innerHTML = html.trim();
    return tpl.content.firstElementChild;
  }

  // --- the board ------------------------------------------------------------------------------
  function setupBoard(board) {
    var csrf = board.getAttribute("data-csrf");
    var query = board.getAttribute("data-query") || "";
    var errorText = board.getAttribute("data-text-error") || "Not saved.";

    function listOf(stageId) { return board.querySelector('[data-gx-cards][data-stage-id="' + stageId + '"]'); }
    function columnOf(stageId) { return board.querySelector('.gx-col[data-stage-id="' + stageId + '"]'); }

    function putBack(card, from, index) {
      var ref = from.children[index] || null;
      if (ref === card) return;
      from.insertBefore(card, ref);
    }

    function updateFigures(figures) {
      Object.keys(figures || {}).forEach(function (stageId) {
        var old = document.getElementById("col-stats-" + stageId);
        var el = fromHTML(figures[stageId]);
        if (old && el) old.replaceWith(el);
      });
    }

    function replaceCard(card, html) {
      var fresh = fromHTML(html);
      if (!fresh) return;
      card.replaceWith(fresh);
      return fresh;
    }

    function post(card, stageId, reason, from, index) {
      var body = new FormData();
      body.append("stage", stageId);
      body.append("reason", reason || "");
      body.append("version", card.getAttribute("data-version") || "");
      card.classList.add("is-saving");
      card.setAttribute("aria-busy", "true");
      var url = card.getAttribute("data-move-url") + (query ? "?" + query : "");
      return fetch(url, { method: "POST", body: body, credentials: "same-origin",
                          headers: { "X-CSRFToken": csrf, "Accept": "application/json" } })
        .then(function (r) {
          return r.json().catch(function () { return {}; }).then(function (data) { return { ok: r.ok, data: data }; });
        })
        .then(function (res) {
          card.classList.remove("is-saving");
          card.removeAttribute("aria-busy");
          if (!res.ok) {
            putBack(card, from, index);
            var msg = res.data && res.data.error && res.data.error.message;
            toast(msg || errorText, "danger");
            return;
          }
          var fresh = replaceCard(card, res.data.card);
          updateFigures(res.data.figures);
          if (fresh) fresh.focus({ preventScroll: true });
        })
        .catch(function () {
          card.classList.remove("is-saving");
          putBack(card, from, index);
          toast(errorText, "danger");
        });
    }

    // A dialog for the reason of a win (optional) or a loss (required): a promise of the text.
    var modalEl = document.getElementById("gx-move-reason");
    function askReason(type) {
      return new Promise(function (resolve, reject) {
        if (!modalEl || !window.bootstrap) { reject(); return; }
        var form = modalEl.querySelector("[data-gx-reason-form]");
        var input = modalEl.querySelector("textarea");
        var title = modalEl.querySelector(".modal-title");
        var label = modalEl.querySelector("label");
        title.textContent = title.getAttribute("data-title-" + type);
        label.textContent = label.getAttribute("data-label-" + type);
        input.value = "";
        input.required = type === "lost";
        input.classList.remove("is-invalid");
        var modal = bootstrap.Modal.getOrCreateInstance(modalEl);
        var done = false;
        function onSubmit(e) {
          e.preventDefault();
          var text = input.value.trim();
          if (type === "lost" && !text) { input.classList.add("is-invalid"); input.focus(); return; }
          done = true;
          cleanup();
          modal.hide();
          resolve(text);
        }
        function onHidden() { cleanup(); if (!done) reject(); }
        function onShown() { input.focus(); }
        function cleanup() {
          form.removeEventListener("submit", onSubmit);
          modalEl.removeEventListener("hidden.bs.modal", onHidden);
          modalEl.removeEventListener("shown.bs.modal", onShown);
        }
        form.addEventListener("submit", onSubmit);
        modalEl.addEventListener("hidden.bs.modal", onHidden);
        modalEl.addEventListener("shown.bs.modal", onShown);
        modal.show();
      });
    }

    // The card is already in the target list (dropped or moved by the menu): save, or put it back.
    function moved(card, from, index, toStageId) {
      var col = columnOf(toStageId);
      var type = col ? col.getAttribute("data-stage-type") : "open";
      if (type === "lost" || type === "won") {
        askReason(type).then(function (reason) { post(card, toStageId, reason, from, index); },
                             function () { putBack(card, from, index); });
      } else {
        post(card, toStageId, "", from, index);
      }
    }

    // The cards list of the column under the point where a drag ended (drop, mouse, pointer or
    // touch end), or null. SortableJS moves the card into a list as dragover events come and
    // ignores them while a card slides into place (`animation`): a quick drag across "won" that
    // ends on "lost" left the card in "won", and the deal was about to be marked won. So where
    // the card goes is decided by where it was let go, not by where Sortable last put it.
    function listAt(e) {
      var p = e && ((e.changedTouches && e.changedTouches[0]) || e);
      if (!p || typeof p.clientX !== "number" || (!p.clientX && !p.clientY)) return null;
      var hit = document.elementFromPoint(p.clientX, p.clientY);
      var col = hit && hit.closest(".gx-col");
      return col && board.contains(col) ? col.querySelector("[data-gx-cards]") : null;
    }

    if (window.Sortable) {
      board.querySelectorAll("[data-gx-cards]").forEach(function (list) {
        window.Sortable.create(list, {
          group: "gx-board", draggable: ".gx-opp-card", filter: "[data-gx-no-drag], .dropdown-menu",
          preventOnFilter: false, animation: 150, delay: 180, delayOnTouchOnly: true, forceFallback: false,
          ghostClass: "sortable-ghost", chosenClass: "sortable-chosen",
          onEnd: function (evt) {
            var to = listAt(evt.originalEvent) || evt.to;
            if (to === evt.from) {  // order within a column follows the last change
              if (evt.to !== evt.from) putBack(evt.item, evt.from, evt.oldIndex);
              return;
            }
            if (to !== evt.to) to.insertBefore(evt.item, to.firstChild);
            moved(evt.item, evt.from, evt.oldIndex, to.getAttribute("data-stage-id"));
          }
        });
      });
    }

    // "Move to…" menu: the keyboard and phone alternative to dragging.
    board.addEventListener("click", function (e) {
      var item = e.target.closest("[data-gx-move-to]");
      if (item) {
        var card = item.closest(".gx-opp-card");
        var from = card.parentElement;
        var index = Array.prototype.indexOf.call(from.children, card);
        var toStageId = item.getAttribute("data-gx-move-to");
        var to = listOf(toStageId);
        if (!to) return;
        var dd = card.querySelector('[data-bs-toggle="dropdown"]');
        if (dd && window.bootstrap) bootstrap.Dropdown.getOrCreateInstance(dd).hide();
        to.insertBefore(card, to.firstChild);
        moved(card, from, index, toStageId);
        return;
      }
      if (e.target.closest("[data-gx-quick-edit]")) { openQuickEdit(e.target.closest(".gx-opp-card")); return; }
      var cardEl = e.target.closest(".gx-opp-card");
      if (!cardEl || e.target.closest("a, button, .dropdown-menu, input, select, textarea")) return;
      openQuickEdit(cardEl);
    });
    board.addEventListener("keydown", function (e) {
      if (e.key !== "Enter" || !e.target.classList || !e.target.classList.contains("gx-opp-card")) return;
      e.preventDefault();
      openQuickEdit(e.target);
    });

    // --- quick edit ---------------------------------------------------------------------------
    var panel = document.getElementById("gx-quick-edit");
    function openQuickEdit(card) {
      if (!card || !panel || !window.bootstrap || !window.htmx) return;
      var url = card.getAttribute("data-edit-url") + (query ? "?" + query : "");
      window.htmx.ajax("GET", url, { target: "#gx-quick-edit-body", swap: "innerHTML" });
      bootstrap.Offcanvas.getOrCreateInstance(panel).show();
    }
    document.body.addEventListener("htmx:afterSwap", function (e) {
      if (!e.detail.target || e.detail.target.id !== "gx-quick-edit-body") return;
      var body = e.detail.target;
      body.querySelectorAll("template[data-gx-oob-card]").forEach(function (tpl) {
        var id = tpl.getAttribute("data-gx-oob-card");
        var old = document.getElementById("opp-card-" + id);
        var fresh = tpl.content.firstElementChild && tpl.content.firstElementChild.cloneNode(true);
        if (old && fresh) {
          var stageId = fresh.getAttribute("data-stage-id");
          if (stageId !== old.getAttribute("data-stage-id") && listOf(stageId)) {
            old.remove();
            var to = listOf(stageId);
            to.insertBefore(fresh, to.firstChild);
          } else {
            old.replaceWith(fresh);
          }
        }
        tpl.remove();
      });
      var figures = {};
      body.querySelectorAll("template[data-gx-oob-stats]").forEach(function (tpl) {
        figures[tpl.getAttribute("data-gx-oob-stats")] = tpl.innerHTML;
        tpl.remove();
      });
      updateFigures(figures);
      setupLossReason(body);
    });
    document.body.addEventListener("gx-quick-saved", function () {
      toast(board.getAttribute("data-text-saved") || "Saved.", "success");
      if (panel && window.bootstrap) setTimeout(function () { bootstrap.Offcanvas.getOrCreateInstance(panel).hide(); }, 600);
    });
  }

  // --- forms: loss reason shown for lost stages, stages of the chosen pipeline, account picker --
  function setupLossReason(root) {
    root.querySelectorAll("[data-gx-stage-select]").forEach(function (select) {
      var form = select.form;
      var box = form && form.querySelector("[data-gx-loss-reason]");
      function sync() {
        var opt = select.options[select.selectedIndex];
        if (box) box.classList.toggle("d-none", !(opt && opt.getAttribute("data-type") === "lost"));
        var prob = form && form.querySelector("[data-gx-probability]");
        if (prob) prob.placeholder = (opt && opt.getAttribute("data-probability")) || "";
      }
      if (!select.dataset.gxWired) { select.addEventListener("change", sync); select.dataset.gxWired = "1"; }
      sync();
    });
  }

  function setupPipelineSelect(form) {
    var pipeline = form.querySelector("[data-gx-pipeline-select]");
    var stage = form.querySelector("[data-gx-stage-select]");
    if (!pipeline || !stage) return;
    function sync() {
      var p = pipeline.value;
      Array.prototype.forEach.call(stage.options, function (opt) {
        var own = opt.getAttribute("data-pipeline");
        var show = !own || own === p;
        opt.hidden = !show;
        opt.disabled = !show;
      });
      var cur = stage.options[stage.selectedIndex];
      if (cur && cur.disabled) { stage.value = ""; stage.dispatchEvent(new Event("change")); }
    }
    pipeline.addEventListener("change", sync);
    sync();
  }

  function setupAccountPicker(picker) {
    var hidden = picker.querySelector("[data-gx-account-id]");
    var search = picker.querySelector("[data-gx-account-search]");
    var chosen = picker.querySelector("[data-gx-account-chosen]");
    var name = picker.querySelector("[data-gx-account-name]");
    var results = picker.querySelector("[data-gx-account-results]");
    picker.addEventListener("click", function (e) {
      var pick = e.target.closest("[data-gx-pick-account]");
      if (pick) {
        hidden.value = pick.getAttribute("data-gx-pick-account");
        name.textContent = pick.getAttribute("data-name");
        chosen.classList.remove("d-none");
        search.classList.add("d-none");
        results.innerHTML = "";
        return;
      }
      if (e.target.closest("[data-gx-account-clear]")) {
        chosen.classList.add("d-none");
        search.classList.remove("d-none");
        search.value = "";
        search.focus();
      }
    });
    search.addEventListener("keydown", function (e) {  // Enter picks the first match, never submits the form
      if (e.key !== "Enter") return;
      e.preventDefault();
      var first = results.querySelector("[data-gx-pick-account]");
      if (first) first.click();
    });
  }

  ready(function () {
    document.querySelectorAll("[data-gx-board]").forEach(setupBoard);
    document.querySelectorAll("[data-gx-opp-form]").forEach(setupPipelineSelect);
    document.querySelectorAll("[data-gx-account-picker]").forEach(setupAccountPicker);
    setupLossReason(document);
  });
})();
