// Small behaviours for pages; no inline script anywhere (the CSP forbids it).
// A page's last report as it goes (pagehide, the tab hidden): navigator.sendBeacon, which the
// browser still sends after the page is gone. A beacon cannot set X-CSRFToken, so it is a
// form with the token as csrfmiddlewaretoken and the JSON as `report` (the server reads it
// with common.parse.report_json). False where there is no beacon or the browser refuses
// one: the caller then sends a keepalive fetch.
window.xfBeacon = function (url, csrf, json) {
  if (!navigator.sendBeacon) return false;
  var form = new URLSearchParams();
  form.append("csrfmiddlewaretoken", csrf);
  form.append("report", json);
  try { return navigator.sendBeacon(url, form); } catch (e) { return false; }
};
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
// <textarea data-min-chars="50">: a live count of what has been written against the
// minimum (whitespace and invisible characters do not count, as on the server).
(function () {
  "use strict";
  var invisible = /[\s\u200b-\u200f\u2028-\u202f\u2060-\u206f\ufeff]/g;
  function update(area) {
    var min = parseInt(area.getAttribute("data-min-chars"), 10) || 0;
    var counter = document.getElementById(area.id + "-count");
    if (!counter) return;
    var n = Array.from(area.value.replace(invisible, "")).length;
    counter.textContent = n >= min ? "已写 " + n + " 字" : "已写 " + n + " 字，还差 " + (min - n) + " 字";
    counter.classList.toggle("count-ok", n >= min);
  }
  function all() { document.querySelectorAll("textarea[data-min-chars]").forEach(update); }
  document.addEventListener("input", function (event) {
    if (event.target.matches && event.target.matches("textarea[data-min-chars]")) update(event.target);
  });
  document.addEventListener("DOMContentLoaded", all);
  document.addEventListener("htmx:afterSwap", all);
})();
// The main navigation on a narrow screen in 大字, or at 200 % zoom: ten links filled the whole
// first screen, so they fold behind 菜单 (app.css decides when). Without this script the links
// simply stay open.
(function () {
  "use strict";
  var toggle = document.getElementById("nav-toggle");
  if (!toggle) return;
  var bar = toggle.closest(".topbar");
  document.documentElement.classList.add("nav-folds");
  toggle.hidden = false;
  toggle.addEventListener("click", function () {
    var open = bar.classList.toggle("nav-open");
    toggle.setAttribute("aria-expanded", open ? "true" : "false");
    toggle.textContent = open ? "收起菜单" : "菜单";
  });
})();
