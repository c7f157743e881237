"""Felt latency in a real browser (issue 15, item 1): slider move -> repaint and nav click -> page
drawn, per page and per slider, with the time broken down. RUN IT ALONE ON THE MACHINE.

    python bench/bench_browser.py [--moves 20] [--sliders 4] [--navs 3] [--pages cell-anatomy,...]

One `streamlit run app.py` through bench/timed_server.py (server-side script times) on loopback,
one Chromium tab (1366x900) instrumented with bench/browser_probe.py. For every page of app.py's
navigation: `--navs` in-app nav clicks from the home page to it (the first one is cold: nothing
cached yet for that page), then up to `--sliders` visible sliders (main area first, then sidebar),
each moved `--moves` times with the keyboard (one step right per move, bouncing at the ends, so
settings are mostly new and server caches mostly miss, as when a student drags).

One move is timed from the keydown (page clock) until it is *settled*: a script run finished
after it, the app is idle, every visible chart is drawn, and for QUIET_MS neither a plotly chart
(plotly_afterplot or a DOM change inside it) nor anything else in the main area (text, KaTeX
equations, metrics) changed; "done" = the last of those changes (the quiet window itself is not
counted). Breakdown per rerun:
  key->send   keydown until the browser sent the rerun request (widget debounce / commit)
  script      the server's script run(s) in that window (bench/timed_server.py log, "ms")
  cpu         the server process's CPU time during those runs, all threads (more than `script` when
              threads beside the script's compute at the same time; less when the script waited for a core)
  ->fin       keydown until the script_finished message arrived in the page
  render      script_finished arrival until done (drawing after the last message)
  KB / dl     websocket bytes received (Playwright framereceived) and delta messages in the rerun;
              plotly KB = the part of it that is charts (pages/_chart.py)
  charts      charts that emitted plotly_afterplot / charts visible
Output: a table on stdout and bench/out/browser.txt, raw per-move records in bench/out/browser.jsonl.
"""

import argparse
import datetime
import json
import os
import sys
import time
from collections import defaultdict
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT / "bench"))
from app_harness import (APP_IDLE_JS, CHART_COMPONENT, CHARTS_JS, CHROMIUM, CHROMIUM_ARGS, CLICK_NAV_JS, EXCEPTIONS_JS,  # noqa: E402
                         SLIDERS_JS, StreamlitServer, chromium_missing_reason, discover_pages, loopback_only,
                         slider_selector)
from browser_probe import PROBE_JS, settled_js  # noqa: E402

OUT = ROOT / "bench" / "out"
VIEWPORT = {"width": 1366, "height": 900}


def probed_page(browser):
    """A new 1366x900 tab that may reach loopback only, with bench/browser_probe.py's instrumentation."""
    ctx = browser.new_context(viewport=VIEWPORT)
    ctx.route("**/*", loopback_only)
    ctx.add_init_script(PROBE_JS)
    return ctx, ctx.new_page()
QUIET_MS = 150
# really on screen: not inside a collapsed expander (whose content stays in the DOM and passes SLIDERS_JS)
VISIBLE_JS = "(sel) => { const e = document.querySelector(sel); return !!e && e.checkVisibility({checkVisibilityCSS: true}); }"
NOTICE = ("RUN ALONE ON THE MACHINE: these are wall-clock times of a browser, a server and their "
          "caches sharing the cores; anything else running inflates them.")


def finished_field() -> int:
    from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

    return ForwardMsg.DESCRIPTOR.fields_by_name["script_finished"].number


