"""The cached training pool (lstm_core/data/pool.py)."""
import numpy as np
import pytest

from lstm_core.data import grammar as g
from lstm_core.data import lexicon as lx
from lstm_core.data import pool


def test_pool_blocks_are_sentences_at_their_distance():
    blocks = pool.training_pool(0, 6)
    assert len(blocks) == 7
    for d, (x, y) in enumerate(blocks):
        assert len(x) == len(y) == max(pool.MIN_PER_DISTANCE, pool.POOL_SENTENCES // 7)
        assert not x.flags.writeable
        assert set(np.unique(y)) == {0, 1}
        # same stream as a fresh batch: the pool is the grammar's own sentences
        x2, y2, _ = g.agreement_batch(np.random.default_rng([pool.POOL_SEED, d]), len(y), d)
        assert np.array_equal(x, x2) and np.array_equal(y, y2)
    assert pool.training_pool(0, 6) is blocks          # cached


def test_pool_batch_draws_rows_trims_padding_and_drops_words():
    x_all, y_all = pool.training_pool(0, 6)[4]
    rows = {tuple(r[r != 0]): int(v) for r, v in zip(x_all, y_all)}
    x, y = pool.pool_batch(np.random.default_rng(0), 50, 4, 0, 6)
    assert (x != 0).any(0).all() or (x[:, 0] != 0).any()          # no all-padding column left
    for r, v in zip(x, y):
        assert rows[tuple(r[r != 0])] == v
    xd, _ = pool.pool_batch(np.random.default_rng(0), 50, 4, 0, 6, word_dropout=0.4)
    unk = np.isin(xd, [lx.WORD_TO_ID[c] for c in lx.UNK_CLASSES])
    assert unk.any() and (xd[~unk] == x[~unk]).all()
    with pytest.raises(ValueError):
        pool.pool_batch(np.random.default_rng(0), 5, 7, 0, 6)
