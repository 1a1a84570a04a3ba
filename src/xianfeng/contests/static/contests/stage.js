/* On-stage rounds (走上讲台讲党课): the host's console, the judge's sheet and the big
   screen poll the round's stage state every two seconds.

   - The speech clock runs on the server's time (corrected for this device's clock with
     the "now" of each answer): a warning colour at the round's warning time, the stop at
     its limit (the host's console then ends the speech itself).
   - A judge's submission goes into a queue in localStorage first and is sent from there:
     a dropped connection loses nothing, the queue is sent when the network is back (or the
     page is opened again). Each submission carries its own key, so a resend after a lost
     answer counts once on the server. An answer "not yet" (the speech has not ended)
     keeps it queued; "locked" (the score was revealed) drops it and says so.
   User text only via textContent, never innerHTML. */
(function () {
  "use strict";
  var POLL_MS = 2000;

  function $(sel, root) { return (root || document).querySelector(sel); }
  function $all(sel, root) { return Array.prototype.slice.call((root || document).querySelectorAll(sel)); }

  function clockText(seconds) {
    var s = Math.max(0, Math.floor(seconds));
    var m = Math.floor(s / 60), r = s % 60;
    return m + ":" + (r < 10 ? "0" : "") + r;
  }

  function start() {
    var root = document.getElementById("stage");
    if (!root) return;
    var mode = root.getAttribute("data-stage");
    var api = root.getAttribute("data-api");
    var csrf = root.getAttribute("data-csrf") || "";
    var warn = parseInt(root.getAttribute("data-warn"), 10) || 420;
    var stop = parseInt(root.getAttribute("data-stop"), 10) || 480;
    var skew = Date.parse(root.getAttribute("data-now")) - Date.now();
    var state = null;
    var online = true;

    function serverNow() { return Date.now() + skew; }

    function request(method, url, body, done) {
      var xhr = new XMLHttpRequest();
      xhr.open(method, url, true);
      xhr.setRequestHeader("Accept", "application/json");
      if (csrf) xhr.setRequestHeader("X-CSRFToken", csrf);
      if (body !== null) xhr.setRequestHeader("Content-Type", "application/json");
      xhr.timeout = 10000;
      xhr.onload = function () {
        var data = null;
        try { data = JSON.parse(xhr.responseText); } catch (e) { data = null; }
        done(xhr.status, data);
      };
      xhr.onerror = xhr.ontimeout = function () { done(0, null); };
      xhr.send(body === null ? null : JSON.stringify(body));
    }

    // --- the speech clock ------------------------------------------------------------
    function elapsedOf(slot) {
      if (!slot || !slot.started_at) return 0;
      var end = slot.ended_at ? Date.parse(slot.ended_at) : serverNow();
      return (end - Date.parse(slot.started_at)) / 1000;
    }
    function clockClass(el, seconds) {
      el.classList.toggle("stage-warn", seconds >= warn && seconds < stop);
      el.classList.toggle("stage-over", seconds >= stop);
    }
    function speaking() {
      if (!state) return null;
      for (var i = 0; i < state.slots.length; i++) {
        if (state.slots[i].state === "speaking") return state.slots[i];
      }
      return null;
    }

    var stopSent = false;
    function tick() {
      var slot = speaking();
      var seconds = slot ? elapsedOf(slot) : 0;
      $all(".stage-clock", root).forEach(function (el) {
        var holder = el.closest("[data-entry]");
        if (slot && holder && holder.getAttribute("data-entry") === String(slot.entry_id)) {
          el.textContent = clockText(seconds) + (seconds >= stop ? " 时间到" : seconds >= warn ? " 即将到时" : "");
          clockClass(el, seconds);
        } else {
          el.textContent = "";
        }
      });
      var big = document.getElementById("stage-big-clock");
      if (big) {
        big.textContent = slot ? clockText(seconds) + " / " + clockText(stop) : "";
        clockClass(big, seconds);
      }
      if (mode === "host" && slot && seconds >= stop && !stopSent) {
        // The limit ends the speech: the host's console presses stop itself.
        var form = $(".stage-slot[data-entry='" + slot.entry_id + "'] .stage-stop-form", root);
        if (form) { stopSent = true; form.submit(); }
      }
    }

    // --- polling ----------------------------------------------------------------------
    function setNet(ok, text) {
      online = ok;
      var net = document.getElementById("stage-net");
      if (net) {
        net.textContent = text || (ok ? "" : "网络断开，正在重连…");
        net.className = "stage-net" + (ok ? "" : " stage-net-down");
      }
    }

    function poll() {
      request("GET", api, null, function (status, data) {
        if (status === 200 && data) {
          skew = Date.parse(data.now) - Date.now();
          var before = state;
          state = data;
          if (mode === "judge") { setNet(true, queueText()); flush(); }
          else setNet(true);
          render(before);
        } else if (status === 0) {
          setNet(false, mode === "judge" ? queueText(true) : "");
        }
        setTimeout(poll, POLL_MS);
      });
    }

    function render(before) {
      if (mode === "host") renderHost(before);
      else if (mode === "board") renderBoard();
      else renderJudge();
      tick();
    }

    // Host: counts update in place; a change of any speaker's state reloads the console,
    // so its buttons are the server's (another host device may have acted).
    function renderHost() {
      state.slots.forEach(function (slot) {
        var li = $(".stage-slot[data-entry='" + slot.entry_id + "']", root);
        if (!li || li.getAttribute("data-state") !== slot.state) {
          if (!stopSent) window.location.reload();
          return;
        }
        var count = $(".stage-submitted", li);
        if (count && slot.submitted !== null && slot.submitted !== undefined) {
          count.textContent = "已提交 " + slot.submitted + "/" + state.judges;
        }
      });
    }

    function el(tag, cls, text) {
      var node = document.createElement(tag);
      if (cls) node.className = cls;
      if (text !== undefined && text !== null) node.textContent = text;
      return node;
    }

    function renderBoard() {
      var now = speaking();
      if (!now) {
        for (var i = 0; i < state.slots.length; i++) {
          if (state.slots[i].state === "scoring") { now = state.slots[i]; break; }
        }
      }
      $("#stage-now-who").textContent = now ? now.position + " 号 " + now.speaker + "（" + now.org + "）" : "候场中";
      $("#stage-now-topic").textContent = now ? now.topic + (now.state === "scoring" ? " · 评委评分中" : "") : "";
      var body = $("#stage-rows");
      var rows = document.createDocumentFragment();
      state.slots.forEach(function (slot) {
        var tr = el("tr", "stage-" + slot.state);
        tr.setAttribute("data-entry", slot.entry_id);
        tr.appendChild(el("td", "", slot.position));
        var who = el("td");
        who.appendChild(el("b", "", slot.speaker));
        who.appendChild(el("div", "stage-org", slot.org));
        tr.appendChild(who);
        tr.appendChild(el("td", "", slot.topic));
        tr.appendChild(el("td", "", slot.state_label));
        var score = el("td", "stage-score", slot.score || "—");
        if (slot.judge_totals && slot.judge_totals.length) {
          var judges = el("div", "stage-judges");
          slot.judge_totals.forEach(function (t, index) {
            judges.appendChild(el("span", slot.dropped.indexOf(index) >= 0 ? "stage-dropped" : "", t));
            judges.appendChild(document.createTextNode(" "));
          });
          score.appendChild(judges);
        }
        tr.appendChild(score);
        tr.appendChild(el("td", "stage-rank", slot.rank === null ? "" : slot.rank));
        rows.appendChild(tr);
      });
      while (body.firstChild) body.removeChild(body.firstChild);
      body.appendChild(rows);
    }

    // --- the judge's sheet and queue ----------------------------------------------------
    var queueKey = root.getAttribute("data-queue") || "xf_stage";
    function readQueue() {
      try { return JSON.parse(window.localStorage.getItem(queueKey) || "[]"); } catch (e) { return []; }
    }
    function writeQueue(q) {
      try { window.localStorage.setItem(queueKey, JSON.stringify(q)); } catch (e) { /* full */ }
    }
    function queueText(down) {
      var n = readQueue().length;
      if (down) return n ? "网络断开：" + n + " 份评分保存在本机，恢复后自动送达" : "网络断开，正在重连…";
      return n ? n + " 份评分等待送达（演讲结束后自动送达）" : "";
    }
    function sheetOf(entry) { return $(".stage-sheet[data-entry='" + entry + "']", root); }
    function say(entry, text, bad) {
      var sheet = sheetOf(entry);
      if (!sheet) return;
      var status = $(".stage-status", sheet);
      status.textContent = text;
      status.classList.toggle("errorlist", !!bad);
    }
    function newKey() {
      var bytes = new Uint8Array(16);
      (window.crypto || window.msCrypto).getRandomValues(bytes);
      return Array.prototype.map.call(bytes, function (b) { return (b < 16 ? "0" : "") + b.toString(16); }).join("");
    }

    var flushing = false;
    function flush() {
      if (flushing) return;
      var q = readQueue();
      if (!q.length) return;
      flushing = true;
      var item = q[0];
      request("PUT", api + "/" + item.entry + "/score", item.body, function (status, data) {
        flushing = false;
        var rest = readQueue().filter(function (x) { return x.body.key !== item.body.key; });
        if (status === 200) {
          writeQueue(rest);
          say(item.entry, "评分已送达");
          var mine = $(".stage-mine", sheetOf(item.entry));
          if (mine) mine.textContent = "评分已送达";
          setNet(true, queueText());
          flush();
        } else if (status === 409 && data && data.retry) {
          say(item.entry, "已暂存，演讲结束后自动送达");
        } else if (status === 0) {
          setNet(false, queueText(true));
          say(item.entry, "网络断开，评分已保存在本机，恢复后自动送达");
        } else if (status === 401 || status === 403) {
          say(item.entry, "登录已过期，请重新登录；评分保存在本机，登录后自动送达", true);
        } else {
          // Refused for good (locked, or the sheet was wrong): said, and not sent again.
          writeQueue(rest);
          say(item.entry, (data && data.detail) || "提交失败，请重试", true);
          setNet(true, queueText());
          flush();
        }
      });
    }

    function submitSheet(form) {
      var entry = form.querySelector("input[name=entry]").value;
      var scores = {};
      var missing = null;
      $all("input[data-criterion]", form).forEach(function (input) {
        if (input.value === "") {
          if (input.required && !missing) missing = input;
          return;
        }
        scores[input.getAttribute("data-criterion")] = input.value;
      });
      if (missing) {
        say(entry, "请为“" + form.querySelector("label[for='" + missing.id + "']").textContent.split("（")[0] + "”打分", true);
        missing.focus();
        return;
      }
      var bad = $all("input[data-criterion]", form).filter(function (i) { return !i.checkValidity(); })[0];
      if (bad) { say(entry, "分数应在 0 到 " + bad.max + " 之间", true); bad.focus(); return; }
      var q = readQueue().filter(function (x) { return String(x.entry) !== String(entry); });
      q.push({ entry: entry, body: { scores: scores, feedback: form.querySelector("textarea[name=feedback]").value, key: newKey() } });
      writeQueue(q);
      say(entry, online ? "正在提交…" : "网络断开，评分已保存在本机，恢复后自动送达");
      flush();
    }

    function renderJudge() {
      state.slots.forEach(function (slot) {
        var sheet = sheetOf(slot.entry_id);
        if (!sheet) return;
        var was = sheet.getAttribute("data-state");
        sheet.setAttribute("data-state", slot.state);
        sheet.className = "card stage-sheet stage-" + slot.state;
        $(".stage-state-label", sheet).textContent = slot.state_label;
        if (was !== slot.state && slot.entry_id === state.current) sheet.open = true;
        if (slot.state === "revealed") {
          $all("input, textarea, button", sheet).forEach(function (x) { x.disabled = true; });
          var status = $(".stage-status", sheet);
          if (!status.classList.contains("errorlist")) status.textContent = "成绩已揭晓，评分已锁定";
        }
      });
    }

    if (mode === "judge") {
      root.addEventListener("submit", function (event) {
        var form = event.target;
        if (!form.classList || !form.classList.contains("stage-form")) return;
        event.preventDefault();
        event.stopImmediatePropagation();
        submitSheet(form);
      }, true);
      window.addEventListener("online", function () { setNet(true, queueText()); flush(); });
      window.addEventListener("offline", function () { setNet(false, queueText(true)); });
      setNet(true, queueText());
      flush();
    }

    state = null;
    poll();
    setInterval(tick, 500);
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
