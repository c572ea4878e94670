// Leads (sales/leads): a form with data-gx-busy shows that a long action is running (conversion
// creates an account, a contact and maybe an opportunity): its submit button is disabled and
// gets a spinner, so it is not pressed twice.
(function () {
  "use strict";
  document.addEventListener("submit", function (e) {
    var form = e.target;
    if (!form.hasAttribute || !form.hasAttribute("data-gx-busy") || e.defaultPrevented) return;
    form.querySelectorAll("button[type=submit]").forEach(function (b) {
      b.disabled = true;
      var spin = document.createElement("span");
      spin.className = "spinner-border spinner-border-sm ms-1";
      spin.setAttribute("aria-hidden", "true");
      b.appendChild(spin);
    });
    form.setAttribute("aria-busy", "true");
  });
})();
