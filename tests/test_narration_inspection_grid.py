"""Every sentence *Gates over time* writes about a result, checked against the arrays it describes over a
sampled grid of the page's settings (issue 12 item 4): generated sentences at distance 0..100 with 0..max
attractors and any sentence seed, typed text built from the lexicon (with and without agreeing verbs, with
unknown words), the hand-picked examples; the shipped LSTM, RNN and GRU and the mixed-length RNN, in the
sets the page offers (LSTM + RNN, the mixed-length pair, all three, RNN + GRU: the GRU's units followed). Claims are recomputed from the traces, never from the text."""
from __future__ import annotations

import re

import numpy as np
import pytest
import torch

from lstm_core.data import grammar
from lstm_core.data import lexicon as lx
from lstm_core.experiments import inspection as insp
from lstm_core.experiments import inspection_models as src
from lstm_core.narration.baselines import NAMES, baselines_sentence
from lstm_core.training import registry

torch.set_num_threads(1)
P = r"(\d\.\d{2})"
N_GENERATED, N_TYPED = 160, 160


@pytest.fixture(scope="module")
def pairs():
    """The page's model sets: shipped LSTM + RNN, shipped LSTM + mixed-length RNN, LSTM + RNN + GRU,
    RNN + GRU (loaded once)."""
    base = registry.pretrained_models(registry.SHIPPED)
    mixed = registry.pretrained_models(registry.PRETRAINED_CURRICULUM)
    return [{"lstm": base["lstm"][0], "rnn": base["rnn"][0]},
            {"lstm": base["lstm"][0], "rnn": mixed["rnn"][0]},
            {a: base[a][0] for a in ("lstm", "rnn", "gru")},
            {"rnn": mixed["rnn"][0], "gru": base["gru"][0]}]


def _generated(n: int, seed: int = 12) -> list[tuple]:
    rng = np.random.default_rng(seed)
    out = []
    for _ in range(n):
        d = int(rng.integers(0, insp.MAX_DISTANCE + 1))
        k, _note = insp.fit_attractors(d, int(rng.integers(0, 11)))      # the page's slider: 0..10
        out.append(("generate", d, k, int(rng.integers(0, 100))))
    return out


_NOUNS = sorted(lx.NOUN_NUMBER)
_VERBS = sorted(lx.VERB_NUMBER)
_FILLER = (list(lx.LEXICON["determiners"]) + list(lx.LEXICON["prepositions"])
           + [a["word"] for a in lx.LEXICON["adjectives"]] + list(lx.LEXICON["adverbs"])
           + list(lx.LEXICON["relatives"]) + ["to", "will", "you", "i", ","])
_UNKNOWN = ["zorblaxes", "Quintessa", "flurped", "glimmering", "snarkily", "4711", "wug", "Paris!"]


def _typed(n: int, seed: int = 13) -> list[tuple]:
    """Texts of 1..40 words from the lexicon: a third without any verb form, the rest with 1..3
    verb forms; a third with unknown words mixed in."""
    rng = np.random.default_rng(seed)
    out = []
    for j in range(n):
        words = []
        for _ in range(int(rng.integers(1, 41))):
            r = rng.random()
            words.append(str(rng.choice(_NOUNS)) if r < 0.35 else str(rng.choice(_FILLER)))
        if j % 3:
            for _ in range(int(rng.integers(1, 4))):
                words.insert(int(rng.integers(1, len(words) + 1)), str(rng.choice(_VERBS)))
        if j % 3 == 0 or j % 5 == 0:
            for _ in range(int(rng.integers(1, 4))):
                words.insert(int(rng.integers(0, len(words) + 1)), str(rng.choice(_UNKNOWN)))
        out.append(("type", " ".join(words)))
    return out


N_SETS = 4
GRID = ([(g, k % N_SETS) for k, g in enumerate(_generated(N_GENERATED))]
        + [(t, k % N_SETS) for k, t in enumerate(_typed(N_TYPED))]
        + [(("example", e), k % N_SETS) for k, e in enumerate(insp.EXAMPLES)])


def _sentence(setting) -> insp.Sentence:
    if setting[0] == "generate":
        return insp.generate_sentence(*setting[1:])
    if setting[0] == "example":
        return insp.example_sentence(setting[1])
    return insp.sentence_from_text(setting[1])


