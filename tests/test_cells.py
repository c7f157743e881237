"""The glass core against torch: parity, gradients (autograd + finite differences), interventions."""

import numpy as np
import pytest
import torch
from torch import nn

from lstm_core import Clamp, GlassGRU, GlassLSTM, GlassRNN, ablate
from lstm_core.cells import forget_gain, grad_norms, rnn_jacobian_norms

SIZES = [(3, 1, 1, 7), (5, 4, 3, 12), (2, 16, 6, 30)]   # (input, hidden, batch, time)
KINDS = {
    "lstm": (nn.LSTM, GlassLSTM, {}),
    "rnn_tanh": (nn.RNN, GlassRNN, {"nonlinearity": "tanh"}),
    "rnn_relu": (nn.RNN, GlassRNN, {"nonlinearity": "relu"}),
    "gru": (nn.GRU, GlassGRU, {}),
}
TOL = {torch.float32: 1e-5, torch.float64: 1e-6}


def make(kind, I, H, dtype, seed=0):
    torch.manual_seed(seed)
    tcls, gcls, kw = KINDS[kind]
    m = tcls(I, H, batch_first=True, dtype=dtype, **kw)
    return m, gcls.from_torch(m)


# ----------------------------------------------------------------------------- independent references
# Written from the torch weights with torch's single-step cells, not with the glass code.

def reference_unroll(m, x, h0=None, c0=None):
    """Step-by-step unroll with nn.*Cell sharing m's weights; returns per-step (h, c) lists that retain grad."""
    B, T, _ = x.shape
    H = m.hidden_size
    cell_cls = {nn.LSTM: nn.LSTMCell, nn.GRU: nn.GRUCell, nn.RNN: nn.RNNCell}[type(m)]
    kw = {"nonlinearity": m.nonlinearity} if isinstance(m, nn.RNN) else {}
    cell = cell_cls(m.input_size, H, dtype=x.dtype, **kw)
    cell.load_state_dict({k.replace("_l0", ""): v for k, v in m.state_dict().items()})
    h = torch.zeros(B, H, dtype=x.dtype) if h0 is None else h0.clone()
    c = torch.zeros(B, H, dtype=x.dtype) if c0 is None else c0.clone()
    hs, cs = [], []
    for t in range(T):
        if isinstance(m, nn.LSTM):
            h, c = cell(x[:, t], (h, c))
            c.retain_grad()
            cs.append(c)
        else:
            h = cell(x[:, t], h)
        h.retain_grad()
        hs.append(h)
    return hs, cs


def reference_lstm_gates(m, x, hidden, cell):
    """i, f, g, o recomputed in NumPy from torch's weights and the states torch produced."""
    W_ih, W_hh = m.weight_ih_l0.detach().numpy(), m.weight_hh_l0.detach().numpy()
    b = (m.bias_ih_l0 + m.bias_hh_l0).detach().numpy()
    h_prev = np.concatenate([np.zeros_like(hidden[:, :1]), hidden[:, :-1]], 1)
    pre = x @ W_ih.T + h_prev @ W_hh.T + b
    sig = lambda v: 1 / (1 + np.exp(-v))
    i, f, g, o = np.split(pre, 4, axis=-1)
    return sig(i), sig(f), np.tanh(g), sig(o)


# ----------------------------------------------------------------------------- parity


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
@pytest.mark.parametrize("I,H,B,T", SIZES)
@pytest.mark.parametrize("kind", list(KINDS))
@pytest.mark.parametrize("method", ["loop", "fused"])
def test_states_match_torch(kind, I, H, B, T, dtype, method):
    m, g = make(kind, I, H, dtype)
    x = torch.randn(B, T, I, dtype=dtype)
    h0 = torch.randn(1, B, H, dtype=dtype) * 0.5
    c0 = torch.randn(1, B, H, dtype=dtype) * 0.5
    if kind == "lstm":
        out, (h_n, c_n) = m(x, (h0, c0))
        tr = g.trace(x, h0=h0[0], c0=c0[0], method=method)
        np.testing.assert_allclose(tr.c_n, c_n[0].detach().numpy(), atol=TOL[dtype], rtol=0)
    else:
        out, h_n = m(x, h0)
        tr = g.trace(x, h0=h0[0], method=method)
    assert tr.hidden.shape == (B, T, H) and tr.hidden.dtype == (np.float32 if dtype == torch.float32 else np.float64)
    np.testing.assert_allclose(tr.hidden, out.detach().numpy(), atol=TOL[dtype], rtol=0)
    np.testing.assert_allclose(tr.h_n, h_n[0].detach().numpy(), atol=TOL[dtype], rtol=0)


