/* Forecast page (sales/forecast): ECharts bars of won / weighted / best case against a target
   line per row (sub-department or rep), and an attainment gauge. Data from the json_script
   block named by data-gx-forecast-bars / data-gx-forecast-gauge; no inline script (strict CSP).
   Tooltips stay off: their HTML uses inline styles, which the CSP refuses. */
(function () {
  "use strict";
  var COLORS = { won: "#16a34a", weighted: "#2563eb", best_case: "#93c5fd", target: "#dc2626" };

  function read(id) {
    var src = document.getElementById(id);
    if (!src) return null;
    try { return JSON.parse(src.textContent); } catch (e) { return null; }
  }
  var compact = new Intl.NumberFormat(document.documentElement.lang || undefined, { notation: "compact" });
  function num(v) { return v === null || v === undefined ? null : Number(v); }

  function bars(el, data) {
    var chart = window.echarts.init(el, null, { renderer: "svg" });
    var narrow = el.clientWidth < 480;
    chart.setOption({
      animation: false,
      tooltip: { show: false },
      color: [COLORS.won, COLORS.weighted, COLORS.best_case, COLORS.target],
      legend: { top: 0, data: [data.names.won, data.names.weighted, data.names.best_case, data.names.target] },
      grid: { left: 8, right: 8, top: 36, bottom: 8, containLabel: true },
      xAxis: { type: "category", data: data.labels,
               axisLabel: { interval: 0, rotate: narrow && data.labels.length > 2 ? 30 : 0, overflow: "truncate", width: 90 } },
      yAxis: { type: "value", axisLabel: { formatter: function (v) { return compact.format(v); } } },
      series: [
        { name: data.names.won, type: "bar", data: data.won.map(num), barMaxWidth: 28 },
        { name: data.names.weighted, type: "bar", data: data.weighted.map(num), barMaxWidth: 28 },
        { name: data.names.best_case, type: "bar", data: data.best_case.map(num), barMaxWidth: 28 },
        { name: data.names.target, type: "line", data: data.target.map(num), symbol: "rect", symbolSize: 10,
          connectNulls: false, lineStyle: { type: "dashed", width: 2 } }
      ]
    });
    return chart;
  }

  function gauge(el, data) {
    var chart = window.echarts.init(el, null, { renderer: "svg" });
    var value = num(data.attainment);
    chart.setOption({
      animation: false,
      series: [{
        type: "gauge", min: 0, max: Math.max(120, Math.ceil((value || 0) / 10) * 10), startAngle: 200, endAngle: -20,
        splitNumber: 4, radius: "95%", center: ["50%", "60%"],
        progress: { show: true, width: 14, itemStyle: { color: value !== null && value >= 100 ? COLORS.won : COLORS.weighted } },
        axisLine: { lineStyle: { width: 14 } }, axisTick: { show: false }, splitLine: { show: false },
        axisLabel: { show: false }, pointer: { show: false }, title: { show: false },
        detail: { valueAnimation: false, offsetCenter: [0, "0%"], fontSize: 26, fontWeight: 700,
                  formatter: function () { return value === null ? "—" : value.toFixed(1) + " %"; } },
        data: [{ value: value || 0, name: data.names.attainment }]
      }]
    });
    return chart;
  }

  function draw(root) {
    if (!window.echarts) return;
    var charts = [];
    (root || document).querySelectorAll("[data-gx-forecast-bars],[data-gx-forecast-gauge]").forEach(function (el) {
      if (el.dataset.gxDrawn) return;
      var isBars = el.hasAttribute("data-gx-forecast-bars");
      var data = read(el.getAttribute(isBars ? "data-gx-forecast-bars" : "data-gx-forecast-gauge"));
      if (!data) return;
      el.dataset.gxDrawn = "1";
      charts.push(isBars ? bars(el, data) : gauge(el, data));
    });
    if (charts.length) window.addEventListener("resize", function () { charts.forEach(function (c) { c.resize(); }); });
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", function () { draw(); });
  else draw();
  document.addEventListener("htmx:afterSettle", function (e) { draw(e.target); });
})();
