"""Every sentence *Vanishing gradients* writes, checked against the arrays it describes over a sampled grid of
the settings the page allows (issue 12 item 4): untrained models (T, H, init, scale, activation, forget-gate
bias, seed, clipping; mostly small T and H, plus the large corners) and the shipped trained models (distance,
sentence seed). Each claim is recomputed from the measured curves, never from the text."""
from __future__ import annotations

import math
import re

import numpy as np
import pytest
import torch

from lstm_core.experiments import vanishing, vanishing_trained
from lstm_core.narration import vanishing as text_of

torch.set_num_threads(1)
NUM = r"([-+]?\d+(?:\.\d+)?)"
LABELS = {"RNN's ‖∂L/∂h‖": lambda lstm, rnn: rnn.grad_h, "LSTM's ‖∂L/∂h‖": lambda lstm, rnn: lstm.grad_h,
          "its ‖∂L/∂c‖": lambda lstm, rnn: lstm.grad_c}


def _r(x: float, nd: int = 1) -> float:
    return round(x, nd) + 0.0


def _grid(n: int, seed: int = 12) -> list[vanishing.Settings]:
    """n settings sampled from the page's widgets (fixed seed): small T and H mostly, then the large corners."""
    rng = np.random.default_rng(seed)
    out = []
    for _ in range(n):
        out.append(vanishing.Settings(
            T=int(rng.choice([2, 3, 4, 5, 8, 12, 20, 30, 50, 80])), H=int(rng.choice([1, 2, 3, 4, 8, 16, 32])),
            init=str(rng.choice(vanishing.INITS)), scale=float(rng.integers(0, 81)) * 0.05,
            activation=str(rng.choice(vanishing.ACTIVATIONS)), forget_bias=float(rng.integers(-16, 17)) * 0.5,
            seed=int(rng.integers(0, 100)), clip=bool(rng.integers(0, 2)), max_norm=float(rng.integers(1, 101)) * 0.1))
    corners = [{"T": 20, "H": 1, "forget_bias": 3.0}, {"T": 300, "H": 8}, {"T": 300, "H": 8, "forget_bias": 3.0},
               {"T": 1000, "H": 2, "forget_bias": 8.0}, {"T": 1000, "H": 4, "forget_bias": -8.0},
               {"T": 1000, "H": 8, "seed": 1}, {"T": 600, "H": 8, "init": "identity", "scale": 4.0, "activation": "relu"},
               {"T": 200, "H": 128, "forget_bias": 1.0}, {"T": vanishing.MAX_T, "H": 64, "forget_bias": 2.0}]
    return out + [vanishing.Settings(**c) for c in corners]


def _split_claims(text: str):
    """(label, first, rest, n, rate) for each "<label> was multiplied by 10^a ... then by 10^b over the next n
    steps (10^r per step)"."""
    pat = (r"(RNN's ‖∂L/∂h‖|LSTM's ‖∂L/∂h‖|its ‖∂L/∂c‖) was multiplied by 10\^" + NUM + r" in the first step back, "
           r"then by 10\^" + NUM + r" over the next (\d+) steps \(10\^" + NUM + r" per step\)")
    return [(m.group(1), float(m.group(2)), float(m.group(3)), int(m.group(4)), float(m.group(5)))
            for m in re.finditer(pat, text)]


