// The exam clock: shows the time left by the server's deadline (corrected for this
// device's clock with the server's "now" at page load) and hands the sheet in when it
// reaches zero. The server decides either way; this only saves the person a surprise.
(function () {
  "use strict";
  function start() {
    var clock = document.querySelector(".quiz-clock");
    var form = document.getElementById("quiz-form");
    if (!clock || !form) return;
    var deadline = Date.parse(clock.getAttribute("data-deadline"));
    var skew = Date.parse(clock.getAttribute("data-now")) - Date.now();
    var left = clock.querySelector(".quiz-left");
    var sent = false;
    function tick() {
      var ms = deadline - (Date.now() + skew);
      if (ms <= 0) {
        left.textContent = "时间到，正在交卷…";
        if (!sent) { sent = true; form.submit(); }
        return;
      }
      var s = Math.floor(ms / 1000);
      var h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60), r = s % 60;
      left.textContent = "剩余 " + (h ? h + " 小时 " : "") + m + " 分 " + (r < 10 ? "0" : "") + r + " 秒";
      setTimeout(tick, 1000);
    }
    tick();
  }
  // Honest save marks: a change shows 保存中… at once, and 已保存 only once the save that
  // carried the latest change has come back (htmx queues a change made while a save is on
  // its way; the first reply must not claim the later change). A failed save says so.
  function marks() {
    var form = document.getElementById("quiz-form");
    if (!form) return;
    function box(el) { return el && el.closest ? el.closest("fieldset.quiz-q") : null; }
    function mark(q, text) { var s = q.querySelector(".saved"); if (s) s.textContent = text; }
    function changed(e) {
      var q = box(e.target);
      if (!q) return;
      q.xfVersion = (q.xfVersion || 0) + 1;
      mark(q, "保存中…");
    }
    // Capture: counted before htmx (listening on the fieldset) sends the save.
    form.addEventListener("change", changed, true);
    form.addEventListener("input", changed, true);
    document.body.addEventListener("htmx:beforeRequest", function (e) {
      var q = box(e.detail.elt);
      if (q) q.xfSent = q.xfVersion || 0;
    });
    document.body.addEventListener("htmx:afterRequest", function (e) {
      var q = box(e.detail.elt);
      if (!q) return;
      if (!e.detail.successful) {
        var xhr = e.detail.xhr;
        mark(q, xhr && xhr.status ? (xhr.responseText || "未保存，请刷新页面后重试") : "未保存：网络不通，请稍后再选一次");
      }
      else if ((q.xfVersion || 0) !== q.xfSent) mark(q, "保存中…");
    });
  }
  function boot() { start(); marks(); }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", boot);
  else boot();
})();