@pytest.mark.parametrize("method", ["loop", "fused"])
def test_lstm_gates_and_cells_match_independent_recomputation(method):
    m, g = make("lstm", 4, 6, torch.float64, seed=3)
    x = torch.randn(3, 15, 4, dtype=torch.float64)
    hs, cs = reference_unroll(m, x)
    hidden = torch.stack(hs, 1).detach().numpy()
    cell = torch.stack(cs, 1).detach().numpy()
    tr = g.trace(x, method=method)
    np.testing.assert_allclose(tr.cell, cell, atol=1e-12)
    for name, ref in zip(("input_gate", "forget_gate", "candidate", "output_gate"),
                         reference_lstm_gates(m, x.numpy(), hidden, cell)):
        np.testing.assert_allclose(getattr(tr, name), ref, atol=1e-12, err_msg=name)
    np.testing.assert_allclose(tr.hidden, tr.output_gate * np.tanh(tr.cell), atol=1e-12)


def test_gru_gates_obey_torch_equations():
    m, g = make("gru", 3, 5, torch.float64, seed=4)
    x = torch.randn(2, 9, 3, dtype=torch.float64)
    tr = g.trace(x)
    h_prev = np.concatenate([np.zeros((2, 1, 5)), tr.hidden[:, :-1]], 1)
    W_hn = m.weight_hh_l0[10:].detach().numpy()
    b_hn = m.bias_hh_l0[10:].detach().numpy()
    x_n = x.numpy() @ m.weight_ih_l0[10:].detach().numpy().T + m.bias_ih_l0[10:].detach().numpy()
    n = np.tanh(x_n + tr.reset_gate * (h_prev @ W_hn.T + b_hn))     # reset applied after W_hn h
    np.testing.assert_allclose(tr.candidate, n, atol=1e-12)
    np.testing.assert_allclose(tr.hidden, (1 - tr.update_gate) * n + tr.update_gate * h_prev, atol=1e-12)


@pytest.mark.parametrize("kind", list(KINDS))
def test_round_trip_through_torch(kind):
    m, g = make(kind, 3, 4, torch.float32)
    back = g.to_torch()
    for k, v in m.state_dict().items():
        assert torch.equal(back.state_dict()[k], v), k
    assert back.batch_first


def test_trace_accepts_2d_input_as_batch_of_one():
    m, g = make("lstm", 3, 4, torch.float32)
    x = np.random.default_rng(0).normal(size=(6, 3)).astype(np.float32)
    tr = g.trace(x)
    assert tr.hidden.shape == (1, 6, 4)
    assert set(tr.names()) >= {"input_gate", "forget_gate", "candidate", "output_gate", "cell", "hidden",
                               "pre_input_gate", "pre_forget_gate", "pre_candidate", "pre_output_gate"}


# ----------------------------------------------------------------------------- gradients


def head(H, dtype, seed=7):
    torch.manual_seed(seed)
    ro = nn.Linear(H, 2, dtype=dtype)
    return lambda h: torch.nn.functional.cross_entropy(ro(h), torch.zeros(h.shape[0], dtype=torch.long))


