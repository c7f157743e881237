"""In-page instrumentation for what a browser user feels (issue 15): injected with
`context.add_init_script(PROBE_JS)` before the app loads, it records in the page's own clock
(epoch ms = performance.timeOrigin + performance.now(), comparable with the server's time.time()):

- input events (keydown / pointerdown, capture phase) and in-app navigation clicks;
- every `plotly_afterplot` of every plotly graph div. Plotly's Events.init registers a passive
  `wheel` listener on each graph div right after giving it its emitter, so wrapping
  EventTarget.addEventListener lets us subscribe (`gd._internalOn`) before the first draw;
- DOM mutations under stMain: inside a plotly chart vs everything else (text, KaTeX equations,
  metrics, widgets) — the "settled" test below uses both;
- the app's websocket (/_stcore/stream) both ways: time and byte size of every received frame and
  the top-level protobuf field numbers of its ForwardMsg (so script_finished / delta frames are
  known in the page clock), and the time of every frame the browser sends (the rerun request).

`SETTLED_JS(since, quiet_ms)` answers whether everything after `since` is done: a script run
finished after `since`, the app is idle, every visible chart is drawn, and neither a chart nor
any other element of the main area changed for `quiet_ms`. It then returns the breakdown.
Used by bench/bench_browser.py and the browser test's instrumentation smoke check.
"""

PROBE_JS = r"""
(() => {
  if (window.__lab) return;
  const now = () => performance.timeOrigin + performance.now();
  const L = window.__lab = {input: [], nav: [], afterplot: [], wsIn: [], wsOut: [], plots: 0,
                            mutPlot: 0, mutText: 0, mutSide: 0, now};
  for (const type of ['keydown', 'pointerdown'])
    window.addEventListener(type, () => L.input.push(now()), true);
  const add = EventTarget.prototype.addEventListener;
  EventTarget.prototype.addEventListener = function (type, fn, opts) {
    const r = add.call(this, type, fn, opts);
    if (type === 'wheel' && typeof this._internalOn === 'function' && !this.__labId) {
      const gd = this;
      gd.__labId = ++L.plots;
      gd._internalOn('plotly_afterplot', () => L.afterplot.push({t: now(), id: gd.__labId}));
    }
    return r;
  };
  const fields = (buf) => {            // top-level field numbers of one protobuf message
    const b = new Uint8Array(buf); let i = 0; const out = [];
    const varint = () => { let x = 0, s = 1; for (;;) { const c = b[i++]; x += (c & 127) * s; if (c < 128 || i >= b.length) return x; s *= 128; } };
    while (i < b.length) {
      const tag = varint(), f = Math.floor(tag / 8), w = tag & 7;
      out.push(f);
      if (w === 0) varint(); else if (w === 1) i += 8; else if (w === 2) { const n = varint(); i += n; }
      else if (w === 5) i += 4; else break;
    }
    return out;
  };
  const WS = window.WebSocket;
  function LabWebSocket(url, protocols) {
    const ws = protocols === undefined ? new WS(url) : new WS(url, protocols);
    if (String(url).includes('/_stcore/stream')) {
      ws.addEventListener('message', (ev) => {
        const d = ev.data, t = now();
        if (d instanceof ArrayBuffer) L.wsIn.push({t, n: d.byteLength, f: fields(d)});
        else L.wsIn.push({t, n: (d && (d.size || d.length)) || 0, f: []});
      });
      const send = ws.send;
      ws.send = function (d) { L.wsOut.push({t: now(), n: (d && (d.byteLength || d.size || d.length)) || 0}); return send.call(this, d); };
    }
    return ws;
  }
  LabWebSocket.prototype = WS.prototype;
  for (const k of ['CONNECTING', 'OPEN', 'CLOSING', 'CLOSED']) LabWebSocket[k] = WS[k];
  window.WebSocket = LabWebSocket;
  const watch = () => {
    new MutationObserver((recs) => {
      const t = now();
      for (const r of recs) {
        const el = r.target.nodeType === 1 ? r.target : r.target.parentElement;
        if (!el || !el.closest) continue;
        if (el.closest('[data-testid="stMain"]')) {
          if (el.closest('.js-plotly-plot')) L.mutPlot = t; else L.mutText = t;
        } else if (el.closest('[data-testid="stSidebar"]')) L.mutSide = t;
      }
    }).observe(document.documentElement, {subtree: true, childList: true, attributes: true, characterData: true});
  };
  if (document.documentElement) watch(); else document.addEventListener('DOMContentLoaded', watch);
})();
"""


def settled_js(charts_js: str, idle_js: str, finished_field: int) -> str:
    """JS function (since_epoch_ms, quiet_ms) -> null while the view is still changing, else the
    breakdown dict of everything that happened after `since`."""
    return f"""
([since, quiet]) => {{
  const L = window.__lab; if (!L) return null;
  const t = L.now();
  // cheapest tests first: the chart check reads layout (getBoundingClientRect), which would force
  // a synchronous layout in the middle of a render and slow down what is being measured
  const fin = L.wsIn.filter(m => m.t >= since && m.f.includes({finished_field}));
  if (!fin.length) return null;
  const ap = L.afterplot.filter(a => a.t >= since);
  const lastAp = ap.length ? Math.max(...ap.map(a => a.t)) : null;
  const lastText = L.mutText >= since ? L.mutText : null;
  const lastPlotMut = L.mutPlot >= since ? L.mutPlot : null;
  const last = Math.max(lastAp || 0, lastText || 0, lastPlotMut || 0, fin[fin.length - 1].t);
  if (t - last < quiet || !({idle_js})()) return null;
  const c = ({charts_js})();
  if (c.loading !== 0 || c.drawn !== c.visible) return null;
  const inp = L.input.filter(x => x >= since);
  const sent = L.wsOut.filter(m => m.t >= since);
  const got = L.wsIn.filter(m => m.t >= since && m.t <= last);
  return {{input: inp.length ? inp[0] : since, sent: sent.length ? sent[0].t : null,
          first_msg: got.length ? got[0].t : null, finished: fin[0].t, last_afterplot: lastAp,
          last_text: lastText, last_plot_mutation: lastPlotMut, done: last,
          afterplots: ap.length, charts_redrawn: new Set(ap.map(a => a.id)).size,
          charts_visible: c.visible, frames: got.length, bytes: got.reduce((s, m) => s + m.n, 0),
          fields: got.map(m => m.f)}};
}}
"""
