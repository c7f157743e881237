"""The first visitor after a server start (issue 13: "charts within 3 s"): how long a shared deep link takes
to show all its charts when it is the very first request a freshly started server gets.

    python bench/bench_first_visit.py [--pages gates-over-time,cell-anatomy] [--trials 1] [--wait 0]

Per page and trial: a fresh `streamlit run app.py` (tests/app_harness.StreamlitServer, headless, loopback),
then, --wait seconds after it answers /_stcore/health (0 = the class opening the link at once), a new
Chromium tab (1366x900) opens the page's deep link. Timed from the navigation start until every displayed
chart is drawn (and at least one is, where the page has charts) and the app is idle; also when the first
script run finished, and when the charts of the first screenful (what the visitor sees without scrolling)
are drawn. Prints one line per visit and the median per page. A measurement, not a
test: RUN IT ALONE ON THE MACHINE (a server start, a browser and the app's warm-up share the cores).
"""

import argparse
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))
from app_harness import (APP_IDLE_JS, CHART_ELEMENTS_JS, CHARTS_JS, CHROMIUM, CHROMIUM_ARGS, EXCEPTIONS_JS, PAGE_NOT_FOUND_JS,  # noqa: E402
                         RunWatcher, StreamlitServer, chromium_missing_reason, discover_pages, loopback_only)

OUT = ROOT / "bench" / "out"
VIEWPORT = {"width": 1366, "height": 900}
TIMEOUT_S = 120
# the charts a visitor sees without scrolling (in the first screenful), all drawn
ON_SCREEN_JS = """() => {
  const els = CHART_ELEMENTS
    .filter(c => c.offsetParent !== null && c.getBoundingClientRect().top < innerHeight);
  return els.length > 0 && els.every(c => !!c.querySelector('.js-plotly-plot svg.main-svg') &&
    !!c.querySelector('.js-plotly-plot g.trace, .js-plotly-plot .heatmaplayer image, .js-plotly-plot .shapelayer path'));
}""".replace("CHART_ELEMENTS", CHART_ELEMENTS_JS)
READY_JS = (f"() => {{ const c = ({CHARTS_JS})(); return c.loading === 0 && c.drawn === c.visible && c.visible > 0 "
            f"&& ({APP_IDLE_JS})(); }}")


def first_visit(browser, app_page, wait_s: float) -> dict:
    """One fresh server, one first request: the deep link to app_page."""
    t_start = time.perf_counter()
    with StreamlitServer(OUT / "first_visit_server.log") as srv:
        t_healthy = time.perf_counter()
        time.sleep(wait_s)
        context = browser.new_context(viewport=VIEWPORT)
        context.route("**/*", loopback_only)
        page = context.new_page()
        runs = RunWatcher(page)
        try:
            t0 = time.perf_counter()
            page.goto(srv.url + app_page.route, wait_until="domcontentloaded")
            first_run = on_screen = None
            deadline = time.monotonic() + TIMEOUT_S
            while True:
                if first_run is None and runs.done_since(0):
                    first_run = time.perf_counter()
                if first_run is not None and on_screen is None and page.evaluate(ON_SCREEN_JS):
                    on_screen = time.perf_counter()
                if app_page.expects("charts") and page.evaluate(READY_JS):
                    break
                if not app_page.expects("charts") and runs.done_since(0) and page.evaluate(APP_IDLE_JS):
                    break
                if time.monotonic() > deadline:
                    raise TimeoutError(f"{app_page.route}: charts not drawn within {TIMEOUT_S} s")
                page.wait_for_timeout(20)
            t_charts = time.perf_counter()
            charts = page.evaluate(CHARTS_JS)
            problems = page.evaluate(PAGE_NOT_FOUND_JS) + (["stException"] if page.evaluate(EXCEPTIONS_JS) else [])
        finally:
            context.close()
    return {"page": app_page.name, "start_s": t_healthy - t_start, "charts_ms": 1e3 * (t_charts - t0),
            "first_run_ms": 1e3 * ((first_run or t_charts) - t0), "charts": charts["drawn"], "problems": problems,
            "on_screen_ms": 1e3 * ((on_screen or t_charts) - t0)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--pages", default="gates-over-time,cell-anatomy,vanishing-gradients")
    ap.add_argument("--trials", type=int, default=1)
    ap.add_argument("--wait", type=float, default=0.0, help="seconds between the server being healthy and the visit")
    args = ap.parse_args()
    reason = chromium_missing_reason()
    if reason:
        sys.exit(f"cannot run: {reason}")
    wanted = args.pages.split(",")
    pages = [p for p in discover_pages() if p.name in wanted]
    from playwright.sync_api import sync_playwright

    results = []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        try:
            for app_page in pages:
                for trial in range(args.trials):
                    r = first_visit(browser, app_page, args.wait)
                    results.append(r)
                    print(f"{r['page']:22s} trial {trial + 1}: server healthy after {r['start_s']:5.1f} s; first link: "
                          f"script run finished {r['first_run_ms']:7.0f} ms, the first screenful's charts drawn "
                          f"{r['on_screen_ms']:7.0f} ms, all {r['charts']} charts drawn "
                          f"{r['charts_ms']:7.0f} ms{'  PROBLEMS: ' + str(r['problems']) if r['problems'] else ''}",
                          flush=True)
        finally:
            browser.close()
    print("median times, first request to a fresh server (target 3000 ms): the first screenful's charts drawn / "
          "all charts drawn")
    for name in wanted:
        ms = [r["charts_ms"] for r in results if r["page"] == name]
        seen = [r["on_screen_ms"] for r in results if r["page"] == name]
        if ms:
            print(f"  {name:22s} {statistics.median(seen):7.0f} / {statistics.median(ms):7.0f} ms over {len(ms)} visit(s)")


if __name__ == "__main__":
    main()
