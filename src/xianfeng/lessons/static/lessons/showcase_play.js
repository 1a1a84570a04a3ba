// 连续播放 of a 展播 channel on a meeting-room screen: the lessons play one after another,
// in the channel's order; after the last one it starts again from the first when 循环 is
// on. Each lesson's signed media URLs are fetched fresh just before it plays (a screen
// left on for hours never holds an expired URL). A lesson that cannot play is skipped
// after a few seconds, so the room is never left on a black screen.
(function () {
  "use strict";
  var video = document.getElementById("showcase-player");
  var list = document.getElementById("play-list");
  if (!video || !list) return;
  var items = Array.prototype.slice.call(list.querySelectorAll("li[data-playback]"));
  var now = document.getElementById("play-now");
  var loop = document.getElementById("play-loop");
  var hlsLib = video.getAttribute("data-hls-lib");
  var hls = null;
  var current = -1;
  var failures = 0;
  var skipTimer = null;

  function say(text) { if (now) { now.textContent = text; } }
  function mark(i) {
    items.forEach(function (li, j) {
      if (i === j) { li.setAttribute("aria-current", "true"); } else { li.removeAttribute("aria-current"); }
    });
  }
  function loadHlsJs() {
    return new Promise(function (resolve) {
      if (window.Hls) { resolve(true); return; }
      if (!hlsLib) { resolve(false); return; }
      var script = document.createElement("script");
      script.src = hlsLib;
      script.onload = function () { resolve(!!(window.Hls && window.Hls.isSupported())); };
      script.onerror = function () { resolve(false); };
      document.head.appendChild(script);
    });
  }
  function stopHls() { if (hls) { hls.destroy(); hls = null; } }
  function skipSoon() {
    failures += 1;
    if (failures >= items.length) { say("展播中的课程暂时都无法播放，请稍后再试"); return; }
    say("这节课暂时无法播放，即将播放下一节…");
    window.clearTimeout(skipTimer);
    skipTimer = window.setTimeout(next, 3000);
  }
  function attach(urls) {
    stopHls();
    var mse = window.MediaSource || window.ManagedMediaSource;
    if (urls.hls && video.canPlayType("application/vnd.apple.mpegurl")) {
      video.src = urls.hls;
      return Promise.resolve();
    }
    if (urls.hls && mse) {
      return loadHlsJs().then(function (ok) {
        if (!ok) { video.src = urls.mp4; return; }
        hls = new window.Hls({ startLevel: 0, capLevelToPlayerSize: true, maxBufferLength: 30 });
        hls.on(window.Hls.Events.ERROR, function (_e, data) {
          if (data && data.fatal) { stopHls(); if (urls.mp4) { video.src = urls.mp4; video.play().catch(function () {}); } else { skipSoon(); } }
        });
        hls.loadSource(urls.hls);
        hls.attachMedia(video);
      });
    }
    video.src = urls.mp4;
    return Promise.resolve();
  }
  function playAt(i) {
    if (!items.length) return;
    window.clearTimeout(skipTimer);
    current = (i + items.length) % items.length;
    var li = items[current];
    mark(current);
    say("正在播放（" + (current + 1) + "/" + items.length + "）：" + li.getAttribute("data-title"));
    fetch(li.getAttribute("data-playback"), { credentials: "same-origin" })
      .then(function (r) { if (!r.ok) throw new Error(String(r.status)); return r.json(); })
      .then(function (urls) {
        if (urls.poster) { video.poster = urls.poster; }
        return attach(urls);
      })
      .then(function () {
        return video.play().catch(function () {
          // Autoplay with sound refused (no gesture yet): play muted rather than stop.
          video.muted = true;
          return video.play();
        });
      })
      .catch(skipSoon);
  }
  function next() {
    if (current + 1 >= items.length && loop && !loop.checked) {
      say("展播已全部播放完毕");
      mark(-1);
      return;
    }
    playAt(current + 1);
  }

  video.addEventListener("playing", function () { failures = 0; });
  video.addEventListener("ended", next);
  video.addEventListener("error", function () { if (!hls) { skipSoon(); } });
  items.forEach(function (li, i) {
    var button = li.querySelector("button");
    if (button) { button.addEventListener("click", function () { playAt(i); }); }
  });
  function on(id, handler) {
    var el = document.getElementById(id);
    if (el) { el.addEventListener("click", handler); }
  }
  on("play-start", function () { playAt(current < 0 ? 0 : current); });
  on("play-prev", function () { playAt(current <= 0 ? 0 : current - 1); });
  on("play-next", function () { playAt(current + 1); });
  on("play-full", function () {
    var wrap = document.getElementById("play-wrap");
    if (wrap && wrap.requestFullscreen) { wrap.requestFullscreen().catch(function () {}); }
  });
})();
