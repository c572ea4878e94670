// Sales dashboard (sales/dashboards): draws the ECharts charts of the panels htmx swaps in, and
// shows the custom dates only when the period is "custom". No inline script (strict CSP).
// <div data-gx-chart="ID" data-gx-chart-spec="{…}"> draws the chart the JSON describes:
//   {type: "bar" | "funnel" | "pie", categories, series: [{name, stack?, data: [{value, url}]}],
//    markers: [{value}] (targets), marker_name, money, horizontal, line}
// Clicking a bar, slice or funnel step opens its url (the records behind the number).
(function () {
  "use strict";
  var PALETTE = ["#e8590c", "#1c7ed6", "#2f9e44", "#f59f00", "#7048e8", "#0c8599", "#d6336c", "#5c940d", "#868e96", "#ae3ec9"];

  function num(v) { var n = parseFloat(v); return isNaN(n) ? 0 : n; }
  var CJK = /^zh/i.test(document.documentElement.lang || "");
  function short(n, unit, suffix) { return (n / unit).toFixed(1).replace(/\.0$/, "") + suffix; }
  function compact(n) {  // axis labels: 12万 / 1.2亿 in Chinese, 120K / 1.2M otherwise
    var a = Math.abs(n);
    if (CJK) { if (a >= 1e8) return short(n, 1e8, "亿"); if (a >= 1e4) return short(n, 1e4, "万"); }
    else { if (a >= 1e6) return short(n, 1e6, "M"); if (a >= 1e3) return short(n, 1e3, "K"); }
    return String(Math.round(n * 100) / 100);
  }
  function point(d) { return { value: num(d.value), url: d.url || "" }; }
  function narrow() { return window.matchMedia && window.matchMedia("(max-width: 575.98px)").matches; }

  function barOption(spec) {
    var axisCat = { type: "category", data: spec.categories, axisTick: { show: false },
                    axisLabel: { interval: 0, hideOverlap: true, width: spec.horizontal ? 90 : 80, overflow: "truncate",
                                 rotate: !spec.horizontal && spec.categories.length > 4 ? 30 : 0 } };
    var axisVal = { type: "value", axisLabel: { formatter: spec.money ? compact : undefined }, splitLine: { lineStyle: { color: "#eee" } } };
    var series = spec.series.map(function (s) {
      return { name: s.name, type: spec.line ? "line" : "bar", stack: s.stack, smooth: !!spec.line, symbolSize: 6,
               barMaxWidth: 36, emphasis: { focus: "series" }, data: s.data.map(point) };
    });
    if (spec.markers) {
      series.push({ name: spec.marker_name || "", type: "scatter", symbol: spec.horizontal ? "rect" : "rect",
                    symbolSize: spec.horizontal ? [4, 22] : [28, 4], itemStyle: { color: "#212529" }, z: 5,
                    data: spec.markers.map(function (m) { return m.value === null || m.value === undefined ? null : num(m.value); }) });
    }
    var legend = spec.series.length > 1 || spec.markers;
    return {
      animation: false, color: PALETTE,
      tooltip: { trigger: "axis", renderMode: "richText", axisPointer: { type: spec.line ? "line" : "shadow" } },
      legend: legend ? { type: "scroll", bottom: 0, itemWidth: 12, itemHeight: 10 } : undefined,
      grid: { left: 8, right: 16, top: 16, bottom: legend ? 36 : 8, containLabel: true },
      xAxis: spec.horizontal ? axisVal : axisCat,
      yAxis: spec.horizontal ? Object.assign({}, axisCat, { inverse: true }) : axisVal,
      series: series
    };
  }

  function funnelOption(spec) {
    return {
      animation: false, color: PALETTE,
      tooltip: { trigger: "item", renderMode: "richText" },
      series: [{ type: "funnel", sort: "none", left: "8%", right: "8%", top: 8, bottom: 8, minSize: "12%", gap: 2,
                 label: { show: true, position: "inside", formatter: "{b}: {c}", color: "#fff", fontSize: 12 },
                 data: spec.data.map(function (d) { return { name: d.name, value: num(d.value), url: d.url }; }) }]
    };
  }

  function pieOption(spec) {
    return {
      animation: false, color: PALETTE,
      tooltip: { trigger: "item", renderMode: "richText" },
      legend: { type: "scroll", bottom: 0, itemWidth: 12, itemHeight: 10 },
      series: [{ type: "pie", radius: ["42%", "70%"], center: ["50%", "45%"], avoidLabelOverlap: true,
                 label: { show: !narrow(), formatter: "{b} {d}%" },
                 data: spec.data.map(function (d) { return { name: d.name, value: num(d.value), url: d.url }; }) }]
    };
  }

  var charts = [];
  function draw(root) {
    if (!window.echarts) return;
    (root || document).querySelectorAll("[data-gx-chart]").forEach(function (el) {
      if (el.dataset.gxChartDone) return;
      // The spec rides in a data- attribute: htmx (allowScriptTags false) drops the <script>s of
      // swapped fragments, so json_script cannot carry it into a panel.
      var text = el.getAttribute("data-gx-chart-spec");
      if (!text) return;
      var spec;
      try { spec = JSON.parse(text); } catch (e) { return; }
      el.dataset.gxChartDone = "1";
      var chart = window.echarts.init(el, null, { renderer: "svg" });
      chart.setOption(spec.type === "funnel" ? funnelOption(spec) : spec.type === "pie" ? pieOption(spec) : barOption(spec));
      chart.on("click", function (p) {
        var url = p.data && p.data.url;
        if (url && url.charAt(0) === "/" && url.charAt(1) !== "/") window.location.href = url;  // our own pages only
      });
      charts.push(chart);
    });
  }

  function customDates() {
    var select = document.querySelector("[data-gx-dash-period]");
    var box = document.querySelector("[data-gx-dash-custom]");
    if (!select || !box) return;
    var sync = function () { box.hidden = select.value !== "custom"; };
    select.addEventListener("change", function () {
      sync();
      if (select.value !== "custom") select.form.requestSubmit();
    });
    sync();
  }

  function start() { draw(); customDates(); }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start); else start();
  document.addEventListener("htmx:afterSettle", function (e) {
    var panel = e.detail && e.detail.target;
    if (panel && panel.removeAttribute) panel.removeAttribute("aria-busy");
    draw(panel);
  });
  var timer;
  window.addEventListener("resize", function () {
    clearTimeout(timer);
    timer = setTimeout(function () { charts.forEach(function (c) { c.resize(); }); }, 150);
  });
})();
