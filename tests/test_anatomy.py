"""lstm_core.anatomy: one traced LSTM step (and the RNN step beside it) for the Cell anatomy page."""

import re

import numpy as np
import pytest
import torch

from lstm_core.experiments import anatomy
from lstm_core.narration import anatomy as anatomy_text
from pages import _presets as presets

I, F, G, O = range(4)


def _torch_step(a, forget_gate=True):
    """An independent reference: torch.nn.LSTM / nn.RNN with the same weights, one step."""
    H = len(a["h_prev"])
    lstm = torch.nn.LSTM(1, H, batch_first=True, dtype=torch.float64)
    rnn = torch.nn.RNN(1, H, batch_first=True, dtype=torch.float64)
    with torch.no_grad():
        lstm.weight_ih_l0.copy_(torch.tensor(a["W"].reshape(4 * H, 1)))
        lstm.weight_hh_l0.copy_(torch.tensor(a["U"].reshape(4 * H, H)))
        lstm.bias_ih_l0.copy_(torch.tensor(a["b"].reshape(4 * H)))
        lstm.bias_hh_l0.zero_()
        rnn.weight_ih_l0.copy_(torch.tensor(a["W"][G].reshape(H, 1)))
        rnn.weight_hh_l0.copy_(torch.tensor(a["U"][G]))
        rnn.bias_ih_l0.copy_(torch.tensor(a["b"][G]))
        rnn.bias_hh_l0.zero_()
    x = torch.tensor(a["x"]).reshape(1, 1, 1)
    h0, c0 = torch.tensor(a["h_prev"]).reshape(1, 1, H), torch.tensor(a["c_prev"]).reshape(1, 1, H)
    _, (h, c) = lstm(x, (h0, c0))
    _, hr = rnn(x, h0)
    return h.detach().numpy().ravel(), c.detach().numpy().ravel(), hr.detach().numpy().ravel()


def _random_settings(seed, H):
    rng = np.random.default_rng(seed)
    s = {"units": H}
    for name in anatomy.keys(H):
        lo, hi = anatomy.STATE_RANGE if name[0] in "xhc" else anatomy.WEIGHT_RANGE
        s[name] = float(np.round(rng.uniform(lo, hi) / 2, 1))
    return s


@pytest.mark.parametrize("H", [1, 2])
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_step_matches_torch_modules(H, seed):
    s = _random_settings(seed, H)
    step = anatomy.step(s)
    h, c, h_rnn = _torch_step(anatomy.arrays(s))
    np.testing.assert_allclose(step.h, h, atol=1e-12)
    np.testing.assert_allclose(step.c, c, atol=1e-12)
    np.testing.assert_allclose(step.rnn_h, h_rnn, atol=1e-12)


@pytest.mark.parametrize("H", [1, 2])
def test_intermediates_are_consistent(H):
    step = anatomy.step(_random_settings(7, H))
    for k in anatomy.GATES:
        np.testing.assert_allclose(step.x_term[k] + step.h_term[k] + step.bias[k], step.pre[k], atol=1e-12)
    np.testing.assert_allclose(step.forget_part + step.input_part, step.c, atol=1e-12)
    np.testing.assert_allclose(step.gate["o"] * step.tanh_c, step.h, atol=1e-12)
    assert all(v.shape == (H,) for v in step.gate.values())


def test_preset_remember_keeps_the_cell():
    s = anatomy.step(presets.ANATOMY_PRESETS["remember"])
    assert s.gate["f"][0] > 0.99 and s.gate["i"][0] < 0.01
    assert abs(s.c[0] - s.c_prev[0]) < 0.02 * abs(s.c_prev[0]) + 0.01


def test_preset_overwrite_replaces_the_cell():
    s = anatomy.step(presets.ANATOMY_PRESETS["overwrite"])
    assert s.gate["f"][0] < 0.01 and s.gate["i"][0] > 0.99
    assert abs(s.c[0] - s.gate["g"][0]) < 0.02


def test_preset_1997_has_no_forget_gate():
    s = anatomy.step(presets.ANATOMY_PRESETS["1997 LSTM (no forget gate)"])
    assert not s.forget_gate and s.gate["f"][0] == 1.0 and np.isnan(s.pre["f"][0])
    np.testing.assert_allclose(s.c, s.c_prev + s.gate["i"] * s.gate["g"], atol=1e-12)
    assert abs(s.c[0]) > abs(s.c_prev[0]), "with f = 1 the cell can only add: it drifts away"
    eqs = anatomy_text.equations(s)
    assert "no forget gate" in eqs[F]


