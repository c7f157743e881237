"""Agreement sentences whose subject must be FOUND (issue 11), deterministic given a numpy
Generator. The model reads everything before the target verb and predicts its number
(0 singular, 1 plural) = the number of the main clause's subject.

A sentence is  [fronted part] SUBJECT [middle: exactly `distance` tokens] VERB [tail].

Fronted parts (before the subject; their nouns' numbers are always fair coins), so the first
noun is often not the subject:
  fronted_pp      "near the doors of the house , the cat ..."  (1-3 PPs)
  fronted_adverb  "usually , the cat ..."
  fronted_clause  "when the girls left the room , the teacher ..." /
                  "because the bus was late , the students ..." (own subject, own agreeing verb,
                  sometimes a PP: "... left the room in the garden , ...")
  coord_clause    "the girls like the dog and the teacher ..." (clause coordination with and)
Middle phrases (between subject and verb), each holding one noun, so the nearest noun misleads:
  pp              "near the old doors"          (chains of them: long PP chains)
  pp_coord        "... and the windows"         (coordination inside a PP; never right after
                                                 the subject, which would make a plural subject)
  subj_rel        "that / which / who saw the dogs"   (past verb: number-neutral)
  obj_rel         "that the guards like" / "that the guard likes"  (verb agrees with ITS noun)
  nr_rel          ", which saw the dogs ,"     (non-restrictive relative between commas)
  vp_coord        "saw the dogs and"           (the subject's first verb phrase; past = neutral)
  adverbs         0-2 "-ly" adverbs right before the verb.
Targets: is/are, was/were, has/have and present lexical verbs (likes/like), with a tail for show
("is happy", "has seen the dog", "likes the dogs") that the model never reads.

Nothing but the subject noun reveals the label: determiners are number-neutral, relative and
coordinated verbs are past tense, every other agreeing verb agrees with a noun whose number is
an independent coin. With attractors=N exactly N intervening nouns have the subject's opposite
number (the remaining intervening nouns then agree, by definition of an attractor), the number of
intervening nouns is drawn in N..max, and fronted nouns stay fair coins.
Why so many nouns: a majority-of-nouns rule is right about 0.5 + 0.4/sqrt(m) of the time with
m random nouns beside the subject; fronted PP chains (1-4 PPs) and clause objects with their own
PPs keep it under 65% at distances 20-30 (bench/bench_grammar.py prints all the baselines). Number-ambiguous nouns
(fish, sheep) and nouns whose plural is also a verb form (watches) are never used.
"""
from __future__ import annotations

import random
from dataclasses import dataclass, field

import numpy as np

from lstm_core.data import lexicon as lx

SINGULAR, PLURAL = lx.SINGULAR, lx.PLURAL
_L = lx.LEXICON
NOUNS = [(n["singular"], n["plural"]) for n in _L["nouns"] if n["generator"]]
PERSON_NOUNS = [(n["singular"], n["plural"]) for n in _L["nouns"] if n["generator"] and n["person"]]
VERBS = [(v["present_3sg"], v["present_plural"], v["past"]) for v in _L["verbs"] if v["generator"]]
ADJECTIVES = [a["word"] for a in _L["adjectives"] if a["generator"]]
ADVERBS = list(_L["adverbs"])
DETERMINERS = list(_L["neutral_determiners"])
PREPOSITIONS = list(_L["place_prepositions"])
FIRST_NAMES = list(_L["names"])
SUBORDINATORS = ["when", "because", "although", "while", "if", "since", "after", "before"]
AUX = [("is", "are"), ("was", "were"), ("has", "have")]
PRONOUNS = [("he", None), ("she", None), (None, "they"), (None, "we")]

PREFIXES = ("none", "fronted_pp", "fronted_adverb", "fronted_clause", "coord_clause")
PREFIX_P = (0.05, 0.4, 0.05, 0.3, 0.2)   # none, fronted PP, adverb, clause, coordination
PHRASES = ("pp", "pp_coord", "subj_rel", "obj_rel", "nr_rel", "vp_coord")
_EXTRA = {"pp": 0, "pp_coord": 0, "subj_rel": 1, "obj_rel": 1, "vp_coord": 1, "nr_rel": 3}
CONSTRUCTIONS = PREFIXES[1:] + PHRASES + ("adverbs",)
_MAX_ADJ, _MAX_ADV = 2, 2


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


