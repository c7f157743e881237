"""Build lstm_core/data/lexicon.json: `python -m lstm_core.data.build_lexicon`.

Open classes come from kept libraries, never typed by hand:
- wordfreq (top English words, Zipf frequencies) chooses WHICH words: the most frequent ones;
- lemminflect says which part of speech a word can be and gives verb forms (3sg, base, past,
  participle, -ing) and adjective lemmas;
- inflect gives noun plurals (children, mice, people, leaves, ...); a noun whose plural is its
  singular (fish, sheep, deer, series) is kept but flagged `number_ambiguous`.
Closed classes (determiners, pronouns, prepositions, conjunctions, auxiliaries) and a list of
common first names are small fixed lists below. Two semantic flags the libraries cannot give
are small seed lists too: which verbs take an object (`transitive`, for relative clauses) and
which nouns name people (`person`, for "who").

`generator: true` marks the words the agreement grammar may use: a noun only if both its forms
are unambiguous nouns (the plural is not also a frequent verb form, "watches") and its number
is not ambiguous; a verb only if transitive and its past form is not a frequent noun/adjective.
The output is deterministic: sorted lists, no timestamps; the library versions are recorded.
"""
from __future__ import annotations

import json
from importlib.metadata import version
from pathlib import Path

import inflect
import lemminflect
import wordfreq

OUT = Path(__file__).with_name("lexicon.json")
N_TOP = 40000            # candidates: the 40,000 most frequent English words
N_NOUNS, N_VERBS, N_ADJ, N_ADV = 600, 260, 260, 90
MIN_PLURAL_ZIPF = 2.6    # the plural must be attested (rules out mass nouns "informations")
AMBIG_MARGIN = 1.0       # a noun/verb counts as "primary" if 10x more frequent in that use

DETERMINERS = ["the", "a", "an", "this", "that", "these", "those", "my", "your", "his", "her",
               "its", "our", "their", "every", "each", "some", "many", "few", "several", "no",
               "any", "all", "both", "much", "more", "most", "another", "other"]
# number-neutral determiners: the grammar only uses these ("a", "these", ... reveal number)
NEUTRAL_DETERMINERS = ["the", "my", "your", "our", "their", "his", "her"]
PRONOUNS = {"singular": ["he", "she", "it", "i", "him", "me", "this", "himself", "herself",
                         "itself", "myself"],
            "plural": ["they", "we", "them", "us", "these", "those", "themselves", "ourselves"],
            "either": ["you", "yourself", "who", "what", "someone", "everyone", "nobody",
                       "something", "everything", "nothing"]}
PREPOSITIONS = ["about", "above", "across", "after", "against", "along", "among", "around", "at",
                "before", "behind", "below", "beneath", "beside", "between", "beyond", "by",
                "down", "during", "for", "from", "in", "inside", "into", "near", "of", "off",
                "on", "onto", "outside", "over", "past", "through", "to", "toward", "under",
                "until", "up", "upon", "with", "within", "without"]
# prepositions the grammar uses in noun-modifying and fronted PPs
PLACE_PREPOSITIONS = ["near", "behind", "beside", "under", "above", "by", "with", "from",
                      "of", "on", "in", "at", "across", "inside", "outside", "beyond", "below",
                      "among", "around", "without"]
CONJUNCTIONS = ["and", "or", "but", "nor", "so", "yet"]
SUBORDINATORS = ["when", "because", "although", "while", "if", "since", "after", "before",
                 "unless", "until", "though", "whenever", "as"]
RELATIVES = ["that", "which", "who", "whom", "whose", "where"]
OTHER_FUNCTION = ["there", "here", "not", "to", "than", "then", "also", "too", "very", "just",
                  "only", "even", "yes", "no", "how", "why", "what", "will", "would", "can",
                  "could", "shall", "should", "may", "might", "must", "do", "does", "did",
                  "done", "doing", "be", "been", "being", "am", "had", "having", "yesterday",
                  "today", "tomorrow", "now", "soon", "later", "again", "once"]
# agreeing auxiliaries: (singular, plural)
AUXILIARIES = [("is", "are"), ("was", "were"), ("has", "have"), ("does", "do")]
NAMES = ["alice", "anna", "ben", "bob", "carla", "charlie", "david", "emma", "eve", "frank",
         "george", "grace", "hannah", "harry", "jack", "james", "jane", "john", "kate", "laura",
         "lucy", "mark", "mary", "maria", "mike", "nina", "oliver", "paul", "peter", "rachel",
         "sam", "sarah", "sophie", "tom"]
