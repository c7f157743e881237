"""Subject-verb agreement (Linzen et al. 2016 number prediction), deterministic given a numpy
Generator: read an English-like sentence up to (not including) the verb, predict whether the verb
is singular (0) or plural (1), i.e. the number of the subject noun.

Every batch function returns plain numpy arrays; the trainer turns them into tensors.
"""
from __future__ import annotations

import difflib
import random
import re
from dataclasses import dataclass, field

import numpy as np

# ----------------------------------------------------------------------------------------
# Subject-verb agreement: vocabulary

# (singular, plural); a few irregular plurals on purpose
NOUNS = [
    ("cat", "cats"), ("dog", "dogs"), ("key", "keys"), ("bus", "buses"),
    ("child", "children"), ("box", "boxes"), ("man", "men"), ("woman", "women"),
    ("mouse", "mice"), ("person", "people"), ("leaf", "leaves"), ("knife", "knives"),
    ("city", "cities"), ("baby", "babies"), ("church", "churches"), ("door", "doors"),
    ("cabinet", "cabinets"), ("table", "tables"), ("teacher", "teachers"),
    ("student", "students"), ("house", "houses"), ("tree", "trees"), ("car", "cars"),
    ("book", "books"), ("lamp", "lamps"), ("girl", "girls"), ("boy", "boys"),
    ("farmer", "farmers"), ("window", "windows"), ("garden", "gardens"),
    ("bottle", "bottles"), ("dish", "dishes"), ("wolf", "wolves"), ("goose", "geese"),
    ("tooth", "teeth"), ("painting", "paintings"), ("doctor", "doctors"),
    ("river", "rivers"), ("bridge", "bridges"), ("letter", "letters"),
]
# determiners that do not reveal number (no a/this/these/every/many)
DETERMINERS = ["the", "my", "your", "our", "their", "his", "her"]
ADJECTIVES = [
    "old", "new", "big", "small", "red", "blue", "green", "dark", "quiet", "happy",
    "tall", "young", "heavy", "bright", "broken", "wooden", "empty", "famous", "strange",
    "little",
]
PREPOSITIONS = ["near", "behind", "beside", "under", "above", "by", "with", "from", "to",
                "of", "on", "in", "at", "across", "inside"]
# past tense: the same form for both numbers, so relative clauses leak nothing
PAST_VERBS = ["saw", "liked", "found", "painted", "watched", "fixed", "opened", "cleaned",
              "visited", "chased", "followed", "moved", "built", "bought", "sold", "loved",
              "hated", "carried", "helped", "called"]
ADVERBS = ["often", "surely", "really", "probably", "still", "certainly", "usually",
           "always", "never", "clearly"]
RELATIVE = ["that"]
# the verb the model must predict: (singular, plural)
VERBS = [("is", "are"), ("was", "were"), ("has", "have")]

PAD = "<pad>"
SINGULAR, PLURAL = 0, 1
SINGULAR_NOUNS = [s for s, _ in NOUNS]
PLURAL_NOUNS = [p for _, p in NOUNS]


def _build_vocab() -> list[str]:
    words = [PAD]
    for group in (DETERMINERS, SINGULAR_NOUNS, PLURAL_NOUNS, ADJECTIVES, PREPOSITIONS,
                  PAST_VERBS, ADVERBS, RELATIVE, [w for pair in VERBS for w in pair]):
        for w in group:
            if w not in words:
                words.append(w)
    return words


VOCAB: list[str] = _build_vocab()
WORD_TO_ID: dict[str, int] = {w: i for i, w in enumerate(VOCAB)}
VERB_WORDS = {w: n for pair in VERBS for n, w in enumerate(pair)}  # word -> number
NOUN_NUMBER = {**{s: SINGULAR for s in SINGULAR_NOUNS}, **{p: PLURAL for p in PLURAL_NOUNS}}
assert len(set(SINGULAR_NOUNS) & set(PLURAL_NOUNS)) == 0


# ----------------------------------------------------------------------------------------
# Tokenizer for user-typed sentences