def check_verdict(ins: insp.Inspection, arch: str) -> None:
    tr, s = ins.traces[arch], ins.sentence
    v = ins.verdict(arch)
    p_last = float(tr.p_plural[-1])
    pred_last = "plural" if p_last >= 0.5 else "singular"
    assert tr.prediction == pred_last and tr.probability == pytest.approx(max(p_last, 1 - p_last))
    if s.checks:
        parts = re.findall(r"before '([^']+)' \((singular|plural)\) it predicts (singular|plural) " + r"\(" + P
                           + r"\): it (agrees|disagrees) with the verb you typed", v)
        assert len(parts) == len(s.checks), v
        for (t, verb, number), (w, said_num, said_pred, prob, agree) in zip(s.checks, parts):
            assert w == verb and lx.VERB_NUMBER[verb] == number and said_num == insp.NUMBER[number]
            p = float(tr.p_plural[t - 1])               # read just before the verb
            pred = int(p >= 0.5)
            assert said_pred == insp.NUMBER[pred]
            assert float(prob) == pytest.approx(max(p, 1 - p), abs=0.0051)
            assert (agree == "agrees") == (pred == number)
        assert "nothing to judge" not in v
        return
    m = re.match(arch.upper() + r" predicts \*\*(singular|plural)\*\* \(probability " + P + r"\)", v)
    assert m, v
    assert m[1] == pred_last and float(m[2]) == pytest.approx(tr.probability, abs=0.0051)
    if s.label is None:                                 # nothing typed shows number: no judgement
        assert "nothing to judge" in v and "correct" not in v and "wrong" not in v
        assert s.verb is None and not s.checks
        return
    if s.subject_pos is not None:                       # the label is the subject's number
        assert lx.NOUN_NUMBER[s.tokens[s.subject_pos]] == s.label
    right = pred_last == insp.NUMBER[s.label]
    assert (": correct" in v) == right and (": wrong" in v) == (not right)
    assert f"is {insp.NUMBER[s.label]}" in v
    # the coin-flip remark exactly when the probability it prints is under 0.60
    assert ("close to a coin flip" in v) == (float(m[2]) < 0.6)


def check_story(ins: insp.Inspection) -> None:
    s, story = ins.sentence, insp.probability_story(ins)
    for arch, tr in ins.traces.items():
        m = re.search(arch.upper() + r" " + P + r"(?: right after '([^']+)', " + P + r")? at the last token", story)
        assert m, story
        if s.subject_pos is not None and s.subject_pos < len(s.tokens) - 1:
            assert m[2] == s.tokens[s.subject_pos]
            assert float(m[1]) == pytest.approx(tr.p_plural[s.subject_pos], abs=0.0051)
            assert float(m[3]) == pytest.approx(tr.p_plural[-1], abs=0.0051)
        else:
            assert m[2] is None and float(m[1]) == pytest.approx(tr.p_plural[-1], abs=0.0051)


def check_unit(ins: insp.Inspection, unit: int, arch: str = "lstm") -> None:
    s, tr = ins.sentence, ins.traces[arch]
    a, text = tr.arrays, insp.describe_unit(ins, unit, arch)
    m = re.match(r"Unit (\d+) pushes the final prediction (toward plural|toward singular|neither way) "
                 r"\(([-+]\d+\.\d{2}) logit\)", text)
    assert m and int(m[1]) == unit, text
    push = float(tr.push[unit])
    assert float(m[3]) == pytest.approx(push, abs=0.0051)
    assert m[2] == ("toward plural" if push > 0 else "toward singular" if push < 0 else "neither way")
    if arch not in insp.MEMORY or s.subject_pos is None or s.subject_pos >= len(s.tokens) - 1:
        assert "averages" not in text and "gate" not in text
        return
    gate, state = {"lstm": ("forget gate", "cell state"), "gru": ("update gate", "hidden state")}[arch]
    j = s.subject_pos
    m = re.search(gate + r" averages (\d\.\d{2}), and its " + state + r" goes from ([-+]\d+\.\d{2}) before the "
                  r"subject to ([-+]\d+\.\d{2}) at it and ([-+]\d+\.\d{2}) at the last token", text)
    assert m, text
    f, before, at, last = map(float, m.groups())
    g, c = {"lstm": ("forget_gate", "cell"), "gru": ("update_gate", "hidden")}[arch]
    assert f == pytest.approx(a[g][j + 1:, unit].mean(), abs=0.0051)
    assert before == pytest.approx(a[c][j - 1, unit] if j > 0 else 0.0, abs=0.0051)   # c_0 = h_0 = 0
    assert at == pytest.approx(a[c][j, unit], abs=0.0051)
    assert last == pytest.approx(a[c][-1, unit], abs=0.0051)


