/* The site's TV player: arrow keys + OK, a heartbeat every 5 minutes with an offline
   queue (each beat keeps its own time; the server accepts them up to 7 days late).
   No framework, ES5-compatible for old Android TV WebViews; user text only via
   textContent (never innerHTML). */
(function () {
  "use strict";
  var TOKEN = "xf_device_token";
  var QUEUE = "xf_beats";
  var BEAT_MS = 5 * 60 * 1000;
  var MAX_QUEUE = 7 * 288; // a week of beats
  var body = document.body;
  var token = null;
  try { token = window.localStorage.getItem(TOKEN); } catch (e) { token = null; }
  if (!token) { window.location.replace(body.getAttribute("data-pair")); return; }

  function readQueue() {
    try { return JSON.parse(window.localStorage.getItem(QUEUE) || "[]"); } catch (e) { return []; }
  }
  function writeQueue(q) {
    if (q.length > MAX_QUEUE) { q = q.slice(q.length - MAX_QUEUE); }
    try { window.localStorage.setItem(QUEUE, JSON.stringify(q)); } catch (e) { /* full */ }
  }
  function unpaired() {
    try { window.localStorage.removeItem(TOKEN); } catch (e) { /* ignore */ }
    window.location.replace(body.getAttribute("data-pair"));
  }
  function request(method, url, data, done) {
    var xhr = new XMLHttpRequest();
    xhr.open(method, url, true);
    xhr.setRequestHeader("Authorization", "Bearer " + token);
    if (data !== null) { xhr.setRequestHeader("Content-Type", "application/json"); }
    xhr.timeout = 20000;
    xhr.onload = function () { done(xhr.status, xhr.responseText); };
    xhr.onerror = xhr.ontimeout = function () { done(0, ""); };
    xhr.send(data === null ? null : JSON.stringify(data));
  }
  function setNet(online) {
    var net = document.getElementById("net");
    net.textContent = online ? "网络正常" : "网络断开，心跳已暂存，恢复后自动补报";
    net.className = "tv-net " + (online ? "ok" : "down");
  }

  var flushing = false;
  function flush() {
    if (flushing) { return; }
    var q = readQueue();
    if (!q.length) { return; }
    flushing = true;
    request("POST", body.getAttribute("data-beat"), { at: q[0].at }, function (status) {
      flushing = false;
      if (status === 401) { unpaired(); return; }
      if (status === 0 || status >= 500 || status === 429) { setNet(false); return; }
      // 200 accepted, 4xx refused for good (too old, from the future): never resend.
      var rest = readQueue();
      rest.shift();
      writeQueue(rest);
      setNet(true);
      if (rest.length) { window.setTimeout(flush, 50); }
    });
  }
  function beat() {
    var q = readQueue();
    q.push({ at: new Date().toISOString() });
    writeQueue(q);
    flush();
  }

  // --- focus: arrow keys move to the nearest tile in that direction --------------------
  function tiles() {
    var all = document.querySelectorAll(".tv-tile");
    var shown = [];
    for (var i = 0; i < all.length; i++) {
      if (all[i].offsetParent !== null) { shown.push(all[i]); }
    }
    return shown;
  }
  function move(dx, dy) {
    var list = tiles();
    var current = document.activeElement;
    if (list.indexOf(current) < 0) { if (list.length) { list[0].focus(); } return; }
    var from = current.getBoundingClientRect();
    var cx = from.left + from.width / 2, cy = from.top + from.height / 2;
    var best = null, bestScore = Infinity;
    for (var i = 0; i < list.length; i++) {
      if (list[i] === current) { continue; }
      var r = list[i].getBoundingClientRect();
      var x = r.left + r.width / 2 - cx, y = r.top + r.height / 2 - cy;
      var along = dx ? x * dx : y * dy;
      if (along <= 1) { continue; }
      var across = dx ? Math.abs(y) : Math.abs(x);
      var score = along + 2 * across;
      if (score < bestScore) { bestScore = score; best = list[i]; }
    }
    if (best) { best.focus(); best.scrollIntoView({ block: "nearest" }); }
  }
  document.addEventListener("keydown", function (event) {
    var key = event.key || event.keyCode;
    if (key === "ArrowRight" || key === 39) { move(1, 0); event.preventDefault(); }
    else if (key === "ArrowLeft" || key === 37) { move(-1, 0); event.preventDefault(); }
    else if (key === "ArrowDown" || key === 40) { move(0, 1); event.preventDefault(); }
    else if (key === "ArrowUp" || key === 38) { move(0, -1); event.preventDefault(); }
    else if (key === "Backspace" || key === "Escape" || key === "GoBack" || key === 8 || key === 27) {
      if (!document.getElementById("stage").hidden) { closeStage(); event.preventDefault(); }
      else if (!document.getElementById("show").hidden) { closeShow(); event.preventDefault(); }
    }
  });

  // --- tiles -------------------------------------------------------------------------
  var hls = null;
  function closeStage() {
    shownViewing = null;
    var video = document.getElementById("video");
    video.pause();
    if (hls) { hls.destroy(); hls = null; }
    document.getElementById("stage").hidden = true;
    document.getElementById("tiles").hidden = false;
    var first = tiles()[0];
    if (first) { first.focus(); }
  }
  var shownViewing = null; // the viewing whose QR is on screen (kept fresh: codes rotate)
  function showQr(viewing) {
    shownViewing = viewing.id;
    document.getElementById("tiles").hidden = true;
    document.getElementById("stage").hidden = false;
    document.getElementById("video").hidden = true;
    document.getElementById("qr").src = viewing.qr;
    document.getElementById("qr-text").textContent = viewing.qr_label + "：" + viewing.title;
    document.getElementById("qr-box").hidden = false;
    document.getElementById("back").focus();
  }
  function play(lesson) {
    document.getElementById("video").hidden = false;
    document.getElementById("qr-box").hidden = true;
    document.getElementById("tiles").hidden = true;
    document.getElementById("stage").hidden = false;
    var video = document.getElementById("video");
    if (lesson.hls && window.Hls && window.Hls.isSupported()) {
      // 360p first: start at the lowest level and let hls.js climb.
      hls = new window.Hls({ startLevel: 0 });
      hls.loadSource(lesson.hls);
      hls.attachMedia(video);
    } else {
      video.src = lesson.hls || lesson.mp4;
    }
    video.play().catch(function () { /* the OK key starts it */ });
    document.getElementById("back").focus();
  }
  // --- a show on the big screen (现场竞答): polled every 2 s, OK moves it one step -------
  var show = null; // {kind, id, step, end, timer}
  function showUrl(item) {
    return body.getAttribute("data-api") + "/screens/" + encodeURIComponent(item.kind) + "/" + item.id;
  }
  function setText(id, text) { document.getElementById(id).textContent = text; }
  function fill(list, rows, line) {
    var box = document.getElementById(list);
    while (box.firstChild) { box.removeChild(box.firstChild); }
    rows.forEach(function (row) {
      var li = document.createElement("li");
      line(row).forEach(function (text) {
        var span = document.createElement("span");
        span.textContent = text;
        li.appendChild(span);
      });
      box.appendChild(li);
    });
  }
  function countdown() {
    if (!show) { return; }
    if (show.end === null) { setText("show-left", ""); return; }
    var s = Math.max(0, Math.ceil((show.end - Date.now()) / 1000));
    setText("show-left", s > 0 ? "剩余 " + s + " 秒" : "时间到");
  }
  function paint(state) {
    if (!show) { return; }
    show.step = state.state + "." + state.current;
    show.end = state.state === "asking" ? Date.now() + state.seconds_left * 1000 : null;
    setText("show-title", state.title);
    setText("show-join", "党员用手机打开“答题 → 现场竞答”参加 · 房间号 " + state.code);
    var finished = state.state === "finished";
    var q = finished ? null : state.question;
    setText("show-progress", q ? "第 " + (q.position + 1) + " / " + state.total + " 题" : "共 " + state.total + " 题");
    setText("show-answered", state.state === "asking" ? "· 已有 " + state.answered + " 人作答" : "");
    setText("show-stem", q ? "【" + q.kind_label + "】" + q.stem
      : (finished ? "竞答结束，请看排行榜" : "准备好后按“确定”出题"));
    fill("show-choices", q ? q.choices : [], function (c) {
      return [c.letter.length === 1 && q.kind !== "judge" ? c.letter + ". " + c.text : c.text];
    });
    if (q && !q.choices.length) { fill("show-choices", [1], function () { return ["请在手机上填写答案"]; }); }
    var key = document.getElementById("show-key"), explain = document.getElementById("show-explain");
    key.hidden = !(q && q.key_text);
    key.textContent = q && q.key_text ? "正确答案：" + q.key_text : "";
    explain.hidden = !(q && q.explanation);
    explain.textContent = q && q.explanation ? "解析：" + q.explanation : "";
    fill("show-board", state.board, function (row) {
      return [row.rank + ". " + row.name, row.points + " 分"];
    });
    if (!state.board.length) { fill("show-board", [1], function () { return ["还没有得分"]; }); }
    var next = document.getElementById("show-next");
    var focused = document.activeElement;
    next.hidden = !state.next_step;
    next.textContent = state.next_step ? state.next_step + "（按确定）" : "";
    // Focus never falls off the screen: the remote always has a button to press.
    if (focused === next && next.hidden || focused === body || focused === null) {
      document.getElementById(next.hidden ? "show-back" : "show-next").focus();
    }
    countdown();
  }
  function pollShow() {
    if (!show) { return; }
    var opened = show;
    request("GET", showUrl(opened), null, function (status, text) {
      if (show !== opened) { return; }
      if (status === 401) { unpaired(); return; }
      if (status === 404) { closeShow(); load(); return; }
      if (status !== 200) { setNet(false); return; }
      setNet(true);
      paint(JSON.parse(text));
    });
  }
  function openShow(item) {
    show = { kind: item.kind, id: item.id, step: "", end: null };
    setText("show-error", "");
    document.getElementById("tiles").hidden = true;
    document.getElementById("show").hidden = false;
    document.getElementById("show-next").hidden = true;
    document.getElementById("show-back").focus();
    show.timer = window.setInterval(pollShow, 2000);
    show.tick = window.setInterval(countdown, 1000);
    request("GET", showUrl(item), null, function (status, text) {
      if (status !== 200) { setText("show-error", "打不开这场竞答，请按返回键"); return; }
      paint(JSON.parse(text));
      document.getElementById("show-next").focus();
    });
  }
  function closeShow() {
    if (show) { window.clearInterval(show.timer); window.clearInterval(show.tick); }
    show = null;
    document.getElementById("show").hidden = true;
    document.getElementById("tiles").hidden = false;
    load();
  }
  function nextStep() {
    if (!show || !show.step) { return; }
    var opened = show;
    request("POST", showUrl(opened) + "/advance", { step: opened.step }, function (status, text) {
      if (show !== opened) { return; }
      if (status === 401) { unpaired(); return; }
      if (status === 200) { setText("show-error", ""); paint(JSON.parse(text)); return; }
      var message = "操作没有成功，请再按一次确定";
      try { message = JSON.parse(text).detail || message; } catch (e) { /* keep */ }
      setText("show-error", status === 0 ? "网络断开，请稍后再按确定" : message);
    });
  }
  document.getElementById("show-next").addEventListener("click", nextStep);
  document.getElementById("show-back").addEventListener("click", closeShow);

  function tile(text, sub, onOk) {
    var button = document.createElement("button");
    button.type = "button";
    button.className = "tv-tile";
    var title = document.createElement("span");
    title.className = "tv-tile-title";
    title.textContent = text;
    button.appendChild(title);
    if (sub) {
      var small = document.createElement("span");
      small.className = "tv-tile-sub";
      small.textContent = sub;
      button.appendChild(small);
    }
    button.addEventListener("click", onOk);
    return button;
  }
  function clockOf(iso) {
    // "2026-10-07T19:30:00+08:00" → "10月7日 19:30" (the server sends local time)
    var m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})/.exec(iso);
    return m ? (+m[2]) + "月" + (+m[3]) + "日 " + m[4] + ":" + m[5] : iso;
  }
  function render(home) {
    document.getElementById("site-name").textContent = home.site.name;
    if (shownViewing !== null) {
      // Only refresh the code on screen; the tiles stay as they are behind the stage.
      home.viewings.forEach(function (viewing) {
        if (viewing.id === shownViewing) { document.getElementById("qr").src = viewing.qr; }
      });
      return;
    }
    if (show !== null) { return; } // the show polls for itself
    var box = document.getElementById("tiles");
    while (box.firstChild) { box.removeChild(box.firstChild); }
    var count = 0;
    (home.screens || []).forEach(function (item) {
      box.appendChild(tile(item.title, item.subtitle, function () { openShow(item); }));
      count++;
    });
    home.viewings.forEach(function (viewing) {
      box.appendChild(tile(viewing.qr_label, viewing.title, function () { showQr(viewing); }));
      count++;
    });
    home.plans.forEach(function (plan) {
      plan.lessons.forEach(function (lesson) {
        box.appendChild(tile(lesson.title, "收看计划：" + plan.title, function () { play(lesson); }));
        count++;
      });
    });
    home.viewings.forEach(function (viewing) {
      viewing.lessons.forEach(function (lesson) {
        box.appendChild(tile(lesson.title, viewing.title, function () { play(lesson); }));
        count++;
      });
    });
    var menu = home.menu;
    if (menu && menu.qr) {
      box.appendChild(tile("扫码点单", "本周点菜式学习：用手机扫码，点您想看的课", function () {
        showQr({ id: -1, qr: menu.qr, qr_label: "扫码点单", title: "本周点菜式学习" });
      }));
      count++;
    }
    if (menu) {
      menu.items.forEach(function (item) {
        var when = item.starts_at ? "本周菜单 · " + clockOf(item.starts_at) : "本周点单";
        box.appendChild(tile(item.title, when + (item.pitch ? "：" + item.pitch : ""), function () { play(item.lesson); }));
        count++;
      });
    }
    if (!count) {
      var hint = document.createElement("p");
      hint.className = "tv-hint";
      hint.textContent = "今天没有安排收看。站点管理员可在手机上发起组织收看。";
      box.appendChild(hint);
    }
    var first = tiles()[0];
    if (first) { first.focus(); }
  }
  function load() {
    request("GET", body.getAttribute("data-api"), null, function (status, text) {
      if (status === 401) { unpaired(); return; }
      if (status !== 200) { setNet(false); return; }
      setNet(true);
      render(JSON.parse(text));
    });
  }
  function tick() {
    var now = new Date();
    function two(n) { return (n < 10 ? "0" : "") + n; }
    document.getElementById("clock").textContent =
      now.getFullYear() + "-" + two(now.getMonth() + 1) + "-" + two(now.getDate()) + " " +
      two(now.getHours()) + ":" + two(now.getMinutes());
  }
  document.getElementById("back").addEventListener("click", closeStage);
  window.addEventListener("online", flush);
  tick();
  window.setInterval(tick, 15000);
  load();
  var since = 0;
  window.setInterval(function () {
    // Every 20 s while a QR code is on screen (it rotates every 30 s), else every minute.
    since += 20;
    if (shownViewing !== null || since >= 60) { since = 0; load(); }
  }, 20000);
  beat();
  window.setInterval(beat, BEAT_MS);
  window.xfTv = { beat: beat, flush: flush, queue: readQueue };
})();