def pad_left(seqs: list[list[int]]) -> np.ndarray:
    """Ragged id lists -> (n, max_len) int64, left-padded with 0 (<pad>)."""
    T = max(len(s) for s in seqs)
    x = np.zeros((len(seqs), T), dtype=np.int64)
    for b, s in enumerate(seqs):
        if len(s):
            x[b, T - len(s):] = s
    return x


def max_attractors(distance: int) -> int:
    """Most intervening nouns a middle of this length can hold (one per 3 tokens)."""
    return max(int(distance), 0) // 3


@dataclass
class AgreementExample:
    """tokens include the verb at verb_pos and a tail; the model reads tokens[:verb_pos].
    noun_positions: intervening nouns (between subject and verb); attractor_positions: those of
    the opposite number; prefix_noun_positions: nouns before the subject; roles / tags: one
    role ('subject', 'verb', 'attractor', 'noun', 'det', 'adj', ...) and one construction tag
    per token."""
    tokens: list[str]
    label: int
    subject_pos: int
    verb_pos: int
    noun_positions: list[int]
    attractor_positions: list[int]
    prefix_noun_positions: list[int]
    roles: list[str]
    tags: list[str]
    distance: int = field(init=False)
    n_attractors: int = field(init=False)

    def __post_init__(self):
        self.distance = self.verb_pos - self.subject_pos - 1
        self.n_attractors = len(self.attractor_positions)

    @property
    def constructions(self) -> frozenset[str]:
        return frozenset(self.tags) & frozenset(CONSTRUCTIONS)

    @property
    def ids(self) -> list[int]:
        return [lx.WORD_TO_ID[w] for w in self.tokens[:self.verb_pos]]

    @property
    def text(self) -> str:
        return " ".join(self.tokens)


class _Builder:
    """Appends tokens with their role and construction tag."""

    def __init__(self, r: random.Random):
        self.r, self.tokens, self.roles, self.tags = r, [], [], []

    def pick(self, seq):
        return seq[int(self.r.random() * len(seq))]

    def add(self, word, role, tag):
        self.tokens.append(word)
        self.roles.append(role)
        self.tags.append(tag)
        return len(self.tokens) - 1

    def np(self, number, tag, role="noun", n_adj=None, person=False):
        """det [adj]* noun; returns the noun's position."""
        self.add(self.pick(DETERMINERS), "det", tag)
        n_adj = int(self.r.random() * 1.6) if n_adj is None else n_adj
        for a in _sample(self.r.random, ADJECTIVES, n_adj):
            self.add(a, "adj", tag)
        return self.add(self.pick(PERSON_NOUNS if person else NOUNS)[number], role, tag)

    def clause(self, tag):
        """A clause with its own subject and agreeing verb: returns the subject's position."""
        number = int(self.r.random() < 0.5)
        kind = self.r.random()
        if kind < 0.1 and number == SINGULAR:
            subj = self.add(self.pick(FIRST_NAMES), "clause-subject", tag)
        elif kind < 0.2:
            subj = self.add(self.pick([p for p in PRONOUNS if p[number]])[number],
                            "clause-subject", tag)
        else:
            subj = self.np(number, tag, role="clause-subject")
        form = self.r.random()
        if form < 0.3:
            self.add(self.pick(AUX[:2])[number], "clause-verb", tag)
            self.add(self.pick(ADJECTIVES), "adj", tag)
        elif form < 0.55:
            self.add(self.pick(VERBS)[number], "clause-verb", tag)
            self.np(int(self.r.random() < 0.5), tag, role="clause-object")
        elif form < 0.8:
            self.add(self.pick(VERBS)[2], "clause-verb", tag)
            self.np(int(self.r.random() < 0.5), tag, role="clause-object")
        else:
            self.add(AUX[2][number], "clause-verb", tag)
            self.add(self.pick(VERBS)[2], "participle", tag)
            self.np(int(self.r.random() < 0.5), tag, role="clause-object")
        for _ in range((self.r.random() < 0.7) + (self.r.random() < 0.4)):   # "... in the garden"
            self.add(self.pick(PREPOSITIONS), "prep", tag)
            self.np(int(self.r.random() < 0.5), tag, role="clause-object")
        return subj




