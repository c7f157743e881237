"""lstm_core.experiments.inspection: Gates over time's single call. The glass core reproduces the trained fused model's
prediction, sentences parse (or fail with a clear message), the page's sentences hold, and
uploads are validated (never unpickled)."""
import json
import os
import pickle

import numpy as np
import pytest
import torch

from lstm_core.data import grammar
from lstm_core.data import lexicon as lx
from lstm_core.experiments import inspection as insp
from lstm_core.training import checkpoint, uploads
from lstm_core.training.trainer import TrainConfig, build_model, train


@pytest.fixture(scope="module")
def models():
    """A briefly trained agreement LSTM and RNN (tiny: 30 steps, 16 units)."""
    out = {}
    for arch in ("lstm", "rnn"):
        r = train(TrainConfig(arch=arch, hidden=16, steps=30, distance=10, test_size=100))
        out[arch] = r
    return out


# ---------------------------------------------------------------------------- the call

def test_glass_trace_reproduces_the_fused_model(models):
    s = insp.sentence_from_text(insp.EXAMPLES[4])
    ins = insp.inspect_sentence({a: r.model for a, r in models.items()}, s)
    x = torch.tensor([list(s.ids)])
    for arch, r in models.items():
        tr = ins.traces[arch]
        with torch.no_grad():
            h_fused = r.model.hidden_states(x)[0].numpy()
            p_fused = torch.softmax(r.model(x)[0], -1)[:, 1].numpy()
        np.testing.assert_allclose(tr.arrays["hidden"], h_fused, atol=1e-5)
        np.testing.assert_allclose(tr.p_plural, p_fused, atol=1e-5)
        assert tr.prediction == ("plural" if p_fused[-1] >= 0.5 else "singular")
        assert tr.probability == pytest.approx(max(p_fused[-1], 1 - p_fused[-1]), abs=1e-5)


def test_trace_shapes_and_fields(models):
    s = insp.sentence_from_text("the keys to the old cabinet are")
    ins = insp.inspect_sentence({a: r.model for a, r in models.items()}, s)
    T = len(s.tokens)
    assert s.tokens == ["the", "keys", "to", "the", "old", "cabinet"] and s.verb == "are"
    lstm, rnn = ins.traces["lstm"], ins.traces["rnn"]
    assert set(lstm.arrays) == set(insp.LSTM_FIELDS) and set(rnn.arrays) == {"hidden"}
    for a in list(lstm.arrays.values()) + list(rnn.arrays.values()):
        assert a.shape == (T, 16) and a.dtype == np.float32
    for g in ("input_gate", "forget_gate", "output_gate"):
        assert 0 <= lstm.arrays[g].min() and lstm.arrays[g].max() <= 1
    # push: (w_plural - w_singular) * h_T sums (with the bias) to the final logit difference
    m = models["lstm"].model
    with torch.no_grad():
        logits = m(torch.tensor([list(s.ids)]))[0, -1].numpy()
        db = (m.readout.bias[1] - m.readout.bias[0]).item()
    assert lstm.push.sum() + db == pytest.approx(logits[1] - logits[0], abs=1e-5)
    assert lstm.top_units(2) == list(np.argsort(-np.abs(lstm.push))[:2])


def test_csv_has_every_value(models):
    s = insp.sentence_from_text("the cat that the dogs saw is")
    ins = insp.inspect_sentence({a: r.model for a, r in models.items()}, s)
    lines = insp.traces_csv(ins).strip().splitlines()
    T, H = len(s.tokens), 16
    assert lines[0] == "arch,quantity,t,token,unit,value"
    assert len(lines) - 1 == (6 + 1) * T * H + 2 * T
    row = next(l for l in lines if l.startswith("lstm,forget_gate,2,"))
    t, unit, value = int(row.split(",")[2]), int(row.split(",")[4]), float(row.split(",")[5])
    assert value == pytest.approx(float(ins.traces["lstm"].arrays["forget_gate"][t, unit]), rel=1e-5)


# ---------------------------------------------------------------------------- sentences

