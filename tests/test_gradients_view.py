"""lstm_core.gradients: the numbers behind the Vanishing gradients page, and its sentences."""

import math
import re

import numpy as np
import pytest
import torch

from lstm_core import GlassGRU, GlassLSTM, GlassRNN
from lstm_core import gradients as G
from lstm_core.why import forget_gain, rnn_jacobian_norms

NUM = r"(-?\d+(?:\.\d+)?(?:e[-+]?\d+)?)"


def _small(**kw):
    base = dict(T=30, H=8)
    base.update(kw)
    return G.Settings(**base)


# ----------------------------------------------------------------------------- exactness


@pytest.mark.parametrize("kind", ["lstm", "rnn_tanh", "rnn_relu"])
def test_per_step_terms_sum_to_the_autograd_gradient(kind):
    s = _small(init="orthogonal", scale=1.2, activation="relu" if kind == "rnn_relu" else "tanh")
    lstm, rnn = G.synthetic_models(s)
    cell = lstm if kind == "lstm" else rnn
    x, u = G.synthetic_input(s)
    loss_fn = G.readout_loss(u)
    tr = cell.trace(x, loss_fn=loss_fn)
    m = cell.to_torch()
    out, _ = m(torch.tensor(x)[None])
    loss_fn(out[:, -1]).backward()
    delta, h_prev = G.step_deltas(cell, tr)
    np.testing.assert_allclose(np.einsum("btr,bth->rh", delta, h_prev), m.weight_hh_l0.grad.numpy(), atol=1e-12)
    grads = G.param_grads(cell, tr, x)
    for name, p in m.named_parameters():
        np.testing.assert_allclose(grads[name].numpy(), p.grad.numpy(), atol=1e-12, err_msg=name)


def test_measure_reads_the_trace_by_distance():
    s = _small()
    lstm, rnn = G.synthetic_models(s)
    x, u = G.synthetic_input(s)
    for cell in (lstm, rnn):
        tr = cell.trace(x, loss_fn=G.readout_loss(u))
        m = G.measure(cell, x, G.readout_loss(u))
        norms = np.linalg.norm(tr.grad_hidden[0], axis=-1)
        np.testing.assert_allclose(m.grad_h, norms[::-1])
        assert m.grad_h[0] == pytest.approx(1.0), "dL/dh_T = u with ||u|| = 1"
        if cell.kind == "lstm":
            np.testing.assert_allclose(m.grad_c, np.linalg.norm(tr.grad_cell[0], axis=-1)[::-1])
            np.testing.assert_allclose(m.gain, forget_gain(tr).mean(-1)[0][::-1])
        else:
            step, running = rnn_jacobian_norms(cell, tr)
            np.testing.assert_allclose(m.gain, running[0][::-1])
            np.testing.assert_allclose(m.step_factor, step[0][::-1])


def test_chunked_jacobian_norms_equal_why():
    s = _small(T=2 * G._JAC_CHUNK + 7, H=5)
    _, rnn = G.synthetic_models(s)
    x, u = G.synthetic_input(s)
    tr = rnn.trace(x, loss_fn=G.readout_loss(u))
    step, running = G._jacobian_norms_chunked(rnn, np.asarray(tr.pre_hidden), s.T - 1)
    ref_step, ref_running = rnn_jacobian_norms(rnn, tr)
    np.testing.assert_allclose(step, ref_step, rtol=1e-12)
    np.testing.assert_allclose(running, ref_running, rtol=1e-12)


@pytest.mark.parametrize("settings", [_small(), _small(init="orthogonal", scale=1.5), _small(activation="relu")])
def test_rnn_running_product_bounds_the_measured_gradient(settings):
    rnn = G.compare(settings).rnn
    assert np.all(rnn.grad_h / rnn.grad_h[0] <= rnn.gain * (1 + 1e-9) + 1e-300)


def test_spectral_radius_and_inits():
    assert G.compare(_small(init="orthogonal", scale=1.5)).rnn.spectral_radius == pytest.approx(1.5)
    assert G.compare(_small(init="identity", scale=0.7)).rnn.spectral_radius == pytest.approx(0.7)
    W = G.init_recurrent(torch.zeros(12, 3, dtype=torch.float64), "orthogonal", seed=1)
    for block in W.split(3):
        np.testing.assert_allclose(block @ block.T, np.eye(3), atol=1e-12)
    lstm, _ = G.synthetic_models(_small(forget_bias=2.0))
    base, _ = G.synthetic_models(_small())
    H = 8
    np.testing.assert_allclose(lstm.bias_ih[H:2 * H] - base.bias_ih[H:2 * H], 2.0)
    np.testing.assert_allclose(lstm.bias_ih[:H], base.bias_ih[:H])


# ----------------------------------------------------------------------------- clipping


