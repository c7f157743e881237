"""Browser-side layout measurements for the three-size browser test (issue 13, "Layouts tested at
three sizes"). Each JS snippet returns plain data; tests/test_browser.py turns it into assertions.

SIZES: how each screen is emulated. Browser zoom is emulated as the browser does it: zoom divides
the CSS viewport by the zoom factor and multiplies the device pixel ratio by it, so a 1280x720
window at 150% lays the page out in 853x480 CSS px drawn at 1.5 device px per CSS px (a
1280x720-pixel screenshot). A 1280x720 viewport with device_scale_factor 1.5 would instead be a
HiDPI screen at 100% zoom (layout at 1280 CSS px), which is not what a projector at 150% shows.
"""

SIZES = {
    "desktop": dict(viewport={"width": 1366, "height": 900}, device_scale_factor=1),
    "projector": dict(viewport={"width": 853, "height": 480}, device_scale_factor=1.5),   # 1280x720 at 150%
    "phone": dict(viewport={"width": 390, "height": 844}, device_scale_factor=2, is_mobile=True, has_touch=True),
}

MIN_DIAGRAM_FONT_PX = 12.0
# landscape, or upright on a phone (pages/_chart.js draws the narrow figure there)
DIAGRAM_SELECTOR = '.st-key-chart_diagram [data-testid="labChart"]'

# Horizontal overflow: the document (issue 13's test) and Streamlit's own scrolling main area,
# plus the widest offenders (for the message).
OVERFLOW_JS = """
() => {
  const se = document.scrollingElement, main = document.querySelector('[data-testid="stMain"]');
  const W = window.innerWidth;
  const name = e => (e.getAttribute('data-testid') || e.className && String(e.className.baseVal ?? e.className).split(' ')[0] || e.tagName);
  const offenders = [...document.querySelectorAll('[data-testid="stMain"] *')]
    .map(e => ({e, r: e.getBoundingClientRect()}))
    .filter(x => x.r.width > 0 && x.r.right > W + 1 && !x.e.closest('[data-testid="stSidebar"]'))
    .map(x => ({what: name(x.e), right: Math.round(x.r.right), text: (x.e.innerText || x.e.textContent || '').trim().slice(0, 40)}))
    .slice(-3);
  return {doc_scroll: se.scrollWidth, inner: W, main_scroll: main ? main.scrollWidth : 0,
          main_client: main ? main.clientWidth : 0, offenders};
}
"""

# Per visible plotly chart: boxes of the title, legend, colour bars, axis titles, tick labels (of
# every subplot; colour-bar ticks belong to the colour bar) and the mode bar when it is shown (touch
# screens show it always); pairs that overlap by more than 1 px each way, where one of them is a
# title, legend or colour bar (the mode bar counts against titles and legends). Also chart and
# axis titles that stick out of their chart (cut off).
PLOTLY_OVERLAP_JS = """
() => {
  const out = {overlaps: [], cut_titles: [], charts: 0};
  const box = e => e.getBoundingClientRect();
  const txt = e => (e.textContent || '').trim().slice(0, 40);
  const inter = (a, b) => Math.min(a.right, b.right) - Math.max(a.left, b.left) > 1 &&
                          Math.min(a.bottom, b.bottom) - Math.max(a.top, b.top) > 1;
  const charts = [...document.querySelectorAll('[data-testid="labChart"]')].filter(c => c.offsetParent !== null);
  charts.forEach((c, ci) => {
    const p = c.querySelector('.js-plotly-plot'); if (!p) return;
    out.charts++;
    const chart = (p.querySelector('.gtitle') && txt(p.querySelector('.gtitle'))) || `chart #${ci + 1}`;
    const items = [];
    const add = (kind, e) => { const r = box(e); if (r.width > 0 && r.height > 0) items.push({kind, r, t: txt(e)}); };
    p.querySelectorAll('.gtitle').forEach(e => add('title', e));
    p.querySelectorAll('g.legend').forEach(e => add('legend', e));
    p.querySelectorAll('g.colorbar').forEach(e => add('colorbar', e));
    p.querySelectorAll('.g-xtitle, .g-ytitle, [class^="g-x"][class$="title"], [class^="g-y"][class$="title"]').forEach(e => add('axis title', e));
    p.querySelectorAll('g.xaxislayer-above text, g.yaxislayer-above text').forEach(e => { if (!e.closest('g.colorbar')) add('tick label', e); });
    // the mode bar counts when its buttons show (desktop: only on hover, class modebar--hover; touch: always)
    p.querySelectorAll('.modebar').forEach(e => { if ([...e.querySelectorAll('.modebar-btn')].some(b => b.checkVisibility({opacityProperty: true, visibilityProperty: true}))) add('toolbar', e); });
    const major = new Set(['title', 'legend', 'colorbar', 'toolbar']);
    for (let i = 0; i < items.length; i++) for (let j = i + 1; j < items.length; j++) {
      const a = items[i], b = items[j];
      if (a.kind === b.kind && a.kind !== 'colorbar') continue;
      if (!major.has(a.kind) && !major.has(b.kind)) continue;
      if ([a.kind, b.kind].includes('toolbar') && !([a.kind, b.kind].includes('title') || [a.kind, b.kind].includes('legend'))) continue;
      if (inter(a.r, b.r)) out.overlaps.push({chart, a: a.kind + ' ' + JSON.stringify(a.t), b: b.kind + ' ' + JSON.stringify(b.t)});
    }
    const svg = box(p.querySelector('svg.main-svg') || p);
    p.querySelectorAll('.gtitle, .g-xtitle, .g-ytitle, [class^="g-x"][class$="title"], [class^="g-y"][class$="title"]').forEach(e => { const r = box(e);
      if (r.left < svg.left - 1 || r.right > svg.right + 1) out.cut_titles.push({chart, title: txt(e), left: Math.round(r.left - svg.left), right: Math.round(r.right - svg.right), width: Math.round(svg.width)}); });
  });
  return out;
}
"""

