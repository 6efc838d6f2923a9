// Progress of a confirmed import (questions or members): poll the JSON endpoint once a second, draw
// the bar, and reload the page (which then shows the result) when the import is no longer running.
// The text element names each phase's label in a data attribute (data-read, data-save, data-hash).
const box = document.getElementById("import-progress");
const fill = box.querySelector(".progress-bar-fill");
const text = document.getElementById("import-progress-text");

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
      const phase = text.dataset[state.phase || "default"] || "";
      text.textContent = `${phase} ${state.done} / ${state.total}（${percent}%）`;
    }
  } catch (error) {
    // A dropped request is retried on the next tick.
  }
  window.setTimeout(poll, 1000);
}

poll();
