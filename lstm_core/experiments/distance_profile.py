"""What an agreement model answers at each subject-verb distance, measured on one model (issue 12 item 2):
the numbers behind the sentence *Gates over time* writes about the shipped models (stored ahead of time,
lstm_core.experiments.shipped_measures), and behind bench/bench_rnn_distance.py.

    acc = measure(model)      # {0: 0.592, 2: 0.608, ..., 30: 0.494}
"""
from __future__ import annotations

from lstm_core.training.trainer import accuracy_by_distance

DISTANCES = (0, 2, 5, 10, 20, 30)   # the shipped models' training range (0..30)
N = 1000                             # fresh sentences per distance
SEED = 0


def measure(model, distances=DISTANCES, n: int = N, seed: int = SEED) -> dict[int, float]:
    """{d: accuracy of model on n fresh agreement sentences at exactly distance d} (one model)."""
    model.eval()
    return {int(d): float(a) for d, a in accuracy_by_distance(model, tuple(distances), n=n,
                                                              seed=seed).items()}
