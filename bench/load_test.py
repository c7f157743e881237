"""Load test (issue 6, item 5): N concurrent real browser sessions against one `streamlit run`.

    python bench/load_test.py [--sessions 10] [--moves 2] [--deadline 480]
    python bench/load_test.py --sessions 1 --moves 10 --server-timing    # slider reruns, server side

Starts the app on 127.0.0.1 (a free port; no other traffic: every request not to 127.0.0.1 is
aborted), then N Chromium sessions (isolated browser contexts) each open "/", visit every page of
app.py's navigation through the in-app links (one websocket session per user, as in a classroom)
and nudge `--moves` sliders per page with the keyboard. Session 0 also presses the "Train..."
button on the train-and-compare page, if there is one, and waits for its results. Afterwards every
other session reopens train-and-compare: none of what training added to session 0's view may
appear there (session isolation).

Reports errors (stException, page/rerun timeouts, JS errors, "Page not found", uncaught
exceptions in the server log; goal 0), p50/p95 page render time (nav click -> script done and all
visible charts drawn), p50/p95 slider rerun time in the browser, and the server's peak RSS
(VmRSS of the server and its children, sampled every 0.2 s; goal <= 600 MB). Bounded: a fixed
amount of work and a hard deadline; the server and browsers are always stopped. Output also goes
to bench/out/load.txt. Exit status 1 on any error or isolation violation.
"""

import argparse
import asyncio
import datetime
import os
import random
import re
import sys
import threading
import time
from collections import defaultdict
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))
from app_harness import (APP_IDLE_JS, CHARTS_JS, CHROMIUM, CHROMIUM_ARGS, CLICK_NAV_JS, EXCEPTIONS_JS,  # noqa: E402
                         PAGE_NOT_FOUND_JS, SLIDERS_JS, RunWatcher, StreamlitServer, chromium_missing_reason,
                         discover_pages, loopback_only, slider_selector, wait_run_async)

OUT = ROOT / "bench" / "out"
TRAIN_PAGE = "train-and-compare"
TRAIN_LABEL = re.compile(r"\bTrain")
VIEWPORT = {"width": 1280, "height": 900}
RSS_GOAL_MB = 600

# What a page shows, as a set of labelled items: downloads, chart titles, headings, metrics, alerts.
VIEW_ITEMS_JS = """
() => {
  const main = document.querySelector('[data-testid="stMain"]');
  if (!main) return [];
  const txt = (e, n) => (e.innerText || e.textContent || '').trim().replace(/\\s+/g, ' ').slice(0, n);
  const items = [];
  main.querySelectorAll('[data-testid="stDownloadButton"]').forEach(e => items.push('download: ' + txt(e, 80)));
  main.querySelectorAll('[data-testid="labChart"] .gtitle').forEach(e => items.push('chart: ' + txt(e, 80)));
  main.querySelectorAll('h1, h2, h3, h4, h5, h6').forEach(e => items.push('heading: ' + txt(e, 80)));
  main.querySelectorAll('[data-testid="stMetricLabel"]').forEach(e => items.push('metric: ' + txt(e, 80)));
  main.querySelectorAll('[data-testid="stAlert"]').forEach(e => items.push('alert: ' + txt(e, 60)));
  // results only: not the live progress chart inside a (collapsed) st.status, which a rerun does not redraw
  Array.from(main.querySelectorAll('[data-testid="labChart"]'))
    .filter(e => !e.closest('[data-testid="stExpander"]'))
    .forEach((e, i) => items.push('chart #' + (i + 1)));
  return items;
}
"""


