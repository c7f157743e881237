"""Stacked and bidirectional glass networks against torch: outputs, final states and the total
per-step gradients of every layer and direction."""

import numpy as np
import pytest
import torch
from torch import nn

from lstm_core.cells.stacked import GlassStack

KINDS = {"lstm": (nn.LSTM, nn.LSTMCell, {}), "gru": (nn.GRU, nn.GRUCell, {}),
         "rnn_tanh": (nn.RNN, nn.RNNCell, {"nonlinearity": "tanh"}),
         "rnn_relu": (nn.RNN, nn.RNNCell, {"nonlinearity": "relu"})}
LAYOUTS = [(2, False), (1, True), (2, True), (3, True)]          # (num_layers, bidirectional)
TOL = {torch.float32: 1e-5, torch.float64: 1e-6}


def make(kind, layers, bidi, dtype=torch.float64, I=3, H=4, seed=0):
    torch.manual_seed(seed)
    tcls, _, kw = KINDS[kind]
    return tcls(I, H, num_layers=layers, bidirectional=bidi, batch_first=True, dtype=dtype, **kw)


def reference_unroll(m, kind, x):
    """Every layer/direction unrolled with torch's single-step cells sharing m's weights; returns
    the output and {(layer, d): (hs, cs)} lists of per-step tensors in input order, retaining grad."""
    _, cell_cls, kw = KINDS[kind]
    D, H, T = 2 if m.bidirectional else 1, m.hidden_size, x.shape[1]
    states, inp = {}, x
    for layer in range(m.num_layers):
        outs = []
        for d in range(D):
            sfx = f"_l{layer}" + ("_reverse" if d else "")
            cell = cell_cls(inp.shape[-1], H, dtype=x.dtype, **kw)
            cell.load_state_dict({n: getattr(m, n + sfx) for n in ("weight_ih", "weight_hh", "bias_ih", "bias_hh")})
            h = torch.zeros(x.shape[0], H, dtype=x.dtype)
            c = torch.zeros_like(h)
            hs, cs = [None] * T, [None] * T
            for t in (range(T - 1, -1, -1) if d else range(T)):
                if kind == "lstm":
                    h, c = cell(inp[:, t], (h, c))
                    c.retain_grad()
                    cs[t] = c
                else:
                    h = cell(inp[:, t], h)
                h.retain_grad()
                hs[t] = h
            states[layer, d] = (hs, cs)
            outs.append(torch.stack(hs, 1))
        inp = torch.cat(outs, -1)
    return inp, states


def head(n, dtype):
    torch.manual_seed(5)
    ro = nn.Linear(n, 3, dtype=dtype)
    return lambda h: nn.functional.cross_entropy(ro(h), torch.arange(h.shape[0]) % 3)


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
@pytest.mark.parametrize("layers,bidi", LAYOUTS)
@pytest.mark.parametrize("kind", list(KINDS))
def test_output_and_final_states_match_torch(kind, layers, bidi, dtype):
    m = make(kind, layers, bidi, dtype)
    x = torch.randn(3, 9, 3, dtype=dtype)
    if kind == "lstm":
        out, (h_n, c_n) = m(x)
    else:
        out, h_n = m(x)
    st = GlassStack.from_torch(m)
    tr = st.trace(x)
    D = 2 if bidi else 1
    assert tr.output.shape == (3, 9, D * 4) == tuple(out.shape)
    np.testing.assert_allclose(tr.output, out.detach().numpy(), atol=TOL[dtype], rtol=0)
    np.testing.assert_allclose(tr.h_n, h_n.detach().numpy(), atol=TOL[dtype], rtol=0)
    if kind == "lstm":
        np.testing.assert_allclose(tr.c_n, c_n.detach().numpy(), atol=TOL[dtype], rtol=0)
    else:
        assert tr.c_n is None
    assert tr[layers - 1, "backward" if bidi else "forward"].hidden.shape == (3, 9, 4)


