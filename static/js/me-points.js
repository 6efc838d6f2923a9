// Draws the member's month trend on /me/points: points per day (bars) and the running total (line).
const holder = document.getElementById("trend-chart");
const data = JSON.parse(document.getElementById("trend-data").textContent);
if (holder && window.echarts) {
  const chart = window.echarts.init(holder);
  chart.setOption({
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
      { name: data.labels.daily, type: "bar", data: data.daily, itemStyle: { color: "#f5b400" } },
      { name: data.labels.cumulative, type: "line", yAxisIndex: 1, data: data.cumulative,
        itemStyle: { color: "#c8102e" }, lineStyle: { width: 3 }, symbolSize: 4 },
    ],
  });
  window.addEventListener("resize", () => chart.resize());
  holder.dataset.drawn = "true";
}
