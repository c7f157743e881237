"""Core speed: glass trace + per-timestep gradients vs torch's fused module (forward + backward).

    python bench/bench_core.py            # prints a table; goal T=100, H=64, B=1: <= 10 ms and <= 3x fused
"""

import os
import sys
import time

import torch

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from lstm_core import GlassLSTM, GlassRNN  # noqa: E402


def best_ms(fn, repeats):
    """Median of `repeats` timed calls after a warm-up, in milliseconds."""
    fn()
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    times.sort()
    return 1e3 * times[len(times) // 2]


def case(kind, T, H, B, repeats):
    torch.manual_seed(0)
    m = (torch.nn.LSTM if kind == "lstm" else torch.nn.RNN)(16, H, batch_first=True)
    glass = (GlassLSTM if kind == "lstm" else GlassRNN).from_torch(m)
    readout = torch.nn.Linear(H, 2)
    x = torch.randn(B, T, 16)
    y = torch.zeros(B, dtype=torch.long)

    def loss_fn(h):
        return torch.nn.functional.cross_entropy(readout(h), y)

    def fused():
        out, _ = m(x)
        loss_fn(out[:, -1]).backward()

    t_fused = best_ms(fused, repeats)
    t_glass = best_ms(lambda: glass.trace(x, loss_fn=loss_fn), repeats)
    return t_fused, t_glass


def main():
    torch.set_num_threads(int(os.environ.get("LSTMLAB_THREADS", "1")))
    print(f"torch {torch.__version__}, threads={torch.get_num_threads()}")
    print(f"{'cell':5} {'T':>5} {'H':>4} {'B':>4} {'fused fwd+bwd':>14} {'glass trace+grads':>18} {'ratio':>6}")
    for kind, T, H, B, rep in [("lstm", 100, 64, 1, 200), ("lstm", 1000, 64, 1, 20), ("lstm", 100, 64, 256, 10),
                               ("rnn", 100, 64, 1, 200)]:
        f, g = case(kind, T, H, B, rep)
        print(f"{kind:5} {T:5d} {H:4d} {B:4d} {f:11.2f} ms {g:15.2f} ms {g / f:5.1f}x")


if __name__ == "__main__":
    main()