def tokenize(sentence: str) -> list[str]:
    """Lowercase, drop punctuation, split on whitespace. "The keys, near the door, are." ->
    ['the', 'keys', 'near', 'the', 'door', 'are']"""
    if not isinstance(sentence, str):
        raise ValueError(f"expected a sentence (text), got {type(sentence).__name__}")
    text = sentence.lower().replace("\u2019", "'")
    text = re.sub(r"[^\w\s']", " ", text)  # punctuation -> space (keeps apostrophes)
    return [w.strip("'_") for w in text.split() if w.strip("'_")]


def encode(sentence: str) -> list[int]:
    """Sentence -> token ids. Raises ValueError naming every unknown word (with the
    closest vocabulary words as suggestions) or if there are no words at all."""
    words = tokenize(sentence)
    if not words:
        raise ValueError("the sentence is empty: type a few words, e.g. "
                         "'the keys to the cabinet are'")
    unknown = list(dict.fromkeys(w for w in words if w not in WORD_TO_ID or w == PAD))
    if unknown:
        parts = []
        for w in unknown:
            close = difflib.get_close_matches(w, VOCAB[1:], n=3, cutoff=0.6)
            hint = f" (did you mean {', '.join(repr(c) for c in close)}?)" if close else ""
            parts.append(f"'{w}'{hint}")
        noun = "word" if len(unknown) == 1 else "words"
        raise ValueError(f"unknown {noun}: {'; '.join(parts)}. The model only knows its "
                         f"{len(VOCAB) - 1}-word vocabulary.")
    return [WORD_TO_ID[w] for w in words]


def decode(ids) -> list[str]:
    """Token ids -> words."""
    return [VOCAB[int(i)] for i in ids]


def split_at_verb(ids: list[int]) -> tuple[list[int], int | None]:
    """Cut a sentence where the model must predict: returns (ids before the first
    is/are/was/were/has/have, index of that verb or None if the sentence has no verb)."""
    for t, i in enumerate(ids):
        if VOCAB[i] in VERB_WORDS:
            return list(ids[:t]), t
    return list(ids), None


# ----------------------------------------------------------------------------------------
# Agreement generator

@dataclass
class AgreementExample:
    """One sentence. tokens includes the correct verb at verb_pos; the model reads
    tokens[:verb_pos] and predicts `label` (0 singular, 1 plural) at position verb_pos-1."""
    tokens: list[str]
    label: int
    subject_pos: int
    verb_pos: int
    noun_positions: list[int]         # intervening nouns (between subject and verb)
    attractor_positions: list[int]    # intervening nouns of the opposite number
    distance: int = field(init=False)
    n_attractors: int = field(init=False)

    def __post_init__(self):
        self.distance = self.verb_pos - self.subject_pos - 1
        self.n_attractors = len(self.attractor_positions)

    @property
    def ids(self) -> list[int]:
        """Ids of the model's input: everything before the verb."""
        return [WORD_TO_ID[w] for w in self.tokens[:self.verb_pos]]

    @property
    def text(self) -> str:
        return " ".join(self.tokens)


_MAX_ADJ = 2   # adjective slots per noun phrase
_MAX_ADV = 2   # adverb slots before the verb


def max_attractors(distance: int) -> int:
    """Most intervening nouns a filler of this length can hold (one per 3 tokens)."""
    return max(int(distance), 0) // 3


def _py_random(rng: np.random.Generator) -> random.Random:
    """A fast scalar RNG derived from (and so determined by) the numpy Generator."""
    return random.Random(int(rng.integers(2**63)))


def agreement_example(rng: np.random.Generator, distance: int,
                      attractors: int | None = None, label: int | None = None
                      ) -> AgreementExample:
    """One sentence with exactly `distance` tokens between the subject noun and the verb.

    attractors=None: every intervening noun's number is a fair coin, independent of the
    subject (so the last noun carries no information about the answer).
    attractors=N: exactly N intervening nouns have the opposite number, the rest agree.
    Nothing but the subject noun reveals the label (determiners, relative-clause verbs and
    adverbs are number-neutral). label=None draws it with a fair coin.
    """
    return _agreement_example(_py_random(rng), distance, attractors, label)


