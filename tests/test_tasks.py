"""Properties of the task generators and the tokenizer."""
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lstm_core.data import agreement, sequences
from lstm_core.data.agreement import (NOUN_NUMBER, VOCAB, agreement_batch, agreement_example,
                             decode, encode, max_attractors, split_at_verb)


def rng(seed=0):
    return np.random.default_rng(seed)


@settings(max_examples=150, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), distance=st.integers(0, 120),
       attractors=st.one_of(st.none(), st.integers(0, 40)))
def test_agreement_example_annotations(seed, distance, attractors):
    if attractors is not None and attractors > max_attractors(distance):
        with pytest.raises(ValueError, match="attractors do not fit"):
            agreement_example(rng(seed), distance, attractors)
        return
    ex = agreement_example(rng(seed), distance, attractors)
    toks = ex.tokens
    # distance = tokens strictly between subject and verb, exactly as asked
    assert ex.distance == distance == ex.verb_pos - ex.subject_pos - 1
    # label = number of the subject noun = number of the verb written at verb_pos
    assert NOUN_NUMBER[toks[ex.subject_pos]] == ex.label
    assert agreement.VERB_WORDS[toks[ex.verb_pos]] == ex.label
    assert ex.verb_pos == len(toks) - 1
    # the subject is the first noun; intervening nouns are exactly the annotated ones
    nouns = [t for t, w in enumerate(toks) if w in NOUN_NUMBER]
    assert nouns[0] == ex.subject_pos
    assert nouns[1:] == ex.noun_positions
    assert all(ex.subject_pos < t < ex.verb_pos for t in ex.noun_positions)
    # attractors = intervening nouns of the opposite number
    opposite = [t for t in ex.noun_positions if NOUN_NUMBER[toks[t]] != ex.label]
    assert ex.attractor_positions == opposite
    assert ex.n_attractors == len(opposite)
    if attractors is not None:
        assert ex.n_attractors == attractors
    # no other word reveals number: only the subject and the verb are number-marked
    marked = [t for t, w in enumerate(toks) if w in NOUN_NUMBER or w in agreement.VERB_WORDS]
    assert set(marked) == {ex.subject_pos, ex.verb_pos, *ex.noun_positions}
    assert all(w in agreement.WORD_TO_ID for w in toks)
    # the model's input is everything before the verb
    assert decode(ex.ids) == toks[:ex.verb_pos]


def test_determinism_and_seed_sensitivity():
    a = agreement_batch(rng(7), 50, (0, 30))
    b = agreement_batch(rng(7), 50, (0, 30))
    c = agreement_batch(rng(8), 50, (0, 30))
    assert np.array_equal(a[0], b[0]) and np.array_equal(a[1], b[1])
    assert [e.text for e in a[2]] == [e.text for e in b[2]]
    assert [e.text for e in a[2]] != [e.text for e in c[2]]
    for f, kw in [(sequences.adding_batch, dict(length=50)), (sequences.copy_batch, dict(length=20)),
                  (sequences.temporal_order_batch, dict(length=60))]:
        x1, y1 = f(rng(3), 16, **kw)
        x2, y2 = f(rng(3), 16, **kw)
        assert np.array_equal(x1, x2) and np.array_equal(y1, y2)


def test_batch_left_padding_and_labels():
    x, y, exs = agreement_batch(rng(1), 200, (0, 20))
    assert x.dtype == np.int64 and x.shape[0] == 200 and y.shape == (200,)
    for row, label, ex in zip(x, y, exs):
        ids = ex.ids
        assert list(row[len(row) - len(ids):]) == ids          # right-aligned
        assert (row[:len(row) - len(ids)] == 0).all()          # <pad> = 0 in front
        assert label == ex.label
        assert 0 <= ex.distance <= 20
    # both labels and many distances occur
    assert 0.35 < y.mean() < 0.65
    assert len({e.distance for e in exs}) > 15


