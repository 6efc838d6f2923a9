// Draws the organizer boards page's chart: the top 20 of the ranking shown in the table, as bars.
const holder = document.getElementById("board-chart");
const source = document.getElementById("board-chart-data");
if (holder && source && window.echarts) {
  const data = JSON.parse(source.textContent);
  const chart = window.echarts.init(holder);
  chart.setOption({
    animation: false,
    tooltip: { trigger: "axis" },
    grid: { left: 56, right: 24, top: 32, bottom: 72 },
    xAxis: { type: "category", data: data.names, axisLabel: { interval: 0, rotate: data.names.length > 8 ? 35 : 0 } },
    yAxis: { type: "value", name: data.label },
    series: [{ name: data.label, type: "bar", data: data.values, itemStyle: { color: "#c8102e" },
      label: { show: data.names.length <= 10, position: "top" } }],
  });
  window.addEventListener("resize", () => chart.resize());
  holder.dataset.drawn = "true";
}
