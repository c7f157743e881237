"""How good is Train and compare's time estimate? (issue 14, item 4: within ±15% of measured)

    python bench/bench_estimate.py [--quick]

Runs lstm_core.compare.run_comparison (one torch thread, a private training slot) on a grid of
settings — tasks, distances, hidden sizes, with and without the GRU — and prints, per setting,
comparison.estimate_seconds (what the page shows and checks against the limit), the measured wall
time, their ratio, and where the time went (training steps, the test, the distance sweep). Steps
are kept small so the whole grid takes a few minutes; per-step and per-example costs are what the
estimate models, so short runs test it as well as long ones. Output also goes to
bench/out/estimate.txt. Figures depend on the machine (these were taken on a shared 2-core machine).
"""
import argparse
import sys
import time
from pathlib import Path

import torch

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from lstm_core.experiments import comparison  # noqa: E402
from lstm_core.training import queue  # noqa: E402

GRID = [   # (task, distance, hidden, steps, archs)
    ("agreement", 30, 32, 200, ("lstm", "rnn")),
    ("agreement", 100, 64, 60, ("lstm", "rnn")),
    ("agreement", 200, 128, 15, ("lstm", "rnn", "gru")),
    ("agreement", 200, 256, 6, ("lstm", "rnn", "gru")),
    ("adding", 100, 64, 80, ("lstm", "rnn")),
    ("adding", 200, 128, 20, ("lstm", "rnn", "gru")),
    ("copy", 20, 64, 80, ("lstm", "rnn")),
    ("temporal", 60, 32, 100, ("lstm", "rnn", "gru")),
]


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--quick", action="store_true", help="the first half of the grid only")
    args = ap.parse_args()
    torch.set_num_threads(1)
    comparison.run_comparison(comparison.CompareConfig(distance=5, hidden=4, steps=3), slots=queue.TrainingSlots(1))
    rows = []
    head = f"{'setting':44s} {'estimate':>8s} {'measured':>8s} {'ratio':>6s}   train / test / sweep (s)"
    print(head, flush=True)
    for task, d, h, steps, archs in (GRID[:len(GRID) // 2] if args.quick else GRID):
        cfg = comparison.CompareConfig(task=task, distance=d, hidden=h, steps=steps, archs=archs)
        est = comparison.estimate_seconds(cfg)
        t0 = time.perf_counter()
        res = comparison.run_comparison(cfg, slots=queue.TrainingSlots(1))
        took = time.perf_counter() - t0
        tr = sum(r.train_seconds for r in res.runs.values())
        ev = sum(r.eval_seconds for r in res.runs.values())
        name = f"{task} d={d} H={h} steps={steps} {'+'.join(archs)}"
        line = (f"{name:44s} {est:8.2f} {took:8.2f} {est / took:6.2f}   "
                f"{tr:.2f} / {ev:.2f} / {took - tr - ev:.2f}")
        print(line, flush=True)
        rows.append((name, est, took))
    ratios = [e / m for _, e, m in rows]
    summary = (f"estimate / measured: min {min(ratios):.2f}, max {max(ratios):.2f}; "
               f"within ±15% on {sum(0.85 <= r <= 1.15 for r in ratios)} of {len(ratios)} settings")
    print(summary)
    out = ROOT / "bench" / "out"
    out.mkdir(parents=True, exist_ok=True)
    (out / "estimate.txt").write_text(head + "\n" + "\n".join(
        f"{n:44s} {e:8.2f} {m:8.2f} {e / m:6.2f}" for n, e, m in rows) + "\n" + summary + "\n")


if __name__ == "__main__":
    main()