class Stats:
    """Everything the sessions measure; only touched from the event loop thread."""

    def __init__(self):
        self.render_ms = defaultdict(list)   # page name -> [ms]
        self.first_load_ms = []
        self.script_ms = defaultdict(list)   # page name -> [nav click -> script_finished message, ms]
        self.rerun_ms = []
        self.slider_script_ms = defaultdict(list)   # page name -> [slider key press -> script_finished, ms]
        self.slider_windows = defaultdict(list)     # page name -> [(wall time of key press, of rerun done)]
        self.nav_windows = defaultdict(list)        # page name -> [(wall time of nav click, of page done)]
        self.errors = []                     # (session, page, what)
        self.visits = 0
        self.exceptions = 0
        self.timeouts = 0
        self.train = {}                      # what the training session saw
        self.views = {}                      # session -> train page items (before, after)

    def error(self, sid, where, what):
        self.errors.append((sid, where, what))
        print(f"  ! session {sid} {where}: {what}", flush=True)


class RssSampler(threading.Thread):
    """Peak VmRSS (MB) of a process and all its descendants, sampled every `period` s."""

    def __init__(self, pid, period=0.2):
        super().__init__(daemon=True)
        self.pid, self.period = pid, period
        self.peak_mb, self.samples, self._halt = 0.0, 0, threading.Event()

    def tree(self):
        children = defaultdict(list)
        for d in os.listdir("/proc"):
            if d.isdigit():
                try:
                    with open(f"/proc/{d}/stat") as f:
                        ppid = int(f.read().rsplit(")", 1)[1].split()[1])
                    children[ppid].append(int(d))
                except (OSError, ValueError, IndexError):
                    pass
        todo, seen = [self.pid], []
        while todo:
            p = todo.pop()
            seen.append(p)
            todo.extend(children.get(p, []))
        return seen

    @staticmethod
    def rss_kb(pid):
        try:
            with open(f"/proc/{pid}/status") as f:
                for line in f:
                    if line.startswith("VmRSS:"):
                        return int(line.split()[1])
        except OSError:
            pass
        return 0

    def run(self):
        while not self._halt.is_set():
            total_mb = sum(self.rss_kb(p) for p in self.tree()) / 1024
            self.peak_mb = max(self.peak_mb, total_mb)
            self.samples += 1
            self._halt.wait(self.period)

    def stop(self):
        self._halt.set()
        self.join(5)


async def wait_idle(page, runs, since_runs, timeout_s):
    """Until one more script run finished, the app is idle and its visible charts are drawn;
    returns the perf_counter time that first held (then waits a short settle)."""
    await wait_run_async(page, runs, since_runs, timeout_s, settle_ms=0)
    await page.wait_for_function(
        f"() => {{ const c = ({CHARTS_JS})(); return ({APP_IDLE_JS})() && c.loading === 0 && c.drawn === c.visible; }}",
        timeout=1e3 * timeout_s, polling=25)
    t_ready = time.perf_counter()
    await page.wait_for_timeout(150)
    await page.wait_for_function(APP_IDLE_JS, timeout=1e3 * timeout_s, polling=50)
    return t_ready


async def check_view(stats, sid, page, where):
    n = await page.evaluate(EXCEPTIONS_JS)
    if n:
        stats.exceptions += n
        stats.error(sid, where, f"{n} stException on screen")
    nf = await page.evaluate(PAGE_NOT_FOUND_JS)
    if nf:
        stats.error(sid, where, f"dialog: {nf[0][:80]!r}")


async def goto_page(stats, sid, page, runs, app_page, timeout_s):
    """In-app navigation to `app_page`; returns render ms or None."""
    n_runs = runs.finished
    t0, wall0 = time.perf_counter(), time.time()
    if not await page.evaluate(CLICK_NAV_JS, app_page.route):
        stats.error(sid, app_page.name, "no navigation link to it")
        return None
    try:
        t_ready = await wait_idle(page, runs, n_runs, timeout_s)
    except Exception as e:
        stats.timeouts += 1
        stats.error(sid, app_page.name, f"page did not finish rendering: {type(e).__name__}")
        return None
    ms = 1e3 * (t_ready - t0)
    stats.nav_windows[app_page.name].append((wall0, wall0 + (t_ready - t0)))
    stats.script_ms[app_page.name].append(1e3 * (runs.finished_at - t0))
    stats.visits += 1
    stats.render_ms[app_page.name].append(ms)
    await check_view(stats, sid, page, app_page.name)
    return ms