@pytest.mark.parametrize("loss_step", [None, 4, -3])
@pytest.mark.parametrize("kind", list(KINDS))
@pytest.mark.parametrize("method", ["loop", "fused"])
def test_gradients_match_autograd_on_unrolled_torch(kind, method, loss_step):
    I, H, B, T = 3, 5, 2, 11
    m, g = make(kind, I, H, torch.float64, seed=1)
    x = torch.randn(B, T, I, dtype=torch.float64)
    loss_fn = head(H, torch.float64)
    hs, cs = reference_unroll(m, x)
    s = T - 1 if loss_step is None else loss_step % T
    loss_fn(hs[s]).backward()
    tr = g.trace(x, loss_fn=loss_fn, loss_step=loss_step, method=method)
    ref_h = np.stack([h.grad.numpy() if h.grad is not None else np.zeros((B, H)) for h in hs], 1)
    np.testing.assert_allclose(tr.grad_hidden, ref_h, atol=1e-8, rtol=0)
    assert np.abs(ref_h[:, s]).max() > 1e-4, "the reference gradient should not be trivially zero"
    if kind == "lstm":
        ref_c = np.stack([c.grad.numpy() if c.grad is not None else np.zeros((B, H)) for c in cs], 1)
        np.testing.assert_allclose(tr.grad_cell, ref_c, atol=1e-8, rtol=0)
    assert np.all(tr.grad_hidden[:, s + 1:] == 0)
    assert tr.loss == pytest.approx(float(loss_fn(hs[s]).detach()))


def finite_difference(cell, x, loss_fn, target, t, u, interventions=(), eps=1e-6):
    """dL/d(target_t[u]) by holding that one value at v +- eps with a Clamp (the same forward path)."""
    base = getattr(cell.trace(x, interventions=interventions, method="loop"), target)[0, t, u]
    losses = []
    for v in (base + eps, base - eps):
        tr = cell.trace(x, loss_fn=loss_fn, interventions=tuple(interventions) + (Clamp(target, v, [u], [t]),),
                        method="loop")
        losses.append(tr.loss)
    return (losses[0] - losses[1]) / (2 * eps)


@pytest.mark.parametrize("kind", ["lstm", "rnn_tanh", "gru"])
def test_gradients_match_finite_differences(kind):
    m, g = make(kind, 2, 3, torch.float64, seed=2)
    x = torch.randn(1, 6, 2, dtype=torch.float64)
    loss_fn = head(3, torch.float64)
    tr = g.trace(x, loss_fn=loss_fn)
    for t in (0, 2, 5):
        for u in range(3):
            fd = finite_difference(g, x, loss_fn, "hidden", t, u)
            assert tr.grad_hidden[0, t, u] == pytest.approx(fd, abs=1e-7)
            if kind == "lstm":
                fd = finite_difference(g, x, loss_fn, "cell", t, u)
                assert tr.grad_cell[0, t, u] == pytest.approx(fd, abs=1e-7)


# ----------------------------------------------------------------------------- interventions


def test_remember_clamp_freezes_the_cell():
    _, g = make("lstm", 3, 4, torch.float64)
    x = torch.randn(2, 10, 3, dtype=torch.float64)
    c0 = torch.randn(2, 4, dtype=torch.float64)
    tr = g.trace(x, c0=c0, interventions=[Clamp("forget_gate", 1.0), Clamp("input_gate", 0.0)])
    np.testing.assert_allclose(tr.cell, np.repeat(c0.numpy()[:, None], 10, 1), atol=1e-14)
    assert np.all(tr.forget_gate == 1) and np.all(tr.input_gate == 0)


def test_overwrite_clamp_makes_cell_equal_candidate():
    _, g = make("lstm", 3, 4, torch.float64)
    tr = g.trace(torch.randn(1, 8, 3, dtype=torch.float64),
                 interventions=[Clamp("forget_gate", 0.0), Clamp("input_gate", 1.0)])
    np.testing.assert_allclose(tr.cell, tr.candidate, atol=1e-14)


def test_ablation_only_touches_chosen_units_and_steps():
    _, g = make("lstm", 3, 5, torch.float64)
    x = torch.randn(1, 8, 3, dtype=torch.float64)
    free = g.trace(x)
    tr = g.trace(x, interventions=[ablate([1, 3], steps=[2, 3])])
    assert np.all(tr.cell[0, 2:4][:, [1, 3]] == 0)
    np.testing.assert_allclose(tr.cell[0, :2], free.cell[0, :2], rtol=0, atol=1e-12)   # loop vs fused path
    assert np.abs(tr.cell[0, 4:] - free.cell[0, 4:]).max() > 1e-6   # the ablation propagates forward


