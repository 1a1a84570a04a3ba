// Reorder a 展播 channel's lessons: drag an entry (mouse), or press its 上移/下移 buttons
// (keyboard, touch). Without this script the buttons post their forms and the page
// reloads; with it the entry moves in place, keeps the focus, and the whole order is
// saved in one request. A failed save puts the old order back and says so.
(function () {
  "use strict";
  var list = document.querySelector("[data-reorder-url]");
  if (!list) return;
  var url = list.getAttribute("data-reorder-url");
  var status = document.getElementById("reorder-status");
  var csrf = "";
  try { csrf = JSON.parse(document.body.getAttribute("hx-headers") || "{}")["X-CSRFToken"] || ""; } catch (e) { csrf = ""; }

  function entries() { return Array.prototype.slice.call(list.querySelectorAll("li[data-id]")); }
  function ids() { return entries().map(function (li) { return li.getAttribute("data-id"); }); }
  function say(text) { if (status) { status.textContent = text; } }
  // Put the entries in `order` (the server's word), touching the page only when it
  // differs; moving nodes blurs them, so the focus is given back.
  function restore(order) {
    if (order.join(",") === ids().join(",")) return;
    var focused = document.activeElement;
    var byId = {};
    entries().forEach(function (li) { byId[li.getAttribute("data-id")] = li; });
    order.forEach(function (id) { if (byId[id]) { list.appendChild(byId[id]); } });
    if (focused && focused !== document.activeElement && list.contains(focused)) { focused.focus(); }
  }

  function save(before) {
    var order = ids();
    if (order.join(",") === before.join(",")) return;
    var body = new URLSearchParams();
    body.set("action", "reorder");
    body.set("order", order.join(","));
    say("正在保存顺序…");
    fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "X-CSRFToken": csrf, "Accept": "application/json" },
      body: body,
    }).then(function (r) {
      if (!r.ok) throw new Error(String(r.status));
      return r.json();
    }).then(function (data) {
      restore((data.order || []).map(String));
      say("已保存顺序");
    }).catch(function () {
      restore(before);
      say("保存失败，顺序已恢复，请刷新后重试");
    });
  }

  entries().forEach(function (li) { li.setAttribute("draggable", "true"); });
  var dragged = null;
  var before = null;
  list.addEventListener("dragstart", function (event) {
    var li = event.target.closest && event.target.closest("li[data-id]");
    if (!li) return;
    dragged = li;
    before = ids();
    li.classList.add("dragging");
    event.dataTransfer.effectAllowed = "move";
    event.dataTransfer.setData("text/plain", li.getAttribute("data-id"));
  });
  list.addEventListener("dragover", function (event) {
    if (!dragged) return;
    event.preventDefault();
    var target = event.target.closest && event.target.closest("li[data-id]");
    if (!target || target === dragged) return;
    var box = target.getBoundingClientRect();
    var after = event.clientY > box.top + box.height / 2;
    list.insertBefore(dragged, after ? target.nextSibling : target);
  });
  list.addEventListener("drop", function (event) { if (dragged) { event.preventDefault(); } });
  list.addEventListener("dragend", function () {
    if (!dragged) return;
    dragged.classList.remove("dragging");
    dragged = null;
    save(before);
  });

  // 上移 / 下移: move in place and keep the focus on the pressed button (or its twin when
  // the entry reached an end and the button is hidden there).
  list.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("button[name=action]");
    if (!button || (button.value !== "up" && button.value !== "down")) return;
    var li = button.closest("li[data-id]");
    if (!li) return;
    event.preventDefault();
    var old = ids();
    if (button.value === "up" && li.previousElementSibling) {
      list.insertBefore(li, li.previousElementSibling);
    } else if (button.value === "down" && li.nextElementSibling) {
      list.insertBefore(li.nextElementSibling, li);
    }
    var focus = button;
    if ((button.value === "up" && !li.previousElementSibling) || (button.value === "down" && !li.nextElementSibling)) {
      focus = li.querySelector(button.value === "up" ? ".move-down" : ".move-up") || button;
    }
    focus.focus();
    save(old);
  });
})();
