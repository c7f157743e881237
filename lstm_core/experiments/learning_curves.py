"""Learning curves over seeds, the numbers behind *Train and compare*'s verdict (no sentences here:
lstm_core.narration.comparison writes them).

Per run: the training-batch metric (accuracy, or MSE for adding) and loss, smoothed by a trailing
mean over the last `window` batches; the first step at which the smoothed metric reaches the
threshold (95% accuracy, or MSE <= 0.01); and a plateau: the longest stretch of steps whose
smoothed loss stays within 5% of the chance-level loss (what a model that learned nothing scores).
Per architecture: the curves of every seed on one step grid, their median and min-max band, and
the median step to the threshold with unreached seeds counted as never (infinite).

    c = arch_curves(runs, task="agreement", length=30)
    c.reached          # [212, 256, None]: per seed, first step at threshold (None: not within budget)
    c.median_reach()   # None here: 2 of 3 seeds reached it, so the median is step 256
"""
from __future__ import annotations

import math
import warnings
from dataclasses import dataclass

import numpy as np

from lstm_core.data import sequences

THRESHOLD = {"accuracy": 0.95, "mse": 0.01}
PLATEAU_TOL = 0.05              # "flat at chance": smoothed loss within 5% of the chance-level loss
CANNOT_FACTOR = 3               # "cannot learn" needs a measured budget >= 3x the task's default


def metric_of(task: str) -> str:
    return "mse" if task == "adding" else "accuracy"


WINDOW = 20                     # batches in the trailing mean (fewer for budgets under 400 steps)