def test_interventions_flow_into_gradients():
    """With f clamped to 1 the cell-path error is carried unchanged: checked against finite differences."""
    _, g = make("lstm", 2, 3, torch.float64, seed=5)
    x = torch.randn(1, 7, 2, dtype=torch.float64)
    loss_fn = head(3, torch.float64)
    ivs = (Clamp("forget_gate", 1.0, units=[0, 2]), ablate([1], steps=[3], target="hidden"))
    tr = g.trace(x, loss_fn=loss_fn, interventions=ivs)
    free = g.trace(x, loss_fn=loss_fn)
    assert np.abs(tr.grad_cell - free.grad_cell).max() > 1e-6
    for t in (0, 3, 5):
        for u in range(3):
            fd = finite_difference(g, x, loss_fn, "cell", t, u, interventions=ivs)
            assert tr.grad_cell[0, t, u] == pytest.approx(fd, abs=1e-7)
    # a hidden unit held constant at step 3 passes no gradient back into that step's cell
    assert tr.grad_cell[0, 3, 1] == pytest.approx(tr.grad_cell[0, 4, 1] * tr.forget_gate[0, 4, 1], abs=1e-12)


# ----------------------------------------------------------------------------- LSTM variants


def reference_variant(g, x, loss_fn):
    """Independent autograd reference for the 1997 and peephole LSTMs (equations written out here)."""
    W_ih, W_hh, b = g.weight_ih, g.weight_hh, g.bias_ih + g.bias_hh
    B, T, _ = x.shape
    H = g.hidden_size
    h = torch.zeros(B, H, dtype=x.dtype, requires_grad=True)
    c = torch.zeros(B, H, dtype=x.dtype, requires_grad=True)
    hs, cs = [], []
    for t in range(T):
        a = x[:, t] @ W_ih.T + h @ W_hh.T + b
        ai, af, ag, ao = a[:, :H], a[:, H:2 * H], a[:, 2 * H:3 * H], a[:, 3 * H:]
        if g.peephole:
            ai, af = ai + g.w_ci * c, af + g.w_cf * c
        f = torch.sigmoid(af) if g.has_forget_gate else 1.0
        c = f * c + torch.sigmoid(ai) * torch.tanh(ag)
        if g.peephole:
            ao = ao + g.w_co * c
        h = torch.sigmoid(ao) * torch.tanh(c)
        h.retain_grad()
        c.retain_grad()
        hs.append(h)
        cs.append(c)
    loss_fn(hs[-1]).backward()
    return (torch.stack(hs, 1).detach().numpy(), torch.stack(cs, 1).detach().numpy(),
            torch.stack([v.grad for v in hs], 1).numpy(), torch.stack([v.grad for v in cs], 1).numpy())


@pytest.mark.parametrize("variant", [{"forget_gate": False}, {"peephole": True}, {"peephole": True, "forget_gate": False}])
def test_lstm_variants_match_reference(variant):
    g = GlassLSTM(3, 4, dtype=torch.float64, seed=11, **variant)
    x = torch.randn(2, 9, 3, dtype=torch.float64)
    loss_fn = head(4, torch.float64)
    h, c, gh, gc = reference_variant(g, x, loss_fn)
    tr = g.trace(x, loss_fn=loss_fn)
    np.testing.assert_allclose(tr.hidden, h, atol=1e-12)
    np.testing.assert_allclose(tr.cell, c, atol=1e-12)
    np.testing.assert_allclose(tr.grad_hidden, gh, atol=1e-10)
    np.testing.assert_allclose(tr.grad_cell, gc, atol=1e-10)
    if not variant.get("forget_gate", True):
        assert np.all(tr.forget_gate == 1)
        with pytest.raises(ValueError, match="cannot be exported"):
            g.to_torch()


