// 数据大屏: fetches its figures every `data-refresh` seconds and turns to the next indicator
// every `data-rotate` seconds. It runs for days on a hall's TV, so it keeps what it makes:
// two chart instances for the page's life, updated in place; list items rebuilt with
// textContent; one timer each; no growing arrays. A failed fetch leaves the last figures on
// screen and says since when they are stale.
(function () {
  "use strict";
  var root = document.getElementById("screen");
  if (!root) return;
  var url = root.getAttribute("data-url");
  var refresh = Math.max(2, parseInt(root.getAttribute("data-refresh"), 10) || 60) * 1000;
  var rotate = Math.max(1, parseInt(root.getAttribute("data-rotate"), 10) || 15) * 1000;
  // The hall's clock in the county's time zone, whatever the TV box is set to.
  var zone = root.getAttribute("data-tz") || undefined;
  var RED = "#e0464c", GOLD = "#ffd7a8", GREY = "#7f93ab";
  var state = { data: null, panel: 0, lastOk: null };
  var bars = null, line = null;
  // 大字模式 scales the charts' labels as the stylesheet scales the text (--t).
  var T = document.documentElement.classList.contains("large-text") ? 1.25 : 1;
  function px(size) { return Math.round(size * T); }

  function byId(id) { return document.getElementById(id); }

  function fill(list, items, render) {
    var el = byId(list);
    while (el.firstChild) el.removeChild(el.firstChild);
    items.forEach(function (item) { el.appendChild(render(item)); });
  }

  function li(text, cls) {
    var el = document.createElement("li");
    if (cls) el.className = cls;
    el.textContent = text;
    return el;
  }

  function pair(left, right, cls) {
    var el = document.createElement("li");
    var a = document.createElement("span"), b = document.createElement("b");
    a.textContent = left; b.textContent = right;
    if (cls) b.className = cls;
    el.appendChild(a); el.appendChild(b);
    return el;
  }

  function charts() {
    if (typeof window.echarts === "undefined") return false;
    if (!bars) bars = window.echarts.init(byId("sc-bars"));
    if (!line) line = window.echarts.init(byId("sc-line"));
    return true;
  }

  // The tree of the children (a county's towns) as tiles, coloured and labelled by the
  // turning indicator: name, figure, the word for the colour, the branches missing it.
  function showTree(p) {
    var tree = p.tree;
    byId("sc-tree-org").textContent = tree.org;
    byId("sc-tree-name").textContent = p.name;
    byId("sc-tree-reading").textContent = tree.reading;
    var el = byId("sc-tree");
    var n = tree.tiles.length;
    var cols = Math.max(1, Math.min(n, Math.ceil(Math.sqrt(n * 2.4))));
    el.style.setProperty("--cols", String(cols));
    el.className = "sc-tree" + (Math.ceil(n / cols) > 3 ? " compact" : "");
    fill("sc-tree", tree.tiles, function (t) {
      var item = document.createElement("li");
      item.className = "tile " + t.tier;
      var name = document.createElement("b"), figure = document.createElement("span");
      name.textContent = t.name;
      figure.className = "tile-figure";
      figure.textContent = t.shown + " · " + t.verdict;
      item.appendChild(name);
      item.appendChild(figure);
      if (t.branches) {
        var small = document.createElement("small");
        small.textContent = t.branches;
        item.appendChild(small);
      }
      return item;
    });
  }

  function showPanel() {
    var d = state.data;
    if (!d || !d.panels.length) {
      byId("sc-panel-name").textContent = "暂无指标数据";
      return;
    }
    var p = d.panels[state.panel % d.panels.length];
    byId("sc-panel-name").textContent = p.name;
    byId("sc-trend-name").textContent = p.name;
    byId("sc-bars-reading").textContent = p.children_reading || "没有下级组织。";
    byId("sc-line-reading").textContent = p.reading;
    showTree(p);
    if (!charts()) return;
    var orgs = p.children.orgs.slice(0, 20).reverse();
    var values = p.children.values.slice(0, 20).reverse();
    var unit = p.ratio ? p.unit : "";
    bars.setOption({
      animation: false,
      grid: { left: 10, right: 70, top: 6, bottom: 6, containLabel: true },
      xAxis: { type: "value", show: false, max: p.ratio ? 100 : null },
      yAxis: { type: "category", data: orgs, axisLabel: { color: "#e8eef7", fontSize: px(16) }, axisLine: { lineStyle: { color: GREY } } },
      series: [{ type: "bar", data: values, barMaxWidth: 26, itemStyle: { color: RED },
        label: { show: true, position: "right", color: "#fff", fontSize: px(16),
          formatter: function (x) { return x.value === null ? "—" : x.value + unit; } } }]
    }, true);
    var lineSeries = [{ type: "line", data: p.trend, symbolSize: 8, lineStyle: { color: GOLD, width: 3 }, itemStyle: { color: GOLD } }];
    if (p.target !== null) {
      lineSeries.push({ type: "line", data: d.months.map(function () { return p.target; }), symbol: "none", silent: true,
        lineStyle: { color: GREY, type: "dashed" } });
    }
    line.setOption({
      animation: false,
      grid: { left: 50, right: 16, top: 16, bottom: 30 },
      xAxis: { type: "category", data: d.months, axisLabel: { color: "#c5d3e3", fontSize: px(14) } },
      yAxis: { type: "value", min: 0, max: p.ratio ? 100 : null, axisLabel: { color: "#c5d3e3", fontSize: px(14) },
        splitLine: { lineStyle: { color: "#1d3252" } } },
      series: lineSeries
    }, true);
  }

  // The month's figures are more rows than their panel holds (in 大字 even more so): they
  // are shown a panelful at a time, the page turning with the indicator ("（1/2）" beside
  // the heading), rather than cut off at the panel's edge. On a phone the list grows with
  // its rows and has one page.
  function pageFigures() {
    var el = byId("sc-figures"), rows = el.children, label = byId("sc-figures-page");
    var i, per = 0;
    for (i = 0; i < rows.length; i++) rows[i].hidden = false;
    var room = el.clientHeight;
    for (i = 0; i < rows.length; i++) {
      if (rows[i].offsetTop + rows[i].offsetHeight > room + 1) break;
      per = i + 1;
    }
    if (per === 0 || per >= rows.length) { label.textContent = ""; return; }
    var pages = Math.ceil(rows.length / per);
    var page = state.panel % pages;
    for (i = 0; i < rows.length; i++) rows[i].hidden = Math.floor(i / per) !== page;
    label.textContent = "（" + (page + 1) + "/" + pages + "）";
  }

  function render() {
    var d = state.data;
    byId("sc-month").textContent = d.month;
    fill("sc-counters", d.counters, function (c) { return pair(c.name, c.value + " " + c.unit); });
    fill("sc-figures", d.figures, function (f) {
      return pair(f.name, f.shown + (f.meets === true ? " ✓" : f.meets === false ? " ✗" : ""),
        f.meets === true ? "ok" : f.meets === false ? "miss" : "");
    });
    pageFigures();
    fill("sc-flags", d.flags.length ? d.flags : [null], function (f) {
      if (!f) return li("各项有目标的指标均已达标。");
      var el = li(f.missing + " 个支部" + f.name + "未达标");
      var small = document.createElement("small");
      small.textContent = f.worst.join("、");
      el.appendChild(small);
      return el;
    });
    showPanel();
  }

  function status(text, stale) {
    var el = byId("sc-status");
    el.textContent = text;
    el.className = stale ? "sc-status stale" : "sc-status";
  }

  function load() {
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) {
        if (!r.ok) throw new Error(String(r.status));
        return r.json();
      })
      .then(function (d) {
        state.data = d;
        state.lastOk = d.now;
        render();
        status("更新于 " + d.now, false);
      })
      .catch(function () {
        status(state.lastOk ? "网络中断，显示的是 " + state.lastOk + " 的数据" : "暂时读不到数据，稍后自动重试", true);
      });
  }

  function tick() {
    var now = new Date();
    var options = { hour12: false, timeZone: zone };
    try {
      byId("sc-clock").textContent = now.toLocaleTimeString("zh-CN", options);
    } catch (e) {  // an old WebView that knows no time zones
      byId("sc-clock").textContent = now.toLocaleTimeString("zh-CN", { hour12: false });
    }
  }

  window.addEventListener("resize", function () {
    if (bars) bars.resize();
    if (line) line.resize();
    if (state.data) pageFigures();
  });
  load();
  tick();
  window.setInterval(load, refresh);
  window.setInterval(tick, 1000);
  window.setInterval(function () {
    state.panel += 1;
    if (state.panel > 1e6) state.panel = 0;
    showPanel();
    if (state.data) pageFigures();
  }, rotate);
})();