def test_clipping_is_torch_clip_grad_norm():
    view = G.compare(_small(init="orthogonal", scale=1.5, clip=True, max_norm=1.0))
    rnn = view.rnn
    assert rnn.total_norm > 1.0, "this setting explodes"
    assert rnn.clip_factor == pytest.approx(1.0 / (rnn.total_norm + 1e-6), rel=1e-9)
    np.testing.assert_allclose(rnn.clipped_contrib, rnn.contrib * rnn.clip_factor)
    # clipping never touches the backpropagated signal
    unclipped = G.compare(_small(init="orthogonal", scale=1.5, clip=False))
    np.testing.assert_array_equal(unclipped.rnn.grad_h, rnn.grad_h)
    assert unclipped.rnn.clip_factor == 1.0


def test_clip_sentences_match_the_numbers():
    view = G.compare(_small(init="orthogonal", scale=1.5, clip=True, max_norm=1.0))
    by_model = {line.split(":")[0]: line for line in view.clip_sentences[:2]}
    for m in (view.rnn, view.lstm):
        line = by_model[m.label]
        if m.clip_factor < 1:
            assert re.search(rf"had norm {NUM} > 1, so clipping scaled it by {NUM}", line)
            norm, factor = map(float, re.search(rf"had norm {NUM} > 1, so clipping scaled it by {NUM}", line).groups())
            assert norm == pytest.approx(m.total_norm, rel=2e-3) and factor == pytest.approx(m.clip_factor, rel=2e-3)
            top = int(re.search(r"comes from distance (\d+)", line).group(1))
            assert top == int(np.argmax(m.contrib)) == int(np.argmax(m.clipped_contrib))
        else:
            assert "changed nothing" in line and m.total_norm <= 1.0
    assert "cannot bring back a gradient that vanished" in view.clip_sentences[-1]


# ----------------------------------------------------------------------------- sentences = numbers


def _printed_decades(text, label):
    """The 10^x the sentence prints for ``label`` (e.g. "RNN's ‖∂L/∂h‖")."""
    m = re.search(re.escape(label) + r" (fell by a factor of 10\^|grew by a factor of 10\^\+)" + NUM, text)
    return None if m is None else float(m.group(2))


SETTINGS = [
    G.Settings(),                                           # default init: both vanish
    G.Settings(forget_bias=1.0),
    G.Settings(forget_bias=3.0),
    G.Settings(init="orthogonal", scale=1.5, clip=True),    # exploding RNN
    G.Settings(init="identity", activation="relu", seed=4),
    G.Settings(T=12, H=4, seed=9),
]


@pytest.mark.parametrize("s", SETTINGS, ids=lambda s: f"T{s.T}-H{s.H}-{s.init}-x{s.scale}-{s.activation}-fb{s.forget_bias}")
def test_summary_numbers_are_the_arrays(s):
    view = G.compare(s)
    text = " ".join(view.sentences)
    steps = s.T - 1
    assert f"Over {steps} steps" in text
    for label, curve in [("RNN's ‖∂L/∂h‖", view.rnn.grad_h), ("LSTM's ‖∂L/∂h‖", view.lstm.grad_h),
                         ("its ‖∂L/∂c‖", view.lstm.grad_c)]:
        d = G.decades(curve)
        printed = _printed_decades(text, label)
        assert printed is not None, f"no number for {label} in: {text}"
        assert printed == pytest.approx(round(d, 1), abs=1e-9)
        assert np.log10(curve[-1] / curve[0]) == pytest.approx(d)
    d_rnn, d_lstm = round(G.decades(view.rnn.grad_h), 1), round(G.decades(view.lstm.grad_h), 1)
    if d_lstm > d_rnn:
        assert "LSTM's gradient reaches further back" in text
    elif d_lstm < d_rnn:
        assert "RNN's gradient reaches further back" in text
    assert ("vanishes too" in text) == (G.decades(view.lstm.grad_h) <= -G.VANISH_DECADES)
    f_mean = float(re.search(r"They average f = " + NUM, text).group(1))
    assert f_mean == pytest.approx(view.lstm.mean_forget, abs=0.005)
    rho = float(re.search(r"spectral radius of W_hh: " + NUM, text).group(1))
    assert rho == pytest.approx(view.rnn.spectral_radius, abs=0.005)
    gain = float(re.search(r"running product over \d+ steps is 10\^" + NUM, text).group(1))
    assert gain == pytest.approx(round(G.decades(view.rnn.gain), 1), abs=1e-9)


