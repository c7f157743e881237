"""Every sentence *Cell anatomy*'s RNN verdict writes, checked against the traced step over a sampled grid of
the page's settings (issue 12 item 4): 1 or 2 units, with or without a forget gate, each clamp, every slider
on its 0.1 grid. The claims are recomputed from the Step's arrays, never from the text."""
from __future__ import annotations

import re

import numpy as np
import pytest
import torch

from lstm_core.experiments import anatomy
from lstm_core.narration import anatomy as text_of

torch.set_num_threads(1)
NUM = r"(-?\d+\.\d{3})"
TOL = 1e-6          # rnn_verdict's default tolerance


def _grid(n: int, seed: int = 5) -> list[dict]:
    """n page settings sampled on the sliders' 0.1 grid (fixed seed); a quarter with pre_g = 0 exactly
    (x = h_prev = 0, b_g = 0), where tanh(tanh(p)) = tanh(p)."""
    rng = np.random.default_rng(seed)
    out = []
    for j in range(n):
        units = int(rng.integers(1, 3))
        s = {"units": units, "forget_gate": bool(rng.random() < 0.8), "clamp": str(rng.choice(list(anatomy.CLAMPS)))}
        for name in anatomy.keys(units):
            lo, hi = anatomy.STATE_RANGE if name[0] in "xhc" else anatomy.WEIGHT_RANGE
            s[name] = float(rng.integers(round(lo * 10), round(hi * 10) + 1)) / 10
        if j % 4 == 0:
            s.update({"x": 0.0, **{f"h_prev{u}": 0.0 for u in range(units)}, **{f"bg{u}": 0.0 for u in range(units)}})
        out.append(s)
    return out


GRID = _grid(400)


def check_verdict(s) -> None:
    lines = text_of.rnn_verdict(s)
    text = " ".join(lines)
    o_held = s.clamped.get("o") == 1.0
    i1f0 = s.forget_gate and s.clamped.get("i") == 1.0 and s.clamped.get("f") == 0.0
    c_same = np.abs(s.c - s.rnn_h) <= TOL
    h_same = np.abs(s.h - s.rnn_h) <= TOL
    # one sentence per unit, every number the traced value, "equals" exactly where |difference| <= tol
    for u in range(s.H):
        m = re.search(r"cell state c_t = " + NUM + r" (equals|differs from) the RNN's h_t = tanh\(" + NUM + r"\) = "
                      + NUM + r"; its output h_t = (?:tanh\(c_t\) \(o held at 1\)|o·tanh\(c_t\) = " + NUM + r" ×) "
                      r"(?:= )?tanh\(" + NUM + r"\) = " + NUM + r" (equals|differs from) it \(difference ([-+]\d+\.\d{3})\)",
                      lines[u])
        assert m, lines[u]
        c, c_word, pre, rnn_h, o, c2, h, h_word, diff = m.groups()
        assert float(c) == pytest.approx(s.c[u], abs=6e-4) and float(c2) == float(c)
        assert float(pre) == pytest.approx(s.rnn_pre[u], abs=6e-4) and float(rnn_h) == pytest.approx(s.rnn_h[u], abs=6e-4)
        assert float(h) == pytest.approx(s.h[u], abs=6e-4)
        assert float(diff) == pytest.approx(s.h[u] - s.rnn_h[u], abs=6e-4)
        assert (c_word == "equals") == bool(c_same[u]) and (h_word == "equals") == bool(h_same[u])
        assert (o is None) == o_held, "o is named exactly when it is not held at 1"
        if o is not None:
            assert float(o) == pytest.approx(s.gate["o"][u], abs=6e-4)
        assert (f"unit {u}" in lines[u].lower()) == (s.H > 1)
    # "scaled by o" exactly when o is not held at 1
    assert ("scaled by o" in text) == (not o_held), text
    # the structural answer
    yes = "yes, structurally, with a squashed activation" in text
    assert yes == (i1f0 and o_held and bool(c_same.all())), text
    if yes:      # the claim: h_t = tanh(tanh(W_g x + U_g h_prev + b_g)), the RNN's pre-activation squashed twice
        np.testing.assert_allclose(s.h, np.tanh(np.tanh(s.rnn_pre)), atol=1e-12)
        np.testing.assert_allclose(s.c, s.rnn_h, atol=1e-12)
        assert "φ = tanh∘tanh" in text and f"±{np.tanh(1.0):.3f}" in text
        assert np.all(np.abs(s.h) <= np.tanh(1.0) + 1e-15), "within ±tanh(1) (reached when tanh saturates to 1)"
    gap = re.search(r"differs from the RNN's by up to " + NUM, text)
    assert bool(gap) == (i1f0 and bool(c_same.all()) and not h_same.all()), text
    if gap:
        assert float(gap.group(1)) == pytest.approx(np.max(np.abs(s.h - s.rnn_h)), abs=6e-4)
        assert ("not the same function for the same weights" in text) == o_held
    also = "h_t also equals the RNN's" in text or "h_t equals the RNN's anyway" in text
    assert also == (i1f0 and bool(c_same.all()) and bool(h_same.all())), text
    not_yet = re.search(r"So the answer is: not yet\..* scaled by o_t = ([-\d., ]+), a gate", text)
    assert bool(not_yet) == (i1f0 and not o_held and bool(c_same.all())), text
    if not_yet:
        printed = [float(v) for v in not_yet.group(1).rstrip(",").split(", ")]
        np.testing.assert_allclose(printed, s.gate["o"], atol=6e-4)
        np.testing.assert_allclose(s.h, s.gate["o"] * np.tanh(s.rnn_h), atol=1e-12)
    assert ("gates are free" in text) == (not s.clamped)
    assert ("1997 cell has no forget gate" in text) == (not s.forget_gate and bool(s.clamped))
    assert "only half" not in text


def test_grid_reaches_every_branch():
    seen = {"yes, differs": 0, "yes, equal": 0, "not yet": 0, "free": 0, "1997": 0, "two units": 0}
    for settings in GRID:
        s = anatomy.step(settings)
        text = " ".join(text_of.rnn_verdict(s))
        seen["yes, differs"] += "not the same function for the same weights" in text
        seen["yes, equal"] += "h_t also equals the RNN's" in text
        seen["not yet"] += "not yet" in text
        seen["free"] += "gates are free" in text
        seen["1997"] += "1997 cell" in text
        seen["two units"] += s.H == 2 and "yes, structurally" in text
    assert all(n > 0 for n in seen.values()), seen


@pytest.mark.parametrize("chunk", range(2))
def test_verdict_is_the_arrays(chunk):
    for settings in GRID[chunk::2]:
        check_verdict(anatomy.step(settings))
