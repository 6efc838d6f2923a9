// One way to put an ECharts chart on a page, shared by the boards, dashboard, my-points, item-statistics and
// screen modules: the vendored ECharts (a classic script loaded before these modules), colours from the CSS
// tokens, one resize listener per chart, disposal when the page is left for good.

const TOKENS = ["red", "red-dark", "gold", "ink", "muted", "line", "ok", "warn", "cream", "ember", "on-gold",
  "chart-neutral", "chart-correct"];

/** The colour tokens (CSS custom properties) as seen from `element`, keyed in camelCase: {red, gold, onGold, …}. */
export function colours(element = document.documentElement) {
  const style = getComputedStyle(element);
  const found = {};
  for (const name of TOKENS) {
    const value = style.getPropertyValue(`--${name}`).trim();
    if (value) found[name.replace(/-(\w)/g, (_, c) => c.toUpperCase())] = value;
  }
  return found;
}

/** The JSON a template put in `<script type="application/json" id=…>`, or null when the page has none. */
export function pageData(id) {
  const source = document.getElementById(id);
  return source ? JSON.parse(source.textContent) : null;
}

/**
 * Starts a chart on `holder` (an element or its id) and draws `option` when given; returns the ECharts instance,
 * or null when the element or ECharts is missing. The chart follows window resizes (listeners added later run
 * after its own), the holder gets data-drawn="true" once `option` is drawn (tests wait for it), and the chart is
 * disposed on pagehide unless the page goes into the back-forward cache.
 */
export function drawChart(holder, option = null) {
  const element = typeof holder === "string" ? document.getElementById(holder) : holder;
  if (!element || !window.echarts) return null;
  const chart = window.echarts.init(element);
  if (option) {
    chart.setOption(option);
    element.dataset.drawn = "true";
  }
  const resize = () => chart.resize();
  window.addEventListener("resize", resize);
  window.addEventListener("pagehide", (event) => {
    if (event.persisted) return;
    window.removeEventListener("resize", resize);
    chart.dispose();
  });
  return chart;
}