PLACES = ["london", "paris", "berlin", "rome", "tokyo", "madrid", "europe", "africa", "india",
          "china"]
# always included (the tutorial sentences of issue 11, irregular and number-ambiguous nouns)
SEED_NOUNS = ["cat", "fish", "bus", "sky", "cloud", "room", "teacher", "student", "author",
              "guard", "door", "house", "dog", "boy", "girl", "child", "mouse", "person", "man",
              "woman", "foot", "tooth", "goose", "leaf", "knife", "wolf", "sheep", "deer",
              "key", "cabinet", "table", "box", "city", "baby", "tree", "bottle", "garden"]
SEED_ADJECTIVES = ["delicious", "eager", "full", "late", "old", "small", "new", "big", "happy",
                   "red", "dark", "empty", "famous", "young", "tall", "quiet"]
BLOCK = {"ass", "hell", "damn", "shit", "fuck", "bitch", "sex", "mine", "die", "dick", "god",
         "penis", "porn", "gay", "jesus", "christ", "sexy", "pro", "dumb"}
# semantic seeds (lemmas); their forms come from lemminflect
TRANSITIVE = ["see", "like", "find", "paint", "watch", "fix", "open", "clean", "visit", "chase",
              "follow", "move", "build", "buy", "sell", "love", "hate", "carry", "help", "call",
              "know", "meet", "need", "want", "bring", "take", "make", "keep", "leave", "hold",
              "hear", "teach", "show", "miss", "push", "pull", "wash", "draw", "catch", "throw",
              "feed", "protect", "admire", "praise", "thank", "greet", "notice", "ignore",
              "remember", "forget", "describe", "study", "enjoy", "destroy", "break", "hit",
              "kick", "touch", "check", "guard", "hide", "lift", "drop", "paint", "cook",
              "eat", "prefer", "trust", "avoid", "support", "invite", "attack", "fear"]
PERSON = ["man", "woman", "child", "person", "girl", "boy", "teacher", "student", "farmer",
          "doctor", "author", "guard", "friend", "parent", "mother", "father", "brother",
          "sister", "king", "queen", "soldier", "worker", "player", "driver", "writer",
          "artist", "officer", "nurse", "lawyer", "singer", "baby", "neighbor", "customer",
          "pilot", "actor", "judge", "leader", "member", "visitor", "manager", "engineer",
          "scientist", "officer", "prince", "princess", "senator", "thief", "wife",
          "husband", "daughter", "son", "kid", "girlfriend", "boyfriend", "guest", "owner"]
# function words and auxiliaries are never open-class lemmas
_CLOSED = set(DETERMINERS) | {w for ws in PRONOUNS.values() for w in ws} | set(PREPOSITIONS) \
    | set(CONJUNCTIONS) | set(SUBORDINATORS) | set(RELATIVES) | set(OTHER_FUNCTION) \
    | {w for pair in AUXILIARIES for w in pair} | set(NAMES) | set(PLACES) | {"have", "get", "go", "say"} \
    | BLOCK


def zipf(word: str) -> float:
    return wordfreq.zipf_frequency(word, "en")


def _first(forms) -> str | None:
    return forms[0] if forms else None


def _verb_forms(lemma: str) -> dict | None:
    get = lambda tag: _first(lemminflect.getInflection(lemma, tag, inflect_oov=False))
    forms = dict(lemma=lemma, present_3sg=get("VBZ"), present_plural=get("VBP") or lemma,
                 past=get("VBD"), participle=get("VBN"), gerund=get("VBG"))
    return forms if all(forms.values()) else None


def _candidates() -> list[str]:
    return [w for w in wordfreq.top_n_list("en", N_TOP)
            if w.isascii() and w.isalpha() and len(w) >= 2 and w not in _CLOSED]


