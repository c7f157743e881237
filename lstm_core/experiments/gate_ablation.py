"""*Which gate matters?*: the LSTM variants of Greff et al. 2017 trained on two of our tasks, several seeds.

The grid is ARCHS x TASKS x SEEDS; one cell = one run of the real trainer (lstm_core.training.trainer.train)
with the recipe below (the trainer's defaults but for the adding problem's length and steps, and no
gradient probe, which does not change the training). Results are shipped in
lstm_core/precomputed/gate_ablation.json, so the lesson opens without training; regenerate them with

    python -m lstm_core.experiments.gate_ablation --precompute [--jobs 2] [--seeds 0 1 2 3 4]

(a cell takes about 10-30 s on a quiet core, so the 100-cell grid roughly 25-45 CPU-minutes; the file is
rewritten after every seed). Seeds can be computed side by side (--seeds 2 3 4 --out part.json) and joined
with --merge a.json b.json (the shipped file: seeds 0, 1, 2-3, 4 computed side by side and merged). One cell
can be trained again live (run_cell_queued: through the server's training queue) and compared with the
shipped one (match; re-runs on this machine reproduced the shipped cells exactly).

    runs = load_shipped().runs                     # list[CellRun]
    stats = gate_ablation_stats.summarize(runs)    # medians, spreads, steps to solve, Greff's claims
"""
from __future__ import annotations

import argparse
import json
import math
import platform
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
import torch
from typing import Annotated

from pydantic import ConfigDict, Field, TypeAdapter

from lstm_core import limits
from lstm_core.data import baselines, sequences
from lstm_core.experiments import learning_curves
from lstm_core.training.queue import SLOTS, TrainingSlots
from lstm_core.training.trainer import TrainConfig, train

ARCHS = ("lstm", "lstm_v", "lstm_np", "lstm_cifg", "lstm_fgr",
         "lstm_nig", "lstm_nfg", "lstm_nog", "lstm_niaf", "lstm_noaf")
REFERENCE = "lstm_v"            # Greff's vanilla LSTM (with peepholes): every variant is compared with it
LABELS = {"lstm": "LSTM (torch)", "lstm_v": "V (vanilla)", "lstm_np": "NP", "lstm_cifg": "CIFG",
          "lstm_fgr": "FGR", "lstm_nig": "NIG", "lstm_nfg": "NFG", "lstm_nog": "NOG",
          "lstm_niaf": "NIAF", "lstm_noaf": "NOAF"}
DESCRIPTIONS = {
    "lstm": "torch.nn.LSTM (fused; the equations of NP)",
    "lstm_v": "vanilla: forget gate and peepholes",
    "lstm_np": "no peepholes",
    "lstm_cifg": "coupled input and forget gate, f = 1 − i",
    "lstm_fgr": "full gate recurrence",
    "lstm_nig": "no input gate",
    "lstm_nfg": "no forget gate (the 1997 cell)",
    "lstm_nog": "no output gate",
    "lstm_niaf": "no input activation",
    "lstm_noaf": "no output activation",
}
TASKS = ("agreement", "adding")
# the recipe of every cell: the trainer's defaults (hidden 32, batch 64, Adam 5e-3, clip 1, forget bias 1)
# except these; the adding problem at length 50, where the fused LSTM solves it in about half the budget
RECIPE = {"agreement": dict(distance=30, steps=1200), "adding": dict(length=50, steps=1500)}
TASK_LABELS = {"agreement": f"Subject-verb agreement, distance {RECIPE['agreement']['distance']}",
               "adding": f"Adding problem, length {RECIPE['adding']['length']}"}
SEEDS = (0, 1, 2, 3, 4)
TEST_SIZE = 1000
CURVE_EVERY = 10                # the shipped learning curve keeps every 10th smoothed value
SHIPPED = Path(__file__).resolve().parents[1] / "precomputed" / "gate_ablation.json"
MATCH_TOL = {"accuracy": 1.5 / TEST_SIZE, "mse": 1e-3}   # accuracy: within one test sentence; mse: relative