def check_summary(lines: list[str], lstm, rnn, untrained: bool) -> None:
    """Every claim of summary() against the arrays of the two ModelGradients."""
    text = " ".join(lines)
    assert "by a factor of 10^-" not in text and "by a factor of 10^+" not in text, "'fell by a factor of 10^-x'"
    assert "vanishes too" not in text
    steps = len(rnn.grad_h) - 1
    # 1. the totals: "fell to 10^x of its value" / "grew to 10^+x times its value" / exactly 0 / within 10^0.1
    head = next(line for line in lines if line.startswith(f"Over {steps} steps"))
    for label, get in LABELS.items():
        d = text_of.decades(get(lstm, rnn))
        m = re.search(re.escape(label) + r" (fell to 10\^|grew to 10\^)" + NUM + r" (of|times) its value", head)
        if math.isnan(d):
            assert re.search(re.escape(label) + " could not be measured", head), head
        elif d == -math.inf:
            assert re.search(re.escape(label) + " fell to exactly 0", head), head
        elif _r(d) == 0:
            assert re.search(re.escape(label) + " stayed within a factor of 10\\^0.1", head), head
        else:
            assert m, (label, head)
            assert float(m.group(2)) == pytest.approx(_r(d), abs=1e-9)
            assert (m.group(1) == "fell to 10^") == (d < 0) and (m.group(3) == "of") == (d < 0)
    # 2. the split: first step back from the loss vs decay with distance after it
    claims = _split_claims(text)
    if lstm.problem or rnn.problem:
        assert not claims
    else:
        want = {label for label, get in LABELS.items()
                if len(get(lstm, rnn)) >= 3 and math.isfinite(text_of.decades(get(lstm, rnn)[:2]))
                and math.isfinite(text_of.decades_after_first(get(lstm, rnn)))}
        assert {c[0] for c in claims} == want, text
    for label, first, rest, n, rate in claims:
        curve = LABELS[label](lstm, rnn)
        assert n == len(curve) - 2
        assert first == pytest.approx(_r(math.log10(curve[1] / curve[0])), abs=1e-9)
        assert rest == pytest.approx(_r(math.log10(curve[-1] / curve[1])), abs=1e-9)
        assert rate == pytest.approx(_r(math.log10(curve[-1] / curve[1]) / n, 2), abs=1e-9)
    # 3. which gradient reaches further back
    d_rnn, d_lstm = text_of.decades(rnn.grad_h), text_of.decades(lstm.grad_h)
    if math.isfinite(d_rnn) and math.isfinite(d_lstm):
        assert ("LSTM's gradient reaches further back" in text) == (_r(d_lstm) > _r(d_rnn))
        assert ("RNN's gradient reaches further back" in text) == (_r(d_lstm) < _r(d_rnn))
    # 4. the cell path and the forget-gate advice
    why = not lstm.problem and lstm.gain is not None
    c_rest = text_of.decades_after_first(lstm.grad_c)
    advice = "Raise the forget-gate bias" in text
    if advice:
        assert untrained and lstm.mean_forget < text_of.HIGH_FORGET and c_rest <= -text_of.VANISH_DECADES, text
    assert advice == (why and untrained and lstm.mean_forget < text_of.HIGH_FORGET and c_rest <= -2)
    fades = re.search(r"the error fades along this (un)?trained LSTM's cell path too: after the first step back from "
                      r"the loss, ‖∂L/∂c‖ (fell to 10\^" + NUM + r" of its value|fell to exactly 0[^)]*\)) over the next "
                      r"(\d+) steps", text)
    assert bool(fades) == (why and c_rest <= -text_of.VANISH_DECADES), text
    if fades:
        assert (fades.group(1) is None) == (not untrained) and int(fades.group(4)) == len(lstm.grad_c) - 2
        if c_rest == -math.inf:
            assert "exactly 0" in fades.group(2)
        else:
            assert float(fades.group(3)) == pytest.approx(_r(c_rest), abs=1e-9)
        assert ("even gates this close to 1" in text) == (lstm.mean_forget >= text_of.HIGH_FORGET)
    carries = re.search(r"LSTM's cell path carries the error: after the first step back from the loss, ‖∂L/∂c‖ "
                        r"(?:fell to 10\^|grew to 10\^|stayed within a factor of 10\^0\.1)(?:" + NUM + r")?.* over the next "
                        r"\d+ steps \(forget gates average f = " + NUM + r"\)\. Its ‖∂L/∂h‖ fell to 10\^" + NUM +
                        r" of its value in all, 10\^" + NUM + " of that in the first step back", text)
    if carries:
        assert c_rest > -text_of.VANISH_DECADES and d_lstm <= -text_of.VANISH_DECADES
        if carries.group(1) is not None:
            assert float(carries.group(1)) == pytest.approx(_r(c_rest), abs=1e-9)
        assert float(carries.group(2)) == pytest.approx(lstm.mean_forget, abs=0.005)
        assert float(carries.group(3)) == pytest.approx(_r(d_lstm), abs=1e-9)
        assert float(carries.group(4)) == pytest.approx(_r(math.log10(lstm.grad_h[1] / lstm.grad_h[0])), abs=1e-9)
    elif why and math.isfinite(c_rest) and c_rest > -2 and d_lstm <= -2 and math.isfinite(text_of.decades(lstm.grad_h[:2])):
        pytest.fail(f"the LSTM's ‖∂L/∂h‖ fell 10^{d_lstm:.1f} while its cell path carried the error; not said: {text}")
    for m in re.finditer(r"average f = " + NUM, text):
        assert float(m.group(1)) == pytest.approx(lstm.mean_forget, abs=0.005)
    less = re.search(r"its ‖∂L/∂h‖ fell " + NUM + r" powers of ten less than the RNN's", text)
    if less:
        assert not untrained and _r(d_lstm) > _r(d_rnn)
        assert float(less.group(1)) == pytest.approx(_r(d_lstm) - _r(d_rnn), abs=1e-9)
    # 5. the RNN's why
    if rnn.gain is not None and not rnn.problem:
        g = text_of.decades(rnn.gain)
        m = re.search(r"running product over \d+ steps is 10\^" + NUM, text)
        if math.isfinite(g):
            assert float(m.group(1)) == pytest.approx(_r(g), abs=1e-9)
        rho = float(re.search(r"spectral radius of W_hh: " + NUM, text).group(1))
        assert rho == pytest.approx(rnn.spectral_radius, abs=0.005)


