"""The other long-dependency tasks, all deterministic given a numpy Generator, as plain numpy arrays:

1. Adding problem (Hochreiter & Schmidhuber 1997 exp. 4, in Arjovsky et al. 2016's form).
2. Copy memory (Arjovsky et al. 2016).
3. Temporal order (Hochreiter & Schmidhuber 1997 exp. 6a).
"""
from __future__ import annotations

import numpy as np


# ----------------------------------------------------------------------------------------
# Adding problem

def adding_batch(rng: np.random.Generator, n: int, length: int):
    """x (n, T, 2) float32: channel 0 values ~ U[0,1], channel 1 markers (exactly two 1s:
    one in the first half, one in the second half); y (n,) float32 = sum of the two marked
    values. Predicting 1 always gives MSE = Var(U+U) = 1/6 ~ 0.167 (the baseline)."""
    T = int(length)
    if T < 2:
        raise ValueError(f"adding problem needs length >= 2, got {T}")
    values = rng.random((n, T)).astype(np.float32)
    half = T // 2
    first = rng.integers(0, half, size=n)
    second = rng.integers(half, T, size=n)
    markers = np.zeros((n, T), dtype=np.float32)
    markers[np.arange(n), first] = 1.0
    markers[np.arange(n), second] = 1.0
    y = values[np.arange(n), first] + values[np.arange(n), second]
    return np.stack([values, markers], axis=-1), y.astype(np.float32)


ADDING_BASELINE_MSE = 1.0 / 6.0


# ----------------------------------------------------------------------------------------
# Copy memory

def copy_batch(rng: np.random.Generator, n: int, length: int, n_symbols: int = 8,
               n_copy: int = 10):
    """Arjovsky et al. 2016 copy memory. Symbols 1..n_symbols, blank 0, delimiter
    n_symbols+1. Input: n_copy symbols, `length` blanks with the delimiter at the last of
    them, n_copy blanks. Target: blanks everywhere except the last n_copy steps, which must
    repeat the symbols. x, y: (n, length + 2*n_copy) int64. Chance cross-entropy for the
    memoryless baseline is n_copy*log(n_symbols)/(length + 2*n_copy)."""
    T = int(length)
    if T < 1:
        raise ValueError(f"copy memory needs length >= 1, got {T}")
    seq = rng.integers(1, n_symbols + 1, size=(n, n_copy))
    x = np.zeros((n, T + 2 * n_copy), dtype=np.int64)
    y = np.zeros_like(x)
    x[:, :n_copy] = seq
    x[:, n_copy + T - 1] = n_symbols + 1
    y[:, -n_copy:] = seq
    return x, y


# ----------------------------------------------------------------------------------------
# Temporal order

TEMPORAL_SYMBOLS = ["a", "b", "c", "d", "X", "Y", "B", "E"]  # ids 0..7


def temporal_order_batch(rng: np.random.Generator, n: int, length: int = 100):
    """Hochreiter & Schmidhuber 1997 exp. 6a, positions scaled to `length` (100 ~ the
    paper's 100..110). Sequence: B, distractors from {a,b,c,d}, two relevant symbols X/Y at
    t1 in [0.1T, 0.2T] and t2 in [0.5T, 0.6T], E at the end. Class = order of the two
    (XX=0, XY=1, YX=2, YY=3). x (n, T) int64, y (n,) int64."""
    T = int(length)
    if T < 10:
        raise ValueError(f"temporal order needs length >= 10, got {T}")
    x = rng.integers(0, 4, size=(n, T))
    x[:, 0], x[:, -1] = 6, 7
    t1 = rng.integers(max(1, T // 10), max(2, T // 5) + 1, size=n)
    t2 = rng.integers(T // 2, max(T // 2 + 1, 3 * T // 5) + 1, size=n)
    s1, s2 = rng.integers(2, size=n), rng.integers(2, size=n)
    rows = np.arange(n)
    x[rows, t1] = 4 + s1
    x[rows, t2] = 4 + s2
    return x.astype(np.int64), (2 * s1 + s2).astype(np.int64)