def _check_controls(distance, attractors):
    distance = int(distance)
    if distance < 0:
        raise ValueError(f"distance must be >= 0, got {distance}")
    if attractors is not None:
        attractors = int(attractors)
        if not 0 <= attractors <= max_attractors(distance):
            raise ValueError(f"{attractors} attractors do not fit in distance {distance} (0 to "
                             f"{max_attractors(distance)}: each noun phrase takes >= 3 tokens)")
    return distance, attractors


def _phrase_kinds(rand, k: int, distance: int) -> list[str]:
    """k middle phrases whose base lengths (3 + extra) plus 2 adjective slots each and 2 adverb
    slots can fill exactly `distance`; ordering rules: pp_coord follows pp/pp_coord, at most one
    vp_coord and it comes last."""
    kinds = [PHRASES[int(rand() * len(PHRASES))] for _ in range(k)]
    for j, kind in enumerate(kinds):
        if kind == "pp_coord" and (j == 0 or kinds[j - 1] not in ("pp", "pp_coord")):
            kinds[j] = "pp"
        if kind == "vp_coord" and j != k - 1:
            kinds[j] = "subj_rel"
    lo, hi = distance - 3 * k - _MAX_ADJ * k - _MAX_ADV, distance - 3 * k   # extras allowed
    order = _sample(rand, range(k), k)
    extra = lambda: sum(_EXTRA[x] for x in kinds)
    for j in order:                                  # too long: shorten
        if extra() <= hi:
            break
        if kinds[j] != "pp_coord":
            kinds[j] = "pp"
    for j in order:                                  # too short: lengthen
        if extra() >= lo:
            break
        kinds[j] = "nr_rel" if extra() + 3 - _EXTRA[kinds[j]] <= hi else "subj_rel"
    for j in range(1, k):                            # lengthening may orphan a pp_coord
        if kinds[j] == "pp_coord" and kinds[j - 1] not in ("pp", "pp_coord"):
            kinds[j] = "pp"
    assert lo <= extra() <= hi, (kinds, distance)
    return kinds


