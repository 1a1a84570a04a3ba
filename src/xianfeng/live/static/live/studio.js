// The speaker's studio: camera preview, a test run only the hosts see, going live, chunks
// of MediaRecorder sent in order over HTTP (resent after a failure), a new run of the same
// live after a long drop (the server answers 410 once the run's transcoder has stopped),
// and audio-only when the upload cannot keep up.
(function () {
  "use strict";
  var root = document.getElementById("studio");
  if (!root || !window.MediaRecorder) {
    var line = document.getElementById("studio-status");
    if (root && line) { line.textContent = "这个浏览器不支持网页直播，请换用新版 Chrome、Edge、Safari 或微信内置浏览器。"; }
    return;
  }
  var csrf = "";
  try { csrf = JSON.parse(document.body.getAttribute("hx-headers") || "{}")["X-CSRFToken"] || ""; } catch (e) { csrf = ""; }
  var $ = function (id) { return document.getElementById(id); };
  var statusLine = $("studio-status");
  var preview = $("studio-preview");
  var buttons = { camera: $("studio-camera"), test: $("studio-test"), live: $("studio-live"), audio: $("studio-audio"), end: $("studio-end") };
  var runUrl = root.getAttribute("data-run-url");
  var chunkBase = root.getAttribute("data-chunk-base");
  var endUrl = root.getAttribute("data-end-url");
  var playlist = root.getAttribute("data-playlist");

  var CHUNK_MS = 1000;
  var WEAK_BACKLOG = 6;     // seconds of media waiting to be sent: the link is too weak
  var stream = null;
  var recorder = null;
  var generation = 0;       // recorder callbacks of an older run are ignored
  var run = 0, seq = 0, queue = [], sending = false;
  var mode = null;          // "test" or "live"
  var audioOnly = false, offline = false, reconnecting = false, ended = false;

  function say(text) { statusLine.textContent = text; }
  function enable(name, on) { if (buttons[name]) { buttons[name].disabled = !on; } }
  function post(url, body, type) {
    var headers = { "X-CSRFToken": csrf };
    if (type) { headers["Content-Type"] = type; }
    return fetch(url, { method: "POST", credentials: "same-origin", headers: headers, body: body });
  }
  function mimeFor(audio) {
    var list = audio ? ["audio/webm;codecs=opus", "audio/webm", "audio/mp4"]
      : ["video/webm;codecs=vp8,opus", "video/webm;codecs=vp9,opus", "video/webm", "video/mp4"];
    for (var i = 0; i < list.length; i++) { if (MediaRecorder.isTypeSupported(list[i])) { return list[i]; } }
    return "";
  }

  function openCamera() {
    enable("camera", false);
    say("正在打开摄像头和麦克风…");
    navigator.mediaDevices.getUserMedia({
      video: { width: { ideal: 640 }, height: { ideal: 360 }, frameRate: { ideal: 25, max: 30 }, facingMode: "user" },
      audio: { echoCancellation: true, noiseSuppression: true },
    }).then(function (media) {
      stream = media;
      preview.srcObject = media;
      preview.play().catch(function () {});
      say(root.getAttribute("data-state") === "live" ? "摄像头已打开。点“继续直播”接续这场直播。" : "摄像头已打开。可以先“测试推流”看看效果，再“正式开播”。");
      enable("test", true); enable("live", true); enable("audio", true);
    }).catch(function () {
      enable("camera", true);
      say("无法使用摄像头或麦克风：请在浏览器设置里允许本网站使用摄像头和麦克风，然后再点“打开摄像头”。");
    });
  }

  function startRecorder() {
    var gen = ++generation;
    var tracks = audioOnly ? stream.getAudioTracks() : stream.getTracks();
    var options = { mimeType: mimeFor(audioOnly), audioBitsPerSecond: 48000 };
    if (!audioOnly) { options.videoBitsPerSecond = 600000; }
    recorder = new MediaRecorder(new MediaStream(tracks), options);
    var thisRun = run;
    recorder.ondataavailable = function (event) {
      if (gen !== generation || !event.data || !event.data.size) { return; }
      queue.push({ run: thisRun, seq: seq++, blob: event.data });
      pump();
      checkWeak();
    };
    recorder.start(CHUNK_MS);
    $("studio-audio-note").hidden = !audioOnly;
  }
  function stopRecorder(keepLast) {
    if (!keepLast) { generation++; }
    if (recorder && recorder.state !== "inactive") { try { recorder.stop(); } catch (e) { /* already stopped */ } }
    recorder = null;
  }

  function openRun() {
    var form = new FormData();
    form.append("public", mode === "live" ? "1" : "0");
    form.append("audio", audioOnly ? "1" : "0");
    return post(runUrl, form).then(function (r) {
      return r.json().then(function (data) {
        if (!r.ok) { throw new Error(data.detail || "无法开始推流"); }
        run = data.run; seq = 0; queue = [];
        startRecorder();
        return data;
      });
    });
  }

  function pump() {
    if (sending || !queue.length || reconnecting) { return; }
    var item = queue[0];
    if (item.run !== run) { queue.shift(); pump(); return; }
    sending = true;
    post(chunkBase + item.run + "/chunks/" + item.seq + "/", item.blob, "video/webm").then(function (r) {
      sending = false;
      if (r.ok) {
        queue.shift();
        if (offline) { offline = false; say(mode === "live" ? "网络已恢复，直播中" : "网络已恢复，测试推流中"); }
        pump();
        return null;
      }
      if (r.status === 410) { reconnect("网络恢复，正在接续同一场直播…"); return null; }
      return r.json().then(function (data) {
        if (r.status === 409 && data.expected > item.seq) {
          queue = queue.filter(function (q) { return q.seq >= data.expected; });
          pump();
        } else if (r.status === 409) {
          reconnect("数据不连续，正在重新连接…");
        } else {
          say(data.detail || "推流失败");
          stopRecorder(false);
        }
      });
    }).catch(function () {
      sending = false;
      if (!offline) { offline = true; say("网络中断，正在重连…（观众那边会短暂停顿）"); }
      window.setTimeout(pump, 1000);
    });
  }

  function reconnect(message) {
    if (reconnecting || ended) { return; }
    reconnecting = true;
    stopRecorder(false);
    queue = [];
    say(message);
    openRun().then(function () {
      reconnecting = false; offline = false;
      say(mode === "live" ? (audioOnly ? "已接续，仅声音直播中" : "已接续，直播中（观众看到的是同一场直播）") : "测试推流中");
    }).catch(function () {
      reconnecting = false;
      window.setTimeout(function () { reconnect(message); }, 2000);
    });
  }

  function checkWeak() {
    if (audioOnly || offline || mode !== "live") { return; }
    if (queue.length > WEAK_BACKLOG) {
      audioOnly = true;
      markAudio();
      reconnect("网络较弱，已改为仅声音直播");
    }
  }
  function markAudio() {
    buttons.audio.setAttribute("aria-pressed", audioOnly ? "true" : "false");
    buttons.audio.textContent = audioOnly ? "恢复画面" : "仅声音";
  }

  function start(newMode) {
    if (!stream) { return; }
    if (mode) { stopRecorder(false); }
    mode = newMode;
    enable("test", false); enable("live", false);
    say(mode === "live" ? "正在开播…" : "正在开始测试推流…");
    openRun().then(function (data) {
      if (mode === "live") {
        root.setAttribute("data-state", data.state);
        enable("end", true);
        $("studio-check").hidden = true;
        say(audioOnly ? "仅声音直播中" : "直播中");
      } else {
        enable("live", true);
        say("测试推流中：几秒后下方出现服务器转码后的画面，只有您和主办组织能看到。满意后点“正式开播”。");
        showCheck();
      }
    }).catch(function (error) {
      say(error.message);
      enable("live", true); enable("test", mode !== "live");
    });
  }

  var check = null;
  function showCheck() {
    var box = $("studio-check");
    var video = $("studio-check-player");
    box.hidden = false;
    window.setTimeout(function attach() {
      if (mode !== "test") { return; }
      if (check) { check.destroy(); check = null; }
      if (window.Hls && window.Hls.isSupported()) {
        check = new window.Hls({ liveSyncDurationCount: 2 });
        check.on(window.Hls.Events.ERROR, function (_e, data) {
          if (data && data.fatal) { window.setTimeout(attach, 2000); }
        });
        check.loadSource(playlist);
        check.attachMedia(video);
      } else { video.src = playlist; }
      video.play().catch(function () {});
    }, 5000);
  }

  function end() {
    if (!window.confirm("结束后不能再继续这场直播，确定结束吗？")) { return; }
    ended = true;
    enable("end", false); enable("audio", false);
    say("正在结束直播…");
    var waited = 0;
    // The recorder hands over its last chunk before its "stop" event: send it, then end.
    var last = recorder;
    if (last && last.state !== "inactive") {
      last.addEventListener("stop", function () { window.setTimeout(drain, 0); });
      stopRecorder(true);
    } else { window.setTimeout(drain, 0); }
    function drain() {
      if ((queue.length || sending) && waited < 8000) { waited += 250; window.setTimeout(drain, 250); return; }
      post(endUrl, new FormData()).then(function (r) {
        if (!r.ok) { throw new Error(); }
        if (stream) { stream.getTracks().forEach(function (t) { t.stop(); }); }
        say("直播已结束。回放生成后会成为您的草稿微党课，修改标题后即可发布。");
        root.setAttribute("data-state", "ended");
      }).catch(function () { ended = false; enable("end", true); say("结束失败，请检查网络后再试。"); });
    }
  }

  buttons.camera.addEventListener("click", openCamera);
  if (buttons.test) { buttons.test.addEventListener("click", function () { start("test"); }); }
  buttons.live.addEventListener("click", function () { start("live"); });
  buttons.end.addEventListener("click", end);
  buttons.audio.addEventListener("click", function () {
    audioOnly = !audioOnly;
    markAudio();
    if (mode) { reconnect(audioOnly ? "已改为仅声音" : "正在恢复画面…"); }
  });
  window.addEventListener("beforeunload", function (event) {
    if (mode === "live" && !ended) { event.preventDefault(); event.returnValue = ""; }
  });
})();
