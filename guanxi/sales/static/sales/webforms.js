/* Web forms (admin): copy buttons for the hosted address and the embed snippets.
   <button data-gx-copy="<id of an input or textarea>" data-gx-copied="Copied"> */
(function () {
  "use strict";
  function flash(button) {
    var text = button.getAttribute("data-gx-copied");
    if (!text) { return; }
    var old = button.innerHTML;
    button.textContent = text;
    button.classList.add("btn-success");
    setTimeout(function () { button.innerHTML = old; button.classList.remove("btn-success"); }, 1500);
  }
  document.addEventListener("click", function (e) {
    var button = e.target.closest && e.target.closest("[data-gx-copy]");
    if (!button) { return; }
    var source = document.getElementById(button.getAttribute("data-gx-copy"));
    if (!source) { return; }
    var value = source.value;
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(value).then(function () { flash(button); }, function () { source.select(); });
    } else { // plain http on an intranet: select it, the browser's own copy still works
      source.focus();
      source.select();
      try { if (document.execCommand("copy")) { flash(button); } } catch (err) { /* selected: Ctrl-C */ }
    }
  });
})();
