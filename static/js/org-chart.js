// Draws the organizer dashboard's chart: points per member (bars) and participation (line) per org.
const holder = document.getElementById("org-chart");
const data = JSON.parse(document.getElementById("org-chart-data").textContent);
if (holder && window.echarts) {
  const chart = window.echarts.init(holder);
  chart.setOption({
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
      { name: data.labels.per_member, type: "bar", data: data.per_member, itemStyle: { color: "#c8102e" } },
      { name: data.labels.participation, type: "line", yAxisIndex: 1, data: data.participation,
        itemStyle: { color: "#f5b400" }, lineStyle: { width: 3 } },
    ],
  });
  window.addEventListener("resize", () => chart.resize());
  holder.dataset.drawn = "true";
}