def metric_of(task: str) -> str:
    return learning_curves.metric_of(task)


def cell_config(arch: str, task: str, seed: int, steps: int | None = None) -> TrainConfig:
    """The TrainConfig of one cell (steps: the recipe's unless given; tests train tiny budgets)."""
    if arch not in ARCHS:
        raise ValueError(f"variant must be one of {ARCHS}, got {arch!r}")
    if task not in TASKS:
        raise ValueError(f"task must be one of {TASKS}, got {task!r}")
    r = dict(RECIPE[task])
    if steps is not None:
        r["steps"] = limits.check_int("steps", steps, 1, limits.MAX_STEPS)
    seed = limits.check_int("seed", seed, 0, 2**31 - 1)
    return TrainConfig(task=task, arch=arch, seed=seed, grad_every=0, test_size=TEST_SIZE, **r).resolved()


@dataclass
class CellRun:
    """One trained cell. final: the test metric on TEST_SIZE fresh examples (accuracy, or MSE for adding);
    reached: first step whose smoothed training-batch metric meets learning_curves.THRESHOLD (None: not
    within `steps`); curve: the smoothed training metric at steps CURVE_EVERY, 2 * CURVE_EVERY, ...;
    seconds: wall time of train() (training + test). The field types are what a shipped file is validated
    against (pydantic, on load and save)."""
    __pydantic_config__ = ConfigDict(extra="forbid")
    arch: Annotated[str, Field(pattern="^(" + "|".join(ARCHS) + ")$")]
    task: Annotated[str, Field(pattern="^(" + "|".join(TASKS) + ")$")]
    seed: Annotated[int, Field(ge=0)]
    steps: Annotated[int, Field(ge=1)]
    steps_done: Annotated[int, Field(ge=0)]
    final: float
    reached: Annotated[int | None, Field(ge=1)]
    params: Annotated[int, Field(ge=1)]
    recurrent_params: Annotated[int, Field(ge=1)]
    seconds: Annotated[float, Field(ge=0)]
    status: str = "ok"
    curve: list[float] = field(default_factory=list)

    @property
    def metric(self) -> str:
        return metric_of(self.task)


def steps_to_solve(history: list, task: str, steps: int) -> tuple[int | None, np.ndarray]:
    """(first step at the threshold or None, the smoothed training metric per step) of one run's history,
    with Train and compare's definition (lstm_core.experiments.learning_curves: trailing mean over
    window_for(steps) batches; 95% accuracy, or MSE <= 0.01)."""
    metric = metric_of(task)
    key = "loss" if metric == "mse" else "accuracy"
    raw = np.array([h[key] for h in history], dtype=np.float64)
    w = learning_curves.window_for(steps)
    sm = learning_curves.smooth(raw, w)
    return learning_curves.first_reach(np.arange(1, raw.size + 1), sm, metric, w), sm


def run_cell(arch: str, task: str, seed: int, steps: int | None = None, progress=None,
             should_stop=None) -> CellRun:
    """Train one cell with the real trainer. progress(dict) gets the trainer's per-step events."""
    cfg = cell_config(arch, task, seed, steps)
    t0 = time.perf_counter()
    res = train(cfg, progress=progress, should_stop=should_stop)
    seconds = time.perf_counter() - t0
    reached, sm = steps_to_solve(res.history, task, cfg.steps)
    final = res.test.get("test_mse" if task == "adding" else "test_accuracy", math.nan)
    n = res.model.n_params()
    return CellRun(arch=arch, task=task, seed=int(seed), steps=int(cfg.steps), steps_done=int(res.steps_done),
                   final=float(final), reached=reached, params=int(n["total"]),
                   recurrent_params=int(n["recurrent"]), seconds=round(seconds, 3), status=res.status,
                   curve=[round(float(v), 6) for v in sm[CURVE_EVERY - 1::CURVE_EVERY]])