async def move_sliders(stats, sid, page, runs, app_page, moves, timeout_s):
    for k in range(moves):
        sliders = await page.evaluate(SLIDERS_JS)
        if not sliders:
            return
        i = k % len(sliders)
        s = sliders[i]
        n_runs = runs.finished
        await page.locator(slider_selector(i)).focus()
        t0, wall0 = time.perf_counter(), time.time()
        await page.keyboard.press("ArrowLeft" if s["value"] >= s["max"] else "ArrowRight")
        try:
            t_ready = await wait_idle(page, runs, n_runs, timeout_s)
        except Exception as e:
            stats.timeouts += 1
            stats.error(sid, app_page.name, f"slider rerun did not finish: {type(e).__name__}")
            return
        stats.rerun_ms.append(1e3 * (t_ready - t0))
        stats.slider_windows[app_page.name].append((wall0, wall0 + (t_ready - t0)))
        if runs.sent_at is not None and runs.sent_at >= t0:      # the rerun request left the browser
            stats.slider_script_ms[app_page.name].append(1e3 * (runs.finished_at - runs.sent_at))
        await check_view(stats, sid, page, f"{app_page.name} (slider)")


async def train(stats, sid, page, runs, timeout_s):
    """Press the first st.button labelled 'Train...' and wait until its results are on screen."""
    buttons = page.locator('[data-testid="stMain"] [data-testid="stButton"] button, '
                           '[data-testid="stMain"] [data-testid="stFormSubmitButton"] button')
    target = None
    for j in range(await buttons.count()):
        b = buttons.nth(j)
        if TRAIN_LABEL.search(await b.inner_text()) and await b.is_enabled():
            target = b
            break
    if target is None:
        stats.train["status"] = "no 'Train' button on the page: isolation not checkable"
        return
    before = set(await page.evaluate(VIEW_ITEMS_JS))
    label = (await target.inner_text()).strip()
    n_runs = runs.finished
    t0 = time.perf_counter()
    await target.click()
    # Training may run in the script (st.status) or in the background with a polling fragment:
    # done = app idle with something new on screen, twice in a row 1 s apart.
    deadline, stable, after = time.monotonic() + timeout_s, 0, before
    while time.monotonic() < deadline:
        await asyncio.sleep(1.0)
        idle = runs.done_since(n_runs) and await page.evaluate(APP_IDLE_JS)
        now = set(await page.evaluate(VIEW_ITEMS_JS))
        stable = stable + 1 if idle and now != before and now == after else 0
        after = now
        if stable >= 2:
            break
    await check_view(stats, sid, page, f"{TRAIN_PAGE} (training)")
    stats.train.update(label=label, seconds=time.perf_counter() - t0, before=before, after=after,
                       added=after - before)
    stats.train["status"] = "trained" if after - before else f"nothing new on screen after {timeout_s:.0f} s"
    if not after - before:
        stats.error(sid, TRAIN_PAGE, f"pressed {label!r}: nothing new on screen within {timeout_s:.0f} s")


async def check_results_kept(stats, sid, page, runs, pages, train_page, timeout_s):
    """Issue 4: trained results survive a page switch (away to the home page and back)."""
    added = stats.train.get("added")
    home = next((p for p in pages if p.default), None)
    if not added or home is None:
        return
    if await goto_page(stats, sid, page, runs, home, timeout_s) is None:
        return
    if await goto_page(stats, sid, page, runs, train_page, timeout_s) is None:
        return
    back = set(await page.evaluate(VIEW_ITEMS_JS))
    stats.train["kept"] = added <= back
    if not stats.train["kept"]:
        stats.train["lost"] = sorted(added - back)


