"""The agreement grammar of issue 11 (lstm_core/data): shortcut baselines beside LSTM / RNN /
GRU trained on it, LSTM accuracy by attractors beside the published row, and wall times.

    python bench/bench_grammar.py                  # default recipe, 3 seeds, all three archs
    python bench/bench_grammar.py --archs lstm --seeds 0 --steps 800 --hidden 64

Training is the app's own trainer (lstm_core.training.trainer, TrainConfig defaults unless given):
each batch of 64 draws one distance uniformly in 0..D from the cached sentence pool
(lstm_core.data.pool, built once per process: its time is printed), Adam, gradient clip 1,
loss on the last step; test: fresh sentences at distance D. One thread
(torch.set_num_threads(1)); timings depend on the machine's load.
"""
from __future__ import annotations

import argparse
import time

import numpy as np
import torch

from lstm_core.data import baselines, grammar, pool
from lstm_core.data import lexicon as lx
from lstm_core.training import trainer
from lstm_core.training.models import SeqModel
from lstm_core.training.trainer import DEFAULT_STEPS, TrainConfig

# Linzen et al. 2016 data, 100-unit LSTM, as reported by Merrill et al. 2019 (attractors 0..5)
PUBLISHED_LSTM = (99.3, 95.3, 90.2, 84.3, 78.6, 74.2)


def train(arch: str, seed: int, steps: int, hidden: int, embed: int, distance: int,
          lr: float, word_dropout: float, batch: int = 64) -> tuple[SeqModel, float]:
    """The app's own trainer (lstm_core.training.trainer.train), no gradient probes."""
    cfg = TrainConfig(task="agreement", arch=arch, seed=seed, steps=steps, hidden=hidden,
                      embed_dim=embed, distance=distance, lr=lr, word_dropout=word_dropout,
                      batch=batch, grad_every=0)
    res = trainer.train(cfg, evaluate_after=False)
    return res.model.eval(), res.train_seconds


def accuracy(model: SeqModel, x: np.ndarray, y: np.ndarray) -> float:
    with torch.no_grad():
        pred = model(torch.from_numpy(x))[:, -1].argmax(-1).numpy()
    return float((pred == y).mean())


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--archs", default="lstm,rnn,gru")
    p.add_argument("--seeds", default="0,1,2")
    d = TrainConfig()
    p.add_argument("--steps", type=int, default=DEFAULT_STEPS["agreement"])
    p.add_argument("--hidden", type=int, default=d.hidden)
    p.add_argument("--embed", type=int, default=d.embed_dim)
    p.add_argument("--lr", type=float, default=d.lr)
    p.add_argument("--distance", type=int, default=d.distance)
    p.add_argument("--word-dropout", type=float, default=d.word_dropout)
    p.add_argument("--n-test", type=int, default=2000)
    a = p.parse_args()
    torch.set_num_threads(1)
    seeds = [int(s) for s in a.seeds.split(",")]
    print(f"vocabulary {len(lx.VOCAB)} tokens; grammar uses {len(grammar.NOUNS)} noun lemmas, "
          f"{len(grammar.VERBS)} verbs, {len(grammar.ADJECTIVES)} adjectives")
    t0 = time.perf_counter()
    xb, _, _ = grammar.agreement_batch(np.random.default_rng(9), 64 * 100, (0, a.distance))
    print(f"generating 100 batches of 64: {time.perf_counter() - t0:.2f} s")
    t0 = time.perf_counter()
    pool.training_pool(0, a.distance)
    print(f"building the training pool for distances 0..{a.distance} "
          f"({pool.POOL_SENTENCES} sentences, once per process): {time.perf_counter() - t0:.2f} s")
    test = grammar.agreement_batch(np.random.default_rng([99, 1]), a.n_test, a.distance)[:2]
    fit = grammar.agreement_batch(np.random.default_rng([99, 0]), 4000, (0, a.distance))[:2]
    print(f"\nbaselines at distance {a.distance} ({a.n_test} test sentences; BoW-LR fit on 4000 "
          f"sentences at distances 0..{a.distance}):")
    for name, acc in baselines.baseline_accuracies(fit, test).items():
        print(f"  {name:<11} {100 * acc:5.1f}%")
    by_attr = {k: grammar.agreement_batch(np.random.default_rng([99, 2, k]), a.n_test,
                                          a.distance, attractors=k)[:2] for k in range(6)}
    print(f"\nrecipe: steps {a.steps}, hidden {a.hidden}, embed {a.embed}, lr {a.lr}, batch 64, "
          f"train distances 0..{a.distance}, word dropout {a.word_dropout}")
    for arch in a.archs.split(","):
        accs, times, rows = [], [], []
        for seed in seeds:
            model, sec = train(arch, seed, a.steps, a.hidden, a.embed, a.distance, a.lr,
                               a.word_dropout)
            accs.append(accuracy(model, *test))
            times.append(sec)
            rows.append([accuracy(model, *by_attr[k]) for k in range(6)])
            n = model.n_params()
            print(f"  {arch} seed {seed}: test {100 * accs[-1]:5.1f}%  train {sec:5.1f} s  "
                  f"({n['total']} parameters, {n['input']} of them the embedding of the "
                  f"{len(lx.VOCAB)}-token vocabulary)", flush=True)
        print(f"{arch}: {100 * np.mean(accs):.1f}% (min {100 * min(accs):.1f}, max "
              f"{100 * max(accs):.1f}) over {len(seeds)} seeds; training {np.mean(times):.1f} s")
        mean = 100 * np.mean(rows, axis=0)
        print(f"  {arch} by attractors 0..5:  " + " / ".join(f"{v:.1f}" for v in mean))
        if arch == "lstm":
            print("  published (Linzen et al. 2016 data, 100-unit LSTM, via Merrill et al. "
                  "2019): " + " / ".join(f"{v:.1f}" for v in PUBLISHED_LSTM))


if __name__ == "__main__":
    main()
