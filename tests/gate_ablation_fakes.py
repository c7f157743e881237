"""Fabricated gate-ablation runs for the stats, narration and page tests (no training): every variant,
both tasks, chosen finals and steps to solve."""
from lstm_core.experiments.gate_ablation import ARCHS, CURVE_EVERY, RECIPE, CellRun


def fake_run(arch: str, task: str, seed: int, final: float, reached, steps: int | None = None,
             seconds: float = 1.0) -> CellRun:
    steps = steps or RECIPE[task]["steps"]
    level = final
    return CellRun(arch=arch, task=task, seed=seed, steps=steps, steps_done=steps, final=float(final),
                   reached=reached, params=1000, recurrent_params=500, seconds=seconds,
                   curve=[level] * (steps // CURVE_EVERY))


def fake_grid(finals: dict | None = None, reached: dict | None = None, seeds=(0, 1, 2), tasks=("agreement", "adding")):
    """Every arch x task x seed; finals / reached: {(arch, task): [per seed]} override the defaults
    (agreement 0.99 at step 500, adding MSE 0.001 at step 700)."""
    finals, reached = finals or {}, reached or {}
    runs = []
    for task in tasks:
        for arch in ARCHS:
            f = finals.get((arch, task), [0.99 if task == "agreement" else 0.001] * len(seeds))
            r = reached.get((arch, task), [500 if task == "agreement" else 700] * len(seeds))
            runs += [fake_run(arch, task, s, f[k], r[k]) for k, s in enumerate(seeds)]
    return runs
