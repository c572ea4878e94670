// Guanxi UI behaviour: global search palette (Ctrl-K), toasts, confirmations, "load more".
// No inline script anywhere (strict CSP): everything is wired here through data attributes.
(function () {
  "use strict";

  function ready(fn) {
    if (document.readyState !== "loading") fn(); else document.addEventListener("DOMContentLoaded", fn);
  }

  function showToasts(root) {
    if (!window.bootstrap) return;
    (root || document).querySelectorAll("[data-gx-toast]").forEach(function (el) {
      if (el.dataset.gxShown) return;
      el.dataset.gxShown = "1";
      new bootstrap.Toast(el, { delay: 4500 }).show();
    });
  }

  function setupSearch() {
    var input = document.getElementById("gx-search");
    var box = document.getElementById("gx-search-results");
    if (!input || !box) return;
    function items() { return Array.prototype.slice.call(box.querySelectorAll(".gx-result")); }
    function open() { if (input.value.trim()) box.classList.add("show"); }
    function close() { box.classList.remove("show"); }
    document.addEventListener("keydown", function (e) {
      if ((e.ctrlKey || e.metaKey) && (e.key === "k" || e.key === "K")) {
        e.preventDefault(); input.focus(); input.select(); open();
      } else if (e.key === "/" && document.activeElement === document.body) {
        e.preventDefault(); input.focus();
      }
    });
    input.addEventListener("keydown", function (e) {
      var list = items(); if (!list.length) return;
      var i = list.findIndex(function (el) { return el.classList.contains("active"); });
      if (e.key === "ArrowDown" || e.key === "ArrowUp") {
        e.preventDefault();
        if (i >= 0) list[i].classList.remove("active");
        i = e.key === "ArrowDown" ? Math.min(list.length - 1, i + 1) : Math.max(0, i - 1);
        list[i].classList.add("active"); list[i].scrollIntoView({ block: "nearest" });
      } else if (e.key === "Enter" && i >= 0) {
        e.preventDefault(); window.location.href = list[i].getAttribute("href");
      } else if (e.key === "Escape") { close(); input.blur(); }
    });
    input.addEventListener("focus", open);
    document.body.addEventListener("htmx:afterSwap", function (e) {
      if (e.detail.target === box) { if (input.value.trim()) box.classList.add("show"); else close(); }
    });
    document.addEventListener("click", function (e) { if (!box.contains(e.target) && e.target !== input) close(); });
  }

  // <form data-gx-confirm="Are you sure?"> asks before submitting.
  document.addEventListener("submit", function (e) {
    var msg = e.target.getAttribute && e.target.getAttribute("data-gx-confirm");
    if (msg && !window.confirm(msg)) e.preventDefault();
  }, true);

  // <select data-gx-autosubmit> submits its form on change (filters, ordering).
  document.addEventListener("change", function (e) {
    if (e.target.matches && e.target.matches("[data-gx-autosubmit]")) e.target.form.requestSubmit();
  });

  ready(function () {
    showToasts();
    setupSearch();
    document.body.addEventListener("htmx:afterSwap", function (e) { showToasts(e.detail.target); });
    document.body.addEventListener("htmx:responseError", function () {
      var c = document.getElementById("gx-toasts");
      if (!c || !window.bootstrap) return;
      var t = document.createElement("div");
      t.className = "toast text-bg-danger border-0"; t.setAttribute("role", "alert");
      var b = document.createElement("div"); b.className = "toast-body";
      b.textContent = document.documentElement.dataset.gxErrorText || "Something went wrong. Try again.";
      t.appendChild(b); c.appendChild(t); new bootstrap.Toast(t).show();
    });
  });
})();

// --- tasks, notifications, calendar (engagement/tasks) ---------------------------------------
// <button data-gx-copy="#selector" data-gx-copied="Copied"> copies that element's text.
(function () {
  "use strict";
  document.addEventListener("click", function (e) {
    var btn = e.target.closest && e.target.closest("[data-gx-copy]");
    if (!btn) return;
    var src = document.querySelector(btn.getAttribute("data-gx-copy"));
    if (!src) return;
    var text = (src.value || src.textContent || "").trim();
    var done = function () {
      var label = btn.getAttribute("data-gx-copied");
      if (label) { btn.dataset.gxLabel = btn.dataset.gxLabel || btn.innerHTML; btn.textContent = label; }
      setTimeout(function () { if (btn.dataset.gxLabel) btn.innerHTML = btn.dataset.gxLabel; }, 2000);
    };
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(text).then(done);
    } else {  // plain-http intranets: select the text and use the older copy command
      var range = document.createRange(); range.selectNodeContents(src);
      var sel = window.getSelection(); sel.removeAllRanges(); sel.addRange(range);
      try { document.execCommand("copy"); done(); } catch (err) { /* the text stays selected */ }
    }
  });
})();