def run_cell_queued(arch: str, task: str, seed: int, progress=None, owners=(), should_stop=None,
                    slots: TrainingSlots = SLOTS) -> CellRun:
    """run_cell for a page: waits for a training slot (progress gets the queue's 'queued' events, then
    {'event': 'step', ...} per training step). Raises queue.AlreadyQueued / QueueTimeout like Train and
    compare."""
    cfg = cell_config(arch, task, seed)        # reject bad settings before queueing
    emit = progress or (lambda e: None)
    with slots.hold(on_wait=emit, owners=owners):
        return run_cell(cfg.arch, cfg.task, cfg.seed, progress=lambda p: emit(dict(p, event="step")),
                        should_stop=should_stop)


def match(fresh: CellRun, shipped: CellRun) -> dict:
    """Whether a re-run reproduces the shipped cell: {'final_diff', 'final_ok', 'reached_ok', 'ok'}.
    Accuracy within MATCH_TOL (one test sentence), MSE within a relative MATCH_TOL; same step to solve."""
    if (fresh.arch, fresh.task, fresh.seed) != (shipped.arch, shipped.task, shipped.seed):
        raise ValueError("the runs are of different cells")
    diff = abs(fresh.final - shipped.final)
    tol = MATCH_TOL["mse"] * max(abs(shipped.final), 1e-12) if fresh.metric == "mse" else MATCH_TOL["accuracy"]
    final_ok = bool(diff <= tol)
    reached_ok = fresh.reached == shipped.reached
    return dict(final_diff=float(diff), final_ok=final_ok, reached_ok=reached_ok, ok=final_ok and reached_ok)


# ----------------------------------------------------------------------------------------
# Shipped results: JSON, validated with pydantic on load

@dataclass
class Shipped:
    """The shipped grid: recipe, seeds, environment, shortcut baselines and one CellRun per cell."""
    __pydantic_config__ = ConfigDict(extra="forbid")
    recipe: dict
    seeds: list[int]
    test_size: int
    threshold: dict
    torch: str
    machine: str
    created: str
    total_seconds: float
    baselines: dict
    runs: list[CellRun]

    def cell(self, arch: str, task: str, seed: int) -> CellRun | None:
        return next((r for r in self.runs if (r.arch, r.task, r.seed) == (arch, task, seed)), None)


_SHIPPED = TypeAdapter(Shipped)        # validates a shipped file against the two dataclasses' field types


def shortcut_baselines() -> dict:
    """What needs no memory: adding -> MSE of always answering the mean (1/6); agreement -> the rules of
    lstm_core.data.baselines on REFERENCE_N fresh sentences at the recipe's distance."""
    d = RECIPE["agreement"]["distance"]
    return {"adding": {"predict_the_mean": float(sequences.ADDING_BASELINE_MSE)},
            "agreement": baselines.reference_baselines(d), "agreement_n": baselines.REFERENCE_N}


def save(shipped: Shipped, path: Path = SHIPPED) -> Path:
    data = asdict(shipped)
    _SHIPPED.validate_python(data)
    Path(path).write_text(json.dumps(data, indent=1) + "\n")
    return Path(path)


def load(path: Path = SHIPPED) -> Shipped:
    """The shipped results (validated; ValueError on a malformed file)."""
    try:
        return _SHIPPED.validate_json(Path(path).read_text())
    except Exception as e:  # noqa: BLE001 - pydantic's ValidationError or a JSON error
        raise ValueError(f"{path} is not a valid gate-ablation result: {e}") from e


def load_shipped() -> Shipped:
    return load(SHIPPED)


# ----------------------------------------------------------------------------------------
# Precompute (the CLI)

