// Small behaviours of the portal, kept out of the pages so the Content-Security-Policy can forbid
// inline script. Every page works without this file: a confirmation is then simply not asked.
(function () {
  "use strict";
  document.addEventListener("click", function (event) {
    var el = event.target.closest("[data-confirm], [data-print], [data-back]");
    if (!el) return;
    if (el.hasAttribute("data-confirm") && !window.confirm(el.getAttribute("data-confirm"))) {
      event.preventDefault();
    } else if (el.hasAttribute("data-print")) {
      event.preventDefault();
      window.print();
    } else if (el.hasAttribute("data-back")) {
      event.preventDefault();
      window.history.back();
    }
  });
  // A form marked data-once is sent once: its submit buttons are disabled after the first submit.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.hasAttribute || !form.hasAttribute("data-once") || event.defaultPrevented) return;
    window.setTimeout(function () {
      form.querySelectorAll("button[type=submit]").forEach(function (b) { b.disabled = true; });
    }, 0);
  });
})();
