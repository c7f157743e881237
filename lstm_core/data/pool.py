"""A cached pool of agreement training sentences, one block per distance.

Generating a sentence in Python costs ~0.2 ms, so a training run of 800 batches of 64 would
spend most of its time writing sentences. Training batches are therefore drawn (with
replacement) from a pool generated once per process for each distance range and reused by every
run; word dropout is drawn fresh for every batch. Test sentences are always freshly generated
(lstm_core.training.trainer.evaluate), never taken from the pool.
"""
from __future__ import annotations

import functools

import numpy as np

from lstm_core.data import grammar

POOL_SENTENCES = 32768      # sentences per pool, spread evenly over its distances
MIN_PER_DISTANCE = 256
POOL_SEED = 20261130
_BUILT: set = set()         # (lo, hi) ranges built in this process (for the time estimate)


@functools.lru_cache(maxsize=4)
def training_pool(lo: int, hi: int) -> tuple[tuple[np.ndarray, np.ndarray], ...]:
    """For each distance d in lo..hi: (x (m, T_d) left-padded ids, y (m,)) with
    m = max(MIN_PER_DISTANCE, POOL_SENTENCES // (hi - lo + 1)) sentences, random intervening
    nouns, no word dropout. Deterministic; cached per process (read-only arrays)."""
    lo, hi = int(lo), int(hi)
    if not 0 <= lo <= hi:
        raise ValueError(f"distance range ({lo}, {hi}) is empty or negative")
    m = sentences_per_distance(lo, hi)
    out = []
    for d in range(lo, hi + 1):
        x, y, _ = grammar.agreement_batch(np.random.default_rng([POOL_SEED, d]), m, d)
        x.setflags(write=False)
        y.setflags(write=False)
        out.append((x, y))
    _BUILT.add((lo, hi))
    return tuple(out)


def sentences_per_distance(lo: int, hi: int) -> int:
    """Sentences per distance in training_pool(lo, hi)."""
    return max(MIN_PER_DISTANCE, POOL_SENTENCES // (int(hi) - int(lo) + 1))


def is_built(lo: int, hi: int) -> bool:
    """Has this process built training_pool(lo, hi)? (Kept after the cache evicts it: an
    estimate that errs low by one rebuild, after more than four distance ranges.)"""
    return (int(lo), int(hi)) in _BUILT


def pool_batch(rng: np.random.Generator, n: int, distance: int, lo: int, hi: int,
               word_dropout: float = 0.0) -> tuple[np.ndarray, np.ndarray]:
    """n sentences at `distance` (lo <= distance <= hi) drawn with replacement from
    training_pool(lo, hi), left padding trimmed to the longest drawn, then word dropout."""
    if not lo <= distance <= hi:
        raise ValueError(f"distance {distance} is outside the pool's range {lo}..{hi}")
    x, y = training_pool(lo, hi)[distance - lo]
    idx = rng.integers(0, len(y), int(n))
    xb = x[idx]
    start = int(np.argmax((xb != 0).any(0))) if xb.size else 0
    return grammar.drop_words(rng, xb[:, start:], word_dropout), y[idx].copy()
