"""Number units, the interventions: hold the top-k units (ablate at 0, or clamp at their plural /
singular value) at every step through the glass core, and k random other units for comparison.

    a = ablation(model, s, k=2, mode="ablate")  # Ablation: top-2 vs 2 random units on the eval set
    a.overall                                   # (intact, top, random (draws,)) accuracy
    sw = sweep(model, s)                        # Sweep: ablation() at every k of curve_ks(H)
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from lstm_core.cells import Clamp
from lstm_core.experiments.number_units.sentences import _RANDOM, COUNTS, SentenceSet, _rng, eval_set
from lstm_core.experiments.number_units.stats import wilson
from lstm_core.experiments.number_units.summary import Summary, check_model, fields_of, run

MODES = ("ablate", "plural", "singular")   # zero the units / hold each at its plural / singular value
MAX_K = 32                        # most units one can ablate at once
SWEEP_DRAWS = 4                   # random unit sets per k in a sweep (the page's default)


@dataclass
class Ablation:
    """Top-k units vs k random units (draws of them), every one intervened on at every step.

    acc_*: accuracy by number of attractors (len(COUNTS),); acc_random (draws, len(COUNTS)).
    said_plural_*: fraction answered 'plural' for singular / plural subjects (2,), random (draws, 2).
    """
    arch: str
    k: int
    mode: str
    target: str
    distance: int
    n_per_count: int
    units: list
    random_units: np.ndarray          # (draws, k)
    acc_intact: np.ndarray
    acc_top: np.ndarray
    acc_random: np.ndarray
    said_plural_intact: np.ndarray
    said_plural_top: np.ndarray
    said_plural_random: np.ndarray

    @property
    def overall(self) -> tuple[float, float, np.ndarray]:
        """(intact, top, random (draws,)) accuracy over all attractor counts (equal counts)."""
        return float(self.acc_intact.mean()), float(self.acc_top.mean()), self.acc_random.mean(1)

    @property
    def n_total(self) -> int:
        """Sentences each accuracy is measured on (n_per_count for every count in COUNTS)."""
        return int(self.n_per_count) * len(COUNTS)

    def _interval(self, acc, draws: int = 1) -> tuple[float, float]:
        n = self.n_total * draws
        lo, hi = wilson(np.clip(np.round(float(acc) * n), 0, n), n)
        return float(lo), float(hi)

    @property
    def interval_intact(self) -> tuple[float, float]:
        """95% Wilson interval of the intact accuracy over n_total sentences."""
        return self._interval(self.overall[0])

    @property
    def interval_top(self) -> tuple[float, float]:
        """95% Wilson interval of the accuracy with the top-k units intervened on."""
        return self._interval(self.overall[1])

    @property
    def interval_random(self) -> tuple[float, float]:
        """95% Wilson interval of the accuracy with random k-sets, pooled over the draws (n_total per
        draw): sentence noise only; the spread between draws (which units) is acc_random's std."""
        rand = self.overall[2]
        return self._interval(rand.mean(), len(rand))


def _check_mode_target(summary: Summary, mode: str, target: str) -> None:
    """ValueError unless mode is one of MODES and the summary's model has a `target` state."""
    if mode not in MODES:
        raise ValueError(f"mode must be one of {MODES}, got {mode!r}")
    if target not in summary.clamp_values:
        raise ValueError(f"a {summary.arch} has no '{target}' state to intervene on; choose from "
                         f"{list(summary.clamp_values)}")


def interventions_for(summary: Summary, units, mode: str, target: str) -> list[Clamp]:
    """Clamps for `units` on `target` at all steps: 'ablate' holds them at 0; 'plural' /
    'singular' hold each unit at its own mean last-step value for plural / singular subjects."""
    _check_mode_target(summary, mode, target)
    units = [int(u) for u in units]
    if mode == "ablate":
        return [Clamp(target, 0.0, units)]
    row = summary.clamp_values[target][1 if mode == "plural" else 0]
    return [Clamp(target, float(row[u]), [u]) for u in units]


def _check_intervention(model, summary: Summary, mode: str, target, rank_field, draws):
    check_model(model)
    if model.arch != summary.arch or model.hidden != summary.hidden_size:
        raise ValueError("the summary was computed for a different model")
    fields = fields_of(model.arch)
    target, rank_field = target or fields[0], rank_field or fields[0]
    if rank_field not in summary.order:
        raise ValueError(f"cannot rank a {model.arch}'s units by '{rank_field}'; choose from {list(summary.order)}")
    _check_mode_target(summary, mode, target)
    draws = int(draws)
    if not 1 <= draws <= 20:
        raise ValueError(f"draws must be between 1 and 20, got {draws}")
    return target, rank_field, draws


