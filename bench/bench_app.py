"""Slider -> rerun latency per page, server side, with Streamlit's AppTest.

    python bench/bench_app.py [--moves 20]      # prints a table, also written to bench/out/app.txt
    python bench/bench_app.py --ranges [--points 8]   # every slider across its whole range -> bench/out/app_ranges.txt

For every page in app.py's navigation: render it once (first render: cold caches, models load),
then move its sliders `--moves` times in turn (one step up, or down at the top of the range) and
time each `at.run()`. Goal (issue 4): p95 <= 100 ms on pages 1-3.

AppTest reruns the whole script on every change (also for widgets inside st.fragment) and builds a
fresh mock runtime each run; the `AppTest overhead` row times an empty script the same way, so it can
be read against the pages' numbers. AppTest also builds a fresh script cache each run, i.e. re-reads,
magic-transforms and compiles app.py and the page every rerun (~15-20 ms for the larger pages); the server
compiles each once. This bench hands AppTest one shared script cache (`--recompile` restores AppTest's
own behaviour), so a rerun is timed as the server runs it.
"""

import argparse
import datetime
import logging
import os
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))
from app_harness import APP, GOAL_PAGES, discover_pages  # noqa: E402

from streamlit.runtime.scriptrunner.script_cache import ScriptCache  # noqa: E402
from streamlit.testing.v1 import AppTest  # noqa: E402
from streamlit.testing.v1 import app_test as _app_test  # noqa: E402
from streamlit.testing.v1 import local_script_runner as _local_runner  # noqa: E402

_SHARED_CACHE = ScriptCache()


def share_script_cache() -> None:
    """Make every AppTest run use one script cache, as the server does (compile each script once)."""
    _app_test.ScriptCache = _local_runner.ScriptCache = lambda: _SHARED_CACHE

GOAL_MS = 100.0


def next_value(w):
    """A valid neighbouring value for slider/select_slider `w`, or None if we cannot form one."""
    v = w.value
    if w.type == "select_slider":
        opts = list(w.options)
        single = v[0] if isinstance(v, (list, tuple)) else v
        fmt = w.format_func
        typed = []
        for o in opts:  # recover typed options from their labels (int/float/str options)
            try:
                t = type(single)(o)
            except (TypeError, ValueError):
                return None
            if str(fmt(t)) != o:
                return None
            typed.append(t)
        i = opts.index(str(fmt(single)))
        j = i + 1 if i + 1 < len(opts) else i - 1
        if j < 0:
            return None
        return (typed[j], v[1]) if isinstance(v, (list, tuple)) else typed[j]
    single = v[0] if isinstance(v, (list, tuple)) else v
    if isinstance(single, (datetime.date, datetime.time, datetime.datetime)):
        return None
    step, lo = w.step, w.min
    hi = v[1] if isinstance(v, (list, tuple)) else w.max
    new = single + step if single + step <= hi + 1e-12 else single - step
    if new < lo - 1e-12:
        return None
    new = type(single)(round(new, 10))
    return (new, v[1]) if isinstance(v, (list, tuple)) else new


def sliders(at):
    return [w for w in list(at.slider) + list(at.select_slider) if not w.disabled]


def bench_page(page, moves):
    """(first render ms, [rerun ms], exceptions, sliders moved) for one page."""
    at = AppTest.from_file(str(APP), default_timeout=120)
    at.run()
    if not page.default:
        at.switch_page(page.file)
    t0 = time.perf_counter()
    at.run()
    first_ms = 1e3 * (time.perf_counter() - t0)
    errors = len(at.exception)
    times, moved = [], set()
    for i in range(moves):
        ws = sliders(at)
        if not ws:
            break
        w = ws[i % len(ws)]
        new = next_value(w)
        if new is None:
            continue
        w.set_value(new)
        moved.add(w.label)
        t0 = time.perf_counter()
        at.run()
        times.append(1e3 * (time.perf_counter() - t0))
        errors += len(at.exception)
    return first_ms, times, errors, len(moved)


def _grid(w, points: int) -> list:
    """`points` values spread over slider w's whole range, on its step grid."""
    lo, hi, step = w.min, w.max, w.step
    values = []
    for k in range(points):
        v = lo + (hi - lo) * k / (points - 1)
        v = lo + round((v - lo) / step) * step
        v = min(max(v, lo), hi)
        values.append(type(w.value)(round(v, 10)))
    return list(dict.fromkeys(values))


NO_RANGES = ("train-and-compare",)     # its sliders set a training; moving them trains nothing


def bench_ranges(page, points):
    """Each slider of a page moved across its whole range (the others at their defaults, restored after),
    then every slider at its maximum at once (the largest settings). -> ({label: [ms]}, corner ms, errors)."""
    at = AppTest.from_file(str(APP), default_timeout=300)
    at.run()
    if not page.default:
        at.switch_page(page.file)
    at.run()
    per, errors = {}, 0
    for w0 in [w for w in sliders(at) if w.type == "slider" and not isinstance(w.value, (list, tuple))]:
        key, default = w0.key, w0.value
        for v in _grid(w0, points):
            w = next((x for x in sliders(at) if x.key == key), None)
            if w is None:
                break
            w.set_value(v)
            t0 = time.perf_counter()
            at.run()
            per.setdefault(w0.label, []).append(1e3 * (time.perf_counter() - t0))
            errors += len(at.exception)
        w = next((x for x in sliders(at) if x.key == key), None)
        if w is not None:
            w.set_value(default)
            at.run()
    for w in sliders(at):
        if w.type == "slider" and not isinstance(w.value, (list, tuple)):
            w.set_value(type(w.value)(w.max))
    t0 = time.perf_counter()
    at.run()
    corner = 1e3 * (time.perf_counter() - t0)
    errors += len(at.exception)
    return per, corner, errors


