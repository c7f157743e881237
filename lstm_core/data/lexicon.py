"""The English lexicon (lexicon.json, built by build_lexicon.py), the model vocabulary and a
reader for any typed text.

Vocabulary: id 0 is `<pad>`, then the unknown-word classes (UNK_CLASSES), the comma, then every
word of the lexicon in sorted order. An unknown word is never refused: it maps to its class by
shape (`unknown_class`), which models see in training through word dropout.

The comma is a token. It is how written English marks the end of a fronted phrase or clause
("near the doors, the cat ..."; "when the girls left the room, the teacher ..."); without it a
reader (or a model) cannot tell "when the girls left the room the teacher ..." from a clause
that goes on. Other punctuation (. ! ? ; : quotes, dashes) is dropped and reported.

Number: NOUN_NUMBER and VERB_NUMBER map every word form that shows number to 0 (singular) or
1 (plural); number-ambiguous nouns (fish, sheep) and number-neutral verb forms (past "saw")
are absent, so no label is ever read off them.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

PAD = "<pad>"
COMMA = ","
SINGULAR, PLURAL = 0, 1
UNK_CLASSES = ("<unk>", "<unk-s>", "<unk-ed>", "<unk-ing>", "<unk-ly>", "<unk-cap>", "<unk-num>")

LEXICON: dict = json.loads(Path(__file__).with_name("lexicon.json").read_text())


def _words(lex: dict) -> set[str]:
    out = set()
    for n in lex["nouns"]:
        out |= {n["singular"], n["plural"]}
    for v in lex["verbs"]:
        out |= {v[k] for k in ("lemma", "present_3sg", "present_plural", "past", "participle",
                               "gerund")}
    for a in lex["auxiliaries"]:
        out |= {a["singular"], a["plural"]}
    out |= {a["word"] for a in lex["adjectives"]}
    out |= {w for ws in lex["pronouns"].values() for w in ws}
    for key in ("adverbs", "names", "places", "determiners", "prepositions", "conjunctions",
                "subordinators", "relatives", "other_function_words"):
        out |= set(lex[key])
    return out


WORDS: list[str] = sorted(_words(LEXICON))
VOCAB: list[str] = [PAD, *UNK_CLASSES, COMMA, *WORDS]
WORD_TO_ID: dict[str, int] = {w: i for i, w in enumerate(VOCAB)}
NAMES: frozenset[str] = frozenset(LEXICON["names"]) | frozenset(LEXICON["places"])

NOUN_NUMBER: dict[str, int] = {}
AMBIGUOUS_NOUNS: frozenset[str] = frozenset(
    w for n in LEXICON["nouns"] if n["number_ambiguous"] for w in (n["singular"], n["plural"]))
for _n in LEXICON["nouns"]:
    if not _n["number_ambiguous"]:
        NOUN_NUMBER[_n["singular"]] = SINGULAR
        NOUN_NUMBER[_n["plural"]] = PLURAL
VERB_NUMBER: dict[str, int] = {}
for _a in LEXICON["auxiliaries"]:
    VERB_NUMBER[_a["singular"]], VERB_NUMBER[_a["plural"]] = SINGULAR, PLURAL
for _v in LEXICON["verbs"]:
    if _v["present_3sg"] != _v["present_plural"] and _v["lemma"] not in ("be", "have", "do"):
        VERB_NUMBER.setdefault(_v["present_3sg"], SINGULAR)
        VERB_NUMBER.setdefault(_v["present_plural"], PLURAL)
VERB_NUMBER["am"] = SINGULAR


def unknown_class(word: str, capitalised: bool = False) -> str:
    """The unknown-word class of a word by its shape: a number, a capitalised word (not at the
    start of a sentence: a likely name), then the endings -ing, -ed, -ly, -s, else <unk>."""
    if any(ch.isdigit() for ch in word):
        return "<unk-num>"
    if capitalised:
        return "<unk-cap>"
    w = word.lower()
    if len(w) > 4 and w.endswith("ing"):
        return "<unk-ing>"
    if len(w) > 3 and w.endswith("ed"):
        return "<unk-ed>"
    if len(w) > 3 and w.endswith("ly"):
        return "<unk-ly>"
    if len(w) > 2 and w.endswith("s") and not w.endswith("ss"):
        return "<unk-s>"
    return "<unk>"


@dataclass(frozen=True)
class Reading:
    """What was read from a text. tokens: vocabulary tokens (lowercased words, unknown words
    replaced by their class, commas); ids: their ids; surface: the text as typed for each
    token; unknown: (position, typed word, class) for every unknown word; dropped: punctuation
    that was not read."""
    text: str
    tokens: tuple[str, ...]
    ids: tuple[int, ...]
    surface: tuple[str, ...]
    unknown: tuple[tuple[int, str, str], ...]
    dropped: tuple[str, ...]

    def noun_number(self, t: int) -> int | None:
        return NOUN_NUMBER.get(self.tokens[t])

    def verb_number(self, t: int) -> int | None:
        return VERB_NUMBER.get(self.tokens[t])


_TOKEN = re.compile(r"[^\W_]+(?:['\u2019][^\W_]+)*|,|[^\s\w,]|_")   # words in any script


def read(text: str) -> Reading:
    """Read any text: words (case-folded; names and unknown capitalised words are recognised by
    their capital), commas as tokens, other punctuation dropped. Raises ValueError only for
    non-text, empty text or text without a single word."""
    if not isinstance(text, str):
        raise ValueError(f"expected text, got {type(text).__name__}")
    tokens, surface, unknown, dropped = [], [], [], []
    sentence_start = True
    for m in _TOKEN.finditer(text):
        piece = m.group().replace("\u2019", "'")
        if piece == COMMA:
            if tokens and tokens[-1] != COMMA:
                tokens.append(COMMA)
                surface.append(piece)
            continue
        if not piece[0].isalnum():
            dropped.append(piece)
            sentence_start = sentence_start or piece in ".!?"
            continue
        word = piece.lower()
        if word in WORD_TO_ID and word != PAD:
            tokens.append(word)
        else:
            cls = unknown_class(piece, capitalised=piece[0].isupper() and not sentence_start)
            unknown.append((len(tokens), piece, cls))
            tokens.append(cls)
        surface.append(piece)
        sentence_start = False
    while tokens and tokens[-1] == COMMA:
        tokens.pop()
        surface.pop()
    if not any(t != COMMA for t in tokens):
        raise ValueError("there is no word to read: type a sentence, e.g. "
                         "'the keys to the cabinet are'" if not text.strip() else
                         f"there is no word to read in {text.strip()[:40]!r}: type a sentence, "
                         "e.g. 'the keys to the cabinet are'")
    return Reading(text, tuple(tokens), tuple(WORD_TO_ID[t] for t in tokens), tuple(surface),
                   tuple(unknown), tuple(dropped))


def decode(ids) -> list[str]:
    """Token ids -> tokens."""
    return [VOCAB[int(i)] for i in ids]


def _entries() -> dict[str, list[str]]:
    """word -> what it is in the lexicon (a word can be several things: 'houses' is a plural
    noun and a singular verb)."""
    out: dict[str, list[str]] = {}
    add = lambda w, what: out.setdefault(w, []).append(what)   # noqa: E731
    for n in LEXICON["nouns"]:
        amb = " (number-ambiguous)" if n["number_ambiguous"] else ""
        add(n["singular"], f"noun, singular{amb}")
        if n["plural"] != n["singular"]:
            add(n["plural"], f"noun, plural{amb}")
    for a in LEXICON["auxiliaries"]:
        add(a["singular"], "auxiliary, singular")
        add(a["plural"], "auxiliary, plural")
    for v in LEXICON["verbs"]:
        forms: dict[str, list[str]] = {}
        same = v["present_3sg"] == v["present_plural"]
        for key, what in (("present_3sg", "present" if same else "present singular"),
                          ("present_plural", "present" if same else "present plural"),
                          ("past", "past"), ("participle", "participle"), ("gerund", "-ing")):
            if what not in forms.setdefault(v[key], []):
                forms[v[key]].append(what)
        for w, whats in forms.items():
            add(w, "verb, " + " / ".join(whats))
    for a in LEXICON["adjectives"]:
        add(a["word"], "adjective")
    for number, ws in LEXICON["pronouns"].items():
        for w in ws:
            add(w, f"pronoun, {number}" if number != "either" else "pronoun")
    for key, what in (("adverbs", "adverb"), ("names", "name"), ("places", "place name"),
                      ("determiners", "determiner"), ("prepositions", "preposition"),
                      ("conjunctions", "conjunction"), ("subordinators", "subordinator"),
                      ("relatives", "relative"), ("other_function_words", "function word")):
        for w in LEXICON[key]:
            add(w, what)
    return out


ENTRIES: dict[str, list[str]] = _entries()


def search(query: str = "", limit: int = 200) -> tuple[list[tuple[str, str]], int]:
    """Lexicon words containing `query` (case-insensitive; words starting with it first) ->
    ([(word, what it is), ...] at most `limit`, how many matched in all)."""
    q = str(query).strip().lower()
    hits = [w for w in WORDS if q in w]
    hits.sort(key=lambda w: (not w.startswith(q), w))
    return [(w, "; ".join(ENTRIES.get(w, ["word"]))) for w in hits[:max(int(limit), 0)]], len(hits)