# ----------------------------------------------------------------------------- vanishing gradients, computed


def log10_decay(cell, x, H):
    torch.manual_seed(99)
    ro = nn.Linear(H, 1)
    n = grad_norms(cell.trace(x, loss_fn=lambda h: ro(h).sum()))
    return np.median(np.log10(n[:, 0] / n[:, -1]))          # median over the batch of sequences


def test_rnn_gradient_vanishes_and_lstm_decays_less_at_default_init():
    """torch default init, T=50: over 8 seeds the tanh RNN loses > 6 orders of magnitude every time;
    the LSTM (f ~ 0.5 at init, so it also decays) loses clearly fewer — > 1 order less, in the median."""
    H, T = 64, 50
    rnn, lstm = [], []
    for seed in range(8):
        torch.manual_seed(seed)
        x = torch.randn(16, T, 10)
        rnn.append(log10_decay(GlassRNN.from_torch(nn.RNN(10, H, batch_first=True)), x, H))
        lstm.append(log10_decay(GlassLSTM.from_torch(nn.LSTM(10, H, batch_first=True)), x, H))
    assert max(rnn) < -6
    assert np.median(lstm) > np.median(rnn) + 1.0
    assert sum(l > r for l, r in zip(lstm, rnn)) >= 6


def test_forget_bias_keeps_the_lstm_gradient_alive():
    H, T = 64, 50
    torch.manual_seed(0)
    m = nn.LSTM(10, H, batch_first=True)
    x = torch.randn(16, T, 10)
    decays = []
    for fb in (0.0, 1.0, 3.0):
        with torch.no_grad():
            m.bias_ih_l0[H:2 * H] = fb
            m.bias_hh_l0[H:2 * H] = 0.0
        decays.append(log10_decay(GlassLSTM.from_torch(m), x, H))
    assert decays[0] < decays[1] < decays[2]
    assert decays[2] > -2                      # f ~ 0.95: most of the gradient survives 50 steps


# ----------------------------------------------------------------------------- the "why" quantities


def test_forget_gain_is_the_product_of_later_forget_gates():
    _, g = make("lstm", 3, 4, torch.float64)
    tr = g.trace(torch.randn(2, 9, 3, dtype=torch.float64))
    gain = forget_gain(tr, end=6)
    f = tr.forget_gate
    for t in range(9):
        expect = np.prod(f[:, t + 1:7], axis=1) if t <= 6 else np.zeros((2, 4))
        np.testing.assert_allclose(gain[:, t], expect, atol=1e-14)


def test_forget_gain_is_the_cell_gradient_when_only_the_cell_path_exists():
    """With i, o and g clamped (no gate sees h), dL/dc_t = gain_t * dL/dc_end exactly."""
    _, g = make("lstm", 3, 4, torch.float64)
    x = torch.randn(1, 10, 3, dtype=torch.float64)
    w = torch.randn(4, dtype=torch.float64)
    ivs = [Clamp("output_gate", 1.0), Clamp("input_gate", 0.5), Clamp("candidate", 0.3)]
    g.weight_hh[4:8] = 0          # ... and f sees only the input, so the cell path is the only path
    tr = g.trace(x, c0=torch.ones(4, dtype=torch.float64), loss_fn=lambda h: (h * w).sum(), interventions=ivs)
    np.testing.assert_allclose(tr.grad_cell, forget_gain(tr) * tr.grad_cell[:, -1:], atol=1e-12)


def test_rnn_running_jacobian_bounds_the_true_jacobian():
    m, g = make("rnn_tanh", 3, 5, torch.float64, seed=8)
    x = torch.randn(1, 8, 3, dtype=torch.float64)
    tr = g.trace(x)
    step, running = rnn_jacobian_norms(g, tr)
    W = m.weight_hh_l0.detach().numpy()
    for t in range(1, 8):
        J = (1 - tr.hidden[0, t] ** 2)[:, None] * W
        assert step[0, t] == pytest.approx(np.linalg.norm(J, 2), rel=1e-10)
    chain = np.eye(5)
    for t in range(7, -1, -1):                 # true dh_7/dh_t, built backwards
        assert np.linalg.norm(chain, 2) <= running[0, t] * (1 + 1e-10)
        chain = chain @ ((1 - tr.hidden[0, t] ** 2)[:, None] * W)
    assert running[0, -1] == 1.0


