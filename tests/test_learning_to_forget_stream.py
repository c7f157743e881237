"""The continual stream (lstm_core.data.stream): property tests of what a model reads and is asked."""
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as hs

from lstm_core.data import grammar, stream as st
from lstm_core.data import lexicon as lx

SEEDS = hs.integers(0, 2**32 - 1)
FORMS = list(grammar.AUX) + [v[:2] for v in grammar.VERBS]     # (singular, plural) target verbs


def _agrees(verb: str, number: int) -> bool:
    """verb is a target verb form of this number and not of the other."""
    return any(verb == p[number] for p in FORMS) and not any(verb == p[1 - number] for p in FORMS)


@settings(max_examples=25, deadline=None)
@given(seed=SEEDS, n=hs.integers(1, 12), lo=hs.integers(0, 8), extra=hs.integers(0, 6))
def test_labels_at_the_verbs_are_the_subject_of_the_current_sentence(seed, n, lo, extra):
    s = st.make_stream(np.random.default_rng(seed), n, (lo, lo + extra))
    toks = s.tokens
    assert s.n_sentences == n and len(toks) == len(s)
    ends = np.append(s.starts[1:], len(s))
    for k in range(n):
        a, b = s.starts[k], ends[k]
        assert a <= s.subjects[k] < s.verbs[k] < b
        # the subject noun's number is the label, and the verb's number agrees with it
        assert lx.NOUN_NUMBER[toks[s.subjects[k]]] == s.labels[k]
        assert s.distances[k] == s.verbs[k] - s.subjects[k] - 1
        assert lo <= s.distances[k] <= lo + extra
        assert _agrees(toks[s.verbs[k]], s.labels[k])


@settings(max_examples=25, deadline=None)
@given(seed=SEEDS, n=hs.integers(1, 10))
def test_targets_only_at_the_answer_steps_and_the_sentences_tile_the_stream(seed, n):
    s = st.make_stream(np.random.default_rng(seed), n)
    y = s.targets()
    assert np.flatnonzero(y != st.IGNORE).tolist() == (s.verbs - 1).tolist()
    assert (y[s.verbs - 1] == s.labels).all()
    # boundaries where stated: no separator (the vocabulary has none), each sentence starts where the last ended
    assert st.SEPARATOR is None and "." not in lx.WORD_TO_ID
    assert s.starts[0] == 0 and (np.diff(s.starts) > 0).all()
    assert (s.sentence_of()[s.starts] == np.arange(n)).all()
    # the ids are the sentences of the grammar, back to back: re-drawing them with the same rng gives the same
    rng = np.random.default_rng(seed)
    ids = []
    for k in range(n):
        d = int(rng.integers(0, 13))
        ids += grammar.agreement_example(rng, d).tokens
    assert s.tokens == ids


@settings(max_examples=10, deadline=None)
@given(seed=SEEDS, lanes=hs.integers(1, 3), tokens=hs.integers(1, 300))
def test_training_lanes_are_unbroken_streams_cut_to_length(seed, lanes, tokens):
    x, y = st.stream_lanes(np.random.default_rng(seed), lanes, tokens)
    assert x.shape == y.shape == (lanes, tokens)
    assert (x != 0).all()                      # no <pad>: nothing is reset or padded inside a lane
    for b in range(lanes):
        answers = np.flatnonzero(y[b] != st.IGNORE)
        # each answer is followed by a verb of the answer's number
        for t in answers:
            if t + 1 < tokens:
                assert _agrees(lx.VOCAB[x[b, t + 1]], int(y[b, t]))


def test_sentence_batches_start_every_sentence_from_a_fresh_row():
    batches = st.sentence_batches(np.random.default_rng(0), 3, 200)
    for x, y in batches:
        assert x.shape == y.shape and x.shape[0] >= 2
        assert (x[:, 0] != 0).all()                    # every row starts with a word (right padding)
        assert ((y != st.IGNORE).sum(1) == 1).all()    # one sentence, one answer, per row
        assert (x != 0).sum() >= 200


def test_bad_settings_are_refused():
    rng = np.random.default_rng(0)
    for bad in (dict(n_sentences=0), dict(n_sentences=3, distance=(5, 2)), dict(n_sentences=3, distance=(-1, 2))):
        with pytest.raises(ValueError):
            st.make_stream(rng, **bad)
    with pytest.raises(ValueError):
        st.stream_lanes(rng, 0, 10)
