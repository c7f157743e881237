"""*Which gate matters?*, the numbers over seeds: per variant and task the median and min-max of the final
test metric, of the steps to solve and of the wall time; each variant compared with Greff's vanilla LSTM;
and, per claim of Greff et al. 2017, whether our numbers agree. No sentences here
(lstm_core.narration.gate_ablation writes them).

    s = summarize(load_shipped().runs)
    s.rows["adding"]["lstm_nfg"].reach_median      # median step to MSE <= 0.01 (None: half or more never)
    s.compare("adding", "lstm_nfg").kind           # 'worse' | 'similar' | 'better' | 'unknown'
    s.claims["adding"][0].verdict                  # 'agree' | 'disagree' | 'unknown'

"Solved" and "steps to solve" are Train and compare's (lstm_core.experiments.learning_curves.THRESHOLD:
95% accuracy, MSE <= 0.01; steps: first step whose trailing-mean training metric reaches it).
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from lstm_core.experiments.gate_ablation import ARCHS, REFERENCE, TASKS, CellRun, metric_of
from lstm_core.experiments.learning_curves import THRESHOLD

SLOWER = 1.5            # a variant whose median steps to solve is >= 1.5x the reference's is "slower"
ACC_MARGIN = 0.02       # unsolved on both sides: median accuracy lower by more than 2 points is "worse"
MSE_FACTOR = 2.0        # unsolved on both sides: median MSE at least 2x the reference's is "worse"


def solved(value: float, metric: str) -> bool:
    """Whether a final test value meets the threshold (False for NaN)."""
    if not math.isfinite(value):
        return False
    return value >= THRESHOLD[metric] if metric == "accuracy" else value <= THRESHOLD[metric]


@dataclass
class Row:
    """One variant on one task, over its seeds (in seed order)."""
    arch: str
    task: str
    seeds: list
    finals: list
    reached: list              # per seed: first step at the threshold, or None
    budget: int
    params: int
    recurrent_params: int
    seconds: list

    @property
    def metric(self) -> str:
        return metric_of(self.task)

    @property
    def final_median(self) -> float:
        return float(np.median(self.finals))

    @property
    def final_range(self) -> tuple[float, float]:
        return float(np.min(self.finals)), float(np.max(self.finals))

    @property
    def n_final_solved(self) -> int:
        return sum(solved(v, self.metric) for v in self.finals)

    @property
    def n_reached(self) -> int:
        return sum(r is not None for r in self.reached)

    @property
    def reach_median(self) -> float | None:
        """Median steps to solve, unreached seeds counted as never; None when that is never."""
        m = float(np.median([math.inf if r is None else r for r in self.reached]))
        return m if math.isfinite(m) else None

    @property
    def reach_range(self) -> tuple[int, int] | None:
        """(fewest, most) steps among the seeds that reached the threshold; None if none did."""
        got = [r for r in self.reached if r is not None]
        return (min(got), max(got)) if got else None

    @property
    def median_solved(self) -> bool:
        return solved(self.final_median, self.metric)

    @property
    def seconds_median(self) -> float:
        return float(np.median(self.seconds))


def rows_from_runs(runs: list[CellRun]) -> dict:
    """{task: {arch: Row}} in TASKS / ARCHS order (cells without runs are left out)."""
    out = {}
    for task in TASKS:
        by_arch = {}
        for arch in ARCHS:
            rs = sorted((r for r in runs if r.arch == arch and r.task == task), key=lambda r: r.seed)
            if rs:
                by_arch[arch] = Row(arch=arch, task=task, seeds=[r.seed for r in rs], finals=[r.final for r in rs],
                                    reached=[r.reached for r in rs], budget=max(r.steps for r in rs),
                                    params=rs[0].params, recurrent_params=rs[0].recurrent_params,
                                    seconds=[r.seconds for r in rs])
        if by_arch:
            out[task] = by_arch
    return out


@dataclass
class Comparison:
    """A variant against the reference on one task. kind: worse / similar / better / unknown; basis: what
    decided it: 'solved' (one side's median run meets the threshold, the other's does not), 'speed'
    (both solve: median steps to solve, ratio = variant / reference), 'final' (neither solves: the final
    medians), or 'missing'."""
    kind: str
    basis: str
    ratio: float | None = None


def compare(row: Row | None, ref: Row | None) -> Comparison:
    if row is None or ref is None:
        return Comparison("unknown", "missing")
    a, b = row.median_solved, ref.median_solved
    if a != b:
        return Comparison("better" if a else "worse", "solved")
    if a:                                   # both solve: who gets there first
        ra, rb = row.reach_median, ref.reach_median
        if ra is None or rb is None:       # solved at the end but the smoothed training metric never got there
            if ra is None and rb is None:
                return Comparison("similar", "speed")
            return Comparison("worse" if ra is None else "better", "speed")
        ratio = ra / rb
        kind = "worse" if ratio >= SLOWER else "better" if ratio <= 1 / SLOWER else "similar"
        return Comparison(kind, "speed", ratio)
    fa, fb = row.final_median, ref.final_median          # neither solves: how far each got
    if row.metric == "accuracy":
        kind = "worse" if fb - fa > ACC_MARGIN else "better" if fa - fb > ACC_MARGIN else "similar"
        return Comparison(kind, "final", fa - fb)
    ratio = fa / fb if fb > 0 else math.inf
    kind = "worse" if ratio >= MSE_FACTOR else "better" if ratio <= 1 / MSE_FACTOR else "similar"
    return Comparison(kind, "final", ratio)


@dataclass(frozen=True)
class Claim:
    """One finding of Greff et al. 2017 about one variant: expect 'hurts' or 'little' (costs little)."""
    key: str
    arch: str
    expect: str
    text: str


CITATION = "Greff et al. 2017, LSTM: A Search Space Odyssey, IEEE TNNLS"
CLAIMS = (
    Claim("forget", "lstm_nfg", "hurts", "removing the forget gate (NFG) hurts performance significantly"),
    Claim("output_activation", "lstm_noaf", "hurts",
          "removing the output activation function (NOAF) hurts performance significantly"),
    Claim("coupled", "lstm_cifg", "little",
          "coupling the input and forget gates (CIFG) does not significantly hurt performance"),
    Claim("peepholes", "lstm_np", "little", "removing the peephole connections (NP) does not significantly "
                                           "hurt performance"),
)


@dataclass
class ClaimVerdict:
    claim: Claim
    task: str
    comparison: Comparison
    verdict: str                # agree / disagree / unknown


def judge(claim: Claim, comparison: Comparison) -> str:
    if comparison.kind == "unknown":
        return "unknown"
    hurt = comparison.kind == "worse"
    return "agree" if hurt == (claim.expect == "hurts") else "disagree"


@dataclass
class Summary:
    rows: dict                               # {task: {arch: Row}}
    reference: str = REFERENCE
    claims: dict = field(default_factory=dict)   # {task: [ClaimVerdict]}

    def compare(self, task: str, arch: str) -> Comparison:
        rows = self.rows.get(task, {})
        return compare(rows.get(arch), rows.get(self.reference))


def summarize(runs: list[CellRun], reference: str = REFERENCE) -> Summary:
    s = Summary(rows=rows_from_runs(runs), reference=reference)
    for task in s.rows:
        s.claims[task] = [ClaimVerdict(c, task, cmp := s.compare(task, c.arch), judge(c, cmp)) for c in CLAIMS]
    return s
