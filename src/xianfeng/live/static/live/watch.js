// The viewers' page of a live: a countdown before it starts, the HLS player a few seconds
// behind once the first segment exists, and a poll of the live's feed (comments, the pinned
// one, likes, viewers, state) every few seconds; played sections are reported so that
// watching the live counts as watching its recording. On the speaker's studio the same
// room runs without a player (comments, likes, viewers, pin and remove).
(function () {
  "use strict";
  var room = document.getElementById("live-room");
  if (!room) { return; }
  var $ = function (id) { return document.getElementById(id); };
  var csrf = "";
  try { csrf = JSON.parse(document.body.getAttribute("hx-headers") || "{}")["X-CSRFToken"] || ""; } catch (e) { csrf = ""; }
  var state = room.getAttribute("data-state");
  var feedUrl = room.getAttribute("data-feed-url");
  var playlist = room.getAttribute("data-playlist");
  var watchUrl = room.getAttribute("data-watch-url");
  var actionBase = room.getAttribute("data-action-base");
  var host = room.getAttribute("data-host") === "1";
  var video = $("live-player");
  var startButton = $("live-start");
  var countdown = $("live-countdown");
  var wait = $("live-wait");
  var list = $("live-comments");
  var deadline = Date.now() + parseInt(room.getAttribute("data-starts-in") || "0", 10) * 1000;
  var lastId = 0, ready = false, started = false, hls = null;
  var LABELS = { scheduled: "预告", live: "直播中", ended: "已结束" };

  function post(url, body, type) {
    var headers = { "X-CSRFToken": csrf };
    if (type) { headers["Content-Type"] = type; }
    return fetch(url, { method: "POST", credentials: "same-origin", headers: headers, body: body });
  }
  function two(n) { return (n < 10 ? "0" : "") + n; }

  function tick() {
    if (!countdown) { return; }
    if (state !== "scheduled") { countdown.hidden = true; return; }
    var left = Math.max(0, Math.round((deadline - Date.now()) / 1000));
    countdown.hidden = false;
    if (left <= 0) { countdown.textContent = "即将开播，主讲人正在准备…"; return; }
    var d = Math.floor(left / 86400), h = Math.floor(left % 86400 / 3600), m = Math.floor(left % 3600 / 60), s = left % 60;
    countdown.textContent = "距开播 " + (d ? d + " 天 " : "") + two(h) + ":" + two(m) + ":" + two(s);
  }

  function startPlayer() {
    if (started) { return; }
    started = true;
    startButton.hidden = true;
    if (window.Hls && window.Hls.isSupported()) {
      // A few segments behind the edge: ~6 s with 2-second segments, caught up gently.
      hls = new window.Hls({ liveSyncDurationCount: 2, liveMaxLatencyDurationCount: 5, maxLiveSyncPlaybackRate: 1.2, startLevel: 0 });
      hls.on(window.Hls.Events.ERROR, function (_e, data) {
        if (data && data.fatal) {
          if (data.type === window.Hls.ErrorTypes.MEDIA_ERROR) { hls.recoverMediaError(); } else { hls.startLoad(); }
        }
      });
      hls.loadSource(playlist);
      hls.attachMedia(video);
    } else { video.src = playlist; }
    video.play().catch(function () {});
  }
  if (startButton) { startButton.addEventListener("click", startPlayer); }

  function showState(next) {
    if (next === state) { return; }
    state = next;
    var tag = $("live-state");
    if (tag) {
      tag.textContent = LABELS[state] || state;
      tag.className = "tag" + (state === "live" ? " tag-live" : "");
    }
    if (state === "ended" && video) {
      wait.hidden = true;
      var form = $("live-comment-form");
      if (form) { form.hidden = true; }
      if (!started) { wait.hidden = false; wait.textContent = "直播已结束，回放发布后可在微党课中观看"; }
    }
  }

  function commentItem(c, held) {
    var li = document.createElement("li");
    li.setAttribute("data-id", c.id);
    var name = document.createElement("strong");
    name.textContent = (c.name || "我") + "：";
    var text = document.createElement("span");
    text.textContent = c.text;
    li.appendChild(name); li.appendChild(text);
    if (held) {
      var tag = document.createElement("span");
      tag.className = "tag"; tag.textContent = "待审核，仅自己可见";
      li.appendChild(tag); li.className = "held";
    } else if (host) {
      [["pin", "置顶"], ["remove", "移除"]].forEach(function (pair) {
        var b = document.createElement("button");
        b.type = "button"; b.className = "link live-act"; b.textContent = pair[1];
        b.setAttribute("data-act", pair[0]);
        li.appendChild(b);
      });
    }
    return li;
  }
  list.addEventListener("click", function (event) {
    var b = event.target.closest ? event.target.closest("button[data-act]") : null;
    if (!b) { return; }
    var id = b.parentNode.getAttribute("data-id");
    b.disabled = true;
    post(actionBase + id + "/" + b.getAttribute("data-act") + "/", new FormData()).then(function () { poll(); });
  });

  function render(data) {
    var keep = {};
    (data.ids || []).forEach(function (id) { keep[id] = true; });
    Array.prototype.slice.call(list.children).forEach(function (li) {
      var id = li.getAttribute("data-id");
      if (li.className !== "held" && !keep[id]) { list.removeChild(li); }
    });
    (data.comments || []).forEach(function (c) {
      var old = list.querySelector('li.held[data-id="' + c.id + '"]');
      if (old) { list.removeChild(old); }
      if (!list.querySelector('li[data-id="' + c.id + '"]')) { list.appendChild(commentItem(c, false)); }
      lastId = Math.max(lastId, c.id);
    });
    (data.held || []).forEach(function (c) {
      if (!list.querySelector('li[data-id="' + c.id + '"]')) { list.appendChild(commentItem({ id: c.id, text: c.text, name: "我" }, true)); }
    });
    var pinned = $("live-pinned");
    if (data.pinned) { pinned.hidden = false; pinned.textContent = "置顶 · " + data.pinned.name + "：" + data.pinned.text; }
    else { pinned.hidden = true; }
    $("live-likes").textContent = data.likes;
    if ($("live-viewers")) { $("live-viewers").textContent = data.viewers; }
    showState(data.state);
    ready = !!data.ready;
    if (video && state === "live" && !started) {
      wait.hidden = ready;
      startButton.hidden = !ready;
    }
  }

  var timer = null;
  function poll() {
    window.clearTimeout(timer);
    fetch(feedUrl + "?after=" + lastId, { credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (data) { if (data) { render(data); } })
      .catch(function () {})
      .then(function () {
        if (state !== "ended" || !started) { timer = window.setTimeout(poll, document.hidden ? 10000 : 3000); }
      });
  }

  var form = $("live-comment-form");
  if (form) {
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var input = $("live-comment-text");
      var error = $("live-comment-error");
      var button = form.querySelector("button[type=submit]");
      button.disabled = true;
      post(form.getAttribute("action"), new FormData(form)).then(function (r) {
        return r.json().then(function (data) {
          if (!r.ok) { error.hidden = false; error.textContent = data.detail || "发送失败"; return; }
          error.hidden = true;
          input.value = "";
          if (data.held) { list.appendChild(commentItem({ id: data.id, text: data.text || "", name: "我" }, true)); }
          poll();
        });
      }).catch(function () { error.hidden = false; error.textContent = "网络不好，评论没有发出，请再试一次"; })
        .then(function () { button.disabled = false; });
    });
  }

  var like = $("live-like");
  if (like) like.addEventListener("click", function () {
    like.disabled = true;
    post(room.getAttribute("data-like-url"), new FormData()).then(function (r) { return r.ok ? r.json() : null; })
      .then(function (data) {
        if (data) { $("live-likes").textContent = data.likes; like.firstChild.textContent = "已赞 "; }
        else { like.disabled = false; }
      }).catch(function () { like.disabled = false; });
  });

  tick();
  window.setInterval(tick, 1000);
  poll();
  if (!video) { return; }

  // Played sections on the live's timeline, sent every 10 s while on air.
  var sections = [], from = null, last = null;
  function round(t) { return Math.round(t * 100) / 100; }
  function close(end) { if (from !== null && end > from + 0.05) { sections.push([round(from), round(end)]); } from = null; }
  video.addEventListener("playing", function () { from = video.currentTime; last = from; });
  video.addEventListener("timeupdate", function () {
    if (from === null || video.paused) { return; }
    var t = video.currentTime;
    if (t < last - 0.5 || t > last + 3) { close(last); from = t; }
    last = t;
  });
  video.addEventListener("pause", function () { close(video.currentTime); });
  video.addEventListener("waiting", function () { close(video.currentTime); });
  function report(leaving) {
    if (from !== null && !video.paused) { var t = video.currentTime; close(t); from = t; last = t; }
    if (!sections.length || state !== "live") { return; }
    var body = JSON.stringify({ sections: sections });
    sections = [];
    if (leaving && window.xfBeacon && window.xfBeacon(watchUrl, csrf, body)) return;
    fetch(watchUrl, { method: "POST", credentials: "same-origin", keepalive: !!leaving, headers: { "Content-Type": "application/json", "X-CSRFToken": csrf }, body: body }).catch(function () {});
  }
  window.setInterval(function () { report(false); }, 10000);
  window.addEventListener("pagehide", function () { report(true); });
})();

// 转发: the system share sheet where the phone has one (WeChat's browser, Android, iOS),
// else the link is copied, else selected for the person to copy.
(function () {
  "use strict";
  var button = document.getElementById("live-share-button");
  if (!button) { return; }
  var field = document.getElementById("live-share-url");
  var status = document.getElementById("live-share-status");
  function say(text) { if (status) { status.textContent = text; } }
  button.addEventListener("click", function () {
    var url = button.getAttribute("data-url");
    var title = button.getAttribute("data-title") || document.title;
    if (navigator.share) {
      navigator.share({ title: title, url: url }).catch(function () {});
      return;
    }
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(url).then(function () { say("链接已复制，可以粘贴给同志们"); },
        function () { field.select(); say("请长按或按 Ctrl+C 复制链接"); });
      return;
    }
    field.select();
    say("请长按或按 Ctrl+C 复制链接");
  });
}());
