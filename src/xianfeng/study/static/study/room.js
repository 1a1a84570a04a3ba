// 现场竞答 countdown: "剩余 N 秒" ticks down between polls (a phone with an answer in
// hand is not re-rendered by its poll). The server's limit decides; this only shows it.
(function () {
  "use strict";
  function tick() {
    var now = Date.now();
    document.querySelectorAll(".room-left[data-left]").forEach(function (el) {
      if (!el.xfEnd) el.xfEnd = now + parseInt(el.getAttribute("data-left"), 10) * 1000;
      var s = Math.max(0, Math.ceil((el.xfEnd - now) / 1000));
      el.textContent = "剩余 " + s + " 秒";
    });
  }
  setInterval(tick, 1000);
})();
