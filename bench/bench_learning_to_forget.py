"""Learning to forget: what training a model costs at the shipped recipe, and what the page's first run costs.

    python bench/bench_learning_to_forget.py            # seed 0 of each model
    python bench/bench_learning_to_forget.py --steps 300

1. Training: train_stream(MODELS[key]) for the forget-gate LSTM (lstm_v), the 1997 cell (lstm_nfg) and the 1997
   cell trained with resets, one thread: wall seconds, the mean loss of the last 50 chunks, and the accuracy on
   the summary's test stream (state carried / reset at every sentence).
2. The page's uncached work: lf.run(key, n) (load the shipped checkpoint, glass-core trace in float64, torch
   answers with and without reset) at the default and the largest stream length.
Timings are wall-clock on whatever machine runs this; on a shared machine they are noisy.
"""
from __future__ import annotations

import argparse
import sys
import time
from dataclasses import replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import torch  # noqa: E402

from lstm_core.experiments import learning_to_forget as lf  # noqa: E402
from lstm_core.training import stream_trainer as stt  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--steps", type=int, default=None, help="chunks per model (default: the shipped recipe's)")
    args = ap.parse_args()
    torch.set_num_threads(1)
    s = lf.test_stream(lf.SUMMARY_SENTENCES)
    print(f"test stream: {s.n_sentences} sentences, {len(s)} tokens")
    for key, cfg in lf.MODELS.items():
        cfg = replace(cfg, steps=args.steps or cfg.steps)
        run = stt.train_stream(cfg)
        carry, reset = (stt.stream_accuracy(run.model, s, r).mean() for r in (False, True))
        print(f"{key:10s} {cfg.arch:9s} {cfg.steps} chunks: {run.train_seconds:6.1f} s, "
              f"loss {run.losses[-50:].mean():.3f}, carried {carry:.3f}, reset {reset:.3f}")
    for n in (lf.DEFAULT_SENTENCES, lf.MAX_SENTENCES):
        for key in lf.MODELS:
            t0 = time.perf_counter()
            tr = lf.run(key, n)
            print(f"page run {key:10s} n={n}: {len(tr.stream)} tokens, {time.perf_counter() - t0:.2f} s")


if __name__ == "__main__":
    main()