def test_punctuation_not_read_is_reported():
    s = insp.sentence_from_text("the cat 🐱 — is")
    assert s.tokens == ["the", "cat"] and s.verb == "is"
    assert "🐱" in s.note and "—" in s.note
    s = insp.sentence_from_text("The cat, (really) is!")
    assert s.tokens == ["the", "cat", ",", "really"] and "(" in s.note and "!" in s.note


def test_typed_label_comes_from_the_typed_verb_never_a_noun():
    # the counter-example: the first noun 'houses' is plural, the verb 'is' singular
    s = insp.sentence_from_text("behind the old houses the small dog that the boys saw is")
    assert s.verb == "is" and s.label == lx.SINGULAR and s.subject_pos is None
    assert s.checks == [(len(s.tokens), "is", lx.SINGULAR)] and "'is'" in s.label_source
    s2 = insp.sentence_from_text("the children near the big tree")        # no verb: read all
    assert s2.verb is None and s2.label is None and s2.checks == [] and len(s2.tokens) == 6


def test_every_agreeing_verb_is_judged_and_the_rest_reported_unread():
    s = insp.sentence_from_text("The cats had enjoyed eating fish, the fish was delicious and "
                                "were eager to have more.")
    assert [(v, n) for _, v, n in s.checks] == [("was", 0), ("were", 1)]   # not "to have"
    assert s.tokens[s.checks[0][0]] == "was" and s.checks[-1][0] == len(s.tokens)
    assert s.label == lx.PLURAL and s.unread == "eager to have more"
    s = insp.sentence_from_text("There are clouds in the sky")
    assert s.tokens == ["there"] and s.verb == "are" and s.unread == "clouds in the sky"
    # a noun that is also a verb form after a determiner is a noun ("the houses")
    assert insp.sentence_from_text("near the houses, the dog is").checks == [(6, "is", 0)]


@pytest.mark.parametrize("text, unknown", [
    ("the kees near the dorr are", [("kees", "<unk-s>"), ("dorr", "<unk>")]),
    ("<script>alert(1)</script> the cat is", [("script", "<unk>"), ("alert", "<unk>"),
                                               ("1", "<unk-num>"), ("script", "<unk>")]),
    ("der Schlüssel ist", [("der", "<unk>"), ("Schlüssel", "<unk-cap>"), ("ist", "<unk>")]),
])
def test_unknown_words_are_read_as_their_class(text, unknown):
    s = insp.sentence_from_text(text)
    assert [(w, c) for _, w, c in s.unknown] == unknown
    for t, _, c in s.unknown:
        assert s.tokens[t] == c


@pytest.mark.parametrize("text, needle", [
    ("", "no word"), ("   \n\t ", "no word"), ("!!! ...", "no word"),
    ("the keys " * 5000, "words"),
    ("the cat near the dog " * 40 + "is", f"at most {insp.MAX_WORDS}"),
])
def test_bad_sentences_get_a_clear_message(text, needle):
    with pytest.raises(ValueError, match=needle):
        insp.sentence_from_text(text)


def test_a_verb_first_is_read_without_judgement():
    s = insp.sentence_from_text("are the keys")
    assert s.tokens == ["are", "the", "keys"] and s.checks == [] and s.label is None


def test_every_example_is_read():
    for text in insp.EXAMPLES:
        s = insp.sentence_from_text(text)
        assert s.tokens and all(w in lx.WORD_TO_ID for w in s.tokens)


def test_generated_sentences_have_the_asked_distance_and_attractors():
    for d, k, seed in [(0, 0, 0), (12, 1, 3), (30, 4, 1), (60, 10, 2)]:
        s = insp.generate_sentence(d, k, seed)
        assert s.distance == d and len(s.attractor_positions) == k
        assert s.label == lx.NOUN_NUMBER[s.tokens[s.subject_pos]]
        for t in s.attractor_positions:
            assert lx.NOUN_NUMBER[s.tokens[t]] != s.label
        assert lx.VERB_NUMBER[s.verb] == s.label
    assert insp.generate_sentence(20, 2, 7).tokens == insp.generate_sentence(20, 2, 7).tokens
    assert insp.generate_sentence(20, 2, 7).tokens != insp.generate_sentence(20, 2, 8).tokens
    with pytest.raises(ValueError, match="distance"):
        insp.generate_sentence(insp.MAX_DISTANCE + 1, 0)


