"""lstm_core.experiments.number_units.sentences: resampled sentences keep their structure, sets align
their subjects, two-subject sentences have subjects of opposite number."""
import numpy as np
import pytest

from lstm_core.data import grammar
from lstm_core.data import lexicon as lx
from lstm_core.experiments.number_units import sentences as nu


@pytest.mark.parametrize("seed, prefix", [(3, None), (4, "fronted_pp"), (5, "fronted_clause"),
                                          (6, "coord_clause"), (7, "none")])
def test_resample_keeps_structure_and_roles(seed, prefix):
    rng = np.random.default_rng(seed)
    skeleton = grammar.agreement_example(rng, 20, 3, label=0, prefix=prefix)
    for label in (0, 1, 1, 0):
        ex = nu.resample(skeleton, rng, label)
        assert len(ex.tokens) == skeleton.verb_pos + 1 and ex.label == label
        assert lx.NOUN_NUMBER[ex.tokens[ex.subject_pos]] == label
        assert lx.VERB_NUMBER[ex.tokens[ex.verb_pos]] == label
        for j in ex.noun_positions:
            expect = 1 - label if j in ex.attractor_positions else label
            assert lx.NOUN_NUMBER[ex.tokens[j]] == expect
        for j, (a, b) in enumerate(zip(ex.tokens, skeleton.tokens)):
            role = skeleton.roles[j]
            if j < skeleton.subject_pos:                      # the fronted part is kept
                assert a == b
            elif role in ("det", "adj", "prep", "adv"):
                assert a in nu._WORDS[role]
            elif role == "rel-verb" and b in lx.VERB_NUMBER:  # agrees with its own noun
                noun = max(t for t in ex.noun_positions if t < j)
                assert lx.VERB_NUMBER[a] == lx.NOUN_NUMBER[ex.tokens[noun]]
        assert all(w in lx.WORD_TO_ID for w in ex.tokens)


def test_sentence_set_aligns_subjects_in_one_column():
    s = nu.agreement_set(np.random.default_rng(4), 50, 12, [0, 3])
    assert s.x.shape[0] == 100 and (s.attractors[:50] == 0).all() and (s.attractors[50:] == 3).all()
    col = s.subject_col
    for b, ex in enumerate(s.examples):
        assert s.x[b, col] == lx.WORD_TO_ID[ex.tokens[ex.subject_pos]]
        assert lx.NOUN_NUMBER[lx.VOCAB[s.x[b, col]]] == s.y[b]


def test_two_clause_sentence_has_two_subjects_of_opposite_number():
    rng = np.random.default_rng(5)
    c1, c2 = nu.two_clause_skeleton(rng)
    for label2 in (0, 1):
        tokens, s1, v1, s2, second = nu.two_clause_sentence(c1, c2, rng, label2)
        assert lx.NOUN_NUMBER[tokens[s2]] == label2
        assert lx.NOUN_NUMBER[tokens[s1]] == 1 - label2
        assert lx.VERB_NUMBER[tokens[v1]] == 1 - label2             # clause 1's verb agrees with its subject
        assert tokens[s2 - c2.subject_pos - 1] == "and" and tokens[-len(second):] == second
        assert second[c2.subject_pos] == tokens[s2] and len(tokens) == s2 + c2.distance + 1
