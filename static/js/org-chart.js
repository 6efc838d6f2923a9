// Draws the organizer dashboard's chart: points per member (bars) and participation (line) per org.
import { colours, drawChart, pageData } from "./chart.js";

const data = pageData("org-chart-data");
const { red, gold } = colours();
drawChart("org-chart", {
  animation: false,
  tooltip: { trigger: "axis" },
  legend: { data: [data.labels.per_member, data.labels.participation] },
  grid: { left: 48, right: 56, top: 40, bottom: 60 },
  xAxis: { type: "category", data: data.names, axisLabel: { interval: 0, rotate: data.names.length > 6 ? 30 : 0 } },
  yAxis: [
    { type: "value", name: data.labels.per_member },
    { type: "value", name: data.labels.participation, min: 0, max: 1,
      axisLabel: { formatter: (v) => `${Math.round(v * 100)}%` } },
  ],
  series: [
    { name: data.labels.per_member, type: "bar", data: data.per_member, itemStyle: { color: red } },
    { name: data.labels.participation, type: "line", yAxisIndex: 1, data: data.participation,
      itemStyle: { color: gold }, lineStyle: { width: 3 } },
  ],
});