class Frames:
    """Websocket frames the page received (Playwright framereceived), accumulated until take()."""

    def __init__(self, page):
        from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

        self._parse = ForwardMsg.FromString
        self.reset()
        page.on("websocket", self._on_ws)

    def reset(self):
        self.frames, self.bytes, self.deltas, self.plotly_bytes = 0, 0, 0, 0
        self.by_element = defaultdict(int)
        self.specs = []                  # plotly figure JSON of the charts received

    def _on_ws(self, ws):
        if "/_stcore/stream" in ws.url:
            ws.on("framereceived", self._on_frame)

    def _on_frame(self, payload):
        if not isinstance(payload, (bytes, bytearray)):
            return
        self.frames += 1
        self.bytes += len(payload)
        try:
            msg = self._parse(bytes(payload))
        except Exception:
            return
        if msg.WhichOneof("type") == "delta":
            self.deltas += 1
            d = msg.delta
            if d.WhichOneof("type") == "new_element":
                kind = d.new_element.WhichOneof("type")
                self.by_element[kind] += len(payload)
                if kind == "bidi_component" and d.new_element.bidi_component.component_name == CHART_COMPONENT:
                    chart = json.loads(d.new_element.bidi_component.json)
                    if "spec" in chart:          # not app.py's plotly.js preloader
                        self.plotly_bytes += len(payload)
                        self.specs.append(chart["spec"])

    def take(self) -> dict:
        out = dict(frames=self.frames, bytes=self.bytes, deltas=self.deltas, plotly_bytes=self.plotly_bytes,
                   by_element=dict(self.by_element), specs=self.specs)
        self.reset()
        return out


def wait_settled(page, since_ms: float, timeout_s: float, settled: str) -> dict:
    handle = page.wait_for_function(settled, arg=[since_ms, QUIET_MS], timeout=1e3 * timeout_s, polling=20)
    return handle.json_value()


def page_now(page) -> float:
    return page.evaluate("() => window.__lab.now()")


def server_ms(log_path: Path, a_ms: float, b_ms: float) -> tuple:
    """Sums of server script-run ms and of the server's CPU ms during them, and their count, for the runs
    that ended in [a, b] (epoch ms)."""
    try:
        lines = log_path.read_text().splitlines()
    except OSError:
        return float("nan"), float("nan"), 0
    runs = [json.loads(x) for x in lines if x.strip()]
    hit = [r for r in runs if a_ms <= 1e3 * r["t"] <= b_ms + 50]
    return sum(r["ms"] for r in hit), sum(r.get("process_cpu_ms", float("nan")) for r in hit), len(hit)


def record(kind, page_name, label, res, frames, script, server_cpu, n_runs):
    t_in = res["input"]
    return dict(kind=kind, page=page_name, slider=label, total_ms=res["done"] - t_in,
                send_ms=(res["sent"] - t_in) if res["sent"] else None,
                fin_ms=res["finished"] - t_in, render_ms=res["done"] - res["finished"],
                afterplot_ms=(res["last_afterplot"] - t_in) if res["last_afterplot"] else None,
                text_ms=(res["last_text"] - t_in) if res["last_text"] else None,
                script_ms=script, server_cpu_ms=server_cpu, server_runs=n_runs,
                charts_redrawn=res["charts_redrawn"], charts_visible=res["charts_visible"],
                kb=frames["bytes"] / 1024, frames=frames["frames"], deltas=frames["deltas"],
                plotly_kb=frames["plotly_bytes"] / 1024,
                by_element_kb={k: round(v / 1024, 1) for k, v in frames["by_element"].items()})


def nav(page, frames, route, settled, timeout_s):
    frames.take()
    t0 = page_now(page)
    if not page.evaluate(CLICK_NAV_JS, route):
        raise RuntimeError(f"no navigation link to {route}")
    res = wait_settled(page, t0, timeout_s, settled)
    res["input"] = t0
    return res, frames.take()


def save_specs(page_name: str, specs: list) -> None:
    """The page's plotly figures as sent (for bench/figure_render.py)."""
    folder = OUT / "specs"
    folder.mkdir(parents=True, exist_ok=True)
    for old in folder.glob(f"{page_name}-*.json"):
        old.unlink()
    for i, spec in enumerate(specs):
        (folder / f"{page_name}-{i}.json").write_text(spec)