GRID = _grid(300)


def test_grid_covers_both_sides_of_every_rule():
    """The sample reaches the cases the rules separate (else the grid test proves little)."""
    seen = {"advice": 0, "high f, cell path carries, h fell": 0, "high f, fades": 0, "underflow": 0, "problem": 0}
    for s in GRID:
        v = vanishing.compare(s)
        text = " ".join(v.sentences)
        seen["advice"] += "Raise the forget-gate bias" in text
        seen["high f, cell path carries, h fell"] += "cell path carries the error" in text and v.lstm.mean_forget >= 0.9
        seen["high f, fades"] += "even gates this close to 1" in text
        seen["underflow"] += "exactly 0" in text
        seen["problem"] += bool(v.rnn.problem or v.lstm.problem)
    assert all(n > 0 for n in seen.values()), seen


@pytest.mark.parametrize("chunk", range(4))
def test_untrained_sentences_are_the_arrays(chunk):
    for s in GRID[chunk::4]:
        v = vanishing.compare(s)
        check_summary(v.sentences, v.lstm, v.rnn, untrained=True)
        assert (v.clip_sentences != []) == s.clip


def test_the_issue_case_gets_no_forget_bias_advice():
    """T=20, H=1, bias +3: f = 0.95, ‖∂L/∂c‖ fell 10^-0.5, most of the fall in ‖∂L/∂h‖ is not the cell path."""
    v = vanishing.compare(vanishing.Settings(T=20, H=1, forget_bias=3.0))
    text = " ".join(v.sentences)
    assert v.lstm.mean_forget > 0.9 and "Raise the forget-gate bias" not in text
    assert "cell path carries the error" in text and "fell to 10^-0.5 of its value" in text


# ----------------------------------------------------------------------------- trained (shipped) models


@pytest.fixture(scope="module")
def shipped():
    from lstm_core.training import checkpoint
    names = ("lstm", "rnn", "rnn_curriculum")
    return {a: checkpoint.load_pretrained(f"agreement_d30_{a}")[0] for a in names}


