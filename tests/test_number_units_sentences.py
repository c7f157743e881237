"""lstm_core.experiments.number_units.sentences: resampled sentences keep their structure, sets align
their subjects, two-subject sentences have subjects of opposite number."""
import numpy as np

from lstm_core.data import agreement
from lstm_core.experiments.number_units import sentences as nu


def test_resample_keeps_structure_and_roles():
    rng = np.random.default_rng(3)
    skeleton = agreement.agreement_example(rng, 20, 3, label=0)
    for label in (0, 1, 1, 0):
        ex = nu.resample(skeleton, rng, label)
        assert len(ex.tokens) == len(skeleton.tokens) and ex.label == label
        assert agreement.NOUN_NUMBER[ex.tokens[ex.subject_pos]] == label
        assert agreement.VERB_WORDS[ex.tokens[ex.verb_pos]] == label
        for j in ex.noun_positions:
            expect = 1 - label if j in ex.attractor_positions else label
            assert agreement.NOUN_NUMBER[ex.tokens[j]] == expect
        for a, b in zip(ex.tokens, skeleton.tokens):
            assert nu._SLOT.get(a, a in agreement.NOUN_NUMBER) == nu._SLOT.get(b, b in agreement.NOUN_NUMBER) or \
                (a in agreement.VERB_WORDS and b in agreement.VERB_WORDS)
        assert all(w in agreement.WORD_TO_ID for w in ex.tokens)


def test_sentence_set_aligns_subjects_in_one_column():
    s = nu.agreement_set(np.random.default_rng(4), 50, 12, [0, 3])
    assert s.x.shape[0] == 100 and (s.attractors[:50] == 0).all() and (s.attractors[50:] == 3).all()
    col = s.subject_col
    for b, ex in enumerate(s.examples):
        assert s.x[b, col] == agreement.WORD_TO_ID[ex.tokens[ex.subject_pos]]
        assert agreement.NOUN_NUMBER[agreement.VOCAB[s.x[b, col]]] == s.y[b]


def test_two_clause_sentence_has_two_subjects_of_opposite_number():
    rng = np.random.default_rng(5)
    c1, adjective, c2 = nu.two_clause_skeleton(rng)
    for label2 in (0, 1):
        tokens, s1, v1, s2, second = nu.two_clause_sentence(c1, adjective, c2, rng, label2)
        assert agreement.NOUN_NUMBER[tokens[s2]] == label2
        assert agreement.NOUN_NUMBER[tokens[s1]] == 1 - label2
        assert agreement.VERB_WORDS[tokens[v1]] == 1 - label2             # clause 1's verb agrees with its subject
        assert tokens[v1 + 1] == adjective and tokens[-len(second):] == second
        assert not any(w in agreement.VERB_WORDS for w in second)           # the model reads up to verb 2