async def session(sid, browser, server, pages, args, stats, trained, t_end):
    """One user: open '/', tour every page (moving sliders), session 0 trains; then the isolation check."""
    await asyncio.sleep(random.uniform(0, 1.0))
    ctx = await browser.new_context(viewport=VIEWPORT)
    await ctx.route("**/*", loopback_only)
    page = await ctx.new_page()
    runs = RunWatcher(page)
    page.on("pageerror", lambda e: stats.error(sid, "js", f"JavaScript error: {str(e)[:120]}"))
    timeout_s = args.page_timeout
    try:
        t0 = time.perf_counter()
        await page.goto(server.url + "/", wait_until="domcontentloaded")
        try:
            t_ready = await wait_idle(page, runs, 0, timeout_s)
            stats.first_load_ms.append(1e3 * (t_ready - t0))
            await check_view(stats, sid, page, "first load")
        except Exception as e:
            stats.timeouts += 1
            stats.error(sid, "first load", f"did not finish: {type(e).__name__}")
        order = [p for p in pages if not p.default] + [p for p in pages if p.default]
        for app_page in order:
            if await goto_page(stats, sid, page, runs, app_page, timeout_s) is None:
                continue
            if app_page.url_path == TRAIN_PAGE:
                stats.views[sid] = [set(await page.evaluate(VIEW_ITEMS_JS)), None]
                if sid == 0:
                    await train(stats, sid, page, runs, max(10.0, t_end - time.monotonic() - 60))
                    trained.set()
                    await check_results_kept(stats, sid, page, runs, pages, app_page, timeout_s)
                    continue
            await move_sliders(stats, sid, page, runs, app_page, args.moves, timeout_s)
        # Isolation: once session 0 has trained, this session's own train page must not show it.
        train_page = next((p for p in pages if p.url_path == TRAIN_PAGE), None)
        if train_page is not None:
            try:
                await asyncio.wait_for(trained.wait(), max(1.0, t_end - time.monotonic() - 30))
            except asyncio.TimeoutError:
                stats.error(sid, TRAIN_PAGE, "training session did not finish before the deadline")
                return
            if await goto_page(stats, sid, page, runs, train_page, timeout_s) is not None:
                if sid in stats.views:
                    stats.views[sid][1] = set(await page.evaluate(VIEW_ITEMS_JS))
    finally:
        if sid == 0:
            trained.set()  # whatever happened, nobody waits for a training that will not come
        await ctx.close()


async def run_sessions(server, pages, args, stats):
    from playwright.async_api import async_playwright

    t_end = time.monotonic() + args.deadline - 20
    trained = asyncio.Event()
    async with async_playwright() as pw:
        browsers = [await pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
                    for _ in range(args.browsers)]
        try:
            tasks = [asyncio.create_task(session(i, browsers[i % len(browsers)], server, pages, args, stats,
                                                 trained, t_end)) for i in range(args.sessions)]
            done, pending = await asyncio.wait(tasks, timeout=max(1.0, t_end - time.monotonic()))
            for t in pending:
                t.cancel()
                stats.error("-", "deadline", "session still running at the deadline: cancelled")
            await asyncio.gather(*pending, return_exceptions=True)
            for t in done:
                if t.exception() is not None:
                    stats.error("-", "session", f"crashed: {type(t.exception()).__name__}: {t.exception()}"[:200])
        finally:
            for b in browsers:
                await b.close()


def server_runs(log_path: Path, windows: dict) -> dict:
    """Server-side script runs (bench/timed_server.py's log) that ended inside each page's slider
    windows: page -> [(ms, after_ms, fragment)]. Exact with one session; with several, other
    sessions' runs can fall into a window too."""
    import json

    try:
        records = [json.loads(line) for line in log_path.read_text().splitlines() if line.strip()]
    except OSError:
        return {}
    out = defaultdict(list)
    for page, spans in windows.items():
        for a, b in spans:
            out[page] += [(r["ms"], r["after_ms"], r["fragment"]) for r in records if a <= r["t"] <= b]
    return out


