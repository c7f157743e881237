"""The training CLI: train one model, print its test metrics as one JSON line, optionally save it.

    python -m lstm_core.training --task agreement --distance 30 --arch lstm --seed 0 --save PATH

Progress goes to stderr; the last stdout line is one JSON object with the run's settings and its test
metrics measured on freshly generated held-out examples (see lstm_core.training.trainer).
"""
from __future__ import annotations

import argparse
import json
import math
import sys
import time

import torch

from lstm_core.training.checkpoint import save_checkpoint
from lstm_core.training.inits import INITS
from lstm_core.training.models import ARCHS
from lstm_core.training.trainer import (DEFAULT_STEPS, OPTIMIZERS, SCHEDULES, SENTENCE_TASKS, TASKS, TRAIN_MIXES,
                                        TWO_CLAUSE_MAX_D1, TrainConfig, train)

CLI = "python -m lstm_core.training"

def _parser() -> argparse.ArgumentParser:
    d = TrainConfig()
    p = argparse.ArgumentParser(prog=CLI,
                                description="Train one model; last stdout line is JSON.")
    p.add_argument("--task", default=d.task, choices=TASKS)
    p.add_argument("--arch", default=d.arch, choices=ARCHS)
    p.add_argument("--distance", type=int, default=d.distance,
                   help="agreement: test distance (each training batch: one distance in 0..distance)")
    p.add_argument("--length", type=int, default=d.length,
                   help="adding/temporal: sequence length T; copy: number of blanks")
    p.add_argument("--attractors", type=int, default=None,
                   help="agreement: exactly N opposite-number nouns (default: random)")
    p.add_argument("--train-mix", default=d.train_mix, choices=TRAIN_MIXES,
                   help="agreement: batch distances uniform in 0..d, or 'short': half the "
                        "batches in 0..5, or 'two-clause': half the batches two-subject sentences "
                        "(the answer is the second subject's number)")
    p.add_argument("--word-dropout", type=float, default=d.word_dropout,
                   help="agreement: share of read words replaced by their unknown-word class")
    p.add_argument("--steps", type=int, default=None,
                   help=f"default per task: {DEFAULT_STEPS}")
    p.add_argument("--hidden", type=int, default=d.hidden)
    p.add_argument("--embed-dim", "--embed", dest="embed_dim", type=int, default=d.embed_dim)
    p.add_argument("--batch", type=int, default=d.batch)
    p.add_argument("--lr", type=float, default=d.lr)
    p.add_argument("--optimizer", default=d.optimizer, choices=OPTIMIZERS)
    p.add_argument("--schedule", default=d.schedule, choices=SCHEDULES)
    p.add_argument("--clip", type=float, default=d.clip, help="max grad norm; 0 = off")
    p.add_argument("--forget-bias", type=float, default=d.forget_bias,
                   help="LSTM only (no effect on rnn/gru); nan = torch default")
    p.add_argument("--init", default=d.init, choices=INITS)
    p.add_argument("--nonlinearity", default=d.nonlinearity, choices=("tanh", "relu"))
    p.add_argument("--seed", type=int, default=d.seed)
    p.add_argument("--grad-every", type=int, default=d.grad_every)
    p.add_argument("--test-size", type=int, default=d.test_size)
    p.add_argument("--threads", type=int, default=1, help="torch.set_num_threads")
    p.add_argument("--save", default=None, help="PATH -> PATH.safetensors + PATH.json")
    p.add_argument("--quiet", action="store_true", help="no progress on stderr")
    return p


def main(argv=None) -> int:
    t_start = time.perf_counter()
    args = _parser().parse_args(argv)
    torch.set_num_threads(max(1, args.threads))
    cfg = TrainConfig(task=args.task, arch=args.arch, distance=args.distance,
                      length=args.length, attractors=args.attractors, train_mix=args.train_mix, hidden=args.hidden,
                      embed_dim=args.embed_dim, steps=args.steps, batch=args.batch, lr=args.lr,
                      optimizer=args.optimizer, schedule=args.schedule, clip=args.clip or None,
                      forget_bias=None if math.isnan(args.forget_bias) else args.forget_bias,
                      init=args.init, nonlinearity=args.nonlinearity, seed=args.seed,
                      grad_every=args.grad_every, test_size=args.test_size,
                      word_dropout=args.word_dropout)
    try:
        cfg = cfg.resolved()
    except ValueError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    every = max(1, cfg.steps // 20)

    def progress(p):
        if not args.quiet and (p["step"] % every == 0 or p["step"] == p["steps"]):
            acc = "" if p["accuracy"] is None else f"  acc {p['accuracy']:.3f}"
            print(f"step {p['step']:5d}/{p['steps']}  loss {p['loss']:.4f}{acc}  "
                  f"{p['elapsed']:.2f}s", file=sys.stderr, flush=True)

    res = train(cfg, progress=progress)
    if res.status != "ok":
        print(res.status, file=sys.stderr)
    out = dict(arch=cfg.arch, task=cfg.task, seed=cfg.seed, steps=res.steps_done,
               status=res.status, hidden=cfg.hidden, lr=cfg.lr, batch=cfg.batch,
               params=res.model.n_params()["total"])
    if cfg.task in SENTENCE_TASKS:
        mix = {"uniform": "", "short": ", half the batches in 0..5",
               "two-clause": f", half the batches two-subject sentences (clause 1 at 0..{TWO_CLAUSE_MAX_D1}, "
                             "answer = clause 2's subject)"}[cfg.train_mix]
        out.update(distance=cfg.distance, attractors=cfg.attractors,
                   train_distances=f"one per batch, uniform in 0..{cfg.distance}{mix}")
    else:
        out.update(length=cfg.length)
    out.update({k: v for k, v in res.test.items() if k != "n"}, test_size=res.test.get("n"))
    out.update(train_seconds=round(res.train_seconds, 3), eval_seconds=round(res.eval_seconds, 3))
    if args.save:
        cmd = f"{CLI} " + " ".join(sys.argv[1:] if argv is None else argv)
        what = (f"exactly distance {cfg.distance}" if cfg.task in SENTENCE_TASKS
                else f"length {cfg.length}")
        paths = save_checkpoint(args.save, res.model, cfg, res.test, command=cmd,
                                status=res.status, steps_done=res.steps_done,
                                test_data=f"{res.test.get('n')} fresh examples from "
                                          f"default_rng([{cfg.seed}, 1]), {what}",
                                train_seconds=round(res.train_seconds, 2))
        out["saved"] = [str(p) for p in paths]
    out["seconds"] = round(time.perf_counter() - t_start, 3)
    print(json.dumps(out))
    return 0

