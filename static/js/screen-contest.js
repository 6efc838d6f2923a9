// A contest on the office TV (screen/contest.html): a tug of war for two sides, a bar race for more, the podium
// and the 流动红旗 once frozen. Plain DOM and CSS bars sized in vh (1080p and 4K look alike); every push
// re-renders from the payload, so a reconnect or a late push always shows the current standings.
import { connectScreen } from "./screen-socket.js";

const root = document.querySelector(".cs");
const labels = JSON.parse(document.getElementById("screen-labels").textContent);
let state = JSON.parse(document.getElementById("screen-data").textContent);

function fill(template, values) {
  return Object.entries(values).reduce((text, [key, value]) => text.replace(`{${key}}`, value), template);
}

function fmt(value, metric = state.contest.metric) {
  const number = Number(value || 0);
  if (metric === "per_member") return number.toFixed(2);
  if (metric === "participation") return `${(number * 100).toFixed(1)}%`;
  return String(Math.round(number));
}

function el(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

function flagMark() {
  const mark = el("span", "cs-flag");
  mark.title = labels.flag_word;
  mark.setAttribute("aria-hidden", "true");
  return mark;
}

function leaderItems(leaders) {
  if (!leaders.length) return [el("li", "cs-none", "—")];
  return leaders.map((person, index) => {
    const li = el("li");
    li.append(el("span", "cs-leader-rank", String(index + 1)), el("span", "cs-leader-name", person.name),
      el("span", "cs-leader-points", `${person.points} ${labels.points}`));
    return li;
  });
}

function figures(side) {
  return fill(labels.figures, { total: side.total, members: side.members, participants: side.participants });
}

function drawGap(holder) {
  const gap = state.gap;
  holder.replaceChildren();
  if (!gap) return;
  if (gap.tied || gap.value === 0) {
    holder.append(el("span", "cs-gap-value", labels.tied));
    return;
  }
  holder.append(el("span", "cs-gap-who", gap.leader),
    el("span", "cs-gap-value", fill(labels.lead, { gap: fmt(gap.value) })),
    el("span", "cs-gap-unit", labels.unit[state.contest.metric] || ""));
}

function drawTug() {
  const tug = root.querySelector(".cs-tug");
  const ends = { a: state.sides[0], b: state.sides[1] };
  for (const [end, side] of Object.entries(ends)) {
    const panel = tug.querySelector(`.cs-${end}`);
    panel.dataset.org = side.org_id;
    panel.dataset.total = side.total;
    const name = panel.querySelector(".cs-name");
    name.replaceChildren(el("span", "", side.name));
    if (side.flag) name.append(flagMark());
    panel.querySelector(".cs-value b").textContent = fmt(side.value);
    panel.querySelector(".cs-unit").textContent = labels.unit[state.contest.metric] || "";
    panel.querySelector(".cs-figures").textContent = figures(side);
    panel.querySelector(".cs-leaders").replaceChildren(...leaderItems(side.leaders));
  }
  drawGap(tug.querySelector(".cs-gap"));
  // The side ahead pulls the knot towards itself (the first side on the left, the second on the right).
  const sum = Number(ends.a.value) + Number(ends.b.value);
  const share = sum > 0 ? ends.a.value / sum : 0.5;
  document.getElementById("cs-knot").style.left = `${Math.min(92, Math.max(8, (1 - share) * 100))}%`;
  const gap = state.gap;
  tug.dataset.leader = !gap || gap.tied || gap.value === 0 ? "" : gap.leader_id === ends.a.org_id ? "a" : "b";
}

function drawRace() {
  const ordered = state.sides.slice().sort((x, y) => x.place - y.place);
  const list = document.getElementById("cs-race");
  list.classList.toggle("many", ordered.length > 5); // more sides: leaders stay, in one shorter line
  list.replaceChildren(...ordered.map((side) => {
    const li = el("li");
    li.dataset.org = side.org_id;
    if (side.rank === 1) li.classList.add("top");
    const head = el("div", "cs-race-head");
    const name = el("span", "cs-race-name", side.name);
    if (side.flag) name.append(flagMark());
    head.append(el("span", "cs-race-rank", side.rank == null ? "—" : String(side.rank)), name,
      el("span", "cs-race-value", `${fmt(side.value)} ${labels.unit[state.contest.metric] || ""}`.trim()));
    const bar = el("div", "cs-race-bar");
    const fillBar = el("i");
    fillBar.style.width = `${Math.max(1.5, side.share)}%`;
    bar.append(fillBar);
    const leaders = el("p", "cs-race-leaders",
      side.leaders.map((p) => `${p.name} ${p.points}`).join(" · ") || "—");
    li.append(head, bar, leaders);
    return li;
  }));
  drawGap(root.querySelector(".cs-gap-line"));
}

function drawPodium() {
  const list = document.getElementById("cs-podium");
  const winner = state.winner;
  list.classList.toggle("two", state.podium.length === 2);
  list.replaceChildren(...state.podium.map((step) => {
    const li = el("li");
    li.dataset.place = String(step.place);
    const name = el("div", "cs-podium-name", step.name);
    const block = el("div", "cs-podium-step");
    if (winner && winner.org_id === step.org_id) block.append(flagMark()); // the banner goes to the winner's step
    block.append(el("span", "cs-podium-place", fill(labels.rank, { n: step.place })),
      el("span", "cs-podium-value", `${fmt(step.value)} ${labels.unit[state.contest.metric] || ""}`.trim()));
    li.append(name, block);
    return li;
  }));
  const banner = document.getElementById("cs-flag-banner");
  banner.replaceChildren();
  const flag = state.winner || null;
  if (flag) banner.append(flagMark(), el("span", "", fill(labels.flag, { name: flag.name })));
  else banner.append(el("span", "", labels.no_flag));
  document.getElementById("cs-checksum").textContent = state.short || "";
}

function view() {
  if (state.contest.status === "cancelled") return "cancelled";
  if (state.contest.frozen && state.podium && state.podium.length) return "podium";
  return state.sides.length === 2 ? "tug" : "race";
}

function drawSide(shown) {
  const contest = state.contest;
  document.getElementById("cs-status").textContent = labels.status[contest.status] || contest.status;
  root.dataset.status = contest.status;
  const days = document.getElementById("cs-days");
  if (contest.status === "running") {
    const [before, after] = labels.days_left.split("{n}");
    days.replaceChildren(el("span", "", before), el("b", "", String(contest.days_left)), el("span", "", after));
  } else {
    days.replaceChildren(el("span", "cs-days-status", labels.status[contest.status] || contest.status));
  }
  document.getElementById("cs-metric").textContent = labels.metric[contest.metric] || contest.metric;
  const holder = document.getElementById("cs-flag-holder");
  holder.hidden = !state.flag || shown === "podium";
  holder.replaceChildren(...(state.flag ? [flagMark(), el("span", "", fill(labels.flag, { name: state.flag.name }))] : []));
}

function render() {
  const shown = view();
  document.querySelector("#scr-scope").textContent = state.contest.name;
  document.getElementById("scr-updated").textContent = state.updated_local;
  if (shown === "tug") drawTug();
  if (shown === "race") drawRace();
  if (shown === "podium") drawPodium();
  if (shown === "cancelled") {
    document.getElementById("cs-cancelled").textContent = fill(labels.cancelled, { reason: state.contest.cancel_reason || "" });
  }
  drawSide(shown);
  for (const node of root.querySelectorAll(".scr-view")) node.classList.toggle("active", node.dataset.view === shown);
  root.dataset.view = shown;
}

render();
connectScreen(root, (payload) => {
  state = { ...payload, label: state.label };
  render();
});
root.dataset.ready = "true";
