"""Number units, the statistics (pure NumPy): per-unit separability (AUC with ties, d') and the
cross-validated diagnostic classifier (L2 logistic regression per position).

    auc(v (B, ...), y (B,)) -> (...)            1 = plural always higher, 0.5 = no information
    dprime(v, y) -> (...)
    unit_scores(auc (P, H)) -> (H,)             mean |2 AUC - 1| after the subject: how well a unit holds the number
    probe_accuracy(v (B, P, F), y, folds=5, l2=1.0, seed=0) -> (mean (P,), std (P,))
    wilson(successes, n) -> (low, high)         the 95% Wilson score interval of a proportion
"""
from __future__ import annotations

import numpy as np

from lstm_core.experiments.number_units.sentences import _PROBE

STRONG_SCORE = 0.9      # a unit scoring above this tells singular from plural almost perfectly (a "number unit")


def _average_ranks(v: np.ndarray) -> np.ndarray:
    """Ranks 1..B along axis 0, ties get their average rank. v (B, C) -> (B, C) float64."""
    B, C = v.shape
    order = np.argsort(v, axis=0, kind="stable")
    sv = np.take_along_axis(v, order, 0)
    new = np.ones((B, C), dtype=bool)
    new[1:] = sv[1:] != sv[:-1]
    group = (np.cumsum(new.ravel(order="F")) - 1).reshape(C, B).T       # unique per tie group
    pos = np.broadcast_to(np.arange(1, B + 1, dtype=np.float64)[:, None], (B, C))
    mean_rank = np.bincount(group.ravel(), pos.ravel()) / np.bincount(group.ravel())
    ranks = np.empty((B, C))
    np.put_along_axis(ranks, order, mean_rank[group], 0)
    return ranks


def auc(v: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Area under the ROC curve of every column as a score for y = 1 (plural).

    v (B, ...) values, y (B,) in {0, 1} -> (...) in [0, 1]: 1 = plural always higher,
    0 = singular always higher, 0.5 = no information.
    """
    y = np.asarray(y).astype(bool)
    n1, n0 = int(y.sum()), int((~y).sum())
    if n1 == 0 or n0 == 0:
        raise ValueError("need sentences with both singular and plural subjects")
    shape = v.shape[1:]
    r = _average_ranks(np.asarray(v, dtype=np.float64).reshape(len(v), -1))
    a = (r[y].sum(0) - n1 * (n1 + 1) / 2) / (n1 * n0)
    return a.reshape(shape)


def unit_scores(auc_by_position: np.ndarray) -> np.ndarray:
    """(P, H) AUC at positions -1 .. distance (row 0 the token before the subject) -> (H,) float32, each
    unit's mean separability |2 AUC - 1| over positions 0 .. distance: the score number units are ranked by."""
    return np.abs(2 * np.asarray(auc_by_position)[1:] - 1).mean(0).astype(np.float32)


def dprime(v: np.ndarray, y: np.ndarray) -> np.ndarray:
    """d' = (mean_plural - mean_singular) / sqrt((var_plural + var_singular) / 2). (B, ...) -> (...)."""
    y = np.asarray(y).astype(bool)
    v1, v0 = v[y].astype(np.float64), v[~y].astype(np.float64)
    pooled = np.sqrt((v1.var(0) + v0.var(0)) / 2)
    return (v1.mean(0) - v0.mean(0)) / np.maximum(pooled, 1e-6)


def _fit_logistic(X: np.ndarray, y: np.ndarray, l2: float, iters: int = 60, tol: float = 1e-5) -> np.ndarray:
    """L2-regularised logistic regression, one per leading index, by Böhning's bound.

    X (P, N, D) with a bias column last, y (N,) -> w (P, D). The Hessian of the logistic loss is
    bounded by X^T X / 4, so w <- w - (X^T X / 4 + l2 I)^-1 grad decreases the loss every step
    (Böhning 1992): one factorisation per position instead of one per Newton step. 60 steps
    settle the held-out accuracy (checked against 300 steps on the shipped models).
    """
    P, N, D = X.shape
    reg = l2 * np.eye(D)
    reg[-1, -1] = 1e-8                                   # the bias is not penalised
    bound = np.linalg.inv(np.einsum("pnd,pne->pde", X, X) / 4 + reg)   # (P, D, D)
    w = np.zeros((P, D))
    for _ in range(iters):
        p = 1 / (1 + np.exp(-np.clip((X @ w[..., None])[..., 0], -30, 30)))     # (P, N)
        grad = (X.transpose(0, 2, 1) @ (p - y)[..., None])[..., 0] + w @ reg     # (P, D)
        step = (bound @ grad[..., None])[..., 0]
        w -= step
        if np.abs(step).max() < tol:
            break
    return w


def probe_accuracy(v: np.ndarray, y: np.ndarray, folds: int = 5, l2: float = 1.0, seed: int = 0):
    """Diagnostic classifier: a logistic-regression probe per position, cross-validated.

    v (B, P, F) features (e.g. all cell states at P positions), y (B,) subject number.
    Sentences are split into `folds` parts; each part is predicted by a probe trained on the
    others. Returns (mean (P,), std (P,)) held-out accuracy over the folds, float32.
    """
    v = np.asarray(v, dtype=np.float64)
    B, P, F = v.shape
    folds = int(min(max(folds, 2), B))
    y = np.asarray(y, dtype=np.float64)
    fold_of = np.empty(B, dtype=np.int64)
    fold_of[np.random.default_rng([int(seed), _PROBE]).permutation(B)] = np.arange(B) % folds
    acc = np.zeros((folds, P))
    for k in range(folds):
        train, test = fold_of != k, fold_of == k
        mu, sd = v[train].mean(0), v[train].std(0) + 1e-6            # (P, F)

        def design(rows):
            z = ((v[rows] - mu) / sd).transpose(1, 0, 2)             # (P, n, F)
            return np.concatenate([z, np.ones(z.shape[:2] + (1,))], -1)

        w = _fit_logistic(design(train), y[train], l2)
        score = np.einsum("pnd,pd->pn", design(test), w)             # (P, n_test)
        acc[k] = ((score > 0) == (y[test] > 0.5)).mean(1)
    return acc.mean(0).astype(np.float32), acc.std(0).astype(np.float32)


def wilson(successes, n, z: float = 1.959964) -> tuple[np.ndarray, np.ndarray]:
    """The Wilson score interval (95% by default) of the proportion successes / n, elementwise.
    Stays inside [0, 1] and is sensible at 0 and n successes (Wilson 1927). n = 0 -> (0, 1)."""
    k = np.asarray(successes, dtype=np.float64)
    n = np.asarray(n, dtype=np.float64)
    if np.any(k < 0) or np.any(k > n):
        raise ValueError("successes must be between 0 and n")
    safe = np.maximum(n, 1)
    p = k / safe
    centre = (p + z * z / (2 * safe)) / (1 + z * z / safe)
    half = z / (1 + z * z / safe) * np.sqrt(p * (1 - p) / safe + z * z / (4 * safe * safe))
    lo, hi = np.clip(centre - half, 0, 1), np.clip(centre + half, 0, 1)
    return np.where(n > 0, lo, 0.0), np.where(n > 0, hi, 1.0)
