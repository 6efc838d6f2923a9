// Office screen (TV kiosk): rotating board views drawn with ECharts, updated by `/screen` pushes.
// Sizes derive from the window height, so 1920×1080 and 3840×2160 look the same; pushes come through
// screen-socket.js (reconnects, revocation).
import { colours, drawChart } from "./chart.js";
import { connectScreen } from "./screen-socket.js";

const ROTATE_MS = 15000;
const root = document.querySelector(".scr");
const labels = JSON.parse(document.getElementById("screen-labels").textContent);
let state = JSON.parse(document.getElementById("screen-data").textContent);
const charts = {};

const { gold: GOLD, cream: CREAM, ember: EMBER, onGold: ON_GOLD } = colours(root); // the screen's own palette
const unit = () => window.innerHeight / 100; // 1vh in CSS pixels

function chart(id) {
  if (!charts[id]) charts[id] = drawChart(id); // follows window resizes before render() below redraws
  return charts[id];
}

function fmtMonth(key) {
  const [y, m] = key.split("-");
  return labels.month.replace("{y}", y).replace("{m}", String(Number(m)));
}

function pct(value) {
  return `${Math.round(value * 100)}%`;
}

function drawMembers() {
  const rows = state.members || [];
  const holder = root.querySelector('[data-view="members"]');
  holder.querySelector(".scr-empty").hidden = rows.length > 0;
  const u = unit();
  const ordered = rows.slice().reverse(); // ECharts draws the first category at the bottom
  chart("chart-members").setOption({
    animation: false,
    grid: { left: u * 30, right: u * 9, top: u * 1, bottom: u * 1 },
    xAxis: { type: "value", show: false, max: (v) => Math.max(v.max, 1) },
    yAxis: {
      type: "category", data: ordered.map((r) => r.member_id), axisLine: { show: false }, axisTick: { show: false },
      axisLabel: {
        formatter: (value, index) => {
          const r = ordered[index];
          return `{rank${r.rank <= 3 ? "Top" : ""}|${r.rank}}{name|${r.name}}{org|${r.org}}`;
        },
        rich: {
          rank: { width: u * 4, align: "center", fontSize: u * 2, color: CREAM },
          rankTop: { width: u * 4, align: "center", fontSize: u * 2.2, color: ON_GOLD, fontWeight: "bold",
                     backgroundColor: GOLD, borderRadius: u * 1.2, padding: [u * 0.1, 0] },
          name: { width: u * 10, align: "left", padding: [0, 0, 0, u * 1.5], fontSize: u * 2.1, color: "#ffffff",
                  fontWeight: "bold" },
          org: { width: u * 14, align: "left", fontSize: u * 1.6, color: "rgba(255,243,214,.7)" },
        },
      },
    },
    series: [{
      type: "bar", data: ordered.map((r) => r.points), barWidth: "62%",
      itemStyle: {
        borderRadius: [0, u, u, 0],
        color: new window.echarts.graphic.LinearGradient(0, 0, 1, 0, [
          { offset: 0, color: EMBER }, { offset: 1, color: GOLD }]),
      },
      label: { show: true, position: "right", color: GOLD, fontSize: u * 2.2, fontWeight: "bold" },
    }],
  }, true);
}

function drawOrgs() {
  const rows = state.orgs || [];
  const u = unit();
  chart("chart-orgs").setOption({
    animation: false,
    legend: { top: 0, right: u * 2, textStyle: { color: CREAM, fontSize: u * 2 }, itemWidth: u * 3, itemHeight: u * 1.6 },
    grid: { left: u * 8, right: u * 8, top: u * 8, bottom: u * 7 },
    xAxis: {
      type: "category", data: rows.map((r) => r.name), axisLine: { lineStyle: { color: "rgba(255,243,214,.5)" } },
      axisLabel: { color: "#ffffff", fontSize: u * (rows.length > 5 ? 1.7 : 2.1), interval: 0, width: u * 22, overflow: "break" },
    },
    yAxis: [
      // Headroom above the bars keeps their values clear of the participation line (0–100% on the right).
      { type: "value", name: labels.per_member_unit, nameTextStyle: { color: CREAM, fontSize: u * 1.7 },
        max: (v) => Math.max(1, Math.ceil(v.max * 1.5)),
        axisLabel: { color: CREAM, fontSize: u * 1.7, showMaxLabel: false },
        splitLine: { lineStyle: { color: "rgba(255,255,255,.12)" } } },
      { type: "value", min: 0, max: 1, axisLabel: { color: CREAM, fontSize: u * 1.7, formatter: pct }, splitLine: { show: false } },
    ],
    series: [
      { name: labels.per_member, type: "bar", data: rows.map((r) => r.per_member), barMaxWidth: u * 12,
        itemStyle: { borderRadius: [u, u, 0, 0], color: new window.echarts.graphic.LinearGradient(0, 0, 0, 1, [
          { offset: 0, color: GOLD }, { offset: 1, color: EMBER }]) },
        label: { show: true, position: "insideTop", distance: u, color: ON_GOLD, fontSize: u * 2.4, fontWeight: "bold" } },
      { name: labels.participation, type: "line", yAxisIndex: 1, data: rows.map((r) => r.participation),
        symbolSize: u * 1.6, lineStyle: { width: u * 0.4, color: "#ffffff" }, itemStyle: { color: "#ffffff" },
        label: { show: true, position: "top", formatter: (p) => pct(p.value), color: "#ffffff", fontSize: u * 1.9,
                 backgroundColor: "rgba(58,0,8,.6)", padding: [u * 0.2, u * 0.6], borderRadius: u * 0.5 } },
    ],
  }, true);
}