def _check_controls(distance, attractors):
    distance = int(distance)
    if distance < 0:
        raise ValueError(f"distance must be >= 0, got {distance}")
    if attractors is not None:
        attractors = int(attractors)
        if attractors < 0:
            raise ValueError(f"attractors must be >= 0, got {attractors}")
        if attractors > max_attractors(distance):
            raise ValueError(f"{attractors} attractors do not fit in distance {distance} "
                             f"(at most {max_attractors(distance)}: each noun phrase takes "
                             f"at least 3 tokens)")
    return distance, attractors


def _sample(rand, seq, k: int) -> list:
    """k distinct items of seq in random order (partial Fisher-Yates on a copy)."""
    if k == 0:
        return []
    if k == 1:
        return [seq[int(rand() * len(seq))]]
    pool = list(seq)
    n = len(pool)
    for i in range(k):
        j = i + int(rand() * (n - i))
        pool[i], pool[j] = pool[j], pool[i]
    return pool[:k]


def _agreement_example(r: random.Random, distance: int, attractors: int | None,
                       label: int | None) -> AgreementExample:
    distance, attractors = _check_controls(distance, attractors)
    rand = r.random
    pick = lambda seq: seq[int(rand() * len(seq))]
    label = int(rand() < 0.5) if label is None else int(label)
    # k intervening phrases, each with one noun phrase "det [adj] [adj] noun":
    #   prepositional phrase  "near the door"      3 tokens + adjectives
    #   object relative       "that the dog saw"   4 tokens + adjectives
    #   subject relative      "that saw the dog"   4 tokens + adjectives
    # plus up to 2 adverbs before the verb. k must let these fill exactly `distance`.
    k_lo = max(attractors or 0, -(-(distance - _MAX_ADV) // (4 + _MAX_ADJ)))
    k_hi = max_attractors(distance)
    k = k_lo + int(rand() * (k_hi - k_lo + 1))
    # n_rc of the k phrases are relative clauses; clamp so that the base length
    # 3k + n_rc <= distance <= 3k + n_rc + 2k + 2 (adjective and adverb slots)
    n_rc = sum(rand() < 2 / 3 for _ in range(k))
    n_rc = min(max(n_rc, distance - (3 + _MAX_ADJ) * k - _MAX_ADV, 0), k, distance - 3 * k)
    rc_set = set(_sample(rand, range(k), n_rc))
    slack = distance - 3 * k - n_rc
    n_slots = _MAX_ADJ * k + _MAX_ADV
    filled = set(_sample(rand, range(n_slots), slack))
    if attractors is None:   # independent fair coins
        numbers = [int(rand() < 0.5) for _ in range(k)]
    else:                    # exactly `attractors` opposite-number nouns
        flip = set(_sample(rand, range(k), attractors))
        numbers = [1 - label if j in flip else label for j in range(k)]

    tokens = [pick(DETERMINERS)]
    if rand() < 0.5:
        tokens.append(pick(ADJECTIVES))
    subject_pos = len(tokens)
    tokens.append(pick(NOUNS)[label])
    noun_positions, attractor_positions = [], []

    def noun_phrase(j):
        tokens.append(pick(DETERMINERS))
        tokens.extend(_sample(rand, ADJECTIVES, (2 * j in filled) + (2 * j + 1 in filled)))
        noun_positions.append(len(tokens))
        if numbers[j] != label:
            attractor_positions.append(len(tokens))
        tokens.append(pick(NOUNS)[numbers[j]])

    for j in range(k):
        if j not in rc_set:
            tokens.append(pick(PREPOSITIONS))
            noun_phrase(j)
        elif rand() < 0.5:
            tokens.append("that")
            noun_phrase(j)
            tokens.append(pick(PAST_VERBS))
        else:
            tokens += ["that", pick(PAST_VERBS)]
            noun_phrase(j)
    tokens.extend(_sample(rand, ADVERBS, (n_slots - 2 in filled) + (n_slots - 1 in filled)))
    verb_pos = len(tokens)
    tokens.append(pick(VERBS)[label])
    ex = AgreementExample(tokens, label, subject_pos, verb_pos, noun_positions,
                          attractor_positions)
    assert ex.distance == distance
    return ex


def agreement_batch(rng: np.random.Generator, n: int, distance: int | tuple[int, int],
                    attractors: int | None = None):
    """n examples -> (x (n, T) int64 ids left-padded with <pad>=0, y (n,) int64, examples).

    distance: an int, or (lo, hi) to draw each example's distance uniformly in [lo, hi].
    Left padding keeps every example's last read token at the last time step, so the
    prediction is always read from h_{T-1}."""
    r = _py_random(rng)
    if isinstance(distance, (tuple, list)):
        lo, hi = int(distance[0]), int(distance[1])
        _check_controls(lo, attractors)
        if hi < lo:
            raise ValueError(f"distance range ({lo}, {hi}) is empty")
        examples = [_agreement_example(r, lo + int(r.random() * (hi - lo + 1)), attractors, None)
                    for _ in range(int(n))]
    else:
        examples = [_agreement_example(r, distance, attractors, None) for _ in range(int(n))]
    x = pad_left([[WORD_TO_ID[w] for w in e.tokens[:e.verb_pos]] for e in examples])
    return x, np.array([e.label for e in examples], dtype=np.int64), examples


@dataclass
class TwoClauseExample:
    """Two clauses, e.g. "the keys near the door are old the dog behind the trees [is]": clause 1
    (subject 1 ... its verb, agreeing with it), an adjective, then clause 2 up to its verb. The
    model reads tokens[:verb_pos] and predicts `label`, clause 2's subject number. label1 (clause
    1's subject number) is an independent fair coin unless given, so it says nothing about the
    answer: a model must let go of subject 1 once clause 1 has ended."""
    tokens: list[str]
    label: int
    label1: int
    subject1_pos: int
    verb1_pos: int
    subject_pos: int
    verb_pos: int

    @property
    def distance(self) -> int:
        """Tokens between clause 2's subject and its verb."""
        return self.verb_pos - self.subject_pos - 1


def join_clauses(first: AgreementExample, second: AgreementExample, be: tuple, adjective: str) -> TwoClauseExample:
    """first's words up to its verb + be[first's number] + adjective + second's words (with its verb)."""
    head = first.tokens[:first.verb_pos] + [be[first.label], adjective]
    return TwoClauseExample(head + second.tokens, second.label, first.label, first.subject_pos,
                            first.verb_pos, len(head) + second.subject_pos, len(head) + second.verb_pos)


def two_clause_batch(rng: np.random.Generator, n: int, distance1: int, distance2: int):
    """n two-clause sentences (clause 1: exactly distance1 tokens between its subject and verb,
    clause 2: distance2), intervening nouns of random number -> (x (n, T) left-padded ids of
    everything before clause 2's verb, y (n,) clause 2's subject number, examples)."""
    r = _py_random(rng)
    examples = []
    for _ in range(int(n)):
        first = _agreement_example(r, distance1, None, None)
        second = _agreement_example(r, distance2, None, None)
        be = VERBS[int(r.random() * len(VERBS))]
        examples.append(join_clauses(first, second, be, ADJECTIVES[int(r.random() * len(ADJECTIVES))]))
    x = pad_left([[WORD_TO_ID[w] for w in e.tokens[:e.verb_pos]] for e in examples])
    return x, np.array([e.label for e in examples], dtype=np.int64), examples


def pad_left(seqs: list[list[int]]) -> np.ndarray:
    """Ragged id lists -> (n, max_len) int64, left-padded with 0."""
    T = max(len(s) for s in seqs)
    x = np.zeros((len(seqs), T), dtype=np.int64)
    for b, s in enumerate(seqs):
        if len(s):
            x[b, T - len(s):] = s
    return x
