"""Properties of the adding, copy and temporal-order generators (the agreement grammar: test_grammar.py)."""
import numpy as np

from lstm_core.data import sequences


def rng(seed=0):
    return np.random.default_rng(seed)


def test_adding_problem():
    x, y = sequences.adding_batch(rng(0), 20000, 100)
    assert x.shape == (20000, 100, 2) and y.shape == (20000,)
    m = x[..., 1]
    assert (m.sum(1) == 2).all()
    assert (m[:, :50].sum(1) == 1).all() and (m[:, 50:].sum(1) == 1).all()
    assert np.allclose(y, (x[..., 0] * m).sum(1))
    # predicting 1 gives the 1/6 baseline
    assert abs(((y - 1) ** 2).mean() - sequences.ADDING_BASELINE_MSE) < 0.01


def test_copy_memory():
    x, y = sequences.copy_batch(rng(0), 32, length=15, n_symbols=8, n_copy=10)
    assert x.shape == y.shape == (32, 35)
    assert ((x[:, :10] >= 1) & (x[:, :10] <= 8)).all()
    assert (x[:, 10 + 14] == 9).all() and (x[:, 10:24] == 0).all() and (x[:, 25:] == 0).all()
    assert np.array_equal(y[:, -10:], x[:, :10]) and (y[:, :-10] == 0).all()


def test_temporal_order():
    T = 100
    x, y = sequences.temporal_order_batch(rng(0), 500, T)
    assert x.shape == (500, T) and (x[:, 0] == 6).all() and (x[:, -1] == 7).all()
    for row, label in zip(x, y):
        rel = np.flatnonzero((row == 4) | (row == 5))
        assert len(rel) == 2
        assert 10 <= rel[0] <= 20 and 50 <= rel[1] <= 60
        assert label == 2 * (row[rel[0]] - 4) + (row[rel[1]] - 4)
    assert set(np.unique(y)) == {0, 1, 2, 3}
