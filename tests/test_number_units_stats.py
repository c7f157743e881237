"""lstm_core.experiments.number_units.stats: AUC with ties, d', the logistic fit and the
cross-validated probe, each checked against an independent computation."""
import itertools

import numpy as np
import pytest

from lstm_core.experiments.number_units import stats


def brute_auc(v, y):
    """P(plural value > singular value) + 0.5 P(tie), over all pairs."""
    pos, neg = v[y == 1], v[y == 0]
    diff = pos[:, None] - neg[None, :]
    return (diff > 0).mean() + 0.5 * (diff == 0).mean()


def test_auc_matches_pairwise_definition_with_ties():
    rng = np.random.default_rng(0)
    y = rng.integers(0, 2, 60)
    v = rng.integers(0, 5, size=(60, 3, 4)).astype(np.float32)      # many ties
    a = stats.auc(v, y)
    for p, h in itertools.product(range(3), range(4)):
        assert a[p, h] == pytest.approx(brute_auc(v[:, p, h], y), abs=1e-12)


def test_auc_extremes_and_constant():
    y = np.array([0, 0, 0, 1, 1, 1])
    v = np.stack([np.arange(6.0), -np.arange(6.0), np.ones(6)], 1)
    assert stats.auc(v, y).tolist() == [1.0, 0.0, 0.5]
    with pytest.raises(ValueError, match="both singular and plural"):
        stats.auc(v, np.zeros(6))


def test_dprime():
    v = np.array([0.0, 2.0, 4.0, 6.0])[:, None]
    y = np.array([0, 0, 1, 1])
    assert stats.dprime(v, y)[0] == pytest.approx(4.0)                  # (5 - 1) / 1


def test_logistic_fit_reaches_the_regularised_optimum():
    """Böhning's bound steps land where Newton's method lands (a different algorithm)."""
    rng = np.random.default_rng(1)
    N, D = 200, 5
    X = np.concatenate([rng.normal(size=(2, N, D - 1)), np.ones((2, N, 1))], -1)
    w_true = rng.normal(size=D)
    y = (rng.random(N) < 1 / (1 + np.exp(-X[0] @ w_true))).astype(float)
    w = stats._fit_logistic(X, y, l2=1.0, iters=2000, tol=1e-12)
    reg = np.eye(D)
    reg[-1, -1] = 1e-8
    for p in range(2):
        v = np.zeros(D)
        for _ in range(50):
            q = 1 / (1 + np.exp(-X[p] @ v))
            grad = X[p].T @ (q - y) + reg @ v
            hess = X[p].T @ (X[p] * (q * (1 - q))[:, None]) + reg
            v -= np.linalg.solve(hess, grad)
        np.testing.assert_allclose(w[p], v, atol=1e-6)


def test_probe_reads_an_informative_position_and_not_a_noise_one():
    rng = np.random.default_rng(2)
    B, F = 400, 8
    y = rng.integers(0, 2, B)
    v = rng.normal(size=(B, 2, F))
    v[:, 0, 3] += 3.0 * (2 * y - 1)                                  # position 0 carries the label
    mean, std = stats.probe_accuracy(v, y, seed=0)
    assert mean.dtype == np.float32 and mean.shape == (2,) and std.shape == (2,)
    assert mean[0] > 0.95
    assert 0.35 < mean[1] < 0.65                                     # held-out: noise stays at chance


def test_wilson_against_the_normal_approximation_and_known_values():
    lo, hi = stats.wilson(0, 10)
    assert lo == 0 and hi == pytest.approx(0.2775, abs=1e-4)              # Wilson (1927), k = 0
    lo, hi = stats.wilson(50, 100)
    assert (lo, hi) == (pytest.approx(0.4038, abs=1e-4), pytest.approx(0.5962, abs=1e-4))
    # for large n it approaches p +- 1.96 sqrt(p(1-p)/n)
    k, n = np.array([300, 8000]), np.array([1000, 10000])
    lo, hi = stats.wilson(k, n)
    p = k / n
    half = 1.959964 * np.sqrt(p * (1 - p) / n)
    np.testing.assert_allclose(lo, p - half, atol=2e-3)
    np.testing.assert_allclose(hi, p + half, atol=2e-3)
    assert np.all(lo < p) and np.all(p < hi)
    with pytest.raises(ValueError):
        stats.wilson(11, 10)
