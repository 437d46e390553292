/* 问卷结果: one horizontal bar chart per choice or scale question, from the figures the page carries. */
(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("survey-charts").textContent);
  if (!window.echarts) return;
  data.forEach(function (q) {
    var el = document.getElementById("survey-chart-" + q.id);
    if (!el) return;
    var chart = window.echarts.init(el);
    chart.setOption({
      tooltip: { trigger: "axis" }, grid: { left: 160, right: 40, top: 10, bottom: 30 },
      xAxis: { type: "value", minInterval: 1 },
      yAxis: { type: "category", inverse: true, data: q.options.map(function (o) { return o.name; }) },
      series: [{ name: "人数", type: "bar", data: q.options.map(function (o) { return o.value; }),
                 label: { show: true, position: "right" } }]
    });
    window.addEventListener("resize", function () { chart.resize(); });
  });
})();
