// Draws the member's month trend on /me/points: points per day (bars) and the running total (line).
import { colours, drawChart, pageData } from "./chart.js";

const data = pageData("trend-data");
const { red, gold } = colours();
drawChart("trend-chart", {
  animation: false,
  tooltip: { trigger: "axis" },
  legend: { data: [data.labels.daily, data.labels.cumulative], top: 0 },
  grid: { left: 36, right: 40, top: 36, bottom: 28 },
  xAxis: { type: "category", data: data.days },
  yAxis: [
    { type: "value", name: data.labels.daily, minInterval: 1 },
    { type: "value", name: data.labels.cumulative, minInterval: 1, splitLine: { show: false } },
  ],
  series: [
    { name: data.labels.daily, type: "bar", data: data.daily, itemStyle: { color: gold } },
    { name: data.labels.cumulative, type: "line", yAxisIndex: 1, data: data.cumulative,
      itemStyle: { color: red }, lineStyle: { width: 3 }, symbolSize: 4 },
  ],
});
