// Draws the organizer boards page's chart: the top 20 of the ranking shown in the table, as bars.
import { colours, drawChart, pageData } from "./chart.js";

const data = pageData("board-chart-data");
if (data) {
  const { red } = colours();
  drawChart("board-chart", {
    animation: false,
    tooltip: { trigger: "axis" },
    grid: { left: 56, right: 24, top: 32, bottom: 72 },
    xAxis: { type: "category", data: data.names, axisLabel: { interval: 0, rotate: data.names.length > 8 ? 35 : 0 } },
    yAxis: { type: "value", name: data.label },
    series: [{ name: data.label, type: "bar", data: data.values, itemStyle: { color: red },
      label: { show: data.names.length <= 10, position: "top" } }],
  });
}