def test_intervening_nouns_carry_no_label_information():
    """By default the last intervening noun's number is independent of the label, so a
    short-memory model cannot cheat; with attractors=0 every intervening noun agrees."""
    _, y, exs = agreement_batch(rng(2), 4000, 30)
    last = np.array([NOUN_NUMBER[e.tokens[e.noun_positions[-1]]] for e in exs])
    agree = (last == y).mean()
    assert abs(agree - 0.5) < 0.04, agree
    _, y0, exs0 = agreement_batch(rng(2), 300, 30, attractors=0)
    assert all(NOUN_NUMBER[e.tokens[t]] == e.label for e in exs0 for t in e.noun_positions)
    _, _, exs3 = agreement_batch(rng(2), 300, 30, attractors=3)
    assert all(e.n_attractors == 3 for e in exs3)


def test_vocabulary_is_real_english():
    assert len(agreement.NOUNS) >= 20
    assert ("bus", "buses") in agreement.NOUNS and ("child", "children") in agreement.NOUNS
    assert VOCAB[0] == agreement.PAD and len(set(VOCAB)) == len(VOCAB)
    assert set(agreement.DETERMINERS).isdisjoint({"a", "an", "this", "these", "every", "many"})


def test_encode_handles_case_and_punctuation():
    ids = encode("The Keys, near the OLD cabinet... are!")
    assert decode(ids) == ["the", "keys", "near", "the", "old", "cabinet", "are"]
    before, verb = split_at_verb(ids)
    assert decode(before) == ["the", "keys", "near", "the", "old", "cabinet"] and verb == 6
    assert split_at_verb(encode("the keys"))[1] is None


def test_encode_names_every_unknown_word_with_suggestions():
    with pytest.raises(ValueError) as e:
        encode("The keyz near teh zebra are")
    msg = str(e.value)
    assert "'keyz'" in msg and "'teh'" in msg and "'zebra'" in msg
    assert "'key'" in msg and "'the'" in msg          # close matches are suggested
    assert "'near'" not in msg.split("The model")[0]   # known words are not listed
    with pytest.raises(ValueError, match="empty"):
        encode("  ,.!  ")
    with pytest.raises(ValueError, match="unknown word"):
        encode("<pad> cat")


def test_invalid_controls():
    with pytest.raises(ValueError, match="distance"):
        agreement_example(rng(), -1)
    with pytest.raises(ValueError, match="attractors"):
        agreement_example(rng(), 5, attractors=2)
    with pytest.raises(ValueError):
        sequences.adding_batch(rng(), 4, 1)


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


@settings(max_examples=100, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), d1=st.integers(0, 20), d2=st.integers(0, 40))
def test_two_clause_sentences(seed, d1, d2):
    """Label = clause 2's subject; clause 1's verb agrees with clause 1's subject; both distances
    exactly as asked; the input is everything before clause 2's verb, left-padded."""
    x, y, exs = agreement.two_clause_batch(rng(seed), 6, d1, d2)
    assert x.shape[0] == len(y) == len(exs) == 6
    for row, label, ex in zip(x, y, exs):
        toks = ex.tokens
        assert ex.label == label == NOUN_NUMBER[toks[ex.subject_pos]] == agreement.VERB_WORDS[toks[ex.verb_pos]]
        assert ex.label1 == NOUN_NUMBER[toks[ex.subject1_pos]] == agreement.VERB_WORDS[toks[ex.verb1_pos]]
        assert ex.verb1_pos - ex.subject1_pos - 1 == d1 and ex.distance == d2
        assert ex.subject1_pos < ex.verb1_pos < ex.subject_pos < ex.verb_pos == len(toks) - 1
        assert toks[ex.verb1_pos + 1] in agreement.ADJECTIVES               # "... are old | the dog ..."
        ids = [i for i in row.tolist() if i != 0]
        assert decode(ids) == toks[:ex.verb_pos] and row[-1] != 0


def test_two_clause_first_subject_says_nothing_about_the_answer():
    _, y, exs = agreement.two_clause_batch(rng(3), 4000, 4, 6)
    same = np.mean([e.label1 == e.label for e in exs])
    assert abs(same - 0.5) < 0.04 and abs(y.mean() - 0.5) < 0.04
