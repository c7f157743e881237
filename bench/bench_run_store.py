"""What the run store costs (issue 13 item 5): size of a stored run, time to store it and to read it back.

    python bench/bench_run_store.py [--quick]

1. The page's default comparison (--quick: one seed, 100 steps), in a private temporary store: the first
   request trains and stores it; the second request (what a reload, a shared link or a second student
   pressing Train gets) reads it back. Prints both wall times, the entry's size and files.
2. The largest entry the page allows, at the store level (lstm_core.training.run_store.RunStore.put / get):
   LSTM, RNN and GRU at hidden 256 (untrained weights: the same bytes as trained ones), 5 seeds, 5000
   history steps each, 20 probe measurements over 205 steps; prints its size, put / get times and how
   many such runs fit the default 300 MB cap.
One torch thread. Figures depend on the machine (these were taken on a shared 2-core machine).
"""
import argparse
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import torch

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from lstm_core import limits  # noqa: E402
from lstm_core.experiments import comparison, comparison_runs  # noqa: E402
from lstm_core.training import queue  # noqa: E402
from lstm_core.training.run_format import StoredRun  # noqa: E402
from lstm_core.training.run_store import DEFAULT_MB, RunStore  # noqa: E402
from lstm_core.training.trainer import TrainConfig, TrainResult, build_model  # noqa: E402


def default_comparison(quick: bool, root: Path):
    cfg = comparison.CompareConfig(**(dict(seeds=1, steps=100) if quick else {}))
    store = RunStore(root / "default")
    t0 = time.perf_counter()
    first = comparison_runs.comparison_for(cfg, store, slots=queue.TrainingSlots(1))
    t1 = time.perf_counter()
    again = comparison_runs.comparison_for(cfg, store)
    t2 = time.perf_counter()
    (rid, size, _), = store.entries()
    assert rid == first.id == again.id
    files = sorted(p.name for p in (store.directory / rid).iterdir())
    print(f"default comparison ({cfg.seeds} seeds x {len(cfg.archs)} archs, {cfg.resolved().steps} steps): "
          f"trained + stored in {t1 - t0:.2f} s; second request (from the store) {1000 * (t2 - t1):.0f} ms; "
          f"entry {size / 1e6:.2f} MB in {len(files)} files ({', '.join(files[:4])}, ...)")


def largest_entry(root: Path):
    H, seeds, steps, K, T = limits.MAX_HIDDEN, 5, limits.MAX_STEPS, 20, 205
    rng = np.random.default_rng(0)
    runs = {}
    for arch in ("lstm", "rnn", "gru"):
        runs[arch] = []
        for s in range(seeds):
            cfg = TrainConfig(task="agreement", arch=arch, hidden=H, steps=steps, seed=s, distance=200).resolved()
            hist = [dict(step=i + 1, loss=float(rng.random()), accuracy=float(rng.random()), elapsed=0.01 * i)
                    for i in range(steps)]
            runs[arch].append(TrainResult(model=build_model(cfg), config=cfg, history=hist,
                                          grad_steps=list(range(0, steps, steps // K)),
                                          grad_hidden=rng.random((K, T), dtype=np.float32),
                                          grad_cell=rng.random((K, T), dtype=np.float32) if arch == "lstm" else None,
                                          steps_done=steps, test=dict(test_accuracy=0.5, test_loss=0.69, n=1000)))
    store = RunStore(root / "largest")
    run = StoredRun(runs=runs, info={"kind": "bench"})
    t0 = time.perf_counter()
    store.put("0" * 12, run)
    t1 = time.perf_counter()
    back = store.get("0" * 12)
    t2 = time.perf_counter()
    size = store.total_bytes()
    assert len(back.runs["gru"]) == seeds
    print(f"largest entry (3 archs x {seeds} seeds at hidden {H}, {steps} steps of history): {size / 1e6:.1f} MB, "
          f"put {t1 - t0:.2f} s, get (validated) {t2 - t1:.2f} s; {int(DEFAULT_MB * 1e6 // size)} such runs fit "
          f"the default {DEFAULT_MB} MB cap")


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="one seed, 100 steps for the default comparison")
    args = ap.parse_args()
    torch.set_num_threads(1)
    with tempfile.TemporaryDirectory() as tmp:
        default_comparison(args.quick, Path(tmp))
        largest_entry(Path(tmp))


if __name__ == "__main__":
    main()
