"""The agreement grammar of issue 11 (lstm_core/data): shortcut baselines beside LSTM / RNN /
GRU trained on it, LSTM accuracy by attractors beside the published row, and wall times.

    python bench/bench_grammar.py                  # default recipe, 3 seeds, all three archs
    python bench/bench_grammar.py --archs lstm --seeds 0 --steps 800 --hidden 64

Training (same model as the app: lstm_core.models.SeqModel): each batch of 64 draws one distance
uniformly in 0..D, Adam, gradient clip 1, loss on the last step; test: fresh sentences at
distance D. One thread (torch.set_num_threads(1)); timings depend on the machine's load.
"""
from __future__ import annotations

import argparse
import time

import numpy as np
import torch

from lstm_core.data import baselines, grammar
from lstm_core.data import lexicon as lx
from lstm_core.models import SeqModel

# Linzen et al. 2016 data, 100-unit LSTM, as reported by Merrill et al. 2019 (attractors 0..5)
PUBLISHED_LSTM = (99.3, 95.3, 90.2, 84.3, 78.6, 74.2)


def train(arch: str, seed: int, steps: int, hidden: int, embed: int, distance: int,
          lr: float, word_dropout: float, batch: int = 64) -> tuple[SeqModel, float]:
    torch.manual_seed(seed)
    model = SeqModel(arch, len(lx.VOCAB), hidden, 2, embed_dim=embed)
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    rng = np.random.default_rng([seed, 0])
    t0 = time.perf_counter()
    for _ in range(steps):
        d = int(rng.integers(0, distance + 1))
        x, y, _ = grammar.agreement_batch(rng, batch, d, word_dropout=word_dropout)
        loss = torch.nn.functional.cross_entropy(model(torch.from_numpy(x))[:, -1],
                                                 torch.from_numpy(y))
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
    return model, time.perf_counter() - t0


def accuracy(model: SeqModel, x: np.ndarray, y: np.ndarray) -> float:
    with torch.no_grad():
        pred = model(torch.from_numpy(x))[:, -1].argmax(-1).numpy()
    return float((pred == y).mean())


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--archs", default="lstm,rnn,gru")
    p.add_argument("--seeds", default="0,1,2")
    p.add_argument("--steps", type=int, default=800)
    p.add_argument("--hidden", type=int, default=32)
    p.add_argument("--embed", type=int, default=32)
    p.add_argument("--lr", type=float, default=1e-2)
    p.add_argument("--distance", type=int, default=20)
    p.add_argument("--word-dropout", type=float, default=0.0)
    p.add_argument("--n-test", type=int, default=2000)
    a = p.parse_args()
    torch.set_num_threads(1)
    seeds = [int(s) for s in a.seeds.split(",")]
    print(f"vocabulary {len(lx.VOCAB)} tokens; grammar uses {len(grammar.NOUNS)} noun lemmas, "
          f"{len(grammar.VERBS)} verbs, {len(grammar.ADJECTIVES)} adjectives")
    t0 = time.perf_counter()
    xb, _, _ = grammar.agreement_batch(np.random.default_rng(9), 64 * 100, (0, a.distance))
    print(f"generating 100 batches of 64: {time.perf_counter() - t0:.2f} s")
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
            print(f"  {arch} seed {seed}: test {100 * accs[-1]:5.1f}%  train {sec:5.1f} s  "
                  f"({model.n_params()['total']} parameters)", flush=True)
        print(f"{arch}: {100 * np.mean(accs):.1f}% (min {100 * min(accs):.1f}, max "
              f"{100 * max(accs):.1f}) over {len(seeds)} seeds; training {np.mean(times):.1f} s")
        mean = 100 * np.mean(rows, axis=0)
        print(f"  {arch} by attractors 0..5:  " + " / ".join(f"{v:.1f}" for v in mean))
        if arch == "lstm":
            print("  published (Linzen et al. 2016 data, 100-unit LSTM, via Merrill et al. "
                  "2019): " + " / ".join(f"{v:.1f}" for v in PUBLISHED_LSTM))


if __name__ == "__main__":
    main()
