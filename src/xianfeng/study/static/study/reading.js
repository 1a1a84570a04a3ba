// Reading honestly: counts the seconds this page is visible and how far the article has been
// scrolled, and reports both to the server every 10 seconds and when the page is left. The
// server credits no more time than the clock allows and completes the reading once.
(function () {
  "use strict";
  function start() {
    var box = document.getElementById("article-reading");
    var body = document.getElementById("article-body");
    if (!box || !body) return;
    var url = box.getAttribute("data-url");
    var status = box.querySelector(".reading-status");
    var csrf = "";
    try { csrf = JSON.parse(document.body.getAttribute("hx-headers") || "{}")["X-CSRFToken"] || ""; } catch (e) { csrf = ""; }
    var pending = 0, scrolled = 0, done = box.getAttribute("data-done") === "1", sending = false;

    function measure() {
      var rect = body.getBoundingClientRect();
      var seen = window.innerHeight - rect.top;
      var share = rect.height > 0 ? seen / rect.height : 1;
      scrolled = Math.max(scrolled, Math.min(1, Math.max(0, share)));
    }
    function show(data) {
      if (!status) return;
      if (data.completed) { status.textContent = "已读完"; box.classList.add("is-done"); return; }
      var left = Math.max(0, Math.ceil(data.needed - data.seconds));
      status.textContent = "阅读中：" + Math.round(data.scrolled * 100) + "%" + (left ? "，还需约 " + left + " 秒" : "，请读到文末");
    }
    function report(leaving) {
      if (done || sending || (pending < 1 && !leaving)) return;
      var seconds = Math.round(pending * 10) / 10;
      pending = 0;
      sending = !leaving;
      var body = JSON.stringify({ seconds: seconds, scrolled: Math.round(scrolled * 1000) / 1000 });
      if (leaving && window.xfBeacon && window.xfBeacon(url, csrf, body)) return;
      fetch(url, {
        method: "POST", credentials: "same-origin", keepalive: !!leaving,
        headers: { "Content-Type": "application/json", "X-CSRFToken": csrf },
        body: body
      }).then(function (r) { return r.ok ? r.json() : null; }).then(function (data) {
        sending = false;
        if (data) { done = data.completed; show(data); }
      }).catch(function () { sending = false; pending += seconds; });
    }
    measure();
    window.addEventListener("scroll", measure, { passive: true });
    window.addEventListener("resize", measure);
    setInterval(function () {
      if (document.visibilityState === "visible") pending += 1;
    }, 1000);
    setInterval(function () { report(false); }, 10000);
    document.addEventListener("visibilitychange", function () {
      if (document.visibilityState === "hidden") report(true);
    });
    window.addEventListener("pagehide", function () { report(true); });
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