def window_for(steps: int) -> int:
    """Trailing-mean window (batches) for a budget of `steps`: WINDOW, or steps/20 (at least 5) for
    short budgets. Fixed from 400 steps up, so a larger budget does not move the step to 95%."""
    return int(min(WINDOW, max(5, steps // 20)))


def chance_loss(task: str, length: int) -> float:
    """Training loss of a model that learned nothing about the dependency: ln 2 (agreement),
    ln 4 (temporal order), the variance of the target (adding: always answering its mean), and for
    copy the recall's ln 8 averaged over the T = blanks + 20 positions (blanks are predictable)."""
    if task == "agreement":
        return math.log(2)
    if task == "temporal":
        return math.log(4)
    if task == "adding":
        return float(sequences.ADDING_BASELINE_MSE)
    return 10 * math.log(8) / (length + 20)


def plateau_min(steps: int) -> int:
    """Least stretch (steps) that counts as a plateau: 40, or steps/10 (at least 10) for short budgets."""
    return int(min(40, max(10, steps // 10)))


def smooth(values, window: int) -> np.ndarray:
    """Trailing mean: out[i] = mean(values[max(0, i - window + 1): i + 1])."""
    v = np.asarray(values, dtype=np.float64)
    c = np.concatenate([[0.0], np.cumsum(v)])
    i = np.arange(1, v.size + 1)
    lo = np.maximum(0, i - window)
    return (c[i] - c[lo]) / (i - lo)


def first_reach(steps, smoothed, metric: str, window: int) -> int | None:
    """First step whose smoothed metric (over a full window) meets THRESHOLD[metric], or None."""
    s = np.asarray(smoothed, dtype=np.float64)
    ok = s >= THRESHOLD[metric] if metric == "accuracy" else s <= THRESHOLD[metric]
    ok[:window - 1] = False
    hit = np.flatnonzero(ok)
    return int(np.asarray(steps)[hit[0]]) if hit.size else None


@dataclass
class Plateau:
    """Steps start..end (inclusive) with smoothed loss within PLATEAU_TOL of `level`; dropped: the
    smoothed loss later fell below (1 - 2 * PLATEAU_TOL) * level; final: the last smoothed loss."""
    start: int
    end: int
    level: float
    dropped: bool
    final: float

    @property
    def length(self) -> int:
        return self.end - self.start + 1


def find_plateau(steps, smoothed_loss, level: float, min_len: int) -> Plateau | None:
    """The longest stretch of >= min_len consecutive steps with |loss - level| <= PLATEAU_TOL * level."""
    s = np.asarray(smoothed_loss, dtype=np.float64)
    st = np.asarray(steps)
    flat = np.isfinite(s) & (np.abs(s - level) <= PLATEAU_TOL * level)
    best, i = None, 0
    while i < s.size:
        if not flat[i]:
            i += 1
            continue
        j = i
        while j + 1 < s.size and flat[j + 1]:
            j += 1
        if j - i + 1 >= min_len and (best is None or j - i > best[1] - best[0]):
            best = (i, j)
        i = j + 1
    if best is None:
        return None
    i, j = best
    after = s[j + 1:]
    dropped = bool(after.size and np.nanmin(after) < (1 - 2 * PLATEAU_TOL) * level)
    return Plateau(int(st[i]), int(st[j]), float(level), dropped, float(s[-1]))


@dataclass
class ArchCurves:
    """One architecture over its seeds. steps (N,) = 1..budget; values / losses (S, N) smoothed
    training-batch metric and loss (NaN after a run stopped); reached: per seed the first step at
    THRESHOLD (None: not within its steps); plateaus: per seed a Plateau or None."""
    arch: str
    metric: str
    seeds: list
    hidden: int
    params: int
    budget: int
    default_budget: int
    window: int
    steps: np.ndarray
    values: np.ndarray
    losses: np.ndarray
    reached: list
    plateaus: list
    steps_done: list

    @property
    def n_reached(self) -> int:
        return sum(r is not None for r in self.reached)

    def median_reach(self) -> float | None:
        """Median over seeds of the step to threshold, unreached seeds counted as infinite; None
        when that median is not finite (half or more of the seeds did not reach it)."""
        m = float(np.median([math.inf if r is None else r for r in self.reached]))
        return m if math.isfinite(m) else None

    def band(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(median, min, max) of the smoothed metric over seeds, per step (NaN where no seed ran)."""
        with warnings.catch_warnings():       # all-NaN columns (every seed stopped) stay NaN
            warnings.simplefilter("ignore", RuntimeWarning)
            return np.nanmedian(self.values, 0), np.nanmin(self.values, 0), np.nanmax(self.values, 0)

    @property
    def cannot_allowed(self) -> bool:
        """Whether the measured budget is large enough to say "cannot learn" (>= 3x the default)."""
        return self.budget >= CANNOT_FACTOR * self.default_budget


def arch_curves(runs: list, task: str, length: int, budget: int, default_budget: int, params: int,
                seeds: list) -> ArchCurves:
    """ArchCurves from one arch's TrainResults (one per seed, in `seeds` order). length: the
    task's distance / length (for the copy task's chance loss)."""
    metric = metric_of(task)
    w = window_for(budget)
    steps = np.arange(1, budget + 1)
    S = len(runs)
    values = np.full((S, budget), np.nan)
    losses = np.full((S, budget), np.nan)
    reached, plateaus, done = [], [], []
    level = chance_loss(task, length)
    for k, r in enumerate(runs):
        n = len(r.history)
        loss = np.array([h["loss"] for h in r.history], dtype=np.float64)
        raw = loss if metric == "mse" else np.array([h["accuracy"] for h in r.history], dtype=np.float64)
        sl, sv = smooth(loss, w), smooth(raw, w)
        values[k, :n], losses[k, :n] = sv, sl
        reached.append(first_reach(steps[:n], sv, metric, w))
        plateaus.append(find_plateau(steps[:n], sl, level, plateau_min(budget)))
        done.append(int(r.steps_done))
    return ArchCurves(arch=runs[0].config.arch if runs else "", metric=metric, seeds=list(seeds),
                      hidden=int(runs[0].config.hidden) if runs else 0, params=int(params),
                      budget=int(budget), default_budget=int(default_budget), window=w, steps=steps,
                      values=values, losses=losses, reached=reached, plateaus=plateaus, steps_done=done)
