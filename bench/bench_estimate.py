"""How good is Train and compare's time estimate? (issue 14, item 4: within ±15% of measured)

    python bench/bench_estimate.py [--quick]
    python bench/bench_estimate.py --fit     # measure the cost parts, fit, write lstm_core/training/cost_fit.json
    python bench/bench_estimate.py --calibrate   # only the whole-comparison overhead (part of --fit)

--fit times each part of lstm_core.training.cost on the real code (training steps, gradient probes,
test examples, run set-up, the agreement pool) over a grid of tasks, archs, lengths and hidden sizes,
fits the coefficients (non-negative least squares on relative error) and writes them; run it alone on
the machine. Without --fit:
Runs lstm_core.compare.run_comparison (one torch thread, a private training slot) on a grid of
settings — tasks, distances, hidden sizes, with and without the GRU — and prints, per setting,
comparison.estimate_seconds (what the page shows and checks against the limit), the measured wall
time, their ratio, and where the time went (training steps, the test, the distance sweep). Steps
are kept small so the whole grid takes a few minutes; per-step and per-example costs are what the
estimate models, so short runs test it as well as long ones. Output also goes to
bench/out/estimate.txt. Figures depend on the machine (these were taken on a shared 2-core machine).
"""
import argparse
import sys
import time
from pathlib import Path

import torch

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
import json  # noqa: E402
import numpy as np  # noqa: E402
from scipy.optimize import nnls  # noqa: E402

from lstm_core.data import pool  # noqa: E402
from lstm_core.experiments import comparison  # noqa: E402
from lstm_core.training import cost, queue  # noqa: E402
from lstm_core.training import trainer as T  # noqa: E402
from lstm_core.cells.variants import VARIANT_ARCHS  # noqa: E402

# --fit: per (task, arch), these lengths crossed with the smallest and largest hidden size, plus
# one middle point; the variants on agreement only (the task terms are shared)
FIT_SPANS = {"agreement": (5, 30, 100, 200), "adding": (20, 100, 200), "copy": (10, 40, 100),
             "temporal": (20, 100, 200)}
FIT_H = (16, 256)
CALIBRATION = [   # (task, distance, hidden, steps, archs, seeds): whole comparisons for the overhead, none in GRID
    ("agreement", 50, 48, 400, ("lstm", "rnn"), 1),
    ("adding", 60, 64, 200, ("lstm", "gru"), 1),
    ("temporal", 100, 32, 150, ("lstm", "rnn"), 1),
    ("copy", 30, 32, 200, ("lstm", "rnn", "gru"), 1),
    ("agreement", 120, 96, 40, ("lstm", "lstm_cifg"), 2),
]
FIT_MID = {"agreement": (60, 64), "adding": (60, 64), "copy": (30, 64), "temporal": (60, 64)}

GRID = [   # (task, distance, hidden, steps, archs, seeds): whole comparisons, none of them a fit point
    ("agreement", 30, 32, 1200, ("lstm", "rnn"), 3),        # the page's defaults
    ("agreement", 200, 256, 40, ("lstm", "rnn", "gru"), 1),  # issue 14's long run, fewer steps
    ("adding", 100, 32, 400, ("lstm", "rnn"), 1),
    ("temporal", 60, 32, 100, ("lstm", "rnn", "gru"), 2),
    ("agreement", 100, 64, 60, ("lstm", "rnn"), 3),
    ("agreement", 150, 128, 15, ("lstm", "rnn", "gru"), 1),
    ("adding", 150, 128, 20, ("lstm", "rnn", "gru"), 1),
    ("copy", 20, 64, 80, ("lstm", "rnn"), 3),
]


def measure_point(task: str, arch: str, span: int, H: int, n_examples: int = 200) -> list:
    """[(part, features, seconds per unit)] for one setting, timed on the real code."""
    kw = dict(distance=span) if task == "agreement" else dict(length=span)
    T_train, T_test = cost.train_length(task, span), cost.span_length(task, span)
    heavy = T_train * H * H * (4 if arch != "rnn" else 1) > 4e6
    steps = 6 if heavy else 20
    cfg = T.TrainConfig(task=task, arch=arch, hidden=H, steps=steps, grad_every=0, **kw)
    if task == "agreement":
        pool.training_pool(0, span)
    t0 = time.perf_counter()
    r = T.train(cfg, evaluate_after=False)
    total = time.perf_counter() - t0
    el = [h["elapsed"] for h in r.history]
    per_step = (el[-1] - el[1]) / (len(el) - 2)           # the first two steps carry one-time costs
    rows = [("step", cost.features("step", task, arch, T_train, H), per_step),
            ("run", cost.features("run", task, arch, 0, H), max(total - steps * per_step, 1e-4))]
    task_ = T.Task(cfg.resolved())
    probe = task_.batch(np.random.default_rng(0), cost.PROBE_BATCH, test=True)
    best = min(_timed(lambda: T.timestep_grad_norms(r.model, task_, *probe)) for _ in range(2))
    rows.append(("probe", cost.features("probe", task, arch, T_test, H), best))
    n = n_examples if not heavy else n_examples // 2
    ex = min(_timed(lambda: T.evaluate(r.model, cfg, n=n)) for _ in range(2)) / n
    rows.append(("example", cost.features("example", task, arch, T_test, H), ex))
    return rows


def _timed(fn) -> float:
    t0 = time.perf_counter()
    fn()
    return time.perf_counter() - t0