def _one(args) -> CellRun:
    torch.set_num_threads(1)
    arch, task, seed, steps = args
    r = run_cell(arch, task, seed, steps)
    print(f"  {task} {arch} seed {seed}: {r.seconds:.1f} s, final {r.final:.4g}, reached {r.reached}",
          file=sys.stderr, flush=True)
    return r


def precompute(seeds=SEEDS, archs=ARCHS, tasks=TASKS, jobs: int = 1, steps: int | None = None,
               out: Path | None = None) -> Shipped:
    """Train every cell (jobs processes, one torch thread each), seed after seed, and return the grid.
    With `out`, the grid so far is written after every seed (an interrupted run leaves whole seeds)."""
    torch.set_num_threads(1)
    t0 = time.perf_counter()
    recipe = {t: dict(RECIPE[t], **({"steps": steps} if steps else {})) for t in tasks}
    recipe["common"] = {k: v for k, v in asdict(cell_config(archs[0], tasks[0], 0)).items()
                        if k in ("hidden", "embed", "batch", "lr", "optimizer", "schedule", "clip", "forget_bias",
                                 "init", "word_dropout", "train_mix", "grad_every")}
    recipe["common"]["forget_bias"] = TrainConfig.forget_bias
    recipe["common"]["forget_bias_note"] = "applied only to variants with their own forget gate"
    shipped = Shipped(recipe=recipe, seeds=[], test_size=TEST_SIZE, threshold=dict(learning_curves.THRESHOLD),
                      torch=torch.__version__,
                      machine=f"{platform.machine()}, {jobs} job(s) x 1 torch thread, shared machine",
                      created=time.strftime("%Y-%m-%d", time.gmtime()), total_seconds=0.0,
                      baselines=shortcut_baselines(), runs=[])
    with ProcessPoolExecutor(max_workers=jobs) as ex:
        for seed in seeds:
            cells = [(a, t, int(seed), steps) for t in tasks for a in archs]
            shipped.runs += list(ex.map(_one, cells)) if jobs > 1 else [_one(c) for c in cells]
            shipped.seeds.append(int(seed))
            shipped.total_seconds = round(time.perf_counter() - t0, 1)
            if out is not None:
                save(shipped, out)
    return shipped


def merge(parts: list[Shipped]) -> Shipped:
    """One grid from several precomputes of the same recipe with different seeds (run side by side)."""
    first = parts[0]
    for p in parts[1:]:
        if p.recipe != first.recipe or p.test_size != first.test_size or p.torch != first.torch:
            raise ValueError("the parts were computed with different recipes or torch versions")
    seeds = [s for p in parts for s in p.seeds]
    if len(set(seeds)) != len(seeds):
        raise ValueError(f"the parts share seeds: {sorted(seeds)}")
    runs = sorted((r for p in parts for r in p.runs), key=lambda r: (r.seed, TASKS.index(r.task), ARCHS.index(r.arch)))
    return Shipped(**{**asdict(first), "seeds": sorted(seeds), "runs": runs,
                      "total_seconds": round(sum(p.total_seconds for p in parts), 1),
                      "machine": first.machine + f"; {len(parts)} precomputes side by side"})


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--precompute", action="store_true", help="train the grid and write the shipped JSON")
    p.add_argument("--seeds", type=int, nargs="+", default=list(SEEDS))
    p.add_argument("--jobs", type=int, default=1, help="processes (one torch thread each)")
    p.add_argument("--out", type=Path, default=SHIPPED)
    p.add_argument("--merge", type=Path, nargs="+", help="merge these precomputed files (other seeds) into --out")
    a = p.parse_args(argv)
    if a.merge:
        merged = merge([load(f) for f in a.merge])
        print(f"wrote {save(merged, a.out)} (seeds {merged.seeds})")
        return 0
    if not a.precompute:
        p.print_help()
        return 2
    shipped = precompute(seeds=a.seeds, jobs=max(1, a.jobs), out=a.out)
    print(f"wrote {save(shipped, a.out)} ({shipped.total_seconds:.0f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