/* --- follow-ups (engagement/followups): the "Log follow-up" off-canvas focuses its first field ---- */
(function () {
  "use strict";
  document.addEventListener("shown.bs.offcanvas", function (e) {
    if (!e.target.hasAttribute("data-gx-focus-on-show")) return;
    var field = e.target.querySelector("[data-gx-autofocus]");
    if (field) field.focus({ preventScroll: true });
  });
})();

// --- Export jobs (customers/exports): a Bootstrap progress bar's width from data-gx-progress ---
// (the strict CSP forbids style="" in markup; setting the width from a script is allowed).
(function () {
  "use strict";
  function setProgress(root) {
    (root || document).querySelectorAll("[data-gx-progress]").forEach(function (bar) {
      var p = Math.max(0, Math.min(100, parseInt(bar.getAttribute("data-gx-progress"), 10) || 0));
      bar.style.width = p + "%";
    });
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", function () { setProgress(); });
  else setProgress();
  document.addEventListener("htmx:afterSettle", function () { setProgress(); });
})();

// --- Customer health (dormancy part) -------------------------------------------------------
// <div data-gx-donut="ID"> draws a donut from the JSON in <script type="application/json" id="ID">
// ([{name, value, key}]) with the vendored ECharts (loaded by the page that needs it).
// A link to a page with #gx-log-followup (the drifting list's "Log follow-up") opens that off-canvas.
(function () {
  var COLORS = { active: "#16a34a", drifting: "#d97706", dormant: "#6b7280" };
  function donuts() {
    if (!window.echarts) return;
    document.querySelectorAll("[data-gx-donut]").forEach(function (el) {
      if (el.dataset.gxDonutDone) return;
      var src = document.getElementById(el.getAttribute("data-gx-donut"));
      if (!src) return;
      var data;
      try { data = JSON.parse(src.textContent); } catch (e) { return; }
      el.dataset.gxDonutDone = "1";
      var chart = window.echarts.init(el, null, { renderer: "svg" });
      chart.setOption({
        animation: false,
        tooltip: { show: false },  // its HTML uses inline styles, which the CSP refuses
        color: data.map(function (d) { return COLORS[d.key] || "#9ca3af"; }),
        series: [{ type: "pie", radius: ["55%", "80%"], avoidLabelOverlap: true, label: { show: false },
                   data: data.map(function (d) { return { name: d.name, value: d.value }; }) }]
      });
      window.addEventListener("resize", function () { chart.resize(); });
    });
  }
  function openFromHash() {
    if (window.location.hash !== "#gx-log-followup" || !window.bootstrap) return;
    var panel = document.getElementById("gx-log-followup");
    if (panel && panel.classList.contains("offcanvas")) window.bootstrap.Offcanvas.getOrCreateInstance(panel).show();
  }
  function start() { donuts(); openFromHash(); }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
  document.addEventListener("htmx:afterSettle", donuts);
})();

// --- attachments (engagement/files): upload progress and a size check before sending --------
// <form data-gx-upload> posted by htmx (hx-encoding="multipart/form-data") shows htmx's
// htmx:xhr:progress events in its <progress data-gx-upload-progress>; a file input with
// data-gx-max-bytes refuses a file over the limit before it is sent (the server checks again).
(function () {
  "use strict";
  function formOf(e) { return e.target && e.target.closest ? e.target.closest("form[data-gx-upload]") : null; }
  function bar(form) { return form && form.querySelector("[data-gx-upload-progress]"); }
  document.addEventListener("change", function (e) {
    var input = e.target;
    if (!input.matches || !input.matches("form[data-gx-upload] input[type=file][data-gx-max-bytes]")) return;
    var max = parseInt(input.dataset.gxMaxBytes, 10), file = input.files && input.files[0];
    input.setCustomValidity(file && max && file.size > max ? (input.dataset.gxTooLarge || "Too large") : "");
    input.reportValidity();
  });
  document.addEventListener("htmx:beforeRequest", function (e) {
    var form = formOf(e), p = bar(form);
    if (!p) return;
    p.value = 0; p.hidden = false;
    form.querySelectorAll("button[type=submit]").forEach(function (b) { b.disabled = true; });
  });
  document.addEventListener("htmx:xhr:progress", function (e) {
    var p = bar(formOf(e));
    if (p && e.detail && e.detail.lengthComputable) p.value = Math.round(e.detail.loaded / e.detail.total * 100);
  });
  document.addEventListener("htmx:afterRequest", function (e) {
    var form = formOf(e), p = bar(form);
    if (!p) return;
    p.hidden = true;
    form.querySelectorAll("button[type=submit]").forEach(function (b) { b.disabled = false; });
  });
})();