def fit(rows: list) -> dict:
    """{part: {coefficient: seconds}}: non-negative least squares on relative error per part."""
    out = {}
    for part in cost.PARTS:
        mine = [(f, y) for p, f, y in rows if p == part]
        if part == "run":            # one constant: the median (its small values are timer noise)
            out[part] = {"1": float(np.median([y for _, y in mine]))}
            continue
        names = sorted({k for f, _ in mine for k in f})
        A = np.array([[f.get(k, 0.0) / y for k in names] for f, y in mine])
        coef, _ = nnls(A, np.ones(len(mine)))
        out[part] = {k: float(c) for k, c in zip(names, coef) if c > 0}
        pred = A @ coef
        print(f"  {part:8s} {len(mine):3d} points, predicted / measured {pred.min():.2f}-{pred.max():.2f}", flush=True)
    return out


def run_fit():
    rows = []
    for D in (10, 30, 60):                              # the agreement pool, per token generated
        pool.training_pool.cache_clear()
        rows.append(("pool", {"1": 1.0}, _timed(lambda: pool.training_pool(0, D)) / cost.pool_tokens(0, D)))
    points = [(task, arch, span, H) for task in FIT_SPANS for arch in comparison.ARCH_ORDER
              for span in FIT_SPANS[task] for H in FIT_H]
    points += [(task, arch, *FIT_MID[task]) for task in FIT_SPANS for arch in comparison.ARCH_ORDER]
    points += [("agreement", arch, span, H) for arch in VARIANT_ARCHS for span, H in ((10, 16), (100, 64), (200, 256))]
    for task in FIT_SPANS:                              # one-time costs of the process (imports, first batches)
        measure_point(task, "lstm", 10, 8)
    for k, (task, arch, span, H) in enumerate(points):
        got = measure_point(task, arch, span, H)
        rows += got
        print(f"[{k + 1}/{len(points)}] {task} {arch} span {span} H {H}: "
              + ", ".join(f"{p} {1000 * y:.3f} ms" for p, _, y in got), flush=True)
    coefficients = fit(rows)
    cost.FIT_FILE.write_text(json.dumps(dict(
        note="fitted by bench/bench_estimate.py --fit (one torch thread); seconds per unit of each part",
        torch=torch.__version__, points=len(points), coefficients=coefficients), indent=1) + "\n")
    cost.fitted.cache_clear()
    print(f"wrote {cost.FIT_FILE}")
    calibrate()


def calibrate():
    """Run the calibration comparisons; store median(measured / summed parts) as the fit's overhead."""
    ratios = []
    for task, d, h, steps, archs, seeds in CALIBRATION:
        cfg = comparison.CompareConfig(task=task, distance=d, hidden=h, steps=steps, archs=archs, seeds=seeds)
        if task == "agreement":
            pool.training_pool(0, d)                       # the estimate's pool part is not what is calibrated
        parts = comparison.parts_seconds(cfg)
        took = _timed(lambda: comparison.run_comparison(cfg, slots=queue.TrainingSlots(1)))
        ratios.append(took / parts)
        print(f"calibration: {task} d={d} H={h} steps={steps} x{seeds} {'+'.join(archs)}: "
              f"parts {parts:.2f} s, measured {took:.2f} s, ratio {took / parts:.2f}", flush=True)
    data = json.loads(cost.FIT_FILE.read_text())
    data["overhead"] = float(np.median(ratios))
    cost.FIT_FILE.write_text(json.dumps(data, indent=1) + "\n")
    print(f"overhead (median measured / parts): {data['overhead']:.3f}; wrote {cost.FIT_FILE}")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--quick", action="store_true", help="the first half of the grid only")
    ap.add_argument("--fit", action="store_true", help="measure the cost parts and write cost_fit.json")
    ap.add_argument("--calibrate", action="store_true", help="only the calibration comparisons (the overhead)")
    args = ap.parse_args()
    torch.set_num_threads(1)
    if args.fit:
        return run_fit()
    if args.calibrate:
        comparison.run_comparison(comparison.CompareConfig(distance=5, hidden=4, steps=3), slots=queue.TrainingSlots(1))
        return calibrate()
    comparison.run_comparison(comparison.CompareConfig(distance=5, hidden=4, steps=3), slots=queue.TrainingSlots(1))
    rows = []
    head = f"{'setting':44s} {'estimate':>8s} {'measured':>8s} {'ratio':>6s}   train / test / sweep (s)"
    print(head, flush=True)
    for task, d, h, steps, archs, seeds in (GRID[:len(GRID) // 2] if args.quick else GRID):
        cfg = comparison.CompareConfig(task=task, distance=d, hidden=h, steps=steps, archs=archs, seeds=seeds)
        est = comparison.estimate_seconds(cfg)
        t0 = time.perf_counter()
        res = comparison.run_comparison(cfg, slots=queue.TrainingSlots(1))
        took = time.perf_counter() - t0
        tr = sum(r.train_seconds for rs in res.seed_runs.values() for r in rs)
        ev = sum(r.eval_seconds for rs in res.seed_runs.values() for r in rs)
        name = f"{task} d={d} H={h} steps={steps} x{seeds} {'+'.join(archs)}"
        line = (f"{name:44s} {est:8.2f} {took:8.2f} {est / took:6.2f}   "
                f"{tr:.2f} / {ev:.2f} / {took - tr - ev:.2f}")
        print(line, flush=True)
        rows.append((name, est, took))
    ratios = [e / m for _, e, m in rows]
    summary = (f"estimate / measured: min {min(ratios):.2f}, max {max(ratios):.2f}; "
               f"within ±15% on {sum(0.85 <= r <= 1.15 for r in ratios)} of {len(ratios)} settings")
    print(summary)
    out = ROOT / "bench" / "out"
    out.mkdir(parents=True, exist_ok=True)
    (out / "estimate.txt").write_text(head + "\n" + "\n".join(
        f"{n:44s} {e:8.2f} {m:8.2f} {e / m:6.2f}" for n, e, m in rows) + "\n" + summary + "\n")


if __name__ == "__main__":
    main()
