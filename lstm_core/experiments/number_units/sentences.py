"""Number units, the sentences: fixed-distance sets of agreement sentences, the held-out sets every
analysis reads, one sentence structure with fresh words, and two-subject sentences.

    s = agreement_set(rng, 100, 30, [0, 2])     # 100 sentences with 0 attractors, 100 with 2
    s.x[:, s.subject_col]                        # every subject sits in the same column
    eval_set(seed, 30, 100)                      # the held-out sentences accuracies are measured on

Every set is drawn from its own random stream (seed, stream): the sentences that find the units
("find") are never the ones that judge them ("eval").
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from lstm_core.data import grammar
from lstm_core.data import lexicon as lx

COUNTS = (0, 1, 2, 3, 4)          # numbers of attractors the ablation and attractor views use
MAX_N = 2000                      # cap on sentences per set
MAX_SEARCH_ATTRACTORS = 10   # the error-case search also uses sentences harder than COUNTS
# random streams (seed, stream): the trainer uses 0 (train), 1 (test), 2 (probe batch)
_FIND, _EVAL, _TEMPLATE, _CLAUSE, _RANDOM, _PROBE, _SEARCH, _PATCH = 101, 102, 103, 104, 105, 106, 107, 108
_TRAINING = 109                   # the training-distribution ablation set (distance uniform in 0..d)


def _rng(seed: int, stream: int, *more: int) -> np.random.Generator:
    return np.random.default_rng([int(seed), stream, *map(int, more)])


@dataclass
class SentenceSet:
    """Sentences at one fixed distance, left-padded so the verb slot lines up at the end.

    x (B, T) int64 ids of the words before the verb, y (B,) subject number, examples.
    Because the distance is fixed, the subject of every sentence sits in column subject_col.
    """
    x: np.ndarray
    y: np.ndarray
    examples: list
    distance: int

    @property
    def subject_col(self) -> int:
        return self.x.shape[1] - 1 - self.distance

    def offset(self, b: int) -> int:
        """Column of word 0 of sentence b."""
        return self.x.shape[1] - self.examples[b].verb_pos

    @property
    def attractors(self) -> np.ndarray:
        """(B,) number of attractors of each sentence."""
        return np.array([e.n_attractors for e in self.examples])


def agreement_set(rng: np.random.Generator, n: int, distance: int, attractors=None) -> SentenceSet:
    """n fresh sentences at `distance`; attractors None (random nouns), an int, or a list of
    counts (n sentences for each count)."""
    n = int(n)
    if not 1 <= n <= MAX_N:
        raise ValueError(f"number of sentences must be between 1 and {MAX_N}, got {n}")
    counts = attractors if isinstance(attractors, (list, tuple)) else [attractors]
    examples = []
    for a in counts:
        examples += grammar.agreement_batch(rng, n, int(distance), a)[2]
    x = grammar.pad_left([e.ids for e in examples])
    return SentenceSet(x, np.array([e.label for e in examples], dtype=np.int64), examples, int(distance))


# role -> the words a resampled sentence draws that token from (same slot, fresh word)
_WORDS = {"det": grammar.DETERMINERS, "adj": grammar.ADJECTIVES, "prep": grammar.PREPOSITIONS,
          "adv": grammar.ADVERBS}
_PERSON = frozenset(w for pair in grammar.PERSON_NOUNS for w in pair)
_AUX = {w: pair for pair in grammar.AUX for w in pair}


def _fresh(rng, words, avoid=None):
    w = words[rng.integers(len(words))]
    while w == avoid:                                        # no "old old"
        w = words[rng.integers(len(words))]
    return w


def resample(ex: grammar.AgreementExample, rng: np.random.Generator,
             label: int) -> grammar.AgreementExample:
    """The same sentence structure as ex with fresh words and subject number `label`: the
    subject and every intervening noun keep their role (an attractor stays of the opposite
    number, person nouns stay persons), determiners / adjectives / prepositions / adverbs are
    redrawn in their slot, a relative clause's agreeing verb follows its noun and the target
    verb the new label. Fronted phrases and clauses are kept word for word."""
    label = int(label)
    tokens, number = [], label
    for j, w in enumerate(ex.tokens[:ex.verb_pos + 1]):
        role = ex.roles[j]
        if j == ex.subject_pos or j in ex.noun_positions:
            number = 1 - label if j in ex.attractor_positions else label
            nouns = grammar.PERSON_NOUNS if w in _PERSON else grammar.NOUNS
            w = nouns[rng.integers(len(nouns))][number]
        elif j > ex.subject_pos and role in _WORDS:
            w = _fresh(rng, _WORDS[role], tokens[-1] if tokens else None)
        elif role == "rel-verb" and w in lx.VERB_NUMBER:       # "that the guards like"
            w = grammar.VERBS[rng.integers(len(grammar.VERBS))][number]
        elif j == ex.verb_pos:
            w = _AUX[w][label] if w in _AUX else grammar.VERBS[rng.integers(len(grammar.VERBS))][label]
        tokens.append(w)
    return grammar.AgreementExample(tokens, label, ex.subject_pos, ex.verb_pos, list(ex.noun_positions),
                                    list(ex.attractor_positions), list(ex.prefix_noun_positions),
                                    list(ex.roles[:ex.verb_pos + 1]), list(ex.tags[:ex.verb_pos + 1]))


def eval_set(seed: int, distance: int, n_per_count: int) -> SentenceSet:
    """The held-out sentences every accuracy is measured on: n_per_count for each count in COUNTS."""
    return agreement_set(_rng(seed, _EVAL), n_per_count, distance, list(COUNTS))


def search_set(seed: int, distance: int, n_per_count: int) -> SentenceSet:
    """Sentences the error case is searched in: n_per_count for every attractor count from 1 to
    min(MAX_SEARCH_ATTRACTORS, what fits in `distance`)."""
    top = min(MAX_SEARCH_ATTRACTORS, grammar.max_attractors(distance))
    return agreement_set(_rng(seed, _SEARCH), n_per_count, distance, list(range(1, top + 1)))


def two_clause_skeleton(rng: np.random.Generator, d1: int = 6, d2: int = 6):
    """(clause 1 example, clause 2 example): the structure of a sentence with a second
    subject, e.g. "the keys near the door are old and the dog behind the trees [is]"; clause 1
    may open with a fronted phrase, clause 2 starts with its subject."""
    c1 = grammar.agreement_example(rng, d1, None, label=0)
    c2 = grammar.agreement_example(rng, d2, None, label=0, prefix="none")
    return c1, c2


def two_clause_sentence(c1, c2, rng, label2: int):
    """Words of one two-subject sentence with subjects of opposite number; the model reads
    everything before clause 2's verb. Returns (tokens, subject1, verb1, subject2, clause2 words)."""
    e1, e2 = resample(c1, rng, 1 - label2), resample(c2, rng, label2)
    head = e1.tokens[:e1.verb_pos + 1] + c1.tokens[c1.verb_pos + 1:] + ["and"]
    return (head + e2.tokens[:e2.verb_pos], e1.subject_pos, e1.verb_pos,
            len(head) + e2.subject_pos, e2.tokens[:e2.verb_pos])
