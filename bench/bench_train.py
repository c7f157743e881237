"""Acceptance figures for the tasks / trainer / CLI (issue 3). Prints, and writes the same
text to bench/out/train.txt.

    python bench/bench_train.py            # full run (~15 min on 2 busy cores)
    python bench/bench_train.py --quick    # 2 seeds, fewer distances

1. Agreement d=30 with the CLI's defaults, LSTM / RNN / GRU x 5 seeds, through the real
   CLI (`python -m lstm_core.training ...` in a subprocess): test accuracy and wall seconds
   (process start to exit, imports included) plus the child's CPU seconds.
2. Accuracy vs distance (d = 5, 10, 20, 30, 50), mean and spread over seeds, each model
   trained with the CLI defaults at that distance (in-process: the CLI calls the same
   train(TrainConfig(...)) with the same defaults and one thread).
3. Accuracy by number of attractors (0-4) at d=30, same models.
4. Adding problem T=100 (CLI defaults): test MSE of LSTM vs RNN, baseline 1/6.
5. Trainer overhead: train() vs a plain fused torch loop (same model, data, optimizer,
   clipping, steps), interleaved, median of 3, in this run.
6. The same d=30 budget with --train-mix short (printed before 5): does the RNN's failure
   come from what it can hold, or from what it can learn from long examples?
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402
import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402

from lstm_core.data.sequences import ADDING_BASELINE_MSE  # noqa: E402
from lstm_core.training import trainer as T  # noqa: E402

OUT = ROOT / "bench" / "out" / "train.txt"
ARCHS = ("lstm", "rnn", "gru")
lines: list[str] = []


def say(s: str = ""):
    print(s, flush=True)
    lines.append(s)


def cli(*args) -> tuple[dict, float, float]:
    """Run the real CLI; (last-line JSON, wall seconds, child CPU seconds)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    p = subprocess.run([sys.executable, "-m", "lstm_core.training", *map(str, args), "--quiet"],
                       cwd=ROOT, capture_output=True, text=True)
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if p.returncode != 0:
        raise SystemExit(f"CLI failed: {args}\n{p.stderr}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return json.loads(p.stdout.strip().splitlines()[-1]), wall, cpu


def spread(xs) -> str:
    xs = [100 * x for x in xs]
    return f"{statistics.mean(xs):5.1f} ± {statistics.pstdev(xs):4.1f} [{min(xs):5.1f}, {max(xs):5.1f}]"


def plain_loop(cfg: T.TrainConfig) -> float:
    """The reference: the same fused model, data, Adam, clipping and steps, no extras."""
    task, model = T.Task(cfg), T.build_model(cfg)
    opt = torch.optim.Adam(model.parameters(), lr=cfg.lr)
    rng = np.random.default_rng([cfg.seed, 0])
    t0 = time.perf_counter()
    for _ in range(cfg.steps):
        x, y = task.batch(rng, cfg.batch)
        loss = F.cross_entropy(model(x)[:, -1], y)
        opt.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), cfg.clip)
        opt.step()
    return time.perf_counter() - t0


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true")
    args = ap.parse_args()
    seeds = range(2 if args.quick else 5)
    distances = (5, 30) if args.quick else (5, 10, 20, 30, 50)
    torch.set_num_threads(1)   # as the CLI does
    d = T.TrainConfig()
    say(f"# bench_train  {time.strftime('%Y-%m-%d %H:%M')}  torch {torch.__version__}  "
        f"cores {os.cpu_count()}  load average {os.getloadavg()[0]:.2f} at start")
    say(f"CLI defaults: hidden {d.hidden}, embed {d.embed_dim}, batch {d.batch}, {d.optimizer} lr "
        f"{d.lr} ({d.schedule}), clip {d.clip}, steps {T.DEFAULT_STEPS}, forget bias "
        f"{d.forget_bias} (LSTM only), init {d.init}, threads 1")
    say("agreement training: each batch one distance uniform in 0..d; test: exactly d, "
        "fresh sentences, random intervening nouns (attractors occur by chance)")

    # 1. the CLI at d=30
    say("\n## 1. agreement d=30, real CLI, defaults (wall = process start to exit)")
    say("arch  seed  test_acc  wall_s  cpu_s  in-process_s  load_avg(1 min, before)")
    cli_acc = {a: [] for a in ARCHS}
    cli_wall = {a: [] for a in ARCHS}
    for arch in ARCHS:
        for s in seeds:
            load = os.getloadavg()[0]
            out, wall, cpu = cli("--task", "agreement", "--distance", 30, "--arch", arch,
                                 "--seed", s)
            cli_acc[arch].append(out["test_accuracy"])
            cli_wall[arch].append(wall)
            say(f"{arch:5s} {s:4d}  {100 * out['test_accuracy']:7.1f}%  {wall:6.2f}  {cpu:5.2f}"
                f"  {out['seconds']:6.2f}  {load:5.2f}")
    n = len(seeds)
    say(f"LSTM >= 98%: {sum(a >= 0.98 for a in cli_acc['lstm'])}/{n} seeds   "
        f"RNN <= 65%: {sum(a <= 0.65 for a in cli_acc['rnn'])}/{n} seeds   "
        f"GRU >= 98%: {sum(a >= 0.98 for a in cli_acc['gru'])}/{n} seeds")
    say("max wall s: " + "  ".join(f"{a} {max(cli_wall[a]):.2f}" for a in ARCHS)
        + "   (<= 5 s: " + ", ".join(f"{a} {sum(w <= 5 for w in cli_wall[a])}/{n}"
                                      for a in ARCHS) + ")")

    # 2 + 3. accuracy vs distance, and by attractors at d=30
    say("\n## 2. test accuracy (%) vs distance, mean ± sd [min, max] over "
        f"{n} seeds, each trained with the defaults at that distance")
    say("d     " + "".join(f"{a:>32s}" for a in ARCHS))
    by_att = {a: [] for a in ARCHS}
    for dist in distances:
        row = []
        for arch in ARCHS:
            accs = []
            for s in seeds:
                res = T.train(T.TrainConfig(arch=arch, distance=dist, seed=s))
                accs.append(res.test["test_accuracy"])
                if dist == 30:
                    by_att[arch].append(T.accuracy_by_attractors(res.model, 30, range(5),
                                                                 n=500, seed=100 + s))
            row.append(spread(accs))
        say(f"{dist:<4d}  " + "".join(f"{r:>32s}" for r in row))

    say(f"\n## 3. accuracy (%) at d=30 by number of attractors (500 fresh sentences per "
        f"count and seed; mean over {n} seeds [min, max])")
    say("attractors " + "".join(f"{a:>26s}" for a in ARCHS))
    for k in range(5):
        cells = []
        for arch in ARCHS:
            v = [100 * r[k] for r in by_att[arch]]
            cells.append(f"{statistics.mean(v):5.1f} [{min(v):5.1f}, {max(v):5.1f}]")
        say(f"{k:<10d} " + "".join(f"{c:>26s}" for c in cells))

    # 4. adding
    say(f"\n## 4. adding problem T=100, real CLI defaults (baseline MSE "
        f"{ADDING_BASELINE_MSE:.3f} from always predicting 1)")
    say("arch  seed  test_mse  wall_s")
    for arch in ("lstm", "rnn"):
        for s in list(seeds)[:2]:
            out, wall, _ = cli("--task", "adding", "--length", 100, "--arch", arch, "--seed", s)
            say(f"{arch:5s} {s:4d}  {out['test_mse']:8.4f}  {wall:6.1f}")

    # 6. the same budget with a curriculum-like mix
    say("\n## 6. d=30 with --train-mix short (half the batches at distance 0..5, the rest "
        "0..30), otherwise the defaults; test accuracy (%) mean ± sd [min, max]")
    for arch in ARCHS:
        accs = [T.train(T.TrainConfig(arch=arch, seed=s, train_mix="short")).test["test_accuracy"]
                for s in seeds]
        say(f"{arch:5s} {spread(accs)}")

    # 5. overhead
    say("\n## 5. trainer overhead vs a plain fused torch loop (agreement d=30 LSTM defaults;"
        " train() includes per-step progress, divergence checks, last-good snapshot and the"
        " probe-batch gradient norms every "
        f"{d.grad_every} steps)")
    cfg = T.TrainConfig(arch="lstm", seed=0).resolved()
    plain, ours = [], []
    for _ in range(3):
        plain.append(plain_loop(cfg))
        ours.append(T.train(cfg, progress=lambda p: None, evaluate_after=False).train_seconds)
    pm, om = statistics.median(plain), statistics.median(ours)
    say(f"plain loop {pm:.2f} s   train() {om:.2f} s   ratio {om / pm:.3f}  "
        f"(runs: plain {', '.join(f'{x:.2f}' for x in plain)}; "
        f"train {', '.join(f'{x:.2f}' for x in ours)})")
    say(f"\nload average at end {os.getloadavg()[0]:.2f}")
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text("\n".join(lines) + "\n")
    print(f"written to {OUT.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
