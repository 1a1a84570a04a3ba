// Small behaviours for pages; no inline script anywhere (the CSP forbids it).
(function () {
  "use strict";
  // <form data-confirm="…">: ask before submitting.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    var question = form.getAttribute && form.getAttribute("data-confirm");
    if (question && !window.confirm(question)) {
      event.preventDefault();
    }
  }, true);
  // Disable a form's submit buttons once it is sent, so a double click sends once.
  document.addEventListener("submit", function (event) {
    if (event.defaultPrevented) return;
    var form = event.target;
    if (form.hasAttribute("hx-post") || form.hasAttribute("hx-get")) return;
    window.setTimeout(function () {
      form.querySelectorAll("button[type=submit], input[type=submit]").forEach(function (b) {
        b.disabled = true;
        b.classList.add("busy");
      });
    }, 0);
  });
  // <select data-autosubmit>: filters that apply on change.
  document.addEventListener("change", function (event) {
    var el = event.target;
    if (el.hasAttribute && el.hasAttribute("data-autosubmit") && el.form && !el.form.hasAttribute("hx-get")) {
      el.form.requestSubmit();
    }
  });
})();
// Coming back to a page from the browser's history: the buttons work again.
window.addEventListener("pageshow", function () {
  document.querySelectorAll("button.busy").forEach(function (b) {
    b.disabled = false;
    b.classList.remove("busy");
  });
});
