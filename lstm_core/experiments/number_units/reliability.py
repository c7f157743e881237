"""Number units, the ablation at scale: top-k units vs k random units ablated (held at 0 at every
step) on ≥ 2,000 fresh sentences, with 95% Wilson intervals, on two sets:

    'attractors'  the attractor sets (n / len(COUNTS) sentences for each count in COUNTS, at distance d)
    'training'    the training distribution: each sentence's distance uniform in 0..d, attractors
                  random (the trainer's agreement batches), every distance run as its own batch

    c = ablation_check(model, s, k=8, sentences="training", n=2000)   # AblationCheck
    c.acc_top, c.interval_top                    # accuracy with the top-8 ablated, its interval
    c.acc_random, c.interval_random              # (draws,) per random draw, pooled interval
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from lstm_core.experiments.number_units.interventions import (_check_intervention, _random_units, interventions_for,
                                                              k_max)
from lstm_core.experiments.number_units.sentences import _TRAINING, COUNTS, MAX_N, _rng, agreement_set, eval_set
from lstm_core.experiments.number_units.stats import wilson
from lstm_core.experiments.number_units.summary import Summary, run

SENTENCES = ("attractors", "training")
CHECK_N = 2000                    # sentences per set the shipped models' figures are measured on
MAX_CHECK_N = 5 * MAX_N


@dataclass
class AblationCheck:
    """Per-sentence outcomes of one ablation measurement (bools, so every rate and interval follows).

    distances (n,): each sentence's subject-verb distance; correct_intact / correct_top (n,);
    correct_random (draws, n); random_units (draws, k)."""
    arch: str
    k: int
    target: str
    sentences: str
    distance: int
    units: list
    random_units: np.ndarray
    distances: np.ndarray
    correct_intact: np.ndarray
    correct_top: np.ndarray
    correct_random: np.ndarray

    @property
    def n(self) -> int:
        return int(len(self.correct_intact))

    @property
    def acc_intact(self) -> float:
        return float(self.correct_intact.mean())

    @property
    def acc_top(self) -> float:
        return float(self.correct_top.mean())

    @property
    def acc_random(self) -> np.ndarray:
        """(draws,) accuracy with each random k-set ablated."""
        return self.correct_random.mean(1)

    @staticmethod
    def _wilson(correct: np.ndarray) -> tuple[float, float]:
        lo, hi = wilson(int(np.sum(correct)), int(np.size(correct)))
        return float(lo), float(hi)

    @property
    def interval_intact(self) -> tuple[float, float]:
        return self._wilson(self.correct_intact)

    @property
    def interval_top(self) -> tuple[float, float]:
        return self._wilson(self.correct_top)

    @property
    def interval_random(self) -> tuple[float, float]:
        """Pooled over the draws (n * draws answers): sentence noise only; the spread between draws
        (which units were drawn) is acc_random's spread."""
        return self._wilson(self.correct_random)


def _sets(summary: Summary, sentences: str, n: int):
    """[(SentenceSet, distance)] of n sentences: one attractor set, or one set per training distance."""
    d = summary.distance
    if sentences == "attractors":
        return [eval_set(summary.seed, d, n // len(COUNTS))]
    rng = _rng(summary.seed, _TRAINING)
    per = np.bincount(rng.integers(0, d + 1, size=n), minlength=d + 1)
    return [agreement_set(_rng(summary.seed, _TRAINING, dist), int(m), dist) for dist, m in enumerate(per) if m]


def ablation_check(model, summary: Summary, k: int = 8, sentences: str = "training", n: int = CHECK_N,
                   draws: int = 5, target: str | None = None, rank_field: str | None = None) -> AblationCheck:
    """Ablate the top-k units (ranked on rank_field) and, `draws` times, k random other units (the
    same draws as ablation()) on n fresh sentences of `sentences` (see SENTENCES)."""
    target, rank_field, draws = _check_intervention(model, summary, "ablate", target, rank_field, draws)
    k, n = int(k), int(n)
    if not 1 <= k <= k_max(summary.hidden_size):
        raise ValueError(f"k must be between 1 and {k_max(summary.hidden_size)}, got {k}")
    if sentences not in SENTENCES:
        raise ValueError(f"sentences must be one of {SENTENCES}, got {sentences!r}")
    if not len(COUNTS) <= n <= MAX_CHECK_N:
        raise ValueError(f"n must be between {len(COUNTS)} and {MAX_CHECK_N}, got {n}")
    top = summary.top(rank_field, k)
    random_units = _random_units(summary, top, k, draws)
    settings = [()] + [interventions_for(summary, u, "ablate", target) for u in [top, *random_units]]
    correct = [[] for _ in settings]
    distances = []
    for ev in _sets(summary, sentences, n):
        distances.append(np.full(len(ev.y), ev.distance))
        for out, clamps in zip(correct, settings):
            _, p = run(model, ev.x, (), clamps, last_only=True)
            out.append((p >= 0.5) == (ev.y == 1))
    correct = [np.concatenate(c) for c in correct]
    return AblationCheck(model.arch, k, target, sentences, summary.distance, top, random_units,
                         np.concatenate(distances), correct[0], correct[1], np.stack(correct[2:]))


@dataclass
class KSweepCheck:
    """ablation_check() at every k = 1..k_max(H) on the same sentences: checks[i] is k = ks[i].
    k stops at H/2 because the random k-set is drawn from the H - k units outside the top k: past
    H/2 there are not k of them, and at k = H both sets are all units."""
    ks: list
    checks: list

    @property
    def acc_top(self) -> np.ndarray:
        return np.array([c.acc_top for c in self.checks])

    @property
    def acc_random(self) -> np.ndarray:
        """(K, draws)"""
        return np.stack([c.acc_random for c in self.checks])

    def at(self, k: int) -> AblationCheck:
        if int(k) not in self.ks:
            raise ValueError(f"k must be one of {self.ks}, got {k}")
        return self.checks[self.ks.index(int(k))]


def k_sweep_check(model, summary: Summary, sentences: str = "training", n: int = CHECK_N, draws: int = 5,
                  target: str | None = None, rank_field: str | None = None, progress=None) -> KSweepCheck:
    """ablation_check() for every k from 1 to k_max(H); progress(fraction, text) before each k."""
    ks = list(range(1, k_max(summary.hidden_size) + 1))
    out = []
    for i, k in enumerate(ks):
        if progress:
            progress(i / len(ks), f"k = {k}: top {k} units and {draws} random draws on {n} sentences")
        out.append(ablation_check(model, summary, k, sentences, n, draws, target, rank_field))
    return KSweepCheck(ks, out)