# ----------------------------------------------------------------------------- bad input


def test_bad_inputs_raise_clear_errors():
    _, g = make("lstm", 3, 4, torch.float32)
    with pytest.raises(ValueError, match="wrong input size.*5 features.*expects 3"):
        g.trace(torch.zeros(2, 6, 5))
    with pytest.raises(ValueError, match="empty sequence"):
        g.trace(torch.zeros(1, 0, 3))
    with pytest.raises(ValueError, match="NaN"):
        g.trace(torch.full((1, 4, 3), float("nan")))
    with pytest.raises(ValueError, match="cannot clamp 'reset_gate'"):
        g.trace(torch.zeros(1, 4, 3), interventions=[Clamp("reset_gate", 1.0)])
    with pytest.raises(ValueError, match="out of range"):
        g.trace(torch.zeros(1, 4, 3), interventions=[ablate([9])])
    with pytest.raises(ValueError, match="h0 must be"):
        g.trace(torch.zeros(2, 4, 3), h0=torch.zeros(3, 4))
    g.weight_hh[0, 0] = float("nan")
    with pytest.raises(ValueError, match="'weight_hh' contains NaN"):
        g.trace(torch.zeros(1, 4, 3))
    with pytest.raises(ValueError, match="needs a torch.nn.LSTM"):
        GlassLSTM.from_torch(nn.GRU(3, 4))
    with pytest.raises(ValueError, match="single-layer"):
        GlassRNN.from_torch(nn.RNN(3, 4, num_layers=2))


def test_float64_on_request_and_float32_default():
    assert GlassLSTM(2, 3).trace(torch.zeros(4, 2)).hidden.dtype == np.float32
    assert GlassGRU(2, 3, dtype=torch.float64).trace(torch.zeros(4, 2)).hidden.dtype == np.float64


@pytest.mark.parametrize("kind", list(KINDS))
def test_weight_edits_after_a_trace_are_seen(kind):
    """The fast path caches its widened module and the weight check: in-place edits, replaced
    tensors and NaN written after a trace must all be seen by the next trace."""
    m, g = make(kind, 3, 4, torch.float32)
    x = torch.randn(2, 6, 3)
    g.trace(x, method="fused")
    with torch.no_grad():
        m.weight_hh_l0[0, 0] += 1.0
    g.weight_hh[0, 0] += 1.0                                         # edited in place
    np.testing.assert_allclose(g.trace(x, method="fused").hidden, m(x)[0].detach().numpy(), atol=1e-5)
    g.weight_ih = g.weight_ih.clone()                                # replaced
    g.weight_ih[1, 1] = 2.0
    with torch.no_grad():
        m.weight_ih_l0[1, 1] = 2.0
    np.testing.assert_allclose(g.trace(x, method="fused").hidden, m(x)[0].detach().numpy(), atol=1e-5)
    g.bias_hh[0] = float("nan")
    with pytest.raises(ValueError, match="'bias_hh' contains NaN"):
        g.trace(x)


def test_replaced_weights_are_never_mistaken_for_the_old_ones():
    """The fused path caches a widened copy of the weights. Replacing a weight frees the old tensor, whose id
    the next tensor may reuse: a cache keyed on ids would then run stale weights. Fused must equal loop after
    every replacement."""
    torch.manual_seed(0)
    cell = GlassLSTM(3, 5)
    x = torch.randn(1, 6, 3)
    for _ in range(20):
        cell.weight_hh = torch.randn(20, 5)          # frees the tensor the cache last saw ...
        cell.weight_hh = torch.randn(20, 5)          # ... so this one may be allocated at its address
        fused = cell.trace(x, method="fused").hidden
        loop = cell.trace(x, method="loop").hidden
        np.testing.assert_allclose(fused, loop, atol=1e-5)
