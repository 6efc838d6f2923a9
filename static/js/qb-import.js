// Progress of a confirmed question import: poll the JSON endpoint once a second, draw the bar,
// and reload the page (which then shows the result) when the import is no longer running.
const box = document.getElementById("qb-progress");
const fill = box.querySelector(".qb-bar-fill");
const text = document.getElementById("qb-progress-text");

async function poll() {
  try {
    const response = await fetch(box.dataset.url, { headers: { Accept: "application/json" } });
    if (response.ok) {
      const state = await response.json();
      if (state.state !== "running") {
        window.location.reload();
        return;
      }
      const percent = state.total ? Math.round((100 * state.done) / state.total) : 0;
      fill.style.width = `${percent}%`;
      const phase = state.phase === "save" ? text.dataset.save : text.dataset.read;
      text.textContent = `${phase} ${state.done} / ${state.total}（${percent}%）`;
    }
  } catch (error) {
    // A dropped request is retried on the next tick.
  }
  window.setTimeout(poll, 1000);
}

poll();
