"""Property tests of the agreement grammar (lstm_core/data/grammar.py)."""
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lstm_core.data import grammar as g
from lstm_core.data import lexicon as lx


@st.composite
def controls(draw):
    d = draw(st.integers(0, 45))
    a = draw(st.one_of(st.none(), st.integers(0, g.max_attractors(d))))
    prefix = draw(st.one_of(st.none(), st.sampled_from(g.PREFIXES)))
    return draw(st.integers(0, 2**32 - 1)), d, a, prefix


@settings(max_examples=300, deadline=None)
@given(controls())
def test_label_distance_attractors_annotations(c):
    seed, d, a, prefix = c
    ex = g.agreement_example(np.random.default_rng(seed), d, a, prefix=prefix)
    toks = ex.tokens
    # label = the subject's number, read off the subject noun itself
    assert ex.roles[ex.subject_pos] == "subject"
    assert lx.NOUN_NUMBER[toks[ex.subject_pos]] == ex.label
    assert lx.VERB_NUMBER[toks[ex.verb_pos]] == ex.label and ex.roles[ex.verb_pos] == "verb"
    assert ex.distance == d == ex.verb_pos - ex.subject_pos - 1
    # intervening nouns: exactly those between subject and verb; attractors = opposite number
    between = [t for t in range(ex.subject_pos + 1, ex.verb_pos) if toks[t] in lx.NOUN_NUMBER
               and ex.roles[t] in ("noun", "attractor")]
    assert between == ex.noun_positions
    opposite = [t for t in between if lx.NOUN_NUMBER[toks[t]] != ex.label]
    assert opposite == ex.attractor_positions
    if a is not None:
        assert ex.n_attractors == a
    assert all(t < ex.subject_pos for t in ex.prefix_noun_positions)
    assert len(ex.roles) == len(ex.tags) == len(toks)
    assert all(w in lx.WORD_TO_ID for w in toks)
    assert not set(toks[:ex.verb_pos]) & lx.AMBIGUOUS_NOUNS
    # nothing else before the verb agrees with the subject: every other number-showing verb
    # before the target is in a clause or relative with its own noun
    for t in range(ex.verb_pos):
        if toks[t] in lx.VERB_NUMBER and t != ex.verb_pos:
            assert ex.roles[t] in ("clause-verb", "rel-verb"), (ex.text, t)


def test_first_noun_is_often_not_the_subject():
    _, _, exs = g.agreement_batch(np.random.default_rng(0), 3000, (0, 30))
    first = [min([t for t, w in enumerate(e.tokens[:e.verb_pos]) if w in lx.NOUN_NUMBER])
             for e in exs]
    not_subject = np.mean([f != e.subject_pos for f, e in zip(first, exs)])
    assert 0.6 < not_subject < 0.95
    first_label = np.mean([lx.NOUN_NUMBER[e.tokens[f]] == e.label for f, e in zip(first, exs)])
    assert first_label < 0.65


def test_every_construction_occurs():
    _, _, exs = g.agreement_batch(np.random.default_rng(1), 2000, (0, 30))
    seen = set().union(*(e.constructions for e in exs))
    assert seen == set(g.CONSTRUCTIONS)
    targets = {e.tokens[e.verb_pos] for e in exs}
    assert {"is", "are", "was", "were", "has", "have"} <= targets
    assert targets - {"is", "are", "was", "were", "has", "have"}      # lexical verbs too
    assert {"which", "who", "that", "and", ","} <= {w for e in exs for w in e.tokens}


def test_attractor_counts_exact_and_other_nouns_random():
    rng = np.random.default_rng(2)
    agree_prefix, n_prefix, n_between = 0, 0, []
    for k in range(5):
        _, y, exs = g.agreement_batch(rng, 800, 30, attractors=k)
        assert all(e.n_attractors == k for e in exs)
        assert abs(y.mean() - 0.5) < 0.07
        for e in exs:
            n_between.append(len(e.noun_positions))
            for t in e.prefix_noun_positions:
                n_prefix += 1
                agree_prefix += lx.NOUN_NUMBER[e.tokens[t]] == e.label
    # fronted nouns are fair coins, independent of the subject (binomial sd ~ 0.01 here)
    assert n_prefix > 1500 and abs(agree_prefix / n_prefix - 0.5) < 0.05
    assert len(set(n_between)) > 3        # the number of intervening nouns varies


def test_intervening_numbers_are_independent_without_attractor_control():
    _, _, exs = g.agreement_batch(np.random.default_rng(3), 1500, 30)
    same = [lx.NOUN_NUMBER[e.tokens[t]] == e.label for e in exs for t in e.noun_positions]
    assert abs(np.mean(same) - 0.5) < 0.03
    assert np.mean([e.tokens[e.noun_positions[-1]] in lx.NOUN_NUMBER and
                    lx.NOUN_NUMBER[e.tokens[e.noun_positions[-1]]] == e.label for e in exs]) < 0.6


def test_batch_layout_deterministic_and_dropout():
    a = g.agreement_batch(np.random.default_rng(5), 50, (0, 12))
    b = g.agreement_batch(np.random.default_rng(5), 50, (0, 12))
    assert np.array_equal(a[0], b[0]) and np.array_equal(a[1], b[1])
    x, y, exs = a
    assert x.dtype == np.int64 and y.dtype == np.int64 and x.shape[0] == 50
    for row, e in zip(x, exs):
        ids = e.ids
        assert list(row[len(row) - len(ids):]) == ids and not row[:len(row) - len(ids)].any()
    xd, yd, exd = g.agreement_batch(np.random.default_rng(5), 400, 20, word_dropout=0.3)
    unk = np.isin(xd, [lx.WORD_TO_ID[c] for c in lx.UNK_CLASSES])
    frac = unk.sum() / (xd != 0).sum()
    assert 0.2 < frac < 0.35
    assert (xd != 0).sum() == sum(len(e.ids) for e in exd)


def test_two_clause_batch():
    x, y, exs = g.two_clause_batch(np.random.default_rng(4), 300, 6, 10)
    for e in exs:
        assert lx.NOUN_NUMBER[e.tokens[e.subject_pos]] == e.label
        assert lx.NOUN_NUMBER[e.tokens[e.subject1_pos]] == e.label1
        assert e.distance == 10 and e.verb1_pos - e.subject1_pos - 1 == 6
    assert abs(np.mean([e.label == e.label1 for e in exs]) - 0.5) < 0.1


@pytest.mark.parametrize("d, a", [(-1, None), (5, 2), (3, -1)])
def test_bad_controls(d, a):
    with pytest.raises(ValueError):
        g.agreement_example(np.random.default_rng(0), d, a)


def test_bad_prefix_and_dropout():
    with pytest.raises(ValueError):
        g.agreement_example(np.random.default_rng(0), 3, prefix="nope")
    with pytest.raises(ValueError):
        g.agreement_batch(np.random.default_rng(0), 3, 3, word_dropout=1.0)