def test_simple_rnn_question_answered_honestly():
    s = anatomy.step(presets.ANATOMY_PRESETS["is i=1, f=0 really a simple RNN?"])
    assert s.clamped == {"i": 1.0, "f": 0.0, "o": 1.0}
    assert (s.gate["i"][0], s.gate["f"][0], s.gate["o"][0]) == (1.0, 0.0, 1.0)
    # c_t IS the RNN's state (same weights), but h_t = tanh(c_t) = tanh(tanh(pre_g)) is not
    assert s.c[0] == pytest.approx(s.rnn_h[0], abs=1e-12)
    assert s.h[0] == pytest.approx(np.tanh(s.rnn_h[0]), abs=1e-12)
    assert abs(s.h[0] - s.rnn_h[0]) > 0.05
    text = " ".join(anatomy_text.rnn_verdict(s))
    assert f"c_t = {s.c[0]:.3f} equals the RNN's h_t" in text
    assert f"= {s.h[0]:.3f} differs from it" in text
    assert "yes, structurally, with a squashed activation" in text and "φ = tanh∘tanh" in text
    assert f"differs from the RNN's by up to {abs(s.h[0] - s.rnn_h[0]):.3f}" in text
    assert "scaled by o" not in text, "o is held at 1"


def test_verdict_follows_the_numbers():
    free = anatomy.step()
    lines = anatomy_text.rnn_verdict(free)
    assert "differs from the RNN" in lines[0] and "gates are free" in lines[-1]
    # where pre_g = 0, tanh(tanh(0)) = tanh(0): the verdict must say both are equal, not "not the same function"
    zero = anatomy.step(dict(clamp="i=1, f=0, o=1", x=0.0, h_prev0=0.0, bg0=0.0))
    assert zero.rnn_h[0] == 0.0 and zero.h[0] == 0.0
    text = " ".join(anatomy_text.rnn_verdict(zero))
    assert "not the same function" not in text and "h_t also equals the RNN's" in text
    # every number printed in a verdict is the traced value
    for line in anatomy_text.rnn_verdict(anatomy.step(dict(units=2, clamp="i=1, f=0"))):
        for m in re.finditer(r"c_t = (-?\d+\.\d{3})", line):
            assert float(m.group(1)) in {round(v, 3) for v in anatomy.step(dict(units=2, clamp="i=1, f=0")).c}


def test_equations_substitute_the_traced_numbers():
    s = anatomy.step(dict(units=2))
    for u in range(2):
        eqs = anatomy_text.equations(s, u)
        assert len(eqs) == 6
        for j, k in enumerate(anatomy.GATES):
            assert f"{s.pre[k][u]:.3f}" in eqs[j] and f"{s.gate[k][u]:.3f}" in eqs[j]
            assert f"{abs(s.W[j][u]):.3f}" in eqs[j]
        assert f"{s.c[u]:.3f}" in eqs[4] and f"{s.forget_part[u]:.3f}" in eqs[4]
        assert f"{s.h[u]:.3f}" in eqs[5] and f"{s.tanh_c[u]:.3f}" in eqs[5]
    held = anatomy_text.equations(anatomy.step(dict(clamp="i=1, f=0")))
    assert "held" in held[I] and "held" in held[F] and "held" not in held[G]
    with pytest.raises(ValueError, match="unit 2"):
        anatomy_text.equations(s, 2)


def test_settings_are_validated():
    with pytest.raises(ValueError, match="unknown cell setting 'Wz0'"):
        anatomy.step({"Wz0": 1.0})
    with pytest.raises(ValueError, match="'x' must be a finite number"):
        anatomy.step({"x": float("nan")})
    with pytest.raises(ValueError, match="1 or 2 units"):
        anatomy.step({"units": 3})
    with pytest.raises(ValueError, match="clamp must be one of"):
        anatomy.step({"clamp": "i=0"})


def test_presets_fit_the_slider_grid_and_round_trip_as_urls():
    for name, preset in presets.ANATOMY_PRESETS.items():
        query = presets.anatomy_query(name)
        H = preset.get("units", anatomy.DEFAULTS["units"])
        # a whole view: every setting its cell size shows, the preset's own and the others at their defaults
        assert set(query) == set(anatomy.keys(H)) | {"units", "forget_gate", "clamp"}
        for key in set(query) - set(preset):
            assert query[key] == presets.url_value(anatomy.DEFAULTS[key])
        for key, value in preset.items():
            if key not in query:
                continue
            if isinstance(value, bool):
                assert query[key] == str(value).lower()
            elif isinstance(value, float):
                lo, hi = anatomy.STATE_RANGE if key[0] in "xhc" else anatomy.WEIGHT_RANGE
                assert lo <= float(query[key]) <= hi and float(query[key]) == value
                assert abs(value * 10 - round(value * 10)) < 1e-9, "on the 0.1 slider grid"
        anatomy.step(preset)
        assert name in presets.ANATOMY_NOTES


def test_diagram_values_are_the_step():
    s = anatomy.step(dict(units=2))
    v = anatomy.diagram_values(s, 1)
    assert v["c"] == s.c[1] and v["h"] == s.h[1] and v["f"] == s.gate["f"][1] and v["x"] == s.x