def _example(r: random.Random, distance: int, attractors: int | None, label: int | None,
             prefix: str | None = None) -> AgreementExample:
    distance, attractors = _check_controls(distance, attractors)
    rand = r.random
    label = int(rand() < 0.5) if label is None else int(label)
    b = _Builder(r)
    if prefix is None:
        u, prefix = rand(), PREFIXES[-1]
        for name, p in zip(PREFIXES, PREFIX_P):
            if u < p:
                prefix = name
                break
            u -= p
    prefix_nouns = []
    if prefix == "fronted_pp":
        for _ in range(1 + (rand() < 0.9) + (rand() < 0.6) + (rand() < 0.3)):
            b.add(b.pick(PREPOSITIONS), "prep", prefix)
            prefix_nouns.append(b.np(int(rand() < 0.5), prefix, role="fronted-noun"))
        b.add(",", "comma", prefix)
    elif prefix == "fronted_adverb":
        b.add(b.pick(ADVERBS), "adv", prefix)
        b.add(",", "comma", prefix)
    elif prefix in ("fronted_clause", "coord_clause"):
        if prefix == "fronted_clause":
            b.add(b.pick(SUBORDINATORS), "subord", prefix)
        b.clause(prefix)
        b.add("," if prefix == "fronted_clause" else "and", "comma" if prefix ==
              "fronted_clause" else "conj", prefix)
    prefix_nouns = [t for t, role in enumerate(b.roles)
                    if role in ("fronted-noun", "clause-subject", "clause-object")
                    and b.tokens[t] in lx.NOUN_NUMBER]
    subject_pos = b.np(label, "subject", role="subject", n_adj=int(rand() < 0.5))

    k_hi = max_attractors(distance)
    k_lo = min(k_hi, max(attractors or 0, -(-(distance - _MAX_ADV) // (4 + _MAX_ADJ))))
    k = k_lo + int(rand() ** 0.3 * (k_hi - k_lo + 1))   # biased to more, shorter phrases
    kinds = _phrase_kinds(rand, k, distance)
    slack = distance - 3 * k - sum(_EXTRA[x] for x in kinds)
    filled = set(_sample(rand, range(_MAX_ADJ * k + _MAX_ADV), slack))
    if attractors is None:
        numbers = [int(rand() < 0.5) for _ in range(k)]
    else:
        flip = set(_sample(rand, range(k), attractors))
        numbers = [1 - label if j in flip else label for j in range(k)]
    nouns = []
    for j, kind in enumerate(kinds):
        n_adj = (2 * j in filled) + (2 * j + 1 in filled)
        head_person = b.tokens[-1] in _PERSON_FORMS
        rel = "who" if head_person and rand() < 0.7 else b.pick(("that", "which"))
        if kind == "pp":
            b.add(b.pick(PREPOSITIONS), "prep", kind)
            nouns.append(b.np(numbers[j], kind, n_adj=n_adj))
        elif kind == "pp_coord":
            b.add("and", "conj", kind)
            nouns.append(b.np(numbers[j], kind, n_adj=n_adj))
        elif kind == "subj_rel":
            b.add(rel, "rel", kind)
            b.add(b.pick(VERBS)[2], "rel-verb", kind)
            nouns.append(b.np(numbers[j], kind, n_adj=n_adj))
        elif kind == "obj_rel":
            b.add(rel, "rel", kind)
            nouns.append(b.np(numbers[j], kind, n_adj=n_adj))
            b.add(b.pick(VERBS)[numbers[j] if rand() < 0.6 else 2], "rel-verb", kind)
        elif kind == "nr_rel":
            b.add(",", "comma", kind)
            b.add(rel if rel != "that" else "which", "rel", kind)
            b.add(b.pick(VERBS)[2], "rel-verb", kind)
            nouns.append(b.np(numbers[j], kind, n_adj=n_adj))
            b.add(",", "comma", kind)
        else:  # vp_coord
            b.add(b.pick(VERBS)[2], "coord-verb", kind)
            nouns.append(b.np(numbers[j], kind, n_adj=n_adj))
            b.add("and", "conj", kind)
    n_slots = _MAX_ADJ * k + _MAX_ADV
    for a in _sample(rand, ADVERBS, (n_slots - 2 in filled) + (n_slots - 1 in filled)):
        b.add(a, "adv", "adverbs")
    attractor_positions = [t for t, num in zip(nouns, numbers) if num != label]
    for t in attractor_positions:
        b.roles[t] = "attractor"
    target = rand()
    if target < 0.6:
        verb_pos = b.add(b.pick(AUX)[label], "verb", "target")
        if b.tokens[-1] in ("has", "have"):
            b.add(b.pick(VERBS)[2], "participle", "tail")
            b.np(int(rand() < 0.5), "tail", role="tail-noun")
        else:
            b.add(b.pick(ADJECTIVES), "adj", "tail")
    else:
        verb_pos = b.add(b.pick(VERBS)[label], "verb", "target")
        b.np(int(rand() < 0.5), "tail", role="tail-noun")
    ex = AgreementExample(b.tokens, label, subject_pos, verb_pos, nouns, attractor_positions,
                          prefix_nouns, b.roles, b.tags)
    assert ex.distance == distance, (ex.text, distance)
    return ex


_PERSON_FORMS = frozenset(w for pair in PERSON_NOUNS for w in pair)


def _py_random(rng: np.random.Generator) -> random.Random:
    return random.Random(int(rng.integers(2**63)))


def agreement_example(rng: np.random.Generator, distance: int, attractors: int | None = None,
                      label: int | None = None, prefix: str | None = None) -> AgreementExample:
    """One sentence with exactly `distance` tokens between subject and verb. attractors=None:
    intervening nouns' numbers are fair coins; attractors=N: exactly N of them have the
    opposite number. label=None: a fair coin. prefix: one of PREFIXES, None draws it."""
    if prefix is not None and prefix not in PREFIXES:
        raise ValueError(f"prefix must be one of {PREFIXES}, got {prefix!r}")
    return _example(_py_random(rng), distance, attractors, label, prefix)


_UNK_OF_ID = np.array([lx.WORD_TO_ID[lx.unknown_class(w, capitalised=w in lx.NAMES)]
                       if i > len(lx.UNK_CLASSES) + 1 else i for i, w in enumerate(lx.VOCAB)],
                      dtype=np.int64)


def drop_words(rng: np.random.Generator, x: np.ndarray, rate: float) -> np.ndarray:
    """Word dropout: each word id of x (not <pad>, not an unknown class, not the comma) is
    replaced by its unknown-word class (lexicon.unknown_class) with probability `rate`, so a
    model learns what the unknown classes mean."""
    if not 0.0 <= float(rate) < 1.0:
        raise ValueError(f"word_dropout must be in [0, 1), got {rate!r}")
    if rate == 0:
        return x
    drop = (rng.random(x.shape) < rate) & (x != 0)
    return np.where(drop, _UNK_OF_ID[x], x)


def _to_batch(rng, examples, word_dropout: float):
    x = drop_words(rng, pad_left([e.ids for e in examples]), word_dropout)
    return x, np.array([e.label for e in examples], dtype=np.int64), examples


def agreement_batch(rng: np.random.Generator, n: int, distance: int | tuple[int, int],
                    attractors: int | None = None, word_dropout: float = 0.0):
    """n examples -> (x (n, T) int64 left-padded with <pad>=0, y (n,) int64, examples).
    distance: an int or (lo, hi), each example's distance uniform in [lo, hi]. word_dropout:
    probability that a read word is replaced by its unknown-word class."""
    if not 0.0 <= float(word_dropout) < 1.0:
        raise ValueError(f"word_dropout must be in [0, 1), got {word_dropout!r}")
    r = _py_random(rng)
    if isinstance(distance, (tuple, list)):
        lo, hi = int(distance[0]), int(distance[1])
        _check_controls(lo, attractors)
        if hi < lo:
            raise ValueError(f"distance range ({lo}, {hi}) is empty")
        dists = [lo + int(r.random() * (hi - lo + 1)) for _ in range(int(n))]
    else:
        dists = [distance] * int(n)
    return _to_batch(rng, [_example(r, d, attractors, None) for d in dists], word_dropout)


@dataclass
class TwoClauseExample:
    """Clause 1 (full, with its verb and tail) + "and" + clause 2 up to its verb. label: clause
    2's subject number; label1: clause 1's, an independent coin."""
    tokens: list[str]
    label: int
    label1: int
    subject1_pos: int
    verb1_pos: int
    subject_pos: int
    verb_pos: int

    @property
    def distance(self) -> int:
        return self.verb_pos - self.subject_pos - 1

    @property
    def ids(self) -> list[int]:
        return [lx.WORD_TO_ID[w] for w in self.tokens[:self.verb_pos]]


def two_clause_batch(rng: np.random.Generator, n: int, distance1: int, distance2: int,
                     word_dropout: float = 0.0):
    """n sentences "clause 1 and clause 2": (x, y = clause 2's subject number, examples)."""
    r = _py_random(rng)
    examples = []
    for _ in range(int(n)):
        first = _example(r, distance1, None, None)
        second = _example(r, distance2, None, None, prefix="none")
        head = first.tokens + ["and"]
        examples.append(TwoClauseExample(head + second.tokens, second.label, first.label,
                                         first.subject_pos, first.verb_pos,
                                         len(head) + second.subject_pos,
                                         len(head) + second.verb_pos))
    return _to_batch(rng, examples, word_dropout)


