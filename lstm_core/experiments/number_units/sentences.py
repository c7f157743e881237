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

from lstm_core.data import agreement

COUNTS = (0, 1, 2, 3, 4)          # numbers of attractors the ablation and attractor views use
MAX_N = 2000                      # cap on sentences per set
MAX_SEARCH_ATTRACTORS = 10   # the error-case search also uses sentences harder than COUNTS
# random streams (seed, stream): the trainer uses 0 (train), 1 (test), 2 (probe batch)
_FIND, _EVAL, _TEMPLATE, _CLAUSE, _RANDOM, _PROBE, _SEARCH = 101, 102, 103, 104, 105, 106, 107


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
        examples += agreement.agreement_batch(rng, n, int(distance), a)[2]
    x = agreement.pad_left([[agreement.WORD_TO_ID[w] for w in e.tokens[:e.verb_pos]] for e in examples])
    return SentenceSet(x, np.array([e.label for e in examples], dtype=np.int64), examples, int(distance))


# word -> grammatical slot, to resample a sentence's words while keeping its structure
_SLOT = {**{w: "det" for w in agreement.DETERMINERS}, **{w: "adj" for w in agreement.ADJECTIVES},
         **{w: "prep" for w in agreement.PREPOSITIONS}, **{w: "past" for w in agreement.PAST_VERBS},
         **{w: "adv" for w in agreement.ADVERBS}}
_WORDS = {"det": agreement.DETERMINERS, "adj": agreement.ADJECTIVES, "prep": agreement.PREPOSITIONS,
          "past": agreement.PAST_VERBS, "adv": agreement.ADVERBS}


def resample(ex: agreement.AgreementExample, rng: np.random.Generator, label: int) -> agreement.AgreementExample:
    """The same sentence structure as ex with fresh words and subject number `label`:
    every noun keeps its role (an attractor stays of the opposite number), every word its slot."""
    label = int(label)
    tokens = []
    for j, w in enumerate(ex.tokens):
        if j == ex.subject_pos or j in ex.noun_positions:
            number = 1 - label if j in ex.attractor_positions else label
            w = agreement.NOUNS[rng.integers(len(agreement.NOUNS))][number]
        elif w in agreement.VERB_WORDS:
            w = agreement.VERBS[rng.integers(len(agreement.VERBS))][label]
        elif w in _SLOT:
            words = _WORDS[_SLOT[w]]
            w = words[rng.integers(len(words))]
            while tokens and w == tokens[-1]:            # no "old old"
                w = words[rng.integers(len(words))]
        tokens.append(w)
    return agreement.AgreementExample(tokens, label, ex.subject_pos, ex.verb_pos, list(ex.noun_positions),
                                  list(ex.attractor_positions))


def eval_set(seed: int, distance: int, n_per_count: int) -> SentenceSet:
    """The held-out sentences every accuracy is measured on: n_per_count for each count in COUNTS."""
    return agreement_set(_rng(seed, _EVAL), n_per_count, distance, list(COUNTS))


def search_set(seed: int, distance: int, n_per_count: int) -> SentenceSet:
    """Sentences the error case is searched in: n_per_count for every attractor count from 1 to
    min(MAX_SEARCH_ATTRACTORS, what fits in `distance`)."""
    top = min(MAX_SEARCH_ATTRACTORS, agreement.max_attractors(distance))
    return agreement_set(_rng(seed, _SEARCH), n_per_count, distance, list(range(1, top + 1)))


def two_clause_skeleton(rng: np.random.Generator, d1: int = 6, d2: int = 6):
    """(clause 1 example with its verb, an adjective, clause 2 example): the structure of a
    sentence with a second subject, e.g. "the keys near the door are old the dog behind the
    trees [is]". Built from the agreement grammar's own words."""
    c1 = agreement.agreement_example(rng, d1, None, label=0)
    c2 = agreement.agreement_example(rng, d2, None, label=0)
    adjective = agreement.ADJECTIVES[rng.integers(len(agreement.ADJECTIVES))]
    return c1, adjective, c2


def two_clause_sentence(c1, adjective, c2, rng, label2: int):
    """Words of one two-subject sentence with subjects of opposite number; the model reads
    everything before clause 2's verb. Returns (tokens, subject1, verb1, subject2, clause2 words)."""
    e1, e2 = resample(c1, rng, 1 - label2), resample(c2, rng, label2)
    ex = agreement.join_clauses(e1, e2, agreement.VERBS[rng.integers(2)], adjective)   # is/are or was/were
    return ex.tokens[:ex.verb_pos], ex.subject1_pos, ex.verb1_pos, ex.subject_pos, e2.tokens[:e2.verb_pos]
