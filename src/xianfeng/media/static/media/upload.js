// Resumable upload widget (media/upload_widget.html) on tus-js-client; no inline script.
// A dropped connection is retried; a reload resumes from what the server has once the
// same file is picked again (tus-js-client keeps the upload URL in localStorage under a
// fingerprint that names the user and the target, so two lessons never share one).
(function () {
  "use strict";
  if (window.xfUploadLoaded) return;
  window.xfUploadLoaded = true;

  var CHUNK_SIZE = 5 * 1024 * 1024; // below nginx's client_max_body_size (64m)
  var RETRY_DELAYS = [0, 1000, 3000, 5000, 10000, 20000];
  var MB = 1024 * 1024;

  function megabytes(bytes) {
    return (bytes / MB).toFixed(1) + " MB";
  }

  function duration(seconds) {
    if (seconds < 60) return Math.max(1, Math.round(seconds)) + " 秒";
    if (seconds < 3600) return Math.round(seconds / 60) + " 分钟";
    return (seconds / 3600).toFixed(1) + " 小时";
  }

  // The server's own message (plain text, Chinese) when it sent one.
  function serverText(response) {
    if (!response) return "";
    var type = response.getHeader("Content-Type") || "";
    if (type.indexOf("text/plain") !== 0) return "";
    return (response.getBody() || "").trim().slice(0, 200);
  }

  function Widget(root) {
    this.root = root;
    this.endpoint = root.getAttribute("data-endpoint");
    this.csrf = root.getAttribute("data-csrf") || "";
    this.targetKind = root.getAttribute("data-target-kind") || "";
    this.targetId = root.getAttribute("data-target-id") || "";
    this.prefix = root.getAttribute("data-fingerprint") || "xf";
    this.chunkSize = parseInt(root.getAttribute("data-chunk-size"), 10) || CHUNK_SIZE;
    this.upload = null;
    this.state = "idle";
    this.samples = [];
    this.el = {};
    var self = this;
    root.querySelectorAll("[data-role]").forEach(function (el) {
      self.el[el.getAttribute("data-role")] = el;
    });
    if (!window.tus || !window.tus.isSupported) {
      this.message("这个浏览器不支持断点续传，请换用新版浏览器（如手机自带浏览器或微信）。", "error");
      this.el.file.disabled = true;
      return;
    }
    this.el.file.addEventListener("change", function () {
      var file = self.el.file.files && self.el.file.files[0];
      if (file) self.start(file);
    });
    this.el.pause.addEventListener("click", function () { self.pause(); });
    this.el.resume.addEventListener("click", function () { self.resume(); });
    this.el.cancel.addEventListener("click", function () { self.cancel(); });
    // Back online after the retries gave up: carry on by itself.
    window.addEventListener("online", function () {
      if (self.state === "offline") self.resume();
    });
    this.showUnfinished();
  }

  Widget.prototype.show = function (role, visible) {
    if (this.el[role]) this.el[role].hidden = !visible;
  };

  Widget.prototype.message = function (text, kind) {
    var box = this.el.message;
    box.textContent = text || "";
    box.hidden = !text;
    box.classList.toggle("is-error", kind === "error");
    box.classList.toggle("is-warning", kind === "warning");
  };

  Widget.prototype.setState = function (state) {
    this.state = state;
    this.root.setAttribute("data-state", state);
    var active = state === "uploading" || state === "retrying";
    this.show("pause", active);
    this.show("resume", state === "paused" || state === "offline" || state === "failed");
    this.show("cancel", active || state === "paused" || state === "offline" || state === "failed");
    this.el.file.disabled = active;
  };

  Widget.prototype.fingerprint = function (file) {
    var parts = [file.name, file.type, file.size, file.lastModified].map(function (part) {
      return encodeURIComponent(String(part));
    });
    return this.prefix + "/" + parts.join("/");
  };

  // An upload this person left unfinished for this target: say how to go on with it.
  Widget.prototype.showUnfinished = function () {
    var self = this;
    var storage = window.tus.defaultOptions && window.tus.defaultOptions.urlStorage;
    if (!storage || !storage.findAllUploads) return;
    storage.findAllUploads().then(function (entries) {
      var key = "tus::" + self.prefix + "/";
      var mine = entries.filter(function (entry) {
        return (entry.urlStorageKey || "").indexOf(key) === 0;
      });
      if (!mine.length || self.state !== "idle") return;
      var name = (mine[0].metadata && mine[0].metadata.filename) || "上次的文件";
      self.el["resume-hint"].textContent =
        "《" + name + "》上次没有传完。请重新选择同一个文件，将从中断处继续上传。";
      self.show("resume-hint", true);
    });
  };

  Widget.prototype.start = function (file) {
    var self = this;
    if (this.upload) this.upload.abort();
    if (file.size === 0) {
      this.message("这个文件是空的（0 字节），请重新选择。", "error");
      return;
    }
    if (file.type && !/^(video|audio)\//.test(file.type)) {
      this.message("请选择视频或音频文件。", "error");
      return;
    }
    this.show("resume-hint", false);
    this.show("progress-box", true);
    this.el.name.textContent = file.name;
    this.progress(0, file.size);
    this.message("正在连接服务器…");
    var upload = new window.tus.Upload(file, {
      endpoint: this.endpoint,
      chunkSize: this.chunkSize,
      retryDelays: RETRY_DELAYS,
      metadata: {
        filename: file.name,
        filetype: file.type || "application/octet-stream",
        target_kind: this.targetKind,
        target_id: this.targetId
      },
      headers: { "X-CSRFToken": this.csrf },
      fingerprint: function (f) { return Promise.resolve(self.fingerprint(f)); },
      removeFingerprintOnSuccess: true,
      onProgress: function (sent, total) { self.progress(sent, total); },
      onChunkComplete: function () {
        if (self.state === "retrying") {
          self.setState("uploading");
          self.message("");
        }
      },
      onShouldRetry: function (err, attempt) { return self.shouldRetry(err, attempt); },
      onError: function (err) { self.failed(err); },
      onSuccess: function () { self.done(); }
    });
    this.upload = upload;
    this.setState("uploading");
    upload.findPreviousUploads().then(function (previous) {
      if (self.upload !== upload) return;
      if (previous.length) {
        previous.sort(function (a, b) {
          return (Date.parse(b.creationTime) || 0) - (Date.parse(a.creationTime) || 0);
        });
        upload.resumeFromPreviousUpload(previous[0]);
        self.message("找到上次未完成的上传，从中断处继续…");
      } else {
        self.message("");
      }
      self.samples = [];
      upload.start();
    });
  };

  Widget.prototype.progress = function (sent, total) {
    var percent = total ? Math.floor((sent / total) * 100) : 0;
    this.el.progress.value = percent;
    this.el.percent.textContent = percent + "%";
    this.el.bytes.textContent = megabytes(sent) + " / " + megabytes(total);
    var now = Date.now();
    this.samples.push([now, sent]);
    while (this.samples.length > 2 && now - this.samples[0][0] > 5000) this.samples.shift();
    var first = this.samples[0];
    var seconds = (now - first[0]) / 1000;
    if (seconds >= 0.5 && sent > first[1] && sent < total) {
      var speed = (sent - first[1]) / seconds;
      this.el.speed.textContent =
        megabytes(speed) + "/秒，剩余约 " + duration((total - sent) / speed);
    } else if (sent >= total) {
      this.el.speed.textContent = "";
    }
  };

  Widget.prototype.shouldRetry = function (err, attempt) {
    var status = err.originalResponse ? err.originalResponse.getStatus() : 0;
    // No answer, a server error, or "offset changed" (another attempt got there first):
    // ask the server where it stands and go on. Refusals (403, 413, …) are final.
    var retry = status === 0 || status >= 500 || status === 409 || status === 423;
    if (retry) {
      this.setState("retrying");
      this.samples = [];
      this.message("网络中断，正在重试…（第 " + (attempt + 1) + " 次）", "warning");
    }
    return retry;
  };

  Widget.prototype.failed = function (err) {
    var response = err && err.originalResponse;
    var status = response ? response.getStatus() : 0;
    var text = serverText(response);
    if (status === 0) {
      this.setState("offline");
      this.message("网络中断，上传已暂停。网络恢复后会自动继续，也可以点“继续上传”。", "error");
    } else if (status === 413) {
      this.setState("idle");
      this.message(text || "文件太大，请剪短或压缩后再上传。", "error");
    } else if (status === 403) {
      this.setState("idle");
      this.message(text || "页面已过期，请刷新页面后重试。", "error");
    } else if (status === 404) {
      this.setState("idle");
      this.message("这次上传已过期或已取消，请重新选择文件上传。", "error");
    } else if (status >= 500) {
      this.setState("failed");
      this.message(text || "服务器暂时出错，请稍后点“继续上传”。", "error");
    } else {
      this.setState("idle");
      this.message(text || "上传失败（错误 " + status + "），请重新选择文件。", "error");
    }
  };

  Widget.prototype.done = function () {
    var url = this.upload ? this.upload.url : "";
    this.setState("done");
    this.el.progress.value = 100;
    this.el.percent.textContent = "100%";
    this.el.speed.textContent = "";
    this.message("上传完成，正在处理，请稍候…");
    this.root.dispatchEvent(
      new CustomEvent("xf:upload-complete", { bubbles: true, detail: { url: url } })
    );
    if (window.htmx) window.htmx.trigger(this.root, "xf-upload-complete", { url: url });
  };

  Widget.prototype.pause = function () {
    if (!this.upload) return;
    this.upload.abort();
    this.setState("paused");
    this.message("已暂停。点“继续上传”从这里接着传。");
  };

  Widget.prototype.resume = function () {
    if (!this.upload) return;
    this.samples = [];
    this.setState("uploading");
    this.message("");
    this.upload.start();
  };

  Widget.prototype.cancel = function () {
    var self = this;
    if (!this.upload || !window.confirm("确定取消这次上传吗？已上传的部分会被删除。")) return;
    var upload = this.upload;
    this.upload = null;
    var reset = function () {
      self.setState("idle");
      self.show("progress-box", false);
      self.el.file.value = "";
      self.message("已取消上传。");
    };
    upload.abort(true).then(reset, reset);
  };

  function init(scope) {
    var roots = Array.prototype.slice.call(scope.querySelectorAll("[data-xf-upload]"));
    if (scope.matches && scope.matches("[data-xf-upload]")) roots.push(scope);
    roots.forEach(function (root) {
      if (root.xfUpload) return;
      root.xfUpload = new Widget(root);
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", function () { init(document); });
  } else {
    init(document);
  }
  // Widgets swapped in by htmx (the page loads these scripts in its head then).
  document.addEventListener("htmx:load", function (event) { init(event.target); });
})();
