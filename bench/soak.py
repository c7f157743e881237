"""Soak benchmark (issue 14, item 5): does server memory level off under concurrent trainings?

    python bench/soak.py [--rounds 20] [--sessions 4] [--steps 100] [--hidden 64] [--d 30]

Starts `streamlit run app.py` on 127.0.0.1 (a free port; every request elsewhere is aborted), then
runs `--rounds` rounds; in each, `--sessions` Chromium contexts (separate browser sessions, so
separate Streamlit session threads) open Train and compare with the given settings at once and
press Train; the server's line serves them one after the other. When all are done the contexts
close. The server's VmRSS (with its children) is sampled every 0.2 s; after each round the
round's peak and the settled RSS are printed. Goal: RSS levels off under 800 MB (the app limits
glibc to two malloc arenas at import: lstm_core/malloc.py). Output also goes to bench/out/soak.txt.
Timings and memory depend on the machine (measured on a shared 2-core machine).
"""

import argparse
import tempfile
import asyncio
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT / "bench"))
from app_harness import CHROMIUM, CHROMIUM_ARGS, StreamlitServer, loopback_only  # noqa: E402
from load_test import RssSampler  # noqa: E402

DONE_JS = """() => { const t = document.body.innerText;
  return t.includes('Done in') || t.includes('Not trained') || t.includes('Training failed'); }"""
GOAL_MB = 800


async def one_training(browser, url, timeout_s):
    ctx = await browser.new_context()
    await ctx.route("**/*", loopback_only)
    try:
        page = await ctx.new_page()
        await page.goto(url, wait_until="domcontentloaded")
        button = page.locator('[data-testid="stMain"] [data-testid="stButton"] button', has_text="Train")
        await button.first.wait_for(state="visible", timeout=60_000)
        await asyncio.sleep(1.0)                         # let the first run settle
        t0 = time.perf_counter()
        await button.first.click(timeout=120_000)
        await page.wait_for_function(DONE_JS, timeout=timeout_s * 1000)
        text = await page.evaluate("() => document.body.innerText")
        return time.perf_counter() - t0, ("Done in" in text)
    finally:
        await ctx.close()


async def soak(args, server, sampler, log):
    from playwright.async_api import async_playwright
    # every training of the soak has its own seed: the run store would serve repeated settings without
    # training (that is its job), and the soak must train every time
    url = (f"{server.url}/train-and-compare?steps={args.steps}&hidden={args.hidden}&d={args.d}&seeds=1"
           "&train_seed={seed}")
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        try:
            warm = await browser.new_context()
            page = await warm.new_page()
            await page.goto(server.url + "/", wait_until="domcontentloaded")
            await asyncio.sleep(5)
            await warm.close()
            log(f"after start: {sampler.current_mb():.0f} MB")
            settled = []
            for r in range(1, args.rounds + 1):
                sampler.peak_mb = 0.0
                t0 = time.perf_counter()
                done = await asyncio.gather(*[one_training(browser, url.format(seed=(r * args.sessions + k) % 100),
                                                           args.timeout)
                                              for k in range(args.sessions)], return_exceptions=True)
                ok = sum(1 for d in done if not isinstance(d, BaseException) and d[1])
                await asyncio.sleep(2.0)                 # sessions closed; let the server settle
                now = sampler.current_mb()
                settled.append(now)
                log(f"round {r:2d}: {ok}/{args.sessions} trainings done in {time.perf_counter() - t0:5.1f} s, "
                    f"peak {sampler.peak_mb:.0f} MB, settled {now:.0f} MB")
                for d in done:
                    if isinstance(d, BaseException):
                        log(f"    error: {type(d).__name__}: {str(d)[:200]}")
            return settled
        finally:
            await browser.close()


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--rounds", type=int, default=20)
    ap.add_argument("--sessions", type=int, default=4)
    ap.add_argument("--steps", type=int, default=100)
    ap.add_argument("--hidden", type=int, default=64)
    ap.add_argument("--d", type=int, default=30)
    ap.add_argument("--timeout", type=float, default=300.0, help="seconds one round's training may take")
    args = ap.parse_args()
    out = ROOT / "bench" / "out"
    out.mkdir(parents=True, exist_ok=True)
    lines = []

    def log(s):
        print(s, flush=True)
        lines.append(s)
    log(f"soak: {args.rounds} rounds x {args.sessions} concurrent trainings (steps {args.steps}, "
        f"hidden {args.hidden}, d {args.d}); goal: RSS levels off under {GOAL_MB} MB")
    store = tempfile.mkdtemp(prefix="lstm-lab-soak-runs-")          # its own run store, removed after
    server = StreamlitServer(out / "soak_server.log", env={"LSTM_LAB_RUN_STORE": store})
    server.start()
    sampler = RssSampler(server.proc.pid)
    sampler.current_mb = lambda: sum(sampler.rss_kb(p) for p in sampler.tree()) / 1024
    sampler.start()
    try:
        settled = asyncio.run(soak(args, server, sampler, log))
    finally:
        sampler.stop()
        server.stop()
    half = settled[len(settled) // 2:]
    log(f"settled RSS: first {settled[0]:.0f} MB, max {max(settled):.0f} MB, last {settled[-1]:.0f} MB; "
        f"second half range {min(half):.0f}-{max(half):.0f} MB; "
        f"{'PASS' if max(settled) < GOAL_MB else 'FAIL'} (< {GOAL_MB} MB)")
    (out / "soak.txt").write_text("\n".join(lines) + "\n")
    return 0 if max(settled) < GOAL_MB else 1


if __name__ == "__main__":
    sys.exit(main())
