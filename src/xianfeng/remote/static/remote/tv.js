/* The site's TV player: arrow keys + OK, a heartbeat every 5 minutes with an offline
   queue (each beat keeps its own time; the server accepts them up to 7 days late), and
   点名 (roll call) on the screen for members without a phone, queued the same way while
   offline (each tick keeps its own time; sending one twice counts once).
   No framework, ES5-compatible for old Android TV WebViews; user text only via
   textContent (never innerHTML). */
(function () {
  "use strict";
  var TOKEN = "xf_device_token";
  var QUEUE = "xf_beats";
  var BEAT_MS = 5 * 60 * 1000;
  var MAX_QUEUE = 7 * 288; // a week of beats
  var CALLS = "xf_roll_calls";
  var HOME = "xf_tv_home"; // the last day loaded, shown again if the page opens offline
  var body = document.body;
  var token = null;
  try { token = window.localStorage.getItem(TOKEN); } catch (e) { token = null; }
  if (!token) { window.location.replace(body.getAttribute("data-pair")); return; }

  function readList(name) {
    try { return JSON.parse(window.localStorage.getItem(name) || "[]"); } catch (e) { return []; }
  }
  function writeList(name, q) {
    if (q.length > MAX_QUEUE) { q = q.slice(q.length - MAX_QUEUE); }
    try { window.localStorage.setItem(name, JSON.stringify(q)); } catch (e) { /* full */ }
  }
  function readQueue() { return readList(QUEUE); }
  function writeQueue(q) { writeList(QUEUE, q); }
  function readCalls() { return readList(CALLS); }
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
  // Roll calls: the same queue discipline as the beats. The server keeps one attendance
  // per member and viewing, so a tick sent twice (a lost answer, a replay) counts once.
  var calling = false;
  function flushCalls() {
    if (calling) { return; }
    var q = readCalls();
    if (!q.length) { return; }
    calling = true;
    request("POST", body.getAttribute("data-roll-call"), q[0], function (status) {
      calling = false;
      if (status === 401) { unpaired(); return; }
      if (status === 0 || status >= 500 || status === 429) { setNet(false); return; }
      // 200 counted (or counted before), 4xx refused for good: never resend.
      var rest = readCalls();
      rest.shift();
      writeList(CALLS, rest);
      setNet(true);
      if (rest.length) { window.setTimeout(flushCalls, 50); }
    });
  }
  function queued(viewing, member) {
    var q = readCalls();
    for (var i = 0; i < q.length; i++) {
      if (q[i].viewing === viewing && q[i].member === member) { return true; }
    }
    return false;
  }
  function rollCall(viewing, member) {
    if (queued(viewing, member)) { return; }
    var q = readCalls();
    q.push({ viewing: viewing, member: member, at: new Date().toISOString() });
    writeList(CALLS, q);
    flushCalls();
  }
  function flushAll() { flush(); flushCalls(); }

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
    householdEnd();
    stopChannel();
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
    showRoster(viewing);
    document.getElementById("back").focus();
  }
  function refreshRoster(viewing) {
    // Those who signed in on their phones meanwhile, marked in place (focus stays put).
    var buttons = document.getElementById("roster-names").childNodes;
    (viewing.roster || []).forEach(function (person) {
      for (var i = 0; i < buttons.length; i++) {
        var b = buttons[i];
        if (person.signed && b.getAttribute("data-member") === String(person.id) &&
            b.className.indexOf("signed") < 0) {
          b.textContent = person.name + " · 已签到";
          b.setAttribute("aria-pressed", "true");
          b.className = "tv-tile tv-name signed";
        }
      }
    });
  }
  function showRoster(viewing) {
    var panel = document.getElementById("roster");
    var names = document.getElementById("roster-names");
    while (names.firstChild) { names.removeChild(names.firstChild); }
    var roster = viewing.roster || [];
    panel.hidden = !roster.length;
    roster.forEach(function (person) {
      var button = document.createElement("button");
      button.type = "button";
      button.className = "tv-tile tv-name";
      button.setAttribute("data-member", String(person.id));
      function mark(text) {
        button.textContent = person.name + " · " + text;
        button.setAttribute("aria-pressed", "true");
        button.className = "tv-tile tv-name signed";
      }
      if (person.signed) { mark("已签到"); }
      else if (queued(viewing.id, person.id)) { mark("已点名，待上传"); }
      else { button.textContent = person.name; }
      button.addEventListener("click", function () {
        if (button.getAttribute("aria-pressed") === "true") { return; }
        rollCall(viewing.id, person.id);
        mark(navigator.onLine === false ? "已点名，待上传" : "已点名");
      });
      names.appendChild(button);
    });
  }
  function showVideo() {
    document.getElementById("video").hidden = false;
    document.getElementById("qr-box").hidden = true;
    document.getElementById("roster").hidden = true;
    document.getElementById("tiles").hidden = true;
    document.getElementById("stage").hidden = false;
  }
  function attach(lesson, onFatal) {
    var video = document.getElementById("video");
    if (hls) { hls.destroy(); hls = null; }
    if (lesson.hls && window.Hls && window.Hls.isSupported()) {
      // 360p first: start at the lowest level and let hls.js climb.
      hls = new window.Hls({ startLevel: 0 });
      if (onFatal) {
        hls.on(window.Hls.Events.ERROR, function (_e, data) { if (data && data.fatal) { onFatal(); } });
      }
      hls.loadSource(lesson.hls);
      hls.attachMedia(video);
    } else {
      video.src = lesson.hls || lesson.mp4;
    }
  }
  // --- 入户终端: playing opens a household viewing; the household confirms on their phones --
  var siteKind = "";
  var JOIN_QR = -2; // the 家庭成员扫码加入 QR on the stage (the menu's is -1)
  var homeViewing = null; // the household viewing this TV opened and has not ended yet
  function householdUrl() { return body.getAttribute("data-household"); }
  function householdStart(lesson) {
    request("POST", householdUrl(), { lessons: [lesson.id] }, function (status, text) {
      if (status !== 201) { return; } // offline or refused: the lesson still plays
      var viewing = JSON.parse(text);
      homeViewing = viewing.id;
      document.getElementById("home-qr-img").src = viewing.qr;
      document.getElementById("home-qr-text").textContent = "家庭成员扫码确认收看（只计入确认的人）";
      document.getElementById("home-qr").hidden = false;
    });
  }
  function householdEnd() {
    document.getElementById("home-qr").hidden = true;
    if (homeViewing === null) { return; }
    var url = householdUrl() + "/" + homeViewing + "/end";
    homeViewing = null;
    request("POST", url, null, function () { /* the server closes stale ones itself */ });
  }
  function householdRefresh(home) {
    // The code rotates: keep the one on screen fresh, and say who confirmed already.
    home.viewings.forEach(function (viewing) {
      if (viewing.id !== homeViewing) { return; }
      document.getElementById("home-qr-img").src = viewing.qr;
      var done = (viewing.household || []).filter(function (p) { return p.signed; })
        .map(function (p) { return p.name; });
      document.getElementById("home-qr-text").textContent = done.length
        ? "已确认收看：" + done.join("、")
        : "家庭成员扫码确认收看（只计入确认的人）";
    });
  }
  function play(lesson) {
    stopChannel();
    showVideo();
    attach(lesson, null);
    if (siteKind === "household") { householdEnd(); householdStart(lesson); }
    document.getElementById("video").play().catch(function () { /* the OK key starts it */ });
    document.getElementById("back").focus();
  }

  // --- 展播: a channel plays through in its order, round and round --------------------
  // Each lesson's signed URLs are asked for just before it plays (a screen left on all day
  // never holds an expired one), and the channel is read again then, so a lesson the
  // curator moved or removed meanwhile is followed. A lesson that cannot play is skipped
  // after a few seconds: the room is never left on a black screen.
  var channel = null; // {id, title, at, lessonId, failures, timer}
  function channelSay(text) { document.getElementById("channel-now").textContent = text; }
  function stopChannel() {
    if (channel && channel.timer) { window.clearTimeout(channel.timer); }
    channel = null;
    document.getElementById("stage").className = "tv-stage";
    document.getElementById("channel-now").hidden = true;
    document.getElementById("channel-keys").hidden = true;
  }
  function openChannel(card) {
    stopChannel();
    channel = { id: card.id, title: card.title, at: -1, lessonId: null, failures: 0, timer: null, count: card.count };
    showVideo();
    document.getElementById("stage").className = "tv-stage channel";
    document.getElementById("channel-now").hidden = false;
    document.getElementById("channel-keys").hidden = false;
    document.getElementById("ch-pause").textContent = "暂停";
    channelSay("展播 · " + card.title + "：正在加载……");
    document.getElementById("ch-next").focus();
    channelStep(0);
  }
  function skipSoon(ch) {
    if (channel !== ch) { return; }
    ch.failures += 1;
    if (ch.failures >= Math.max(ch.count, 1) * 2) { channelSay("展播 · " + ch.title + "：课程暂时都无法播放，请稍后再试"); return; }
    channelSay("展播 · " + ch.title + "：这节课暂时无法播放，即将播放下一节……");
    window.clearTimeout(ch.timer);
    ch.timer = window.setTimeout(function () { channelStep(1); }, 3000);
  }
  function channelStep(step) {
    var ch = channel;
    if (!ch) { return; }
    window.clearTimeout(ch.timer);
    var url = body.getAttribute("data-api") + "/channels/" + ch.id;
    request("GET", url, null, function (status, text) {
      if (channel !== ch) { return; } // closed or another channel opened meanwhile
      if (status === 401) { unpaired(); return; }
      if (status !== 200) {
        setNet(status !== 0);
        channelSay("展播 · " + ch.title + "：暂时无法读取，稍后重试……");
        ch.timer = window.setTimeout(function () { channelStep(step); }, 10000);
        return;
      }
      var data = JSON.parse(text);
      var lessons = data.lessons;
      ch.count = lessons.length;
      if (!lessons.length) { channelSay("展播 · " + data.title + "：还没有可以播放的课程"); return; }
      var from = -1;
      for (var i = 0; i < lessons.length; i++) { if (lessons[i].id === ch.lessonId) { from = i; } }
      var at;
      if (step === 0 || ch.at < 0) { at = 0; }
      else if (from >= 0) { at = from + step; }
      else { at = step > 0 ? ch.at : ch.at - 1; } // the one playing left: its place is next
      at = ((at % lessons.length) + lessons.length) % lessons.length;
      var lesson = lessons[at];
      ch.at = at;
      ch.lessonId = lesson.id;
      channelSay("展播 · " + data.title + "（" + (at + 1) + "/" + lessons.length + "）" +
        (lesson.issue_no ? "第 " + lesson.issue_no + " 期 " : "") + lesson.title);
      document.getElementById("ch-pause").textContent = "暂停";
      var video = document.getElementById("video");
      if (lesson.poster) { video.poster = lesson.poster; }
      attach(lesson, function () { skipSoon(ch); });
      video.play().catch(function () {
        // Sound refused before any key was pressed: play muted rather than stand still.
        video.muted = true;
        return video.play();
      }).catch(function () { /* the OK key on 暂停/继续 starts it */ });
    });
  }
  (function () {
    var video = document.getElementById("video");
    video.addEventListener("ended", function () { if (channel) { channelStep(1); } });
    video.addEventListener("playing", function () { if (channel) { channel.failures = 0; } });
    video.addEventListener("error", function () { if (channel && !hls) { skipSoon(channel); } });
    document.getElementById("ch-prev").addEventListener("click", function () { channelStep(-1); });
    document.getElementById("ch-next").addEventListener("click", function () { channelStep(1); });
    document.getElementById("ch-pause").addEventListener("click", function () {
      var button = document.getElementById("ch-pause");
      if (video.paused) { video.play().catch(function () {}); button.textContent = "暂停"; }
      else { video.pause(); button.textContent = "继续"; }
    });
  })();

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
      : (finished ? "竞答结束，请看排行榜"
        : (state.read_only ? "请等待" + state.org + "主持人出题（本屏只看）" : "准备好后按“确定”出题")));
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
  // Answers can overtake each other (a poll sent before 确定 answering after it): only
  // the answer to the newest request painted so far is painted, never an older state.
  function sent(opened) { opened.sent = (opened.sent || 0) + 1; return opened.sent; }
  function paintNewest(opened, n, text) {
    if (n < (opened.painted || 0)) { return; }
    opened.painted = n;
    paint(JSON.parse(text));
  }
  function pollShow() {
    if (!show) { return; }
    var opened = show;
    var n = sent(opened);
    request("GET", showUrl(opened), null, function (status, text) {
      if (show !== opened) { return; }
      if (status === 401) { unpaired(); return; }
      if (status === 404) { closeShow(); load(); return; }
      if (status !== 200) { setNet(false); return; }
      setNet(true);
      paintNewest(opened, n, text);
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
    var opened = show;
    var n = sent(opened);
    request("GET", showUrl(item), null, function (status, text) {
      if (show !== opened) { return; }
      if (status !== 200) { setText("show-error", "打不开这场竞答，请按返回键"); return; }
      paintNewest(opened, n, text);
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
    var n = sent(opened);
    request("POST", showUrl(opened) + "/advance", { step: opened.step }, function (status, text) {
      if (show !== opened) { return; }
      if (status === 401) { unpaired(); return; }
      if (status === 200) { setText("show-error", ""); paintNewest(opened, n, text); return; }
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
    siteKind = home.site.kind;
    if (homeViewing !== null) { householdRefresh(home); }
    if (shownViewing !== null) {
      // Only refresh the code on screen; the tiles stay as they are behind the stage.
      if (shownViewing === JOIN_QR && home.join) { document.getElementById("qr").src = home.join.qr; }
      home.viewings.forEach(function (viewing) {
        if (viewing.id === shownViewing) {
          document.getElementById("qr").src = viewing.qr;
          refreshRoster(viewing);
        }
      });
      return;
    }
    if (show !== null) { return; } // the show polls for itself
    var box = document.getElementById("tiles");
    while (box.firstChild) { box.removeChild(box.firstChild); }
    var count = 0;
    var join = home.join;
    function joinTile() {
      // 入户终端: a member of the family scans it (or types the code) to ask to join.
      box.appendChild(tile(join.label, "站点编码 " + join.code + " · 按确定显示二维码", function () {
        showQr({ id: JOIN_QR, qr: join.qr, qr_label: join.label, title: join.hint });
      }));
      count++;
    }
    if (join && join.empty) { joinTile(); } // nobody registered yet: joining comes first
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
    (home.channels || []).forEach(function (card) {
      box.appendChild(tile("展播：" + card.title, card.count + " 节课 · 按确定连续播放", function () { openChannel(card); }));
      count++;
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
    if (join && !join.empty) { joinTile(); }
    if (!count) {
      var hint = document.createElement("p");
      hint.className = "tv-hint";
      hint.textContent = "今天没有安排收看。站点管理员可在手机上发起组织收看。";
      box.appendChild(hint);
    }
    var first = tiles()[0];
    if (first) { first.focus(); }
  }
  var rendered = false;
  function load() {
    request("GET", body.getAttribute("data-api"), null, function (status, text) {
      if (status === 401) { unpaired(); return; }
      if (status !== 200) {
        setNet(false);
        if (!rendered) {
          // Opened without a network: the last day loaded, so the roll call still works.
          var last = null;
          try { last = JSON.parse(window.localStorage.getItem(HOME) || "null"); } catch (e) { last = null; }
          if (last) { rendered = true; render(last); }
        }
        return;
      }
      setNet(true);
      try { window.localStorage.setItem(HOME, text); } catch (e) { /* full */ }
      rendered = true;
      render(JSON.parse(text));
      flushCalls();
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
  window.addEventListener("online", flushAll);
  tick();
  window.setInterval(tick, 15000);
  load();
  var since = 0;
  window.setInterval(function () {
    // Every 20 s while a QR code is on screen (it rotates every 30 s), else every minute.
    since += 20;
    if (shownViewing !== null || homeViewing !== null || since >= 60) { since = 0; load(); }
  }, 20000);
  beat();
  window.setInterval(beat, BEAT_MS);
  window.xfTv = {
    beat: beat, flush: flush, queue: readQueue,
    rollCall: rollCall, flushCalls: flushCalls, calls: readCalls,
    channel: function () { return channel; },
    homeViewing: function () { return homeViewing; }
  };
})();
