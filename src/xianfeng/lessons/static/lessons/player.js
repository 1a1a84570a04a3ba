// The lesson player: native HLS where the browser has it, hls.js (loaded on play) where it
// has MediaSource, MP4 last.
// It reports the sections actually played (start, end) every WATCH_REPORT_SECONDS (60 s)
// and at once on pause, end, hiding or leaving the page; the server keeps their union, so
// seeking ahead or replaying does not count twice. What was played and not yet reported is
// also kept on the device (localStorage, per person and lesson) and sent on the next visit:
// a phone that dies or a WebView killed mid-lesson loses nothing.
(function () {
  "use strict";
  var video = document.getElementById("lesson-player");
  if (!video) return;
  var hlsUrl = video.getAttribute("data-hls");
  var mp4Url = video.getAttribute("data-mp4");
  var watchUrl = video.getAttribute("data-watch-url");
  // How often a playing player reports (the server says, settings.WATCH_REPORT_SECONDS);
  // pause, end, leaving the page and hiding it report at once, so nothing is lost.
  var reportEvery = parseInt(video.getAttribute("data-report-every") || "60", 10);
  if (!(reportEvery >= 5)) reportEvery = 60;
  var resume = parseFloat(video.getAttribute("data-resume") || "0");
  var statusLine = document.getElementById("watch-progress");
  var hls = null;

  function useMp4() {
    if (hls) { hls.destroy(); hls = null; }
    if (mp4Url && video.getAttribute("src") !== mp4Url) { video.src = mp4Url; }
  }

  // Media URLs are signed and expire (a TV box left paused for hours): on a 403 the page
  // asks for fresh ones and carries on where it was, at most once a minute.
  var refreshUrl = video.getAttribute("data-refresh-url");
  var refreshedAt = 0;
  function refresh() {
    if (!refreshUrl || Date.now() - refreshedAt < 60000) return false;
    refreshedAt = Date.now();
    var at = video.currentTime || 0;
    var wasPlaying = !video.paused;
    fetch(refreshUrl, { credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (urls) {
        if (!urls) return;
        hlsUrl = urls.hls; mp4Url = urls.mp4;
        if (hls && hlsUrl) { hls.loadSource(hlsUrl); hls.startLoad(at); }
        else if (mp4Url) { video.src = mp4Url; video.currentTime = at; }
        if (wasPlaying) { video.play().catch(function () {}); }
      })
      .catch(function () {});
    return true;
  }
  function expired(data) { return !!(data && data.response && data.response.code === 403); }

  // Nothing is fetched before play but the poster (preload="none", no src): a member on a
  // 400 kbit/s link pays for video, and for hls.js (160 KB), only once they press play.
  // Native HLS first (Safari, Android, TV boxes), hls.js where MediaSource is, MP4 last.
  var started = false;
  var startButton = document.getElementById("player-start");
  function attachHlsJs() {
    hls = new window.Hls({ startLevel: 0, capLevelToPlayerSize: true, maxBufferLength: 30 });
    hls.on(window.Hls.Events.ERROR, function (_event, data) {
      if (expired(data) && refresh()) return;
      if (data && data.fatal) {
        if (data.type === window.Hls.ErrorTypes.NETWORK_ERROR && hls) { hls.startLoad(); }
        else { useMp4(); }
      }
    });
    hls.loadSource(hlsUrl);
    hls.attachMedia(video);
    video.play().catch(function () {});
  }
  // Named apart from `start` below (the watched stretch's start), which would otherwise
  // replace this function once the page has a watch URL: the video's own play control
  // then threw "start is not a function" and nothing played.
  function begin() {
    if (started) return;
    started = true;
    if (startButton) { startButton.hidden = true; }
    video.setAttribute("preload", "auto");
    var native = hlsUrl && video.canPlayType("application/vnd.apple.mpegurl");
    var mse = window.MediaSource || window.ManagedMediaSource;
    if (native) {
      video.src = hlsUrl;
      video.play().catch(function () {});
    } else if (hlsUrl && mse && (window.Hls || hlsLib)) {
      if (window.Hls) { attachHlsJs(); return; }
      var script = document.createElement("script");
      script.src = hlsLib;
      script.onload = function () {
        if (window.Hls && window.Hls.isSupported()) { attachHlsJs(); }
        else { useMp4(); video.play().catch(function () {}); }
      };
      script.onerror = function () { useMp4(); video.play().catch(function () {}); };
      document.head.appendChild(script);
    } else {
      useMp4();
      video.play().catch(function () {});
    }
  }
  var hlsLib = video.getAttribute("data-hls-lib");
  if (startButton) { startButton.addEventListener("click", begin); }
  // The browser's own play control on a video without a source: start the same way.
  video.addEventListener("play", function () { if (!started) { begin(); } });

  // A visitor's play is counted once as a view (never as study): data-view-url.
  var viewUrl = video.getAttribute("data-view-url");
  if (viewUrl) {
    video.addEventListener("playing", function () {
      if (!viewUrl) return;
      var csrfToken = "";
      try { csrfToken = JSON.parse(document.body.getAttribute("hx-headers") || "{}")["X-CSRFToken"] || ""; } catch (e) { csrfToken = ""; }
      fetch(viewUrl, { method: "POST", credentials: "same-origin", headers: { "X-CSRFToken": csrfToken } }).catch(function () {});
      viewUrl = null;
    });
  }

  video.addEventListener("error", function () {
    // A native player (Safari, TV boxes) or the MP4: the signed URL may have expired.
    if (!hls && video.error && video.error.code === 2) { refresh(); }
  });

  video.addEventListener("loadedmetadata", function () {
    var d = video.duration;
    if (resume > 3 && isFinite(d) && resume < d - 5) { video.currentTime = resume; }
  }, { once: true });

  if (!watchUrl) return;

  var csrf = "";
  try { csrf = JSON.parse(document.body.getAttribute("hx-headers") || "{}")["X-CSRFToken"] || ""; } catch (e) { csrf = ""; }

  var sections = [];        // closed sections of this visit, merged
  var start = null;         // where the current stretch of playing began
  var last = null;          // the last time seen while playing
  var dirty = false;
  var changes = 0;          // sections added (a report that started at `changes` and
                            // succeeded has sent everything if none came since)

  // The device's copy of what was played and not yet confirmed sent: written every few
  // seconds while playing, removed when a report carrying all of it has been answered.
  var storeKey = "xf-watch:" + (video.getAttribute("data-watcher") || "") + ":" + watchUrl;
  var KEEP_MS = 7 * 24 * 3600 * 1000;
  var stashedAt = 0;
  function store() { try { return window.localStorage; } catch (e) { return null; } }
  function stash() {
    var s = store();
    if (!s) return;
    var now = Date.now();
    stashedAt = now;
    var list = sections;
    if (start !== null && last !== null && last > start + 0.05) {
      list = merge(sections.concat([[round(start), round(last)]]));
    }
    if (!list.length) return;
    try { s.setItem(storeKey, JSON.stringify({ sections: list, at: now })); } catch (e) { /* full or private mode */ }
  }
  function unstash() { var s = store(); if (s) { try { s.removeItem(storeKey); } catch (e) { /* ignore */ } } }

  function merge(list) {
    list.sort(function (a, b) { return a[0] - b[0]; });
    var out = [];
    list.forEach(function (s) {
      if (out.length && s[0] <= out[out.length - 1][1]) {
        out[out.length - 1][1] = Math.max(out[out.length - 1][1], s[1]);
      } else { out.push([s[0], s[1]]); }
    });
    return out;
  }
  function close(end) {
    if (start !== null && end > start + 0.05) {
      sections = merge(sections.concat([[round(start), round(end)]]));
      dirty = true;
      changes += 1;
      stash();
    }
    start = null;
  }
  function round(t) { return Math.round(t * 100) / 100; }

  // A previous visit's unreported sections (the page was killed before it could report).
  (function restore() {
    var s = store();
    if (!s) return;
    var kept = null;
    try { kept = JSON.parse(s.getItem(storeKey) || "null"); } catch (e) { kept = null; }
    if (!kept || !kept.sections || !(Date.now() - (kept.at || 0) < KEEP_MS)) { unstash(); return; }
    var valid = kept.sections.filter(function (x) {
      return x && x.length === 2 && isFinite(x[0]) && isFinite(x[1]) && x[1] > x[0];
    });
    if (!valid.length) { unstash(); return; }
    sections = merge(valid.map(function (x) { return [round(x[0]), round(x[1])]; }));
    dirty = true;
    changes += 1;
  })();

  video.addEventListener("playing", function () { start = video.currentTime; last = start; });
  video.addEventListener("timeupdate", function () {
    if (start === null || video.paused || video.seeking) return;
    var t = video.currentTime;
    // A jump back or ahead while playing is a seek we did not see: close what was played.
    if (t < last - 0.5 || t > last + 3) { close(last); start = t; }
    last = t;
    if (Date.now() - stashedAt > 5000) { stash(); }
  });
  video.addEventListener("seeking", function () { if (start !== null) close(last); });
  video.addEventListener("seeked", function () {
    if (!video.paused) { start = video.currentTime; last = start; }
  });
  video.addEventListener("pause", function () { if (start !== null) close(video.currentTime); send(false); });
  video.addEventListener("ended", function () { if (start !== null) close(video.currentTime); send(false); });

  function body() {
    // Before this visit has played, the position is not known (a restored report).
    return JSON.stringify({ sections: sections, position: started ? round(video.currentTime || 0) : null });
  }
  function show(data) {
    if (!statusLine || !data) return;
    statusLine.textContent = data.completed ? "已学完" : "已看 " + Math.round(data.share * 100) + "%";
    if (data.completed) statusLine.className = "small tag-ok";
  }
  function send(leaving) {
    if (!dirty) return;
    dirty = false;
    var sentAt = changes;
    // Leaving the page: a beacon (app.js). What it carries stays in the stash until an
    // answered report: the next visit sends it again and the server's union counts it once.
    if (leaving && window.xfBeacon && window.xfBeacon(watchUrl, csrf, body())) return;
    var request = fetch(watchUrl, {
      method: "POST",
      credentials: "same-origin",
      keepalive: !!leaving,
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrf },
      body: body(),
    });
    if (leaving) return;
    request.then(function (r) {
      if (!r.ok) { if (r.status >= 500) { dirty = true; } return null; }
      if (changes === sentAt && start === null) { unstash(); }
      return r.json();
    })
      .then(show)
      .catch(function () { dirty = true; });  // offline: the union is sent again next time
  }

  window.setInterval(function () {
    if (start !== null && !video.paused) { var t = video.currentTime; close(t); start = t; last = t; }
    send(false);
  }, reportEvery * 1000);
  window.addEventListener("pagehide", function () {
    if (start !== null) close(video.currentTime);
    send(true);
  });
  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "hidden") {
      if (start !== null && !video.paused) { var t = video.currentTime; close(t); start = t; last = t; }
      send(true);
    }
  });
  // What an earlier visit played and could not report goes now.
  if (dirty) { send(false); }
})();
