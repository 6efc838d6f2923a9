// The printable 通报: two charts drawn as SVG with no animation, so printing (or Save as PDF) has them whole.
const source = document.getElementById("bulletin-data");
const COLORS = ["#c8102e", "#3d6fb6", "#f5b400", "#138a36", "#7c3aed", "#6b7280"];

function draw(id, option) {
  const holder = document.getElementById(id);
  if (!holder || !window.echarts) return;
  const chart = window.echarts.init(holder, null, { renderer: "svg" });
  chart.setOption({ animation: false, color: COLORS, textStyle: { fontFamily: "Noto Sans CJK SC, sans-serif" }, ...option });
  holder.dataset.drawn = "true";
}

if (source) {
  const data = JSON.parse(source.textContent);
  draw("bulletin-bar", {
    grid: { left: 48, right: 16, top: 28, bottom: 32 },
    xAxis: { type: "category", data: data.names, axisLabel: { interval: 0, fontSize: 11 } },
    yAxis: { type: "value", name: data.metric },
    series: [{ type: "bar", data: data.values, barMaxWidth: 48, itemStyle: { color: "#c8102e" },
      label: { show: true, position: "top" } }],
  });
  draw("bulletin-line", {
    legend: { top: 0 },
    grid: { left: 48, right: 16, top: 32, bottom: 28 },
    xAxis: { type: "category", data: data.days, axisLabel: { fontSize: 10 } },
    yAxis: { type: "value", name: data.cumulative },
    series: data.lines.map((line) => ({ name: line.name, type: "line", data: line.data, showSymbol: false })),
  });
}

document.querySelector("[data-print]")?.addEventListener("click", () => window.print());