def test_fit_attractors():
    assert insp.fit_attractors(12, 2) == (2, None)
    k, note = insp.fit_attractors(5, 4)
    assert k == grammar.max_attractors(5) == 1 and "using 1" in note and "distance 5" in note


def test_clean_units():
    assert insp.clean_units(["3", "1", "3"], 16) == ([3, 1], None)
    units, note = insp.clean_units(["2", "99", "abc", "-1", "1.5"], 16)
    assert units == [2] and all(f"'{b}'" in note for b in ("99", "abc", "-1", "1.5"))


# ---------------------------------------------------------------------------- sentences the page says

def test_page_sentences_hold(models):
    s = insp.generate_sentence(8, 1, 0)
    ins = insp.inspect_sentence({a: r.model for a, r in models.items()}, s)
    for arch, tr in ins.traces.items():
        v = ins.verdict(arch)
        assert f"predicts **{tr.prediction}** (probability {tr.probability:.2f})" in v
        correct = (tr.p_plural[-1] >= 0.5) == (s.label == lx.PLURAL)
        assert (": correct" in v) == correct and (": wrong" in v) == (not correct)
        assert f"is {insp.NUMBER[s.label]}" in v
        assert ("close to a coin flip" in v) == (round(tr.probability, 2) < 0.6)
    story = insp.probability_story(ins)
    for arch, tr in ins.traces.items():
        assert (f"{arch.upper()} {tr.p_plural[s.subject_pos]:.2f} right after "
                f"'{s.tokens[s.subject_pos]}', {tr.p_plural[-1]:.2f} at the last token") in story
    u = ins.traces["lstm"].top_units(1)[0]
    a = ins.traces["lstm"].arrays
    text = insp.describe_unit(ins, u)
    j = s.subject_pos
    push = float(ins.traces["lstm"].push[u])
    assert f"toward {'plural' if push > 0 else 'singular'} ({push:+.2f} logit)" in text
    assert f"forget gate averages {a['forget_gate'][j + 1:, u].mean():.2f}" in text
    assert f"at it and {a['cell'][-1, u]:+.2f} at the last token" in text


def test_non_agreement_models_are_refused():
    adding = build_model(TrainConfig(task="adding", hidden=8))
    with pytest.raises(ValueError, match="not trained on subject-verb agreement"):
        insp.inspect_sentence({"lstm": adding}, insp.sentence_from_text("the cat is"))


# ---------------------------------------------------------------------------- uploads

def _ckpt(model, cfg):
    return checkpoint.to_bytes(model, cfg, {"test_accuracy": 0.5})


class _Evil:
    def __reduce__(self):
        return (os.system, (f"touch {_Evil.sentinel}",))


def test_uploads_accept_a_good_pair_and_reject_bad_files(models, tmp_path):
    r = models["lstm"]
    w, m = _ckpt(r.model, r.config)
    rw, rm = _ckpt(models["rnn"].model, models["rnn"].config)
    # the four attacks of issue 6
    _Evil.sentinel = tmp_path / "pwned"
    evil = pickle.dumps({"weight": _Evil()})
    truncated = w[: len(w) // 2]
    wide = build_model(TrainConfig(arch="lstm", hidden=17))
    wide_w, _ = _ckpt(wide, TrainConfig(arch="lstm", hidden=17))     # weights of another size
    state = {k: v.clone() for k, v in r.model.state_dict().items()}
    state["rnn.weight_hh_l0"][0, 0] = float("nan")
    from safetensors.torch import save
    nan_w = save(state)
    files = [("good.safetensors", w), ("good.json", m), ("rnn.safetensors", rw), ("rnn.json", rm),
             ("evil.safetensors", evil), ("evil.json", m),
             ("cut.safetensors", truncated), ("cut.json", m),
             ("shape.safetensors", wide_w), ("shape.json", m),
             ("nan.safetensors", nan_w), ("nan.json", m),
             ("model.pt", evil), ("lonely.safetensors", w)]
    loaded, problems = uploads.load_uploads(files)
    assert set(loaded) == {"lstm", "rnn"} and "uploaded good" in loaded["lstm"][1]
    assert not _Evil.sentinel.exists(), "the pickle ran code"
    text = "\n".join(problems)
    assert "evil: rejected" in text and "pickle" in text
    assert "cut: rejected" in text and ("truncated" in text or "corrupted" in text)
    assert "shape: rejected" in text and "shape" in text
    assert "nan: rejected" in text and "NaN" in text
    assert "model.pt: only checkpoints are accepted" in text
    assert "lonely.safetensors: its lonely.json did not arrive" in text
    assert len(problems) == 6
    # the uploaded model is the same model
    s = insp.sentence_from_text("the keys are")
    a = insp.inspect_sentence({"lstm": loaded["lstm"][0]}, s).traces["lstm"].p_plural
    b = insp.inspect_sentence({"lstm": r.model}, s).traces["lstm"].p_plural
    np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-7)