def test_trained_sentences_are_the_arrays(shipped):
    rng = np.random.default_rng(3)
    cases = [(int(d), int(s), str(r)) for d, s, r in zip(rng.integers(1, 61, 14), rng.integers(0, 100, 14),
                                                      rng.choice(["rnn", "rnn_curriculum"], 14))]
    cases += [(30, 0, "rnn"), (30, 0, "rnn_curriculum"), (120, 5, "rnn_curriculum"), (200, 1, "rnn")]
    said_right = 0
    for distance, seed, rnn_name in cases:
        view = vanishing_trained.agreement_view(shipped["lstm"], shipped[rnn_name], distance, seed)
        lines = view.sentences
        text = " ".join(lines)
        check_summary([ln for ln in lines if not ln.startswith(("The loss", "At the subject", "The trained"))],
                      view.lstm, view.rnn, untrained=False)
        assert "untrained" not in text and "decides the answer" not in text
        k = view.subject_distance
        assert "not whether it remembers the subject" in text
        for m in (view.lstm, view.rnn):
            rel = math.log10(m.grad_h[k] / m.grad_h[0]) if m.grad_h[k] > 0 else -math.inf
            right = re.search(re.escape(f"The {m.label} answers this sentence correctly") + r" \(probability ([^)]+)\) "
                              r"although only (?:10\^" + NUM + r"|exactly 0 \(underflow\)) of the error signal", text)
            assert bool(right) == (m.loss < math.log(2) and rel <= -text_of.VANISH_DECADES), text
            if right:
                said_right += 1
                assert right.group(1) == text_of.probability_text(m.loss)
                if right.group(2) is not None:
                    assert float(right.group(2)) == pytest.approx(_r(rel), abs=1e-9)
    assert said_right > 0, "the grid never reaches a right answer with a tiny gradient at the subject"


@pytest.mark.parametrize("last", [1e-13, 0.5, 1.0, 30.0, 0.0, float("inf")])
def test_home_contrast_sentence_reads_each_curve(last):
    """The home page's sentence says, per curve, the change its own first and last values give (every branch
    of the wording: fell, stayed, grew, reached 0, overflowed)."""
    curves = {"RNN ‖∂L/∂h_t‖": np.array([1.0, 0.3, last]), "LSTM ‖∂L/∂c_t‖, forget bias +3": np.array([2.0, 2.0, 2.0])}
    s = text_of.contrast_sentence(curves)
    d = text_of.decades(curves["RNN ‖∂L/∂h_t‖"])
    want = {float("-inf"): "fell to exactly 0", 0.0: "stayed within a factor of 10^0.1"}.get(round(d, 1) if math.isfinite(d) else d)
    if math.isnan(d):
        want = "could not be measured"
    elif want is None:
        want = f"10^{round(d, 1):.1f}" if d < 0 else f"10^+{round(d, 1):.1f}"
    assert "RNN ‖∂L/∂h_t‖ " in s and want in s.split(";")[0], (s, want)
    assert "forget bias +3 stayed within a factor of 10^0.1" in s
    assert "over 2 steps back" in s          # distances 0, 1, 2


def test_home_contrast_is_the_measured_comparison():
    series = vanishing.carousel_contrast()
    view = vanishing.compare(vanishing.Settings(forget_bias=3.0))
    np.testing.assert_allclose(series["LSTM ‖∂L/∂c_t‖, forget bias +3"], view.lstm.grad_c, rtol=1e-12)
    np.testing.assert_allclose(series["RNN ‖∂L/∂h_t‖"], view.rnn.grad_h, rtol=1e-12)
    assert text_of.decades(series["LSTM ‖∂L/∂c_t‖, forget bias +3"]) > text_of.decades(series["LSTM ‖∂L/∂c_t‖, forget bias +0"])


@pytest.mark.parametrize("d", [-16.04, -13.14, -10.3, -9.96, -9.94, -4.23, -0.04, 0.04, 3.35, 9.94, 12.6])
def test_decades_tile_is_short_and_true(d):
    """The metric tile's "10^x" (issue 13: "10^-13.1" was cut on a projector): at most 7 characters, and
    the exponent it prints is the curve's change in powers of ten to within its rounding."""
    curve = np.array([1.0, 10.0 ** (d / 2), 10.0 ** d])
    tile = text_of.decades_text(curve)
    assert len(tile) <= 7, tile
    shown = float(tile.removeprefix("10^"))
    assert abs(shown - d) <= (0.5 if abs(d) >= 9.95 else 0.05) + 1e-9, (tile, d)