def k_max(hidden_size: int) -> int:
    """Most units one may intervene on: half the units (so k random others exist), at most MAX_K."""
    return max(1, min(MAX_K, hidden_size // 2))


def _random_units(summary: Summary, top: list, k: int, draws: int) -> np.ndarray:
    """(draws, k) sorted unit sets drawn from the units not in `top` (same draws for the same k)."""
    rest = np.setdiff1d(np.arange(summary.hidden_size), top)
    rng = _rng(summary.seed, _RANDOM, k)
    return np.stack([np.sort(rng.choice(rest, size=k, replace=False)) for _ in range(draws)])


def _measure(model, ev: SentenceSet, interventions):
    """Accuracy by attractor count (len(COUNTS),) and fraction answered plural for singular /
    plural subjects (2,) on the eval set, through the glass core with `interventions`."""
    _, p = run(model, ev.x, (), interventions, last_only=True)
    said = p >= 0.5
    counts = ev.attractors
    acc = np.array([(said == (ev.y == 1))[counts == a].mean() for a in COUNTS], dtype=np.float32)
    plural = np.array([said[ev.y == c].mean() for c in (0, 1)], dtype=np.float32)
    return acc, plural


def _intervene(model, summary, ev, k, mode, target, rank_field, draws, intact):
    top = summary.top(rank_field, k)
    random_units = _random_units(summary, top, k, draws)
    acc_t, pl_t = _measure(model, ev, interventions_for(summary, top, mode, target))
    rand = [_measure(model, ev, interventions_for(summary, u, mode, target)) for u in random_units]
    return Ablation(model.arch, k, mode, target, summary.distance, len(ev.y) // len(COUNTS), top, random_units,
                    intact[0], acc_t, np.stack([a for a, _ in rand]), intact[1], pl_t,
                    np.stack([p for _, p in rand]))


def ablation(model, summary: Summary, k: int = 2, mode: str = "ablate", target: str | None = None,
             rank_field: str | None = None, draws: int = 5) -> Ablation:
    """Intervene on the top-k units (ranked on rank_field) and, for comparison, on k units drawn
    at random from the other H - k units (`draws` times), at every step, on the eval set.
    target: the state clamped (default: the cell for the LSTM, the hidden state otherwise)."""
    target, rank_field, draws = _check_intervention(model, summary, mode, target, rank_field, draws)
    k = int(k)
    if not 1 <= k <= k_max(summary.hidden_size):
        raise ValueError(f"k must be between 1 and {k_max(summary.hidden_size)}, got {k}")
    ev = eval_set(summary.seed, summary.distance, summary.n_eval_per_count)
    return _intervene(model, summary, ev, k, mode, target, rank_field, draws, _measure(model, ev, ()))


def curve_ks(hidden_size: int) -> list[int]:
    """The k values of a sweep: every k from 1 to k_max (past H/2 there are not k units outside the
    top k to draw the random comparison from; at k = H both sets would be all units)."""
    return list(range(1, k_max(hidden_size) + 1))


def default_k(hidden_size: int) -> int:
    """The page's starting k: a quarter of the units (at least 1, at most k_max)."""
    ks = curve_ks(hidden_size)
    return max([k for k in ks if k <= max(1, hidden_size // 4)] or ks[:1])


@dataclass
class Sweep:
    """ablation() for every k in ks (same draws, same sentences): sweep.at(k) is that Ablation."""
    ks: list
    ablations: list

    def at(self, k: int) -> Ablation:
        if int(k) not in self.ks:
            raise ValueError(f"k must be one of {self.ks}, got {k}")
        return self.ablations[self.ks.index(int(k))]

    @property
    def first(self) -> Ablation:
        return self.ablations[0]

    @property
    def acc_top(self) -> np.ndarray:
        """(K,) overall accuracy with the top-k units intervened on."""
        return np.array([a.overall[1] for a in self.ablations], dtype=np.float32)

    @property
    def acc_random(self) -> np.ndarray:
        """(K, draws) overall accuracy with k random units intervened on."""
        return np.stack([a.overall[2] for a in self.ablations]).astype(np.float32)

    @property
    def acc_intact(self) -> float:
        return self.first.overall[0]


def sweep(model, summary: Summary, mode: str = "ablate", target: str | None = None,
          rank_field: str | None = None, draws: int | None = None, progress=None) -> Sweep:
    """ablation() at every k in curve_ks(H), sharing the intact run; draws default SWEEP_DRAWS.
    progress(fraction, text) is called before each k."""
    draws = SWEEP_DRAWS if draws is None else draws
    target, rank_field, draws = _check_intervention(model, summary, mode, target, rank_field, draws)
    ev = eval_set(summary.seed, summary.distance, summary.n_eval_per_count)
    intact = _measure(model, ev, ())
    ks = curve_ks(summary.hidden_size)
    out = []
    for i, k in enumerate(ks):
        if progress:
            progress(i / len(ks), f"k = {k}: top {k} units and {draws} random draws")
        out.append(_intervene(model, summary, ev, k, mode, target, rank_field, draws, intact))
    return Sweep(ks, out)