def main_ranges(points: int, out) -> int:
    out(f"{'page':22} {'sliders':>7} {'reruns':>6} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8} {'all at max':>10}  "
        "slowest slider (its max)")
    failures = 0
    for page in discover_pages():
        if page.url_path in NO_RANGES:
            continue
        per, corner, errors = bench_ranges(page, points)
        times = [t for ts in per.values() for t in ts]
        failures += errors > 0
        if not times:
            continue
        slow = max(per, key=lambda k: max(per[k]))
        out(f"{page.name:22} {len(per):7d} {len(times):6d} {np.percentile(times, 50):8.1f} "
            f"{np.percentile(times, 95):8.1f} {max(times):8.1f} {corner:10.1f}  {slow} ({max(per[slow]):.0f} ms)"
            + (f"  errors {errors}" if errors else ""))
    return failures


def bench_overhead(moves):
    """AppTest's own cost per run on a script with one slider."""
    at = AppTest.from_string("import streamlit as st\nst.slider('x', 0, 100, 0)", default_timeout=30)
    at.run()
    times = []
    for i in range(moves):
        at.slider[0].set_value((i + 1) % 100)
        t0 = time.perf_counter()
        at.run()
        times.append(1e3 * (time.perf_counter() - t0))
    return times


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--moves", type=int, default=20, help="slider moves (timed reruns) per page")
    ap.add_argument("--ranges", action="store_true", help="sweep every slider across its whole range instead")
    ap.add_argument("--points", type=int, default=8, help="--ranges: values per slider")
    ap.add_argument("--recompile", action="store_true",
                    help="AppTest's own behaviour: compile app.py and the page on every rerun")
    args = ap.parse_args()
    if not args.recompile:
        share_script_cache()

    import streamlit as st  # noqa: F401  (AppTest needs it imported; caches are process-wide)
    import torch

    from lstm_core import warmup

    # app.py starts this in the background on a server's first run; a server that has been up for a
    # few seconds has finished it, so the timings below are taken after it (it also gc.freeze()s).
    warmup.start().join()

    for noisy in ("streamlit.runtime.scriptrunner_utils.script_run_context",
                  "streamlit.runtime.caching.cache_data_api"):  # bare-mode warnings, one per page
        logging.getLogger(noisy).addFilter(lambda record: record.levelno >= logging.ERROR)

    lines = []

    def out(s=""):
        print(s, flush=True)
        lines.append(s)

    if args.ranges:
        out(f"LSTM Lab app bench: every slider across its range ({args.points} values), server side (AppTest"
            f"{', recompiling every run' if args.recompile else ', scripts compiled once as in the server'}); "
            f"goal p95 <= {GOAL_MS:.0f} ms, <= 400 ms with every slider at its maximum. Run it alone on the machine.")
        failures = main_ranges(args.points, out)
        out_dir = ROOT / "bench" / "out"
        out_dir.mkdir(parents=True, exist_ok=True)
        (out_dir / "app_ranges.txt").write_text("\n".join(lines) + "\n")
        return 1 if failures else 0
    out(f"LSTM Lab app bench: slider -> rerun, server side (AppTest), {args.moves} moves per page")
    out(f"{datetime.datetime.now():%Y-%m-%d %H:%M}, streamlit {__import__('streamlit').__version__}, "
        f"torch {torch.__version__}, {os.cpu_count()} cpus")
    out(f"{'page':22} {'first render':>12} {'sliders':>7} {'reruns':>6} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8} "
        f"{'errors':>6}  goal")
    failures = 0
    for page in discover_pages():
        try:
            first_ms, times, errors, n_sliders = bench_page(page, args.moves)
        except Exception as e:  # a page that cannot even run is a result, not a crash of the bench
            out(f"{page.name:22} FAILED: {type(e).__name__}: {str(e)[:200]}")
            failures += 1
            continue
        failures += errors > 0
        goal = page.url_path in GOAL_PAGES
        if times:
            p50, p95, mx = np.percentile(times, 50), np.percentile(times, 95), max(times)
            verdict = (f"p95 <= {GOAL_MS:.0f} ms: {'met' if p95 <= GOAL_MS else 'MISSED'}") if goal else ""
            out(f"{page.name:22} {first_ms:9.0f} ms {n_sliders:7d} {len(times):6d} {p50:8.1f} {p95:8.1f} {mx:8.1f} "
                f"{errors:6d}  {verdict}")
        else:
            verdict = "NOT MEASURABLE (no slider)" if goal else ""
            out(f"{page.name:22} {first_ms:9.0f} ms {n_sliders:7d} {0:6d} {'-':>8} {'-':>8} {'-':>8} {errors:6d}  {verdict}")
    oh = bench_overhead(args.moves)
    out(f"{'AppTest overhead':22} {'':>12} {1:7d} {len(oh):6d} {np.percentile(oh, 50):8.1f} {np.percentile(oh, 95):8.1f} "
        f"{max(oh):8.1f}  (one-slider script; included in every number above)")
    out_dir = ROOT / "bench" / "out"
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "app.txt").write_text("\n".join(lines) + "\n")
    print(f"written to {out_dir / 'app.txt'}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