def test_grid_covers_the_page():
    gen = [g for g, _ in GRID if g[0] == "generate"]
    assert min(g[1] for g in gen) <= 5 and max(g[1] for g in gen) >= 90
    assert any(g[2] == grammar.max_attractors(g[1]) > 0 for g in gen)
    typed = [_sentence(g) for g, _ in GRID if g[0] == "type"]
    assert sum(not s.checks for s in typed) >= 20 and sum(len(s.checks) > 1 for s in typed) >= 30
    assert sum(bool(s.unknown) for s in typed) >= 30
    assert len(GRID) >= 300


@pytest.mark.parametrize("chunk", range(4))
def test_every_sentence_is_the_arrays(pairs, chunk):
    for setting, pair in GRID[chunk::4]:
        s = _sentence(setting)
        ins = insp.inspect_sentence(pairs[pair], s)
        for arch in ins.traces:
            check_verdict(ins, arch)
        check_story(ins)
        focus = insp.follow_arch(ins.traces)
        assert focus == ("lstm" if "lstm" in ins.traces else "gru")
        for u in ins.traces[focus].top_units(2) + [0]:
            check_unit(ins, u, focus)
        if "gru" in ins.traces:                          # the GRU grid's caption
            check_unit(ins, ins.traces["gru"].top_units(1)[0], "gru")
        if "rnn" in ins.traces:                          # an ungated model: its push only
            check_unit(ins, 0, "rnn")


def _fake(p_last: float, push=(0.0, 0.3, -0.3)) -> insp.Inspection:
    """An Inspection with a hand-set trace: for the edges a trained model rarely hits."""
    s = insp.generate_sentence(4, 1, 0)
    T, H = len(s.tokens), len(push)
    arrays = {n: np.full((T, H), 0.5, np.float32) for n in insp.LSTM_FIELDS}
    p = np.full(T, 0.5, np.float32)
    p[-1] = p_last
    tr = insp.ArchTrace("lstm", arrays, p, np.asarray(push, np.float32), H, 0, "")
    return insp.Inspection(s, {"lstm": tr})


@pytest.mark.parametrize("p_last", [0.5, 0.5004, 0.5996, 0.6, 0.6004, 0.4004, 0.3996, 0.99])
def test_coin_flip_remark_matches_the_printed_probability(p_last):
    check_verdict(_fake(p_last), "lstm")


def test_the_page_offers_every_set_the_grid_checks(pairs):
    assert [tuple(p) for p in pairs] == [src.DEFAULT_ARCHS, src.DEFAULT_ARCHS, src.ARCHS, ("rnn", "gru")]
    assert all(p["gru"].arch == "gru" for p in pairs if "gru" in p)


def test_a_unit_with_no_push_pushes_neither_way():
    ins = _fake(0.7)
    for u in range(3):
        check_unit(ins, u)


@pytest.mark.parametrize("seed", range(60))
def test_baselines_sentence_is_the_numbers(seed):
    rng = np.random.default_rng(seed)
    keys = list(rng.permutation(list(NAMES) + ["other_rule"]))[:int(rng.integers(1, 6))]
    accs = {k: float(rng.integers(0, 1001)) / 1000 for k in keys}
    d, n = int(rng.integers(0, 101)), int(rng.integers(1, 5000))
    text = baselines_sentence(accs, d, n)
    assert f"on {n} fresh sentences at distance {d}:" in text
    for k, v in accs.items():
        assert f"{NAMES.get(k, k)} {100 * v:.1f}%" in text
    m = re.search(r"The best of them, (.+), is right (\d+\.\d)% of the time", text)
    assert m and float(m[2]) == pytest.approx(100 * max(accs.values()), abs=0.051)
    assert accs[next(k for k in accs if NAMES.get(k, k) == m[1])] == max(accs.values())