# The cell diagram (lstm_core.figures.lstm_cell_diagram: plotly shapes + annotations + text points, element key
# chart_diagram; upright on a phone): the smallest rendered font size of any text in it, in CSS px (computed font size
# times the element's on-screen scale), with the text; its size on screen; and overlapping labels.
DIAGRAM_JS = """
(sel) => {
  const c = [...document.querySelectorAll(sel)].find(e => e.offsetParent !== null);
  if (!c) return null;
  const p = c.querySelector('.js-plotly-plot'); if (!p) return null;
  let min = Infinity, minText = '';
  p.querySelectorAll('text, tspan').forEach(e => {
    const t = (e.textContent || '').trim(); if (!t) return;
    if (e.tagName === 'text' && e.querySelector('tspan')) {
      // the text node's own characters count too; tspans are measured separately
      const own = [...e.childNodes].filter(n => n.nodeType === 3).map(n => n.textContent).join('').trim();
      if (!own) return;
    }
    const m = e.getScreenCTM ? e.getScreenCTM() : null;
    const scale = m ? Math.hypot(m.a, m.b) : 1;
    const px = parseFloat(getComputedStyle(e).fontSize) * scale;
    if (px < min) { min = px; minText = t.slice(0, 30); }
  });
  const labels = [...p.querySelectorAll('g.annotation, g.textpoint')].map(e => ({r: e.getBoundingClientRect(), t: (e.textContent || '').trim()}))
    .filter(x => x.r.width > 0);
  const overlaps = [];
  for (let i = 0; i < labels.length; i++) for (let j = i + 1; j < labels.length; j++) {
    const a = labels[i].r, b = labels[j].r;
    if (Math.min(a.right, b.right) - Math.max(a.left, b.left) > 1 && Math.min(a.bottom, b.bottom) - Math.max(a.top, b.top) > 1)
      overlaps.push([labels[i].t, labels[j].t]);
  }
  const r = c.getBoundingClientRect();
  // margins plotly's automargin had to grow (lstm_cell_diagram declares them: one draw per move, not two)
  const f = p._fullLayout, grown = f ? ['l', 'r', 't', 'b'].filter(k => Math.abs(f._size[k] - f.margin[k]) > 0.5)
    .map(k => `${k} ${f.margin[k]} -> ${f._size[k]}`) : [];
  return {min_font_px: min, min_text: minText, width: Math.round(r.width), height: Math.round(r.height), overlaps, grown};
}
"""

# Content cut off inside the main area (outside plotly charts and widget internals): an element that
# clips horizontally (overflow hidden/auto/scroll/clip) and holds more than 4 px beyond what it
# shows, e.g. a wide equation in a narrow column; an ellipsis that is actually drawn is accepted
# (it says "more here", e.g. a long button label) except on a metric's value (a key number must
# never be cut).
CLIPPED_JS = """
() => {
  const TOLERANCE_PX = 4;    // KaTeX italic overhang makes equations 1-3 px "wider" than their box: invisible
  // widget internals (visually hidden inputs, a select's scrolling value) are the widget's business
  const WIDGETS = '[data-testid="stSlider"], [data-testid="stRadio"], [data-testid="stCheckbox"], ' +
                  '[data-testid="stSelectbox"], [data-testid="stMultiSelect"], [data-testid="stTextInput"], ' +
                  '[data-testid="stTextArea"], [data-testid="stNumberInput"], [data-testid="stToggle"]';
  const out = [];
  const main = document.querySelector('[data-testid="stMain"]');
  if (!main) return out;
  main.querySelectorAll('*').forEach(e => {
    if (e.closest('.js-plotly-plot') || e.closest(WIDGETS)) return;
    if (e.clientWidth <= 2 || e.scrollWidth <= e.clientWidth + TOLERANCE_PX) return;
    const cs = getComputedStyle(e);
    if (!['hidden', 'auto', 'scroll', 'clip'].includes(cs.overflowX)) return;
    const metric = e.closest('[data-testid="stMetricValue"]');
    // an ellipsis is drawn only for the element's own inline text: with the text inside a block
    // child (e.g. a page link's label: span > div > p) nothing marks the cut
    const drawn = cs.textOverflow === 'ellipsis' &&
      ![...e.children].some(c => getComputedStyle(c).display !== 'inline' && c.scrollWidth > e.clientWidth + TOLERANCE_PX);
    if (drawn && !metric) return;
    const holder = e.closest('[data-testid]');
    out.push({what: (holder && holder.getAttribute('data-testid')) || e.tagName, text: (e.innerText || '').trim().replace(/\\s+/g, ' ').slice(0, 40),
              shown: e.clientWidth, needs: e.scrollWidth});
  });
  return out;
}
"""
