"""Issue 12 item 4 for the last two Number-units sentences: describe_error_case and describe_two_clause, over
a grid of fabricated results (every branch), each claim checked against the arrays it describes."""
import re

import numpy as np
import pytest

from lstm_core.experiments.number_units.summary import ErrorCase, TwoClause, gate_stats
from lstm_core.narration import number_units as say

RNG = np.random.default_rng(12)
NUMBER = {0: "singular", 1: "plural"}


def _case(kind: str, rng) -> ErrorCase:
    T = int(rng.integers(8, 30))
    subject = int(rng.integers(0, 3))
    attractors = sorted(rng.choice(np.arange(subject + 2, T - 1), size=int(rng.integers(1, 4)), replace=False).tolist())
    p = rng.uniform(0.55, 0.99, T)
    p[subject] = rng.choice([rng.uniform(0.05, 0.49), rng.uniform(0.5, 0.59), rng.uniform(0.6, 0.99)])
    if kind == "flip":
        turn = attractors[int(rng.integers(len(attractors)))]
        p[turn:] = rng.uniform(0.01, 0.49, T - turn)
    elif kind == "error":
        turn = int(rng.integers(0, T))
        p[turn:] = rng.uniform(0.01, 0.49, T - turn)
    else:
        turn = attractors[0]
        p[turn] = rng.uniform(0.5, 0.7)
    n_errors = 0 if kind == "closest" else int(rng.integers(1, 9))
    return ErrorCase(kind, [f"w{t}" for t in range(T)], "are", int(rng.integers(2)), subject, attractors, p, turn,
                     {}, n_errors, n_errors if kind == "flip" else 0, int(rng.integers(50, 500)), 10)


def _floats(text: str) -> list[float]:
    return [float(x) for x in re.findall(r"(?<![\w.])\d+\.\d\d(?!\d)", text)]


@pytest.mark.parametrize("i", range(150))
def test_error_case_sentence_matches_its_arrays(i):
    rng = np.random.default_rng([12, i])
    kind = ("flip", "error", "closest")[i % 3]
    e = _case(kind, rng)
    text = say.describe_error_case(e, "lstm")
    p, t = e.p_correct, e.turn_pos
    assert f"'{e.tokens[t]}' (token {t})" in text
    if kind == "closest":
        assert "made no error" in text and "(still correct)" in text and p[-1] >= 0.5
        assert f"dips to {p[t]:.2f}" in text and f"ends at {p[-1]:.2f}" in text
        return
    assert f"made {e.n_errors} error" in text and f"ends at {p[-1]:.2f}: the LSTM answers {NUMBER[1 - e.label]}." in text
    assert p[-1] < 0.5, "a wrong answer: P(correct) ends below 0.5"
    ps = float(p[e.subject_pos])
    assert f"{ps:.2f}" in text
    assert ("the number never got in" in text) == (ps < 0.5)
    assert ("barely above chance" in text) == (0.5 <= ps < 0.6)
    if kind == "flip":
        assert f"falls from {p[t - 1]:.2f} to {p[t]:.2f}" in text and t in e.attractor_positions
    elif t <= e.subject_pos:
        assert "before any attractor" in text
    else:
        before = [j for j in e.attractor_positions if j < t]
        if before:
            d = t - before[-1]
            assert f"{d} token{'s' if d > 1 else ''} after the attractor '{e.tokens[before[-1]]}'" in text
        else:
            assert ", before any attractor" in text
    for x in _floats(text):                     # every 2-decimal number quoted is one of the arrays' values
        assert any(abs(x - round(float(v), 2)) < 1e-9 for v in p), (x, text)


def _two(rng, gate) -> TwoClause:
    T = int(rng.integers(12, 30))
    s1 = int(rng.integers(0, 3))
    v1 = s1 + int(rng.integers(2, 6))
    s2 = v1 + int(rng.integers(1, 4))
    H = 6
    g = None
    if gate is not None:
        g = rng.uniform(0.6, 0.99, (T, H))
        if rng.random() < 0.5:                   # a reset somewhere between verb 1 and subject 2
            g[int(rng.integers(v1, s2 + 1)), :] = rng.uniform(0.05, 0.9)
    return TwoClause([f"w{t}" for t in range(T)], s1, v1, s2, int(rng.integers(50, 500)), gate, g, g,
                     {}, np.zeros(T), float(rng.uniform(0, 1)), float(rng.uniform(0, 1)))


@pytest.mark.parametrize("i", range(120))
def test_two_clause_sentence_matches_its_arrays(i):
    rng = np.random.default_rng([34, i])
    gate = (None, "forget_gate", "update_gate")[i % 3]
    two = _two(rng, gate)
    units = sorted(rng.choice(6, size=int(rng.integers(1, 4)), replace=False).tolist())
    text = say.describe_two_clause(two, units, "lstm")
    assert f"of {two.n} sentences" in text
    if gate is None:
        assert text.startswith("The simple RNN has no gate")
        return
    g = gate_stats(two, units)
    assert f"mean {g['hold']:.2f}, lowest {g['min_hold']:.2f}" in text
    assert ("stays near 1" in text) == (g["hold"] >= 0.9)
    assert ("does not stay near 1" in text) == (g["hold"] < 0.7)
    assert f"its lowest is {g['at_reset']:.2f}, at '{two.tokens[g['reset_pos']]}'" in text
    drop = g["hold"] - g["at_reset"]
    assert ("it resets there" in text) == (drop >= 0.2)
    assert ("dips only a little" in text) == (0.05 < drop < 0.2)
    assert ("no reset" in text) == (drop <= 0.05)
    assert ("update gate z plays the forget gate's role" in text) == (gate == "update_gate")
