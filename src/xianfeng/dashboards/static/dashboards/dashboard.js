// 数据看板: draws each card's twelve-month line and the children's ranking as bars from the
// JSON the page carries (#dashboard-data). Without this script (or ECharts) the page still
// says every figure in words; the charts are an addition, never the only way to read.
(function () {
  "use strict";
  var RED = "#c8161d", GREY = "#9aa0a6";

  function data() {
    var el = document.getElementById("dashboard-data");
    return el ? JSON.parse(el.textContent) : null;
  }

  function label(value, card) {
    if (value === null || value === undefined) return "";
    return card.ratio ? value + card.unit : String(Math.round(value));
  }

  function lineOption(card, months) {
    var series = [{
      type: "line", data: card.values, connectNulls: false, symbolSize: 5,
      lineStyle: { color: RED, width: 2 }, itemStyle: { color: RED },
      label: { show: true, position: "top", fontSize: 10, color: "#5f6670",
        formatter: function (p) { return p.dataIndex === card.values.length - 1 ? label(p.value, card) : ""; } }
    }];
    if (card.target !== null) {
      series.push({ type: "line", data: months.map(function () { return card.target; }),
        symbol: "none", silent: true, lineStyle: { color: GREY, type: "dashed", width: 1 } });
    }
    return {
      animation: false, aria: { enabled: false },
      grid: { left: 36, right: 10, top: 18, bottom: 22 },
      xAxis: { type: "category", data: months, axisLabel: { fontSize: 10, interval: 2 } },
      yAxis: { type: "value", min: 0, max: card.ratio ? 100 : null, splitNumber: 3, axisLabel: { fontSize: 10 } },
      series: series
    };
  }

  function barOption(children) {
    var orgs = children.orgs.slice().reverse(), values = children.values.slice().reverse();
    return {
      animation: false, aria: { enabled: false },
      grid: { left: 8, right: 48, top: 4, bottom: 4, containLabel: true },
      xAxis: { type: "value", show: false },
      yAxis: { type: "category", data: orgs, axisLabel: { fontSize: 11, width: 110, overflow: "truncate" } },
      series: [{ type: "bar", data: values, itemStyle: { color: RED }, barMaxWidth: 18,
        label: { show: true, position: "right", fontSize: 11,
          formatter: function (p) { return p.value === null ? "—" : p.value + (children.unit === "%" ? "%" : ""); } } }]
    };
  }

  function start() {
    var d = data();
    if (!d || typeof window.echarts === "undefined") return;
    document.documentElement.classList.add("charts-on");
    var charts = [];
    document.querySelectorAll("[data-card]").forEach(function (el) {
      var card = d.cards[el.getAttribute("data-card")];
      if (!card) return;
      var chart = window.echarts.init(el);
      chart.setOption(lineOption(card, d.months));
      charts.push(chart);
    });
    var bars = document.querySelector("[data-children]");
    if (bars && d.children.orgs.length) {
      bars.style.height = Math.max(96, d.children.orgs.length * 26) + "px";
      var chart = window.echarts.init(bars);
      chart.setOption(barOption(d.children));
      // A bar opens that org's dashboard, like its name in the list below.
      var links = Array.prototype.map.call(document.querySelectorAll(".ranking .org-name"), function (a) { return a.href; });
      chart.on("click", function (p) {
        var href = links[links.length - 1 - p.dataIndex];
        if (href) window.location.href = href;
      });
      charts.push(chart);
    }
    var pending = false;
    window.addEventListener("resize", function () {
      if (pending) return;
      pending = true;
      window.requestAnimationFrame(function () {
        pending = false;
        charts.forEach(function (c) { c.resize(); });
      });
    });
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
