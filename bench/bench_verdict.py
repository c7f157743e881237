"""The learning-curve verdict at the defaults (issue 12 item 1): every architecture trained with 5 seeds
(equal parameter count), steps to 95% smoothed training-batch accuracy per arch (median, min-max, how many
seeds reached it), parameter counts and the budget. Reads the defaults from CompareConfig / DEFAULT_STEPS.

    python bench/bench_verdict.py [--seeds 5] [--gru] [--equal-hidden] [--steps N]
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import torch  # noqa: E402

from lstm_core.experiments import comparison  # noqa: E402
from lstm_core.narration import comparison as text  # noqa: E402
from lstm_core.training.queue import TrainingSlots  # noqa: E402


def main() -> int:
    p = argparse.ArgumentParser()
    p.add_argument("--seeds", type=int, default=5)
    p.add_argument("--steps", type=int, default=None, help="default: the trainer's DEFAULT_STEPS")
    p.add_argument("--gru", action="store_true")
    p.add_argument("--equal-hidden", action="store_true")
    args = p.parse_args()
    torch.set_num_threads(1)
    cfg = comparison.CompareConfig(seeds=args.seeds, steps=args.steps, match_params=not args.equal_hidden,
                                   archs=("lstm", "rnn", "gru") if args.gru else ("lstm", "rnn")).resolved()
    t0 = time.perf_counter()
    res = comparison.run_comparison(cfg, slots=TrainingSlots(1), max_seconds=float("inf"),
                                    progress=lambda e: e["event"] == "done" and print(
                                        f"  {e['arch']} seed {e['seed']}: {e['status']}, test "
                                        f"{e['test']}", file=sys.stderr, flush=True))
    took = time.perf_counter() - t0
    print(f"task {cfg.task}, distance {cfg.distance}, {cfg.steps} steps x batch {cfg.batch} "
          f"(default {comparison.DEFAULT_STEPS[cfg.task]}), seeds {cfg.seed_list()}, "
          f"{'equal parameter count' if cfg.match_params else 'equal hidden size'}; "
          f"{took:.1f} s wall on a shared machine")
    for a, cv in res.curves().items():
        hits = [r for r in cv.reached if r is not None]
        med = cv.median_reach()
        rng = f"{min(hits)}-{max(hits)}" if hits else "-"
        tests = res.test_values(a)
        print(f"{a.upper():5s} hidden {cv.hidden:3d}  params {cv.params:6,d}  steps to 95%: median "
              f"{'not within %d' % cv.budget if med is None else '%g' % med}  range {rng}  reached "
              f"{cv.n_reached}/{len(cv.reached)}  per seed {cv.reached}  test acc "
              f"{', '.join(f'{100 * v:.1f}' for v in tests)}")
    print()
    for line in text.verdict(res):
        print(line)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
