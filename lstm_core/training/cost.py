"""What a training costs in wall time: the model behind Train and compare's estimate and its cap.

A comparison's time is a sum of parts, each a count times a cost per unit (one torch thread):

    step    one training step (batch 64, mean padded length T):  a_task + b_task * T + T * (c_arch * H + d_arch * H^2)
    probe   one probe of per-timestep gradient norms (glass trace, 32 sequences): T * (e_arch + f_arch * H^2)
    example one test / sweep example, generated and read (length T): g_task * T + T * (h_arch * H + i_arch * H^2)
    run     one training run's fixed cost (model, optimizer, probe batch): j
    pool    one agreement training-pool token generated (once per process and distance range): k

The coefficients are measured on this class of machine and fitted by `python bench/bench_estimate.py
--fit` (relative least squares, non-negative), which writes cost_fit.json next to this file. Parts timed
one by one miss what whole comparisons add (probes between steps, progress events, caches): the fit
then runs a few whole comparisons (its calibration set) and stores the median measured / summed-parts
ratio as `overhead`, by which an estimate is multiplied. The same bench then prints estimate vs
measured on other settings (the validation set). An arch the fit lacks is
costed as the LSTM scaled by its number of gate blocks.
"""
from __future__ import annotations

import functools
import json
from pathlib import Path

from lstm_core.cells.variants import spec_for_arch
from lstm_core.data import pool

FIT_FILE = Path(__file__).with_name("cost_fit.json")
PARTS = ("step", "probe", "example", "run", "pool")
PROBE_BATCH = 32
GATE_BLOCKS = {"lstm": 4, "gru": 3, "rnn": 1, "lstm_2layer": 8, "lstm_bidir": 8}   # two LSTMs: layers / directions


def span_length(task: str, span: int) -> int:
    """Padded length of a test sequence at the task's distance / length `span` (agreement: the
    grammar's sentences are ~19 tokens around the subject-verb distance; copy adds its 20 symbols
    and cues)."""
    return {"agreement": span + 19, "copy": span + 20}.get(task, span)


def train_length(task: str, span: int) -> float:
    """Mean padded length of a training batch: agreement draws each batch's distance from 0..span."""
    return span / 2 + 19 if task == "agreement" else float(span_length(task, span))


def pool_tokens(lo: int, hi: int) -> int:
    """Tokens generated for lstm_core.data.pool.training_pool(lo, hi)."""
    return pool.sentences_per_distance(lo, hi) * sum(span_length("agreement", d) for d in range(lo, hi + 1))


def features(part: str, task: str, arch: str, T: float, H: int) -> dict:
    """Coefficient name -> its multiplier, for one unit of `part` (see the module docstring)."""
    if part == "step":
        return {f"task:{task}": 1.0, f"task:{task}:T": T, f"arch:{arch}:TH": T * H, f"arch:{arch}:THH": T * H * H}
    if part == "probe":
        return {f"arch:{arch}:T": T, f"arch:{arch}:THH": T * H * H}
    if part == "example":
        return {f"task:{task}:T": T, f"arch:{arch}:TH": T * H, f"arch:{arch}:THH": T * H * H}
    if part in ("run", "pool"):
        return {"1": 1.0}
    raise ValueError(f"part must be one of {PARTS}, got {part!r}")


@functools.lru_cache(maxsize=1)
def fitted() -> dict:
    """{part: {coefficient: seconds}} from cost_fit.json (empty when absent)."""
    try:
        return json.loads(FIT_FILE.read_text())["coefficients"]
    except (OSError, ValueError, KeyError):
        return {}


def overhead() -> float:
    """Measured / summed parts on the fit's calibration comparisons (1.0 when not fitted)."""
    try:
        return float(json.loads(FIT_FILE.read_text()).get("overhead", 1.0))
    except (OSError, ValueError):
        return 1.0


def unit_seconds(part: str, task: str, arch: str, T: float, H: int, coefficients: dict | None = None) -> float:
    """Seconds for one unit of `part`. An arch without fitted coefficients: the LSTM's, scaled by
    its gate blocks (variants: their gates' share of the LSTM's four)."""
    coef = (fitted() if coefficients is None else coefficients).get(part, {})
    if arch != "lstm" and not any(k.startswith(f"arch:{arch}:") for k in coef):
        scale = gate_blocks(arch) / GATE_BLOCKS["lstm"]
        base = features(part, task, "lstm", T, H)
        return sum(coef.get(k, 0.0) * v * (scale if k.startswith("arch:") else 1.0) for k, v in base.items())
    return sum(coef.get(k, 0.0) * v for k, v in features(part, task, arch, T, H).items())


def gate_blocks(arch: str) -> int:
    """H-row blocks of the arch's recurrent weight: 4 LSTM, 3 GRU, 1 RNN; variants count theirs."""
    return GATE_BLOCKS[arch] if arch in GATE_BLOCKS else len(spec_for_arch(arch).rows)