def pct(xs, q):
    return float(np.percentile(xs, q)) if xs else float("nan")


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sessions", type=int, default=10)
    ap.add_argument("--moves", type=int, default=2, help="slider moves per page per session")
    ap.add_argument("--browsers", type=int, default=1, help="Chromium processes the sessions are spread over")
    ap.add_argument("--page-timeout", type=float, default=90, help="s for one page render or rerun")
    ap.add_argument("--deadline", type=float, default=480, help="hard overall limit, s")
    ap.add_argument("--server-timing", action="store_true",
                    help="run the server through bench/timed_server.py and report server-side script run times "
                         "for the slider moves (use with --sessions 1)")
    args = ap.parse_args()
    args.sessions = max(1, min(args.sessions, 30))
    args.moves = max(0, min(args.moves, 10))
    args.browsers = max(1, min(args.browsers, args.sessions))
    args.deadline = max(60.0, min(args.deadline, 900.0))
    reason = chromium_missing_reason()
    if reason:
        print(f"load test cannot run: {reason}")
        return 2

    random.seed(0)
    pages = discover_pages()
    stats = Stats()
    OUT.mkdir(parents=True, exist_ok=True)
    t_start = time.perf_counter()
    run_log = OUT / "server_runs.jsonl"
    run_log.unlink(missing_ok=True)
    server = StreamlitServer(OUT / "load_server.log",
                             **(dict(launcher=ROOT / "bench" / "timed_server.py", env={"LSTM_LAB_RUN_LOG": str(run_log)})
                                if args.server_timing else {}))
    sampler = None
    print(f"load test: {args.sessions} sessions x {len(pages)} pages, {args.moves} slider moves per page, "
          f"deadline {args.deadline:.0f} s", flush=True)
    try:
        server.start()
        sampler = RssSampler(server.proc.pid)
        sampler.start()
        asyncio.run(asyncio.wait_for(run_sessions(server, pages, args, stats), args.deadline))
    except asyncio.TimeoutError:
        stats.error("-", "deadline", f"hard deadline {args.deadline:.0f} s hit")
    finally:
        try:
            if sampler is not None:
                sampler.stop()
        finally:
            uncaught = server.uncaught_errors()
            server.stop()
    wall = time.perf_counter() - t_start
    for _ in range(uncaught):
        stats.error("server", "log", "uncaught script exception (see bench/out/load_server.log)")

    # Isolation: nothing training added to session 0's view may show in another session's view.
    added = stats.train.get("added", set())
    checked, leaks = 0, []
    for sid, (before, after) in sorted(stats.views.items()):
        if sid == 0 or after is None or not added:
            continue
        checked += 1
        leak = sorted(after & added)
        if leak:
            leaks.append((sid, leak))
    if added:
        isolation = (f"{checked} other sessions checked, {len(leaks)} show session 0's training results"
                     + (f": {leaks[:3]}" if leaks else ""))
    else:
        isolation = f"NOT CHECKED ({stats.train.get('status', 'no training happened')})"

    all_render = [ms for v in stats.render_ms.values() for ms in v]
    all_script = [ms for v in stats.script_ms.values() for ms in v]
    peak = sampler.peak_mb if sampler else float("nan")
    errors = len(stats.errors)
    lines = [
        f"LSTM Lab load test, {datetime.datetime.now():%Y-%m-%d %H:%M}, {os.cpu_count()} cpus, "
        f"server and {args.browsers} Chromium on the same machine, loopback only",
        f"sessions {args.sessions}, pages {len(pages)}, slider moves/page {args.moves}, wall {wall:.0f} s "
        f"(deadline {args.deadline:.0f} s)",
        f"errors: {errors} (goal 0) - stException {stats.exceptions}, timeouts {stats.timeouts}, "
        f"other {errors - stats.exceptions - stats.timeouts}",
        f"page visits {stats.visits}: render p50 {pct(all_render, 50):.0f} ms, p95 {pct(all_render, 95):.0f} ms "
        f"(nav click -> script done, charts drawn); nav click -> script_finished message: p50 {pct(all_script, 50):.0f} ms, "
        f"p95 {pct(all_script, 95):.0f} ms",
        f"first load of '/': p50 {pct(stats.first_load_ms, 50):.0f} ms, p95 {pct(stats.first_load_ms, 95):.0f} ms "
        f"(n={len(stats.first_load_ms)})",
        f"slider reruns {len(stats.rerun_ms)}: p50 {pct(stats.rerun_ms, 50):.0f} ms, "
        f"p95 {pct(stats.rerun_ms, 95):.0f} ms (browser side, under load)",
        f"server peak RSS {peak:.0f} MB (goal <= {RSS_GOAL_MB} MB: {'met' if peak <= RSS_GOAL_MB else 'MISSED'}; "
        f"{sampler.samples if sampler else 0} samples)",
        f"training (session 0): {stats.train.get('status', 'did not happen')}"
        + (f", {stats.train['label']!r} took {stats.train['seconds']:.0f} s, added {sorted(added)[:6]}"
           if "label" in stats.train else ""),
        f"session isolation: {isolation}",
        "trained results survive a page switch (session 0, home and back): "
        + {True: "yes", False: f"NO, lost {stats.train.get('lost')}", None: "not checked"}[stats.train.get("kept")],
        "per page, ms:            render p50     p95  script_finished p50     p95     n",  # noqa: F541
    ]
    for p in pages:
        xs = stats.render_ms.get(p.name, [])
        ys = stats.script_ms.get(p.name, [])
        lines.append(f"  {p.name:22} {pct(xs, 50):13.0f} {pct(xs, 95):7.0f} {pct(ys, 50):20.0f} {pct(ys, 95):7.0f} {len(xs):5d}")
    lines.append("slider rerun request sent -> script_finished received (script + Streamlit per-run overhead, incl. fragment-only reruns), ms:")
    for p in pages:
        zs = stats.slider_script_ms.get(p.name, [])
        if zs:
            lines.append(f"  {p.name:22} p50 {pct(zs, 50):6.0f}  p95 {pct(zs, 95):6.0f}  n {len(zs)}")
    if args.server_timing:
        opens = server_runs(run_log, stats.nav_windows)
        lines.append("page opens (nav click), server side: script run(s) of each visit, ms (first visit first):")
        for p in pages:
            if opens.get(p.name):
                lines.append(f"  {p.name:22} " + ", ".join(f"{r[0]:.0f}" for r in opens[p.name]))
        runs_by_page = server_runs(run_log, stats.slider_windows)
        lines.append("slider moves, server side (bench/timed_server.py): whole script run incl. Streamlit's end-of-run "
                     "work | that end-of-run work (incl. gc) | fragment-only runs, ms:")
        for p in pages:
            rs = runs_by_page.get(p.name, [])
            if rs:
                ms, after = [r[0] for r in rs], [r[1] for r in rs]
                verdict = "met" if pct(ms, 95) <= 100 else "MISSED"
                lines.append(f"  {p.name:22} p50 {pct(ms, 50):6.1f}  p95 {pct(ms, 95):6.1f}  max {max(ms):6.1f} | "
                             f"p50 {pct(after, 50):5.1f} | {sum(r[2] for r in rs)}/{len(rs)} runs | "
                             f"p95 <= 100 ms: {verdict}")
    if stats.errors:
        lines.append("first errors:")
        lines += [f"  session {s} {w}: {m}" for s, w, m in stats.errors[:20]]
    text = "\n".join(lines)
    print("\n" + text)
    (OUT / "load.txt").write_text(text + "\n")
    print(f"written to {OUT / 'load.txt'}")
    return 1 if errors or leaks else 0


if __name__ == "__main__":
    sys.exit(main())
