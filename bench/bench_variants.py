"""Cost and accuracy of Greff et al.'s LSTM variants at the shipped recipe (issue 16).

    python bench/bench_variants.py                 # seed 0
    python bench/bench_variants.py --seeds 0 1 2   # more seeds (mean and spread)
    python bench/bench_variants.py --compile       # also time torch.compile (slow to compile)

1. Training: every arch (the fused nn.LSTM and the 9 TorchScript variants) trained by the real
   trainer, train(TrainConfig(arch=..., seed=s)) = agreement d=30, hidden 32, embed 32,
   batch 64, Adam 5e-3, clip 1, 400 steps, gradient probe every 25 steps; one thread. Prints
   median wall seconds of train() (training + test evaluation), the ratio to the fused LSTM's, the
   recurrent parameter count and the test accuracy (1000 fresh sentences at d=30).
2. Recurrent module alone, forward + backward at B=64, T=40, I=H=32: the fused nn.LSTM, the
   variant's scripted forward with written-out BPTT (what trains), the same scripted step run
   under autograd (what the first version did), and with --compile torch.compile of the
   python loop (compile time printed separately; it recompiles for every new T, and the
   agreement batches have T from 3 to 33+).
Timings are wall-clock on whatever machine runs this; on a shared machine they are noisy.
"""
from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import torch  # noqa: E402

from lstm_core.training.trainer import TrainConfig, train  # noqa: E402
from lstm_core.cells.variants import VARIANT_ARCHS, VariantLSTM, spec_for_arch  # noqa: E402


def train_table(seeds, repeats=1):
    archs = ("lstm",) + VARIANT_ARCHS
    rows = {arch: ([], [], None) for arch in archs}
    runs = [(s, r) for s in seeds for r in range(repeats)]
    for s, r in runs:                   # runs outside, archs inside: load drift hits every arch alike
        for arch in archs:
            t0 = time.perf_counter()
            res = train(TrainConfig(arch=arch, seed=s))
            rows[arch][0].append(time.perf_counter() - t0)
            if r == 0:                  # a repeat of a seed gives the same accuracy: count it once
                rows[arch][1].append(res.test["test_accuracy"])
            rows[arch] = (*rows[arch][:2], res.model.n_params()["recurrent"])
            print(f"  seed {s} {arch}: {rows[arch][0][-1]:.1f} s, acc {rows[arch][1][-1]:.3f}",
                  file=sys.stderr, flush=True)
    base = statistics.median(rows["lstm"][0])
    print(f"\n1. Agreement d=30, shipped recipe, seeds {list(seeds)} x {repeats} timed run(s) each, one thread")
    print(f"{'arch':<11}{'variant':<46}{'params':>7}{'median s':>9}{'x LSTM':>8}{'accuracy':>26}")
    for arch, (times, accs, n) in rows.items():
        desc = "fused torch.nn.LSTM" if arch == "lstm" else spec_for_arch(arch).description
        acc = f"{statistics.mean(accs):.3f}" + (f" ± {statistics.stdev(accs):.3f}" if len(accs) > 1 else "")
        acc += f" (min {min(accs):.3f})" if len(accs) > 1 else ""
        print(f"{arch:<11}{desc:<46}{n:>7}{statistics.median(times):>9.1f}{statistics.median(times) / base:>8.2f}{acc:>26}")


def time_it(fn, n=20):
    for _ in range(3):
        fn()
    ts = []
    for _ in range(n):
        t0 = time.perf_counter()
        fn()
        ts.append(time.perf_counter() - t0)
    return statistics.median(ts) * 1e3


def module_table(compile_too: bool):
    B, T, I, H = 64, 40, 32, 32
    x = torch.randn(B, T, I)

    def fwd_bwd(run):
        def step():
            out = run(x)
            out[:, -1].square().sum().backward()
        return step

    lstm = torch.nn.LSTM(I, H, batch_first=True)
    print(f"\n2. Recurrent module forward + backward, B={B}, T={T}, I=H={H}, one thread (median ms)")
    base = time_it(fwd_bwd(lambda v: lstm(v)[0]))
    print(f"{'fused nn.LSTM':<52}{base:>8.2f}{1:>7.2f}x")
    for name in ("NP", "V", "CIFG", "FGR"):
        m = VariantLSTM(I, H, name)
        ms = time_it(fwd_bwd(lambda v, m=m: m(v)[0]))
        print(f"{name + ': scripted forward + written-out BPTT':<52}{ms:>8.2f}{ms / base:>7.2f}x")
        ms = time_it(fwd_bwd(lambda v, m=m: torch.stack(m.unrolled_states(v)[0], 1)), n=5)
        print(f"{name + ': scripted step under autograd':<52}{ms:>8.2f}{ms / base:>7.2f}x")
    if compile_too:
        m = VariantLSTM(I, H, "V")
        compiled = torch.compile(lambda v: torch.stack(m.unrolled_states(v)[0], 1))
        t0 = time.perf_counter()
        fwd_bwd(compiled)()
        first = time.perf_counter() - t0
        ms = time_it(fwd_bwd(compiled), n=10)
        print(f"{'V: torch.compile of the python loop':<52}{ms:>8.2f}{ms / base:>7.2f}x"
              f"   (first call, compiling: {first:.0f} s, for one T)")


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--seeds", type=int, nargs="+", default=[0])
    p.add_argument("--repeats", type=int, default=1, help="timed runs per seed (median time)")
    p.add_argument("--compile", action="store_true")
    p.add_argument("--skip-train", action="store_true")
    args = p.parse_args()
    torch.set_num_threads(1)
    if not args.skip_train:
        train_table(args.seeds, args.repeats)
    module_table(args.compile)


if __name__ == "__main__":
    main()
