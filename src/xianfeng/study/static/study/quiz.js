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
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
