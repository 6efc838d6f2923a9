// Organizer contest pages: participant kind switch, confirmations, participation tabs, copy reminder, by-day chart.

// Show only the participant picker of the chosen kind (orgs, a pairing or a joint group).
for (const form of document.querySelectorAll(".contest-form")) {
  const sync = () => {
    const kind = form.querySelector("[data-kind-switch] input:checked")?.value || "orgs";
    for (const block of form.querySelectorAll("[data-kind]")) block.hidden = block.dataset.kind !== kind;
  };
  form.querySelectorAll("[data-kind-switch] input").forEach((input) => input.addEventListener("change", sync));
  sync();
}

for (const form of document.querySelectorAll("form[data-confirm]")) {
  form.addEventListener("submit", (event) => {
    if (!window.confirm(form.dataset.confirm)) event.preventDefault();
  });
}

// Today / last 7 days of the participation list.
const tabs = document.querySelectorAll("[data-period-tab]");
for (const tab of tabs) {
  tab.addEventListener("click", () => {
    for (const other of tabs) {
      const on = other === tab;
      other.classList.toggle("active", on);
      other.setAttribute("aria-selected", String(on));
    }
    for (const panel of document.querySelectorAll(".participation[data-period]")) {
      panel.hidden = panel.dataset.period !== tab.dataset.periodTab;
    }
  });
}

// Copy the ready-to-paste reminder: the Clipboard API where allowed, else select the textarea and execCommand.
async function copyText(area) {
  if (navigator.clipboard && window.isSecureContext) {
    try {
      await navigator.clipboard.writeText(area.value);
      return true;
    } catch (_error) { /* permission refused: fall back below */ }
  }
  area.focus();
  area.select();
  area.setSelectionRange(0, area.value.length);
  try {
    return document.execCommand("copy");
  } catch (_error) {
    return false;
  }
}

for (const button of document.querySelectorAll("[data-copy-reminder]")) {
  button.addEventListener("click", async () => {
    const side = button.closest(".participation-side");
    const status = side.querySelector(".copy-status");
    const ok = await copyText(side.querySelector(".reminder-text"));
    status.textContent = ok ? "✓" : "⌘C / Ctrl+C";
    button.dataset.copied = String(ok);
  });
}

// Points per day of each side over the window.
const holder = document.getElementById("contest-days-chart");
const source = document.getElementById("contest-days-data");
if (holder && source && window.echarts) {
  const data = JSON.parse(source.textContent);
  const chart = window.echarts.init(holder);
  chart.setOption({
    animation: false,
    tooltip: { trigger: "axis" },
    legend: { top: 0 },
    grid: { left: 48, right: 24, top: 36, bottom: 36 },
    xAxis: { type: "category", data: data.days },
    yAxis: { type: "value", name: data.label },
    color: ["#c8102e", "#3d6fb6", "#f5b400", "#138a36", "#7c3aed", "#6b7280"],
    series: data.series.map((values, index) => ({ name: data.names[index], type: "line", data: values })),
  });
  window.addEventListener("resize", () => chart.resize());
  holder.dataset.drawn = "true";
}
