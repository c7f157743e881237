"""What each of the app's plotly figures costs to draw in Chromium, and what a cheaper variant would
save (issue 15, item 2). RUN ALONE ON THE MACHINE.

    python bench/bench_browser.py --moves 1 --sliders 1     # writes bench/out/specs/<page>-<i>.json
    python bench/figure_render.py [--reps 5]

No server: a blank page with the plotly.js that ships with the `plotly` package (the same major
line as Streamlit's bundled one), 700 px wide. For every captured figure, median ms of:
  newPlot         drawing it from scratch (what a chart with a new element id costs)
  react           Plotly.react with a fresh copy of the same figure (a re-sent, unchanged figure)
  react+cursor    Plotly.react where only layout.shapes moved (a time cursor), data arrays
                  re-sent as new objects (what happens today)
  ...+datarev     the same with a constant layout.datarevision (plotly skips diffing the data)
  static          newPlot with config staticPlot (no mode bar, hover or drag layers)
  fixed           newPlot with every axis fixedrange (hover kept, no zoom: fewer drag boxes)
  no annotations  newPlot without layout.annotations (their share of the cost)
  presized        newPlot with layout.margin set to the margins the first draw ended with: no
                  automargin / legend push, so plotly draws once instead of drawing, growing a
                  margin and drawing again
Every variant has automargin on both axes, as the Streamlit theme sets it in the app.
Output also in bench/out/figure_render.txt.
"""

import argparse
import copy
import json
import statistics
import sys
from pathlib import Path

import plotly

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))
from app_harness import CHROMIUM, CHROMIUM_ARGS  # noqa: E402

OUT = ROOT / "bench" / "out"
PLOTLY_JS = Path(plotly.__file__).parent / "package_data" / "plotly.min.js"

TIME_JS = """
async ([fig, config, reps, mode]) => {
  const times = [];
  for (let r = 0; r < reps; r++) {
    const gd = document.createElement('div'); gd.style.width = '700px'; document.body.appendChild(gd);
    const copy = () => JSON.parse(JSON.stringify(fig));
    let t0;
    if (mode === 'newPlot') { t0 = performance.now(); await Plotly.newPlot(gd, copy().data, copy().layout, config); }
    else if (mode === 'presized') {
      await Plotly.newPlot(gd, copy().data, copy().layout, config);
      const z = gd._fullLayout._size, f = copy();
      f.layout.margin = {...(f.layout.margin || {}), l: z.l, r: z.r, t: z.t, b: z.b};
      Plotly.purge(gd);
      t0 = performance.now(); await Plotly.newPlot(gd, f.data, f.layout, config);
    }
    else {
      await Plotly.newPlot(gd, copy().data, copy().layout, config);
      const f = copy();
      if (mode.startsWith('cursor')) {
        f.layout.shapes = (f.layout.shapes || []).map(s => ({...s, x0: (s.x0 ?? 0) + 1, x1: (s.x1 ?? 0) + 1}));
        if (mode === 'cursor+datarev') { f.layout.datarevision = 1; gd.layout.datarevision = 1; }
      }
      t0 = performance.now(); await Plotly.react(gd, f.data, f.layout, config);
    }
    await new Promise(requestAnimationFrame);
    times.push(performance.now() - t0);
    Plotly.purge(gd); gd.remove();
  }
  return times;
}
"""


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--reps", type=int, default=5)
    ap.add_argument("--only", default="", help="comma-separated name prefixes of the captured figures (e.g. cell-anatomy)")
    args = ap.parse_args()
    from playwright.sync_api import sync_playwright

    specs = sorted(p for p in (OUT / "specs").glob("*.json")
                   if not args.only or p.stem.startswith(tuple(args.only.split(","))))
    if not specs:
        print("no captured figures: run bench/bench_browser.py first")
        return 2
    lines = ["RUN ALONE ON THE MACHINE. Median ms per draw, 700 px wide, plotly.js from the plotly package",
             f"{'figure':<26} {'KB':>6} {'annot':>5} {'shapes':>6} {'traces':>6} | {'newPlot':>7} {'react':>6} "
             f"{'react+cursor':>12} {'+datarev':>8} {'static':>7} {'fixed':>6} {'no annot':>8} {'presized':>8} | title"]
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        try:
            page = browser.new_page()
            page.route("**/*", lambda route: route.abort())
            page.set_content("<html><body></body></html>")
            page.add_script_tag(path=str(PLOTLY_JS))
            for path in specs:
                fig = json.loads(path.read_text())
                fig.setdefault("layout", {})
                for name in [k for k in fig["layout"] if k.startswith(("xaxis", "yaxis"))] + ["xaxis", "yaxis"]:
                    fig["layout"].setdefault(name, {}).setdefault("automargin", True)     # as the Streamlit theme
                lay = fig["layout"]
                bare = copy.deepcopy(fig)
                bare["layout"].pop("annotations", None)
                fixed = copy.deepcopy(fig)
                for name in [k for k in fixed["layout"] if k.startswith(("xaxis", "yaxis"))] or ["xaxis", "yaxis"]:
                    fixed["layout"].setdefault(name, {})["fixedrange"] = True
                fixed["layout"].setdefault("xaxis", {})["fixedrange"] = True
                fixed["layout"].setdefault("yaxis", {})["fixedrange"] = True
                run = lambda f, cfg, mode: statistics.median(page.evaluate(TIME_JS, [f, cfg, args.reps, mode]))  # noqa: E731
                base = {"displaylogo": False, "displayModeBar": False}     # as pages/_ui.plot
                t = dict(newPlot=run(fig, base, "newPlot"), react=run(fig, base, "react"),
                         cursor=run(fig, base, "cursor"), datarev=run(fig, base, "cursor+datarev"),
                         static=run(fig, {**base, "staticPlot": True}, "newPlot"),
                         fixed=run(fixed, base, "newPlot"), bare=run(bare, base, "newPlot"),
                         presized=run(fig, base, "presized"))
                title = lay.get("title", {})
                title = title.get("text", "") if isinstance(title, dict) else str(title)
                lines.append(f"{path.stem:<26} {path.stat().st_size / 1024:>6.1f} {len(lay.get('annotations', [])):>5} "
                             f"{len(lay.get('shapes', [])):>6} {len(fig.get('data', [])):>6} | {t['newPlot']:>7.0f} "
                             f"{t['react']:>6.0f} {t['cursor']:>12.0f} {t['datarev']:>8.0f} {t['static']:>7.0f} {t['fixed']:>6.0f} "
                             f"{t['bare']:>8.0f} {t['presized']:>8.0f} | {title[:40]}")
                print(lines[-1], flush=True)
        finally:
            browser.close()
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "figure_render.txt").write_text("\n".join(lines) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
