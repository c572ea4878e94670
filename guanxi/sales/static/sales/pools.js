// The shared pools (sales/pools): "all on this page" checkboxes, and a busy state on submit.
(function () {
  "use strict";
  document.addEventListener("change", function (e) {
    var all = e.target.closest && e.target.closest("[data-gx-pool-all]");
    if (!all) return;
    document.querySelectorAll("[data-gx-pool-pick]").forEach(function (box) { box.checked = all.checked; });
  });
  document.addEventListener("submit", function (e) {
    var form = e.target;
    if (!form.matches || !form.matches("form[data-gx-pool-bulk]")) return;
    if (form.id && form.hasAttribute("data-gx-pool-none")) {
      var picked = document.querySelectorAll("[data-gx-pool-pick][form='" + form.id + "']:checked").length;
      if (!picked) { e.preventDefault(); window.alert(form.getAttribute("data-gx-pool-none")); return; }
    }
    var button = e.submitter || form.querySelector("[type=submit]");
    if (button && button.hasAttribute("data-gx-busy")) {
      window.setTimeout(function () {  // after the browser took the button's formaction
        button.disabled = true;
        button.textContent = button.getAttribute("data-gx-busy");
      }, 0);
    }
  });
})();
