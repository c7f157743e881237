"""The masked-subject task's generator: what the model reads, where the label sits, and that nothing
up to the subject tells its number (the answer lies after the token)."""
import numpy as np
import pytest

from lstm_core.data import lexicon as lx
from lstm_core.data.masked_subject import IGNORE, MASK, MASK_ID, masked_subject_batch, masked_tokens, subject_col


@pytest.mark.parametrize("distance", [0, 1, 7, 30])
def test_layout_mask_label_and_verb(distance):
    x, y, examples = masked_subject_batch(np.random.default_rng(distance), 200, distance)
    col = subject_col(x, distance)
    assert x.dtype == np.int64 and x.shape == y.shape
    assert (x[:, col] == MASK_ID).all()                                # the subject is masked in every row
    assert ((y != IGNORE).sum(1) == 1).all() and (y[:, col] != IGNORE).all()
    assert set(np.unique(y[:, col])) <= {lx.SINGULAR, lx.PLURAL}
    for b, ex in enumerate(examples):
        tokens = masked_tokens(ex)
        assert tokens[ex.subject_pos] == MASK and tokens[-1] == ex.tokens[ex.verb_pos]
        assert lx.VERB_NUMBER[tokens[-1]] == y[b, col] == ex.label      # the verb (last token) gives the answer
        assert [lx.VOCAB[i] for i in x[b] if i] == tokens               # left padding only
        assert ex.distance == distance
    assert (x == MASK_ID).sum() == len(x)                              # MASK stands for the subject only


def test_both_numbers_and_attractors():
    x, y, ex = masked_subject_batch(np.random.default_rng(1), 400, 30, attractors=3)
    labels = y[:, subject_col(x, 30)]
    assert 0.4 < labels.mean() < 0.6
    assert all(e.n_attractors == 3 for e in ex)


def test_nothing_up_to_the_subject_tells_its_number():
    """Over 3000 sentences, no word at or before the subject is associated with the subject's number:
    every word's rate of plural subjects stays within sampling noise of the overall rate, and the number
    of number-marked words before the subject does not move with the label."""
    x, y, ex = masked_subject_batch(np.random.default_rng(7), 3000, 12)
    col = subject_col(x, 12)
    label = y[:, col].astype(float)
    before = x[:, :col + 1]
    for word in np.unique(before):
        rows = (before == word).any(1)
        n = int(rows.sum())
        if n >= 200 and n <= len(x) - 200:
            rate = label[rows].mean()
            assert abs(rate - label.mean()) < 4 * np.sqrt(0.25 / n), (lx.VOCAB[word], n, rate)
    marked = np.array([[lx.NOUN_NUMBER.get(lx.VOCAB[i], -1) for i in row] for row in before])
    plural_words = (marked == lx.PLURAL).sum(1) - (marked == lx.SINGULAR).sum(1)
    assert abs(np.corrcoef(plural_words, label)[0, 1]) < 0.06


def test_bad_size():
    with pytest.raises(ValueError):
        masked_subject_batch(np.random.default_rng(0), 0, 5)