def test_uploads_refuse_other_tasks_and_oversize(models):
    cfg = TrainConfig(task="adding", arch="lstm", hidden=8)
    w, m = _ckpt(build_model(cfg), cfg)
    loaded, problems = uploads.load_uploads([("add.safetensors", w), ("add.json", m),
                                          ("big.safetensors", b"0" * (insp_limits() + 1))])
    assert loaded == {}
    assert any("add: rejected" in p and "agreement" in p for p in problems)
    assert any("big.safetensors" in p and "limit" in p for p in problems)
    meta = json.loads(m)
    assert meta["train"]["task"] == "adding"


def insp_limits():
    from lstm_core import limits
    return limits.MAX_CHECKPOINT_BYTES


def test_user_text_in_messages_cannot_act_as_markdown():
    """The core writes plain text quoting the user; the pages escape it (pages/_text.inert) when shown."""
    from pages._text import inert
    with pytest.raises(ValueError) as e:
        insp.sentence_from_text("*_* --- __")
    assert "'*_* --- __'" in str(e.value) and "'\\*\\_\\* \\-\\-\\- \\_\\_'" in inert(str(e.value))
    _, problems = uploads.load_uploads([("[x](http://evil)**<b>.pt", b"12")])
    assert problems[0].startswith("x(httpevil)b.pt: only checkpoints")
    assert not any(ch in problems[0].split(":")[0] for ch in "[]*<>")


@pytest.mark.parametrize("text", [insp.EXAMPLES[11], insp.EXAMPLES[12], "Bob called Carla and she said",
                                  "behind the old houses the small dog that the boys saw is"])
def test_typed_verdict_judges_each_verb_by_the_prediction_before_it(models, text):
    s = insp.sentence_from_text(text)
    ins = insp.inspect_sentence({a: r.model for a, r in models.items()}, s)
    for arch, tr in ins.traces.items():
        v = ins.verdict(arch)
        if not s.checks:
            assert "nothing to judge" in v and "correct" not in v
        for t, verb, number in s.checks:
            pred = int(tr.p_plural[t - 1] >= 0.5)
            agree = "agrees with" if pred == number else "disagrees with"
            assert f"before '{verb}' ({insp.NUMBER[number]}) it predicts {insp.NUMBER[pred]}" in v
            assert f"{agree} the verb" in v.split(f"before '{verb}'")[1].split(";")[0]


def test_examples_subjects_agree_with_their_verbs():
    for text, pos in insp.EXAMPLE_SUBJECTS.items():
        s = insp.example_sentence(text)
        assert s.subject_pos == pos and lx.NOUN_NUMBER[s.tokens[pos]] == s.label
        assert s.checks[-1] == (len(s.tokens), s.verb, s.label)
        for t in s.attractor_positions:
            assert t > pos and lx.NOUN_NUMBER[s.tokens[t]] != s.label
    tutorial = insp.example_sentence(insp.EXAMPLES[-1])
    assert tutorial.subject_pos is None and tutorial.attractor_positions == []