function setField(name, value) {
  const node = root.querySelector(`[data-field="${name}"]`);
  if (node) node.textContent = value;
}

function drawTug() {
  const tug = state.tug;
  if (!tug) return;
  for (const side of ["a", "b"]) {
    const s = tug[side];
    setField(`${side}.name`, s.name);
    setField(`${side}.total`, String(s.total));
    setField(`${side}.per_member`, s.per_member.toFixed(2));
    setField(`${side}.participation`, pct(s.participation));
    setField(`${side}.people`, labels.people.replace("{n}", s.participants).replace("{of}", s.members));
  }
  // The side with the higher 人均 pulls the knot towards itself (A on the left, B on the right).
  const sum = tug.a.per_member + tug.b.per_member;
  const share = sum > 0 ? tug.a.per_member / sum : 0.5;
  const knot = Math.min(92, Math.max(8, (1 - share) * 100));
  document.getElementById("tug-knot").style.left = `${knot}%`;
  root.querySelector(".tug").dataset.leader = share > 0.5 ? "a" : share < 0.5 ? "b" : "";
}

function drawFrozen() {
  const frozen = state.frozen;
  if (!frozen) return;
  document.getElementById("frozen-month").textContent = fmtMonth(frozen.month);
  document.getElementById("frozen-checksum").textContent = frozen.short;
  const list = document.getElementById("frozen-list");
  list.classList.toggle("orgs", frozen.subject === "org");
  list.replaceChildren(...frozen.rows.map((r) => {
    const li = document.createElement("li");
    const cells = [["rank", r.rank], ["name", r.name], ["points", r.points]];
    if (frozen.subject === "org" && r.per_member != null) {
      cells.push(["extra", `${labels.per_member} ${r.per_member.toFixed(2)} · ${labels.participation} ${pct(r.participation)}`]);
    }
    for (const [cls, text] of cells) {
      const span = document.createElement("span");
      span.className = cls;
      span.textContent = text ?? "";
      li.append(span);
    }
    if (r.rank <= 3) li.classList.add("top");
    return li;
  }));
}

function available() {
  return ["members", "orgs", "tug", "frozen"].filter((view) =>
    (view !== "tug" || state.tug) && (view !== "frozen" || (state.frozen && state.frozen.rows.length)));
}

function drawTotals() {
  const t = state.totals;
  document.getElementById("scr-total").textContent = String(t.total);
  document.getElementById("scr-people").textContent = labels.people.replace("{n}", t.participants).replace("{of}", t.members);
}

function render() {
  document.getElementById("scr-month").textContent = fmtMonth(state.month);
  drawTotals();
  document.getElementById("scr-updated").textContent = state.updated_local;
  drawMembers();
  drawOrgs();
  drawTug();
  drawFrozen();
  const shown = available();
  for (const dot of root.querySelectorAll(".scr-dots li")) dot.hidden = !shown.includes(dot.dataset.view);
}

let current = 0;
function show(index) {
  const shown = available();
  current = index % shown.length;
  const view = shown[current];
  for (const node of root.querySelectorAll(".scr-view, .scr-dots li")) {
    node.classList.toggle("active", node.dataset.view === view);
  }
  root.dataset.view = view;
  const bar = root.querySelector(".scr-progress i"); // restart the 15 s progress bar
  bar.style.animation = "none";
  void bar.offsetWidth;
  bar.style.animation = "";
  if (charts[`chart-${view}`]) charts[`chart-${view}`].resize();
}

render();
show(0);
// Fade between views only from the first rotation on, so the first view is drawn at full strength at once.
window.requestAnimationFrame(() => root.classList.add("rotating"));
setInterval(() => show(current + 1), ROTATE_MS);
window.addEventListener("resize", render); // font sizes follow the window height (the charts resized first)

connectScreen(root, (payload) => {
  state = { ...payload, label: state.label };
  render();
});
root.dataset.ready = "true";
