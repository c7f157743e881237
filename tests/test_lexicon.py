"""The shipped English lexicon (lstm_core/data/lexicon.json) and the reader of typed text."""
import json
import re

import pytest

from lstm_core.data import lexicon as lx

TUTORIAL = [
    "The cat had enjoyed eating fish, the fish was delicious and was eager to have more.",
    "The cats had enjoyed eating fish, the fish was delicious and were eager to have more.",
    "The bus, which went to Paris, was full.", "The buses, which went to Paris, were full.",
    "Bob called Carla and she said", "There are clouds in the sky",
]


def test_counts():
    L = lx.LEXICON
    assert len(lx.WORDS) >= 2000
    assert sum(1 for n in L["nouns"] if n["singular"] != n["plural"]) >= 300
    assert len([v for v in L["verbs"] if all(v[k] for k in ("present_3sg", "present_plural",
                                                             "past"))]) >= 150
    assert len(L["adjectives"]) >= 150
    assert len(L["names"]) >= 20 and L["pronouns"]["singular"] and L["pronouns"]["plural"]
    for w in ("and", "which", "who", "that", "when", "because", "there", "the", "of"):
        assert w in lx.WORD_TO_ID


def test_irregular_and_ambiguous_nouns():
    plural = {n["singular"]: n["plural"] for n in lx.LEXICON["nouns"]}
    assert plural["child"] == "children" and plural["mouse"] == "mice"
    assert plural["person"] == "people"
    assert lx.NOUN_NUMBER["children"] == lx.PLURAL and lx.NOUN_NUMBER["mouse"] == lx.SINGULAR
    for w in ("fish", "sheep"):
        assert w in lx.AMBIGUOUS_NOUNS and w not in lx.NOUN_NUMBER
    assert lx.VERB_NUMBER["is"] == 0 and lx.VERB_NUMBER["were"] == 1
    assert lx.VERB_NUMBER["likes"] == 0 and lx.VERB_NUMBER["like"] == 1
    assert "saw" not in lx.VERB_NUMBER           # past lexical verbs show no number


def test_tutorial_sentences_are_read_without_unknown_words():
    for text in TUTORIAL:
        r = lx.read(text)
        assert r.unknown == (), (text, r.unknown)
        assert len(r.tokens) == len(r.ids) == len(r.surface)
    assert lx.read(TUTORIAL[2]).tokens == ("the", "bus", ",", "which", "went", "to", "paris",
                                           ",", "was", "full")


def test_vocabulary_layout():
    assert lx.VOCAB[0] == lx.PAD and len(set(lx.VOCAB)) == len(lx.VOCAB)
    for c in lx.UNK_CLASSES + (lx.COMMA,):
        assert c in lx.WORD_TO_ID
    assert lx.decode(lx.read("the keys are").ids) == ["the", "keys", "are"]


@pytest.mark.parametrize("word, cap, cls", [
    ("glorping", False, "<unk-ing>"), ("blorped", False, "<unk-ed>"), ("zoomly", False, "<unk-ly>"),
    ("wugs", False, "<unk-s>"), ("wug", False, "<unk>"), ("Zork", True, "<unk-cap>"),
    ("1984", False, "<unk-num>"), ("glass", False, "<unk>")])
def test_unknown_classes(word, cap, cls):
    assert lx.unknown_class(word, cap) == cls


def test_unknown_words_are_read_with_their_class():
    r = lx.read("The wugs near Zorbtown glorped, 42 times!")
    assert [(w, c) for _, w, c in r.unknown] == [("wugs", "<unk-s>"), ("Zorbtown", "<unk-cap>"),
                                                 ("glorped", "<unk-ed>"), ("42", "<unk-num>")]
    assert r.tokens[r.unknown[0][0]] == "<unk-s>" and "!" in r.dropped
    assert lx.read("Wugs are here").tokens[0] == "<unk-s>"   # sentence-initial capital: shape


@pytest.mark.parametrize("text", ["", "   ", "...", ", , ;", "!?"])
def test_only_wordless_input_is_an_error(text):
    with pytest.raises(ValueError, match="no word"):
        lx.read(text)


def test_non_text_is_an_error():
    with pytest.raises(ValueError):
        lx.read(None)


def test_shipped_json_is_deterministic_and_sorted():
    shipped = lx.LEXICON
    assert [n["singular"] for n in shipped["nouns"]] == sorted(n["singular"] for n in shipped["nouns"])
    assert shipped["adverbs"] == sorted(shipped["adverbs"])
    text = json.dumps(shipped)
    assert not re.search(r"20\d\d-\d\d-\d\d", text)           # no timestamps
    # the build libraries are dev-only; without them the shipped file is still checked above
    build_lexicon = pytest.importorskip("lstm_core.data.build_lexicon")
    rebuilt = build_lexicon.build()
    assert json.loads(json.dumps(rebuilt, sort_keys=True)) == shipped
