// A plotly chart that stays mounted across reruns (pages/_chart.py).
//
// st.plotly_chart hashes the figure into its element id, so every changed figure is a new React element:
// React unmounts the old chart, plotly purges it and draws the new one from scratch. Here the element keeps
// its key, the div stays, and Plotly.react diffs the new figure into it; a chart off screen is updated
// when it scrolls into view. Plotly itself is Streamlit's own copy: importing Streamlit's PlotlyChart chunk
// (already in the browser once any chart was drawn) sets window.Plotly.

const THEME = /*THEME*/ null;   // Streamlit's light plotly theme, resolved (pages/_chart_theme.json)

function plotly(chunk) {
  return window.Plotly ? Promise.resolve(window.Plotly) : streamlitChunk(chunk).then(() => window.Plotly);
}

// Tick labels stay where they are drawn. plotly's default ("hide past div") measures every tick label's box on
// every draw to hide those past the chart's edge, a forced layout each: a third of a page's first draw. Axis
// automargin already makes room for them.
const ALLOW = { ticklabeloverflow: "allow" };
const TEMPLATE = THEME && {
  data: { ...THEME.data, heatmap: (THEME.data.heatmap || [{}]).map(t => ({ ...t, colorbar: { ...t.colorbar, ...ALLOW } })) },
  layout: { ...THEME.layout, xaxis: { ...THEME.layout.xaxis, ...ALLOW }, yaxis: { ...THEME.layout.yaxis, ...ALLOW },
            coloraxis: { ...THEME.layout.coloraxis, colorbar: { ...(THEME.layout.coloraxis || {}).colorbar, ...ALLOW } } },
};

function themed(layout) {
  const out = { ...layout, template: TEMPLATE, autosize: true };
  delete out.width;
  const title = out.title;
  if (title && typeof title.text === "string" && title.text && !title.text.startsWith("<b>")) {
    out.title = { ...title, text: `<b>${title.text}</b>` };   // as Streamlit's theme does
  }
  return out;
}

function pickFigure(data) {
  // data.narrow: an alternative figure for a viewport narrower than data.narrow_below CSS px (a phone, where
  // Streamlit stacks columns too); a projector at 150% zoom (853 px) keeps the wide one
  return data.narrow && window.innerWidth < data.narrow_below ? data.narrow : data.spec;
}

function keepMargins(layout, kept) {
  // Axis automargin grows a margin after a draw that needs more room and then draws again (a second full draw,
  // ~100 ms later, on about every other slider move). Starting from the margins the last draw ended with, the
  // room is already there; margins only grow, never shrink, so nothing gets cut.
  if (!kept) return layout;
  const m = { ...(layout.margin || {}) };
  for (const side of ["l", "r", "t", "b"]) m[side] = Math.max(m[side] ?? 0, kept[side]);
  return { ...layout, margin: m };
}

function draw(div, data, width) {
  const lab = div._lab;
  const spec = pickFigure(data);
  const narrow = spec !== data.spec;
  if (narrow !== lab.narrow || width !== lab.width) lab.margins = null;   // another figure, or another size
  lab.narrow = narrow;
  lab.width = width;
  lab.drawn = data;
  const fig = JSON.parse(spec);
  const config = { displaylogo: false, ...(data.config || {}) };   // resizes: the ResizeObserver below
  return window.Plotly.react(div, fig.data || [], keepMargins(themed(fig.layout || {}), lab.margins), config)
    .then(() => {
      const size = div._fullLayout && div._fullLayout._size;
      if (size) lab.margins = { l: size.l, r: size.r, t: size.t, b: size.b };
    });
}

function whenIdle(f) {   // -> a function that cancels it
  if (!window.requestIdleCallback) { const t = setTimeout(f, 0); return () => clearTimeout(t); }
  const id = requestIdleCallback(f, { timeout: 1000 });
  return () => cancelIdleCallback(id);
}

function update(div, parent) {
  // Draw the latest figure unless it is drawn already. A chart off screen waits: drawn before, it is redrawn
  // when it scrolls into view (a slider move repaints only what can be seen); never drawn, it is drawn when the
  // browser is next idle, after the charts on screen are drawn and painted (a first visit shows its first
  // screenful sooner, and a page of many charts does not hold the browser in one long burst).
  const lab = div._lab;
  if (!window.Plotly || lab.drawn === lab.data) return;
  if (lab.onScreen === false) {
    if (div._fullLayout || lab.later) return;
    lab.later = whenIdle(() => {
      lab.later = null;
      if (lab.drawn !== lab.data) draw(div, lab.data, parent.clientWidth);
    });
    return;
  }
  return draw(div, lab.data, parent.clientWidth);
}

function watch(div, parent) {
  const lab = div._lab;
  lab.observers = [];
  if (window.IntersectionObserver) {
    const seen = new IntersectionObserver((entries) => {
      lab.onScreen = entries[entries.length - 1].isIntersecting;
      if (lab.onScreen) update(div, parent);
    }, { rootMargin: "200px 0px" });
    seen.observe(parent);
    lab.observers.push(seen);
  } else lab.onScreen = true;
  if (window.ResizeObserver) {
    // a width change the window did not announce (sidebar toggled), or a swap to/from the narrow figure. Compared
    // with the width the chart was last drawn at: the observer's first report, and the height a first draw
    // gives the box, drew every chart a second time (Number units: 10 charts, ~300 ms on a first visit)
    const sized = new ResizeObserver(() => {
      const w = parent.clientWidth;
      if (!w || w === lab.width || !window.Plotly || !div._fullLayout) return;
      draw(div, lab.drawn, w);   // the figure for this width, with margins found anew
    });
    sized.observe(parent);
    lab.observers.push(sized);
  }
}

export default function ({ data, parentElement }) {
  if (data.preload) {   // pages/_chart.py preload_plotly: fetch and compile plotly.js while the page computes
    plotly(data.chunk).catch((e) => console.error("LSTM Lab chart", e));
    return;
  }
  let div = parentElement.querySelector(":scope > .lab-chart > div");
  if (!div) {
    const box = document.createElement("div");   // the chart's element, as Streamlit's stPlotlyChart is
    box.className = "lab-chart";
    box.setAttribute("data-testid", "labChart");
    div = document.createElement("div");
    div._lab = {};   // onScreen: unknown until the IntersectionObserver's first report
    box.appendChild(div);
    parentElement.appendChild(box);
    watch(div, parentElement);
  }
  div._lab.data = data;
  const height = pickFigure(data) === data.spec ? data.height : data.narrow_height;
  if (height) div.style.minHeight = `${height}px`;   // its place on the page before plotly draws it
  plotly(data.chunk).then(() => update(div, parentElement)).catch((e) => console.error("LSTM Lab chart", e));
  return () => {
    if (div._lab.data !== data) return;   // not the last figure: a newer call owns the div
    div._lab.observers.forEach((o) => o.disconnect());
    if (div._lab.later) div._lab.later();
    if (window.Plotly) window.Plotly.purge(div);
  };
}