@pytest.mark.parametrize("loss_step", [None, 3])
@pytest.mark.parametrize("layers,bidi", LAYOUTS)
@pytest.mark.parametrize("kind", ["lstm", "gru", "rnn_tanh"])
def test_total_gradients_match_autograd_on_unrolled_torch(kind, layers, bidi, loss_step):
    m = make(kind, layers, bidi, seed=1)
    B, T, D = 2, 8, 2 if bidi else 1
    x = torch.randn(B, T, 3, dtype=torch.float64)
    loss_fn = head(D * 4, torch.float64)
    out, states = reference_unroll(m, kind, x)
    s = T - 1 if loss_step is None else loss_step
    loss_fn(out[:, s]).backward()
    tr = GlassStack.from_torch(m).trace(x, loss_fn=loss_fn, loss_step=loss_step)
    assert tr.loss == pytest.approx(float(loss_fn(out[:, s]).detach()), abs=1e-12)
    grad = lambda v: np.zeros((B, 4)) if v.grad is None else v.grad.numpy()        # noqa: E731
    for (layer, d), (hs, cs) in states.items():
        ref_h = np.stack([grad(h) for h in hs], 1)
        np.testing.assert_allclose(tr[layer, d].grad_hidden, ref_h, atol=1e-8, rtol=0)
        assert np.abs(ref_h).max() > 1e-4, "every layer and direction gets a gradient"
        if kind == "lstm":
            np.testing.assert_allclose(tr[layer, d].grad_cell, np.stack([grad(c) for c in cs], 1), atol=1e-8, rtol=0)
    if bidi:   # the backward direction's states after the loss step still matter; the forward ones do not
        top = tr[layers - 1, "forward"].grad_hidden
        assert np.all(top[:, s + 1:] == 0)
        if s < T - 1:
            assert np.abs(tr[layers - 1, "backward"].grad_hidden[:, s + 1:]).max() > 1e-6


def test_backward_direction_is_the_cell_on_the_reversed_input():
    m = make("lstm", 1, True)
    st = GlassStack.from_torch(m)
    x = torch.randn(2, 7, 3, dtype=torch.float64)
    tr = st.trace(x)
    alone = st.cells[0][1].trace(x.flip(1))
    np.testing.assert_allclose(tr[0, "backward"].hidden, alone.hidden[:, ::-1], atol=1e-12)
    np.testing.assert_allclose(tr[0, "backward"].forget_gate, alone.forget_gate[:, ::-1], atol=1e-12)
    np.testing.assert_allclose(tr[0, "backward"].h_n, alone.h_n, atol=1e-12)


def test_initial_states_round_trip_and_errors():
    m = make("lstm", 2, True)
    x = torch.randn(2, 6, 3, dtype=torch.float64)
    h0, c0 = torch.randn(4, 2, 4, dtype=torch.float64), torch.randn(4, 2, 4, dtype=torch.float64)
    out, (_, c_n) = m(x, (h0, c0))
    st = GlassStack.from_torch(m)
    tr = st.trace(x, h0=h0, c0=c0)
    np.testing.assert_allclose(tr.output, out.detach().numpy(), atol=1e-12)
    np.testing.assert_allclose(tr.c_n, c_n.detach().numpy(), atol=1e-12)
    back = st.to_torch()
    np.testing.assert_allclose(back(x)[0].detach().numpy(), m(x)[0].detach().numpy(), atol=1e-12)
    with pytest.raises(ValueError, match="h0 must be"):
        st.trace(x, h0=torch.zeros(2, 2, 4))
    with pytest.raises(ValueError, match="batch_first"):
        GlassStack.from_torch(nn.LSTM(3, 4, num_layers=2))
    with pytest.raises(ValueError, match="proj_size"):
        GlassStack.from_torch(nn.LSTM(3, 4, num_layers=2, proj_size=2, batch_first=True))
    with pytest.raises(ValueError, match="loss_step"):
        st.trace(x, loss_fn=lambda h: h.sum(), loss_step=6)
    with pytest.raises(ValueError, match="scalar"):
        st.trace(x, loss_fn=lambda h: h)
