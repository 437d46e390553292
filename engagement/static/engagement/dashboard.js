/* 家长参与 dashboard: draws the charts from the figures the page carries (no request of its own). */
(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("engagement-charts").textContent);
  function chart(id, option) {
    var el = document.getElementById(id);
    if (!el || !window.echarts) return;
    var c = window.echarts.init(el);
    c.setOption(option);
    window.addEventListener("resize", function () { c.resize(); });
  }
  function names(list) { return list.map(function (d) { return d.name; }); }
  chart("chart-schools", {
    title: { text: "各校触达家庭 / 家庭数", textStyle: { fontSize: 14 } },
    tooltip: { trigger: "axis" }, legend: { top: 24, data: ["触达家庭", "家庭数"] },
    grid: { top: 60, bottom: 80 },
    xAxis: { type: "category", data: names(data.schools), axisLabel: { rotate: 40, interval: 0 } },
    yAxis: { type: "value" },
    series: [{ name: "触达家庭", type: "bar", data: data.schools.map(function (d) { return d.reached; }) },
             { name: "家庭数", type: "bar", data: data.schools.map(function (d) { return d.families; }) }]
  });
  chart("chart-funnel", {
    title: { text: "完成漏斗(家庭)", textStyle: { fontSize: 14 } }, tooltip: {},
    series: [{ type: "funnel", top: 40, sort: "none", data: data.funnel, label: { formatter: "{b}:{c}" } }]
  });
  chart("chart-stages", {
    title: { text: "各学段触达家庭", textStyle: { fontSize: 14 } }, tooltip: { trigger: "axis" },
    xAxis: { type: "category", data: data.stages.map(function (d) { return d.stage; }) }, yAxis: { type: "value" },
    series: [{ name: "触达家庭", type: "bar", data: data.stages.map(function (d) { return d.reached; }) }]
  });
  chart("chart-ratings", {
    title: { text: "这节课对您有帮助吗?", textStyle: { fontSize: 14 } }, tooltip: {},
    series: [{ type: "pie", radius: ["35%", "65%"], data: data.ratings, label: { formatter: "{b}:{c}" } }]
  });
  chart("chart-lessons", {
    title: { text: "热门课程(人次)", textStyle: { fontSize: 14 } }, tooltip: { trigger: "axis" },
    legend: { top: 24, data: ["开始观看", "看完 90%"] }, grid: { left: 240, top: 60 },
    yAxis: { type: "category", inverse: true, data: names(data.lessons) }, xAxis: { type: "value" },
    series: [{ name: "开始观看", type: "bar", data: data.lessons.map(function (d) { return d.started; }) },
             { name: "看完 90%", type: "bar", data: data.lessons.map(function (d) { return d.watched90; }) }]
  });
})();
