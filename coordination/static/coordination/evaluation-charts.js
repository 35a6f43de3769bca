// Draws the evaluation page's charts with the vendored ECharts from the data the page embeds as JSON
// (templates/evaluation/dashboard.html; a major task's remaining gap over time, major_task.html); the
// tables beside them carry the same figures without script.
(function () {
  "use strict";
  function draw() {
    var source = document.getElementById("evaluation-charts");
    if (!source || typeof echarts === "undefined") return;
    var data = JSON.parse(source.textContent);
    document.querySelectorAll(".evaluation-chart").forEach(function (element) {
      var chart = data[element.dataset.chart];
      if (!chart || !chart.items.length) return;
      element.style.height = "280px";
      var labels = chart.items.map(function (item) { return item[0]; });
      var values = chart.items.map(function (item) { return item[1]; });
      var option = chart.kind === "line"
        ? {
            title: { text: chart.title, textStyle: { fontSize: 14 } },
            tooltip: { trigger: "axis" },
            grid: { left: 8, right: 16, top: 36, bottom: 8, containLabel: true },
            xAxis: { type: "category", data: labels },
            yAxis: { type: "value", min: 0 },
            series: [{ type: "line", step: "end", areaStyle: {}, data: values }],
          }
        : element.dataset.chart === "declines"
        ? {
            title: { text: chart.title, textStyle: { fontSize: 14 } },
            tooltip: { trigger: "item" },
            series: [{ type: "pie", radius: ["35%", "65%"], top: 30,
                       data: chart.items.map(function (item) { return { name: item[0], value: item[1] }; }) }],
          }
        : {
            title: { text: chart.title, textStyle: { fontSize: 14 } },
            tooltip: { trigger: "axis" },
            grid: { left: 8, right: 16, top: 36, bottom: 8, containLabel: true },
            xAxis: { type: "value" },
            yAxis: { type: "category", data: labels, inverse: true },
            series: [{ type: "bar", data: values }],
          };
      var instance = echarts.init(element);
      instance.setOption(option);
      window.addEventListener("resize", function () { instance.resize(); });
    });
  }
  document.addEventListener("DOMContentLoaded", draw);
})();
