/* Pairing the TV: ask for a code, show it with a QR, poll until a site admin confirms it
   on their phone, keep the device token and open the player. */
(function () {
  "use strict";
  var body = document.body;
  var deviceCode = null;
  var timer = null;
  function post(url, data, done) {
    var xhr = new XMLHttpRequest();
    xhr.open("POST", url, true);
    xhr.setRequestHeader("Content-Type", "application/json");
    xhr.timeout = 20000;
    xhr.onload = function () {
      var parsed = null;
      try { parsed = JSON.parse(xhr.responseText); } catch (e) { parsed = null; }
      done(xhr.status, parsed);
    };
    xhr.onerror = xhr.ontimeout = function () { done(0, null); };
    xhr.send(JSON.stringify(data));
  }
  function status(text) { document.getElementById("pair-status").textContent = text; }
  function expired() {
    window.clearInterval(timer);
    status("配对码已过期。");
    var retry = document.getElementById("retry");
    retry.hidden = false;
    retry.focus();
  }
  function poll() {
    post(body.getAttribute("data-poll"), { device_code: deviceCode }, function (code, data) {
      if (code !== 200 || !data) { status("网络不通，正在重试……"); return; }
      if (data.status === "paired") {
        window.clearInterval(timer);
        window.localStorage.setItem("xf_device_token", data.token);
        status("已配对：" + data.site.name);
        window.location.replace(body.getAttribute("data-tv"));
      } else if (data.status === "expired") {
        expired();
      } else {
        status("等待站点管理员在手机上确认……");
      }
    });
  }
  function start() {
    document.getElementById("retry").hidden = true;
    status("正在获取配对码……");
    post(body.getAttribute("data-start"), {}, function (code, data) {
      if (code !== 200 || !data) { status("网络不通，请检查网络后按“确定”重试。"); expired(); return; }
      deviceCode = data.device_code;
      document.getElementById("user-code").textContent = data.user_code;
      var img = document.getElementById("pair-qr");
      img.src = data.qr;
      img.hidden = false;
      status("等待站点管理员在手机上确认……");
      timer = window.setInterval(poll, 3000);
      window.setTimeout(expired, data.expires_in * 1000);
    });
  }
  document.getElementById("retry").addEventListener("click", start);
  start();
})();