def build() -> dict:
    eng = inflect.engine()
    top = _candidates()
    cands = top + [w for w in SEED_NOUNS + SEED_ADJECTIVES if w not in set(top)]
    lemmas = {w: lemminflect.getAllLemmas(w) for w in cands}
    verbs, nouns, adjectives, adverbs = [], [], [], []
    for w in cands:
        if len(verbs) < N_VERBS and w in lemmas[w].get("VERB", ()):
            f = _verb_forms(w)
            if f and zipf(f["past"]) >= 3.0 and f["past"] != w:
                verbs.append(f)
    for lemma in TRANSITIVE + ["have", "go", "say", "get"]:   # seeds and tutorial verbs
        if lemma not in {v["lemma"] for v in verbs}:
            verbs.append(_verb_forms(lemma))
    verb_forms = {v[k]: v["lemma"] for v in verbs for k in v if k != "lemma"}
    plurals_of = {}
    for w in cands:
        if w in lemmas[w].get("NOUN", ()):
            p = eng.plural_noun(w)
            if isinstance(p, str) and p.isalpha():
                plurals_of[w] = p
    all_plurals = {p for s, p in plurals_of.items() if p != s}
    for w, p in plurals_of.items():
        if len(nouns) >= N_NOUNS and w not in SEED_NOUNS:
            continue
        if w in all_plurals or zipf(p) < MIN_PLURAL_ZIPF or w.endswith("ing"):
            continue            # "people" is person's plural, not a lemma; no gerunds
        verb_use = max((zipf(f) for f in lemminflect.getAllInflections(w, upos="VERB")
                        .get("VBD", ())), default=0.0)
        ambiguous_number = p == w
        adj_too = "ADJ" in lemmas[w]
        primary = (zipf(p) - verb_use >= AMBIG_MARGIN and zipf(p) >= max(3.3, zipf(w) - 1.2) and p not in verb_forms
                   and w not in verb_forms and not adj_too)
        nouns.append(dict(singular=w, plural=p, number_ambiguous=ambiguous_number,
                          irregular=p not in (w + "s", w + "es", w[:-1] + "ies"),
                          person=w in PERSON, generator=primary and not ambiguous_number))
    noun_forms = {n["singular"] for n in nouns} | {n["plural"] for n in nouns}
    for w in cands:
        pure = (w in lemmas[w].get("ADJ", ()) and w not in noun_forms and w not in verb_forms
                and set(lemmas[w]) <= {"ADJ", "ADV"})
        if w in SEED_ADJECTIVES or (len(adjectives) < N_ADJ and pure):
            # the grammar: gradable (lemminflect knows a comparative) and not an adverb too
            gradable = bool(lemminflect.getAllInflections(w, upos="ADJ").get("JJR"))
            adjectives.append(dict(word=w, generator=pure and gradable and "ADV" not in lemmas[w]
                                   and zipf(w) >= 3.5))
        if len(adverbs) < N_ADV and w.endswith("ly") and set(lemmas[w]) == {"ADV"}:
            adverbs.append(w)
    adj_set = {a["word"] for a in adjectives}
    for v in verbs:
        v["transitive"] = v["lemma"] in TRANSITIVE
        clash = {v["past"], v["present_3sg"], v["present_plural"]} & (noun_forms | adj_set)
        v["generator"] = v["transitive"] and not clash and v["past"] == v["participle"] \
            and v["lemma"] not in ("have", "get", "go", "say")
    return dict(
        about="Built by `python -m lstm_core.data.build_lexicon`; do not edit by hand.",
        sources={lib: version(lib) for lib in ("inflect", "lemminflect", "wordfreq")},
        nouns=sorted(nouns, key=lambda n: n["singular"]),
        verbs=sorted(verbs, key=lambda v: v["lemma"]),
        auxiliaries=[dict(singular=s, plural=p) for s, p in AUXILIARIES],
        adjectives=sorted(adjectives, key=lambda a: a["word"]), adverbs=sorted(adverbs), names=sorted(set(NAMES)), places=sorted(PLACES),
        pronouns={k: sorted(v) for k, v in PRONOUNS.items()},
        determiners=sorted(DETERMINERS), neutral_determiners=sorted(NEUTRAL_DETERMINERS),
        prepositions=sorted(PREPOSITIONS), place_prepositions=sorted(PLACE_PREPOSITIONS),
        conjunctions=sorted(CONJUNCTIONS), subordinators=sorted(SUBORDINATORS),
        relatives=sorted(RELATIVES), other_function_words=sorted(set(OTHER_FUNCTION)),
    )


def main() -> None:
    lex = build()
    OUT.write_text(json.dumps(lex, indent=1, sort_keys=True) + "\n")
    g = lambda k: sum(1 for e in lex[k] if e["generator"])
    print(f"wrote {OUT}: {len(lex['nouns'])} nouns ({g('nouns')} in the grammar, "
          f"{sum(n['number_ambiguous'] for n in lex['nouns'])} number-ambiguous), "
          f"{len(lex['verbs'])} verbs ({g('verbs')} in the grammar), "
          f"{len(lex['adjectives'])} adjectives ({g('adjectives')} in the grammar), {len(lex['adverbs'])} adverbs")


if __name__ == "__main__":
    main()
