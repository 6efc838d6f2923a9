// Item statistics page: sortable table, facility-vs-discrimination scatter, answer distribution of one question.
import { colours, drawChart, pageData } from "./chart.js";

const data = pageData("qb-stats-data");
const table = document.getElementById("stats-table");
const palette = colours();
const RED = palette.red;
const GREY = palette.chartNeutral;

// --- sorting: click a header; numbers by data-value (blanks last), text by locale ---------------------------
function cellValue(row, index, kind) {
  const cell = row.cells[index];
  if (kind === "num") {
    const raw = cell.dataset.value;
    return raw === "" || raw === undefined ? null : Number(raw);
  }
  return cell.textContent.trim();
}

function sortBy(header) {
  const index = header.cellIndex;
  const kind = header.dataset.sortKey;
  const ascending = header.getAttribute("aria-sort") !== "ascending";
  for (const th of table.tHead.rows[0].cells) th.removeAttribute("aria-sort");
  header.setAttribute("aria-sort", ascending ? "ascending" : "descending");
  const body = table.tBodies[0];
  const rows = Array.from(body.rows);
  rows.sort((a, b) => {
    const x = cellValue(a, index, kind);
    const y = cellValue(b, index, kind);
    if (x === null || y === null) return (x === null) - (y === null); // blanks last either way
    const order = kind === "num" ? x - y : x.localeCompare(y, "zh-CN");
    return ascending ? order : -order;
  });
  body.append(...rows);
}

for (const th of table.querySelectorAll("th[data-sort-key]")) {
  th.addEventListener("click", () => sortBy(th));
}

// --- charts --------------------------------------------------------------------------------------------------
const labels = data.labels;
let bars = null;

function showDistribution(questionId) {
  const entry = data.bars[String(questionId)];
  for (const row of table.tBodies[0].rows) row.classList.toggle("selected", row.dataset.questionId === String(questionId));
  if (!bars || !entry) return;
  document.getElementById("qb-bars-title").textContent = `${labels.distribution} · ${labels.question} ${questionId}`;
  bars.setOption({
    animation: false,
    tooltip: { trigger: "axis" },
    grid: { left: 48, right: 16, top: 40, bottom: 48 },
    xAxis: { type: "category", data: entry.labels, axisLabel: { interval: 0, rotate: entry.labels.length > 6 ? 30 : 0 } },
    yAxis: { type: "value", name: labels.count, minInterval: 1 },
    graphic: [{ type: "text", right: 16, top: 8, style: { text: `${labels.answer}: ${entry.answer}`, fill: GREY } }],
    series: [{
      type: "bar",
      data: entry.labels.map((label, i) => ({
        value: entry.counts[i],
        itemStyle: { color: label === entry.answer ? palette.chartCorrect : GREY },
      })),
    }],
  }, true);
  bars.getDom().dataset.question = String(questionId);
}

const scatterHolder = document.getElementById("qb-scatter");
const barsHolder = document.getElementById("qb-bars");
if (window.echarts && scatterHolder && barsHolder) {
  const series = (flagged) => ({
    name: flagged ? labels.flagged : labels.normal,
    type: "scatter",
    symbolSize: 10,
    itemStyle: { color: flagged ? RED : GREY, opacity: 0.8 },
    data: data.points.filter((p) => p.flagged === flagged).map((p) => ({ value: p.value, id: p.id, stem: p.stem })),
  });
  const scatter = drawChart(scatterHolder, {
    animation: false,
    legend: { data: [labels.normal, labels.flagged], top: 0 },
    grid: { left: 56, right: 24, top: 36, bottom: 48 },
    tooltip: {
      trigger: "item",
      formatter: (p) => {
        const div = document.createElement("div"); // text nodes: a stem is never markup
        div.style.maxWidth = "22rem";
        div.style.whiteSpace = "normal";
        div.append(`${labels.question} ${p.data.id}: ${p.data.stem}`, document.createElement("br"),
          `${labels.facility} ${(p.value[0] * 100).toFixed(1)}% · ${labels.discrimination} ${p.value[1].toFixed(3)}`);
        return div.outerHTML;
      },
    },
    xAxis: { type: "value", name: labels.facility, min: 0, max: 1, nameLocation: "middle", nameGap: 28,
      axisLabel: { formatter: (v) => `${Math.round(v * 100)}%` } },
    yAxis: { type: "value", name: labels.discrimination, min: -1, max: 1 },
    series: [
      { ...series(false),
        markLine: { silent: true, symbol: "none", lineStyle: { type: "dashed", color: palette.gold },
          data: [{ xAxis: 0.2 }, { xAxis: 0.9 }, { yAxis: 0.2 }] } },
      series(true),
    ],
  });
  scatter.on("click", (p) => showDistribution(p.data.id));
  bars = drawChart(barsHolder);
  bars.setOption({
    animation: false,
    graphic: [{ type: "text", left: "center", top: "middle", style: { text: labels.pick, fill: GREY } }],
  });
  scatterHolder.dataset.points = String(data.points.length);
}

table.tBodies[0].addEventListener("click", (event) => {
  const row = event.target.closest("tr[data-attempts]");
  if (row) showDistribution(row.dataset.questionId);
});
