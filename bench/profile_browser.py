"""Where the browser spends a slider rerun (issue 15, item 2: aim each fix). RUN ALONE ON THE MACHINE.

    python bench/profile_browser.py [--moves 8] [--pages cell-anatomy,...]

For the first visible slider of every page: `--moves` keyboard moves, each waited until settled
(bench/browser_probe.py), under Chrome's sampling JS profiler and Performance.getMetrics. Prints per
page: the renderer's task / script / layout / style-recalc time per move (getMetrics deltas), and
the JS self time per move split by bundle (PlotlyChart = plotly.js + its React wrapper, index =
Streamlit/React, katex, ...) with the heaviest functions. Output also in bench/out/profile.txt.
"""

import argparse
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT / "bench"))
from app_harness import (APP_IDLE_JS, CHARTS_JS, CHROMIUM, CHROMIUM_ARGS, CLICK_NAV_JS, SLIDERS_JS,  # noqa: E402
                         StreamlitServer, discover_pages, slider_selector)
from bench_browser import NOTICE, VISIBLE_JS, finished_field, page_now, probed_page, wait_settled  # noqa: E402
from browser_probe import settled_js  # noqa: E402

OUT = ROOT / "bench" / "out"
METRICS = ("TaskDuration", "ScriptDuration", "LayoutDuration", "RecalcStyleDuration")


def metrics(cdp) -> dict:
    return {m["name"]: m["value"] for m in cdp.send("Performance.getMetrics")["metrics"] if m["name"] in METRICS}


def bundle(url: str) -> str:
    name = url.rsplit("/", 1)[-1].split("?")[0]
    return name.split(".")[0] or "(native)"


def self_times(profile: dict):
    """JS self time (ms) by bundle and by 'function @ bundle' from a CPU profile."""
    nodes = {n["id"]: n for n in profile["nodes"]}
    per_node = Counter()
    for node_id, dt in zip(profile["samples"], profile["timeDeltas"]):
        per_node[node_id] += dt / 1e3
    by_bundle, by_fn = Counter(), Counter()
    for node_id, ms in per_node.items():
        cf = nodes[node_id]["callFrame"]
        b = bundle(cf["url"]) if cf["url"] else cf["functionName"] or "(anonymous)"
        if b in ("(idle)", "(program)"):
            continue
        by_bundle[b] += ms
        by_fn[f"{cf['functionName'] or '(anonymous)'} @ {b}"] += ms
    return by_bundle, by_fn


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--moves", type=int, default=8)
    ap.add_argument("--pages", default="")
    args = ap.parse_args()
    from playwright.sync_api import sync_playwright

    pages = [p for p in discover_pages() if not p.default and (not args.pages or p.url_path in args.pages.split(","))]
    settled = settled_js(CHARTS_JS, APP_IDLE_JS, finished_field())
    lines = [NOTICE, f"{args.moves} moves of each page's first visible slider; per move: renderer metrics, JS self time", ""]
    with StreamlitServer(OUT / "profile_server.log") as server, sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        try:
            ctx, page = probed_page(browser)
            page.goto(server.url + "/", wait_until="domcontentloaded")
            page.wait_for_function(APP_IDLE_JS, timeout=60e3)
            cdp = ctx.new_cdp_session(page)
            cdp.send("Performance.enable")
            cdp.send("Profiler.enable")
            cdp.send("Profiler.setSamplingInterval", {"interval": 250})
            for app_page in pages:
                t0 = page_now(page)
                page.evaluate(CLICK_NAV_JS, app_page.route)
                wait_settled(page, t0, 60, settled)
                sliders = page.evaluate(SLIDERS_JS)
                idx = next((i for i in range(len(sliders)) if page.evaluate(VISIBLE_JS, slider_selector(i))), None)
                if idx is None:
                    continue
                label, direction, totals = sliders[idx]["label"], +1, []
                m0 = metrics(cdp)
                cdp.send("Profiler.start")
                for _ in range(args.moves):
                    cur = next(s for s in page.evaluate(SLIDERS_JS) if s["label"] == label)
                    i = page.evaluate(SLIDERS_JS).index(cur)
                    direction = -1 if cur["value"] >= cur["max"] else (+1 if cur["value"] <= cur["min"] else direction)
                    page.locator(slider_selector(i)).focus()
                    t0 = page_now(page)
                    page.keyboard.press("ArrowRight" if direction > 0 else "ArrowLeft")
                    r = wait_settled(page, t0, 30, settled)
                    totals.append(r["done"] - r["input"])
                prof = cdp.send("Profiler.stop")["profile"]
                m1 = metrics(cdp)
                n = len(totals)
                by_bundle, by_fn = self_times(prof)
                lines.append(f"{app_page.name} / {label}: {n} moves, median {sorted(totals)[n // 2]:.0f} ms per move")
                lines.append("  renderer per move: " + ", ".join(
                    f"{k.replace('Duration', '')} {1e3 * (m1[k] - m0[k]) / n:.0f} ms" for k in METRICS))
                lines.append("  JS self time per move by bundle: " + ", ".join(
                    f"{b} {ms / n:.0f}" for b, ms in by_bundle.most_common(6)))
                lines.append("  heaviest functions (ms per move): " + "; ".join(
                    f"{f} {ms / n:.1f}" for f, ms in by_fn.most_common(8)))
                print("\n".join(lines[-4:]), flush=True)
        finally:
            browser.close()
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "profile.txt").write_text("\n".join(lines) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