def pct(xs, q):
    xs = [x for x in xs if x is not None]
    return float(np.percentile(xs, q)) if xs else float("nan")


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--moves", type=int, default=20, help="moves per slider (>= 20 for the issue's figures)")
    ap.add_argument("--sliders", type=int, default=4, help="sliders per page (main area first, then sidebar)")
    ap.add_argument("--navs", type=int, default=3, help="nav clicks home -> page per page (the first is cold)")
    ap.add_argument("--pages", default="", help="comma-separated url paths (default: every page)")
    ap.add_argument("--timeout", type=float, default=20, help="s until a move or nav is settled")
    ap.add_argument("--tag", default="", help="suffix for the output files (e.g. 'before')")
    ap.add_argument("--warm", type=float, default=20,
                    help="s to wait after the server is up, so its warm-up (~10 s, lstm_core/warmup.py) is done "
                         "and the figures are a running classroom's; 0 = measure during it "
                         "(bench/bench_first_visit.py measures a start)")
    args = ap.parse_args()
    reason = chromium_missing_reason()
    if reason:
        print(f"bench cannot run: {reason}")
        return 2
    from playwright.sync_api import sync_playwright

    pages = discover_pages()
    home = next(p for p in pages if p.default)
    wanted = [p for p in pages if not p.default and (not args.pages or p.url_path in args.pages.split(","))]
    OUT.mkdir(parents=True, exist_ok=True)
    tag = f"_{args.tag}" if args.tag else ""
    run_log = OUT / f"browser_server_runs{tag}.jsonl"
    run_log.unlink(missing_ok=True)
    settled = settled_js(CHARTS_JS, APP_IDLE_JS, finished_field())
    records, errors = [], []
    print(NOTICE, flush=True)
    t_start = time.perf_counter()
    with StreamlitServer(OUT / f"browser_server{tag}.log", launcher=ROOT / "bench" / "timed_server.py",
                         env={"LSTM_LAB_RUN_LOG": str(run_log)}) as server, sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        time.sleep(args.warm)
        try:
            ctx, page = probed_page(browser)
            page.on("pageerror", lambda e: errors.append(f"JS error: {e}"[:200]))
            frames = Frames(page)
            t0 = time.time() * 1e3
            page.goto(server.url + "/", wait_until="domcontentloaded")
            res = wait_settled(page, t0, args.timeout, settled)
            res["input"] = t0
            records.append(record("first load", "home", "", res, frames.take(), *server_ms(run_log, t0, res["done"])))
            for app_page in wanted:
                for k in range(args.navs):
                    res, fr = nav(page, frames, app_page.route, settled, args.timeout)
                    if k == 0:
                        save_specs(app_page.name, fr["specs"])
                    records.append(record("nav cold" if k == 0 else "nav", app_page.name, "", res, fr,
                                          *server_ms(run_log, res["input"], res["done"])))
                    print(f"  {app_page.name}: nav {records[-1]['total_ms']:.0f} ms", flush=True)
                    if k < args.navs - 1:
                        nav(page, frames, home.route, settled, args.timeout)
                sliders = [s for i, s in enumerate(page.evaluate(SLIDERS_JS))
                           if page.evaluate(VISIBLE_JS, slider_selector(i))][: args.sliders]
                for i, s in enumerate(sliders):
                    label, direction = s["label"], +1
                    for _ in range(args.moves):
                        current = next((x for x in page.evaluate(SLIDERS_JS) if x["label"] == label), None)
                        if current is None:
                            errors.append(f"{app_page.name}: slider {label!r} disappeared")
                            break
                        idx = page.evaluate(SLIDERS_JS).index(current)
                        if current["value"] >= current["max"]:
                            direction = -1
                        elif current["value"] <= current["min"]:
                            direction = +1
                        page.locator(slider_selector(idx)).focus()
                        frames.take()
                        t0 = page_now(page)
                        page.keyboard.press("ArrowRight" if direction > 0 else "ArrowLeft")
                        try:
                            res = wait_settled(page, t0, args.timeout, settled)
                        except Exception as e:  # noqa: BLE001 - reported, the bench goes on
                            errors.append(f"{app_page.name} / {label}: not settled ({type(e).__name__})")
                            break
                        records.append(record("slider", app_page.name, label, res, frames.take(),
                                              *server_ms(run_log, res["input"], res["done"])))
                    done = [r for r in records if r["page"] == app_page.name and r["slider"] == label]
                    if done:
                        print(f"  {app_page.name} / {label}: p50 {pct([r['total_ms'] for r in done], 50):.0f} ms "
                              f"({len(done)} moves)", flush=True)
                if page.evaluate(EXCEPTIONS_JS):
                    errors.append(f"{app_page.name}: stException on screen")
        finally:
            browser.close()
    wall = time.perf_counter() - t_start

    with open(OUT / f"browser{tag}.jsonl", "w") as f:
        for r in records:
            f.write(json.dumps(r) + "\n")
    lines = report(records, errors, wall, args)
    text = "\n".join(lines)
    print(text)
    (OUT / f"browser{tag}.txt").write_text(text + "\n")
    return 1 if errors else 0


def report(records, errors, wall, args) -> list:
    lines = [f"LSTM Lab browser latency, {datetime.datetime.now():%Y-%m-%d %H:%M}, {os.cpu_count()} cpus, "
             f"Chromium {VIEWPORT['width']}x{VIEWPORT['height']} + server on the same machine, loopback only",
             NOTICE,
             f"settled = script finished, app idle, all visible charts drawn, then {QUIET_MS} ms with no change in a "
             f"chart (plotly_afterplot / DOM) or elsewhere in the main area; times end at the last change",
             f"moves per slider {args.moves}, measured from {args.warm:g} s after the server start (warm-up), "
             f"wall {wall:.0f} s", ""]
    head = (f"{'page':<20} {'what':<34} {'n':>3} {'p50':>6} {'p95':>6} | {'key>send':>8} {'script':>7} {'cpu':>5} "
            f"{'>fin':>6} {'render':>7} {'plotAP':>7} {'text':>6} | {'KB':>7} {'plotKB':>7} {'dl':>4} {'charts':>7}")
    lines += ["all times ms (medians, except p95); plotAP / text = input -> last plotly_afterplot / last other "
              "main-area change", head, "-" * len(head)]
    groups = defaultdict(list)
    for r in records:
        groups[(r["page"], r["kind"] if r["kind"] != "slider" else "slider: " + r["slider"])].append(r)
    med = lambda rs, k: pct([r[k] for r in rs], 50)  # noqa: E731
    for (page, what), rs in groups.items():
        tot = [r["total_ms"] for r in rs]
        charts = f"{np.median([r['charts_redrawn'] for r in rs]):.0f}/{np.median([r['charts_visible'] for r in rs]):.0f}"
        lines.append(f"{page:<20} {what[:34]:<34} {len(rs):>3} {pct(tot, 50):>6.0f} {pct(tot, 95):>6.0f} | "
                     f"{med(rs, 'send_ms'):>8.0f} {med(rs, 'script_ms'):>7.0f} "
                     f"{med(rs, 'server_cpu_ms'):>5.0f} {med(rs, 'fin_ms'):>6.0f} "
                     f"{med(rs, 'render_ms'):>7.0f} {med(rs, 'afterplot_ms'):>7.0f} {med(rs, 'text_ms'):>6.0f} | "
                     f"{med(rs, 'kb'):>7.1f} {med(rs, 'plotly_kb'):>7.1f} {med(rs, 'deltas'):>4.0f} {charts:>7}")
    lines.append("")
    per_page = defaultdict(list)
    for r in records:
        if r["kind"] == "slider":
            per_page[r["page"]].append(r["total_ms"])
    for page, xs in per_page.items():
        lines.append(f"{page}: all slider moves p50 {pct(xs, 50):.0f} ms, p95 {pct(xs, 95):.0f} ms (target p95 <= 150)")
    navs = [r["total_ms"] for r in records if r["kind"] == "nav"]
    if navs:
        lines.append(f"warm nav clicks: p50 {pct(navs, 50):.0f} ms, max {max(navs):.0f} ms (target <= 1000)")
    lines.append(f"errors: {len(errors)}" + "".join(f"\n  ! {e}" for e in errors))
    return lines


if __name__ == "__main__":
    sys.exit(main())
