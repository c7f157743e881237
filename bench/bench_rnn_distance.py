"""Accuracy by subject-verb distance of the shipped agreement models, each measured on ONE model (issue 12
item 2): the shipped LSTM, the shipped RNN and the mixed-length RNN (half its batches at distance 0..5,
the "curriculum" of the registry). All three were trained on distances 0..30; the columns past 30 are
beyond their training range (the page's slider goes to 100).

    python bench/bench_rnn_distance.py              # 1000 fresh sentences per distance, seed 0
    python bench/bench_rnn_distance.py --n 2000 --seed 1

Prints a markdown table (accuracy %; the caption gives the 95% interval half-width at 50%) and the sentence
*Gates over time* writes about each model. One thread.
"""
from __future__ import annotations

import argparse
import math
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import torch  # noqa: E402

from lstm_core.experiments import distance_profile as dp  # noqa: E402
from lstm_core.narration.distance_profile import distance_sentence  # noqa: E402
from lstm_core.training import registry  # noqa: E402
from lstm_core.training.checkpoint import load_pretrained  # noqa: E402

MODELS = {"LSTM": registry.PRETRAINED["lstm"], "RNN": registry.PRETRAINED["rnn"],
          "mixed-length RNN": registry.PRETRAINED_CURRICULUM["rnn"]}
BEYOND = (50, 100)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--n", type=int, default=dp.N)
    ap.add_argument("--seed", type=int, default=dp.SEED)
    args = ap.parse_args()
    torch.set_num_threads(1)
    ds = dp.DISTANCES + BEYOND
    rows, sentences = [], []
    for label, name in MODELS.items():
        model, meta = load_pretrained(name)
        t0 = time.perf_counter()
        acc = dp.measure(model, ds, n=args.n, seed=args.seed)
        secs = time.perf_counter() - t0
        tr = meta.get("train", {})
        rows.append(f"| {label} (`{name}`, {tr.get('hidden')} units, {tr.get('steps')} steps, mix "
                    f"{tr.get('train_mix')}) | " + " | ".join(f"{100 * acc[d]:.1f}" for d in ds)
                    + f" | {secs:.1f} |")
        sentences.append(distance_sentence(label, {d: acc[d] for d in dp.DISTANCES}, args.n))
    half = 100 * 1.96 * math.sqrt(0.25 / args.n)
    print(f"Accuracy (%) by subject-verb distance, {args.n} fresh grammar sentences per distance "
          f"(seed {args.seed}), one shipped model per row, all trained on distances 0..30 "
          f"(columns {', '.join(map(str, BEYOND))}: beyond training). 95% interval at 50%: "
          f"±{half:.1f} points.\n")
    print("| model | " + " | ".join(f"d={d}" for d in ds) + " | seconds |")
    print("| --- |" + " ---: |" * (len(ds) + 1))
    print("\n".join(rows))
    print()
    for s in sentences:
        print("- " + s)


if __name__ == "__main__":
    main()