def test_underflow_and_overflow_are_said_not_hidden():
    long = G.compare(G.Settings(T=1000, H=8, seed=1))
    assert long.rnn.grad_h[-1] == 0.0
    text = " ".join(long.sentences)
    assert "RNN's ‖∂L/∂h‖ fell to exactly 0" in text
    boom = G.compare(G.Settings(T=600, H=8, init="identity", scale=4.0, activation="relu"))
    assert boom.rnn.problem and "overflowed" in boom.rnn.problem
    text = " ".join(boom.sentences)
    assert "overflowed" in text and "Why (RNN)" not in text, "no 'why' story about meaningless numbers"


def test_lead_measurement_lstm_decays_less_in_most_seeds_and_bias_lifts_it():
    """The page's teaching claims, over seeds: untrained at default init, both vanish over 50 steps, the
    LSTM usually less; raising the forget-gate bias makes the LSTM's gradient reach further."""
    wins, rnn_d, lstm_d = 0, [], []
    for seed in range(20):
        view = G.compare(G.Settings(seed=seed))
        rnn_d.append(G.decades(view.rnn.grad_h))
        lstm_d.append(G.decades(view.lstm.grad_h))
        wins += lstm_d[-1] > rnn_d[-1]
    assert wins >= 15, f"LSTM decayed less in only {wins}/20 seeds"
    assert np.median(rnn_d) < -G.VANISH_DECADES and np.median(lstm_d) < -G.VANISH_DECADES
    for seed in range(3):
        by_bias = [G.decades(G.compare(G.Settings(seed=seed, forget_bias=b)).lstm.grad_c) for b in (0.0, 1.0, 3.0)]
        assert by_bias[0] < by_bias[1] < by_bias[2]


# ----------------------------------------------------------------------------- any cell, bad input


def test_measure_accepts_trained_cells_and_other_losses():
    torch.manual_seed(0)
    m = torch.nn.LSTM(3, 6, batch_first=True, dtype=torch.float64)
    cell = GlassLSTM.from_torch(m)
    x = np.random.default_rng(0).standard_normal((20, 3))
    readout = torch.randn(6, 2, dtype=torch.float64)
    loss_fn = lambda h: torch.nn.functional.cross_entropy(h @ readout, torch.tensor([1]))   # noqa: E731
    got = G.measure(cell, x, loss_fn, label="trained LSTM", loss_step=15)
    assert got.label == "trained LSTM" and len(got.grad_h) == 16, "distance 0..15 back from the loss step"
    assert got.problem is None and math.isfinite(got.total_norm)


def test_bad_inputs_are_clear_errors():
    with pytest.raises(ValueError, match="T must be a whole number in \\[2, 1000\\]"):
        G.Settings(T=5000).checked()
    with pytest.raises(ValueError, match="H must be"):
        G.Settings(H=0).checked()
    with pytest.raises(ValueError, match="scale must be a number"):
        G.Settings(scale=float("nan")).checked()
    with pytest.raises(ValueError, match="activation must be one of"):
        G.Settings(activation="sigmoid").checked()
    with pytest.raises(ValueError, match="init must be one of"):
        G.Settings(init="zeros").checked()
    with pytest.raises(ValueError, match="GRU"):
        G.measure(GlassGRU(2, 3, seed=0), np.zeros((4, 2)), lambda h: h.sum())
    with pytest.raises(ValueError, match="too long"):
        G.measure(GlassRNN(1, 2, seed=0), np.zeros((G.MAX_T + 1, 1)), lambda h: h.sum())
    with pytest.raises(ValueError, match="glass cell"):
        G.measure(torch.nn.RNN(1, 2), np.zeros((3, 1)), lambda h: h.sum())


def test_presets_are_valid_settings_and_urls():
    for name, over in G.PRESETS.items():
        G.Settings(**over).checked()
        query = G.preset_query(name)
        assert set(query) == {G.URL_KEYS[k] for k in over}


def test_jacobian_norms_are_skipped_above_the_budget_and_said_so():
    s = _small(T=20, H=6)
    lstm, rnn = G.synthetic_models(s)
    x, u = G.synthetic_input(s)
    skipped = G.measure(rnn, x, G.readout_loss(u), label="RNN", jacobian_budget=20 * 36 - 1)
    kept = G.measure(rnn, x, G.readout_loss(u), label="RNN", jacobian_budget=20 * 36)
    assert skipped.gain is None and skipped.step_factor is None and kept.gain is not None
    np.testing.assert_array_equal(skipped.grad_h, kept.grad_h)
    text = " ".join(G.summary(G.measure(lstm, x, G.readout_loss(u), label="LSTM"), skipped))
    assert "Jacobian norms are not computed at this size (20 steps × 6² = 7.2e+02" in text
    assert "running product over" not in text
    big = G.compare(G.Settings(T=G.MAX_T, H=G.MAX_HIDDEN))      # the caps: bounded cost, no SVD storm
    assert big.rnn.gain is None and big.lstm.gain is not None
