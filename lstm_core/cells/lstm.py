"""The GlassLSTM (see lstm_core.cells.base for the machinery it shares)."""

from __future__ import annotations

import numpy as np
import torch
from torch import nn

from .base import _GlassCell, _scan, _next


# ----------------------------------------------------------------------------- LSTM


class GlassLSTM(_GlassCell):
    """The LSTM (Gers et al. 1999, torch's equations), gate order i, f, g, o.

        i_t = sigmoid(W_ii x_t + b_ii + W_hi h_{t-1} + b_hi)        input gate
        f_t = sigmoid(W_if x_t + b_if + W_hf h_{t-1} + b_hf)        forget gate
        g_t = tanh   (W_ig x_t + b_ig + W_hg h_{t-1} + b_hg)        candidate
        o_t = sigmoid(W_io x_t + b_io + W_ho h_{t-1} + b_ho)        output gate
        c_t = f_t * c_{t-1} + i_t * g_t                              cell (the carousel)
        h_t = o_t * tanh(c_t)                                        hidden

    forget_gate=False: the original 1997 LSTM, f_t = 1 (the f rows of the weights are unused).
    peephole=True: i and f also see c_{t-1}, o sees c_t, through diagonal weights w_ci, w_cf, w_co.
    """

    arch = "lstm"
    gates = ("input_gate", "forget_gate", "candidate", "output_gate")
    targets = gates + ("cell", "hidden")
    n_chunks = 4
    torch_class = nn.LSTM

    def __init__(self, input_size, hidden_size, *, forget_gate=True, peephole=False, dtype=torch.float32, seed=None):
        super().__init__(input_size, hidden_size, dtype=dtype, seed=seed)
        self.has_forget_gate, self.peephole = bool(forget_gate), bool(peephole)
        if self.peephole:
            gen = torch.Generator().manual_seed(seed + 1) if seed is not None else None
            k = 1.0 / np.sqrt(self.hidden_size)
            self.w_ci, self.w_cf, self.w_co = (
                (torch.rand(self.hidden_size, generator=gen, dtype=torch.float64) * 2 * k - k).to(dtype) for _ in range(3))

    @classmethod
    def from_torch(cls, m: nn.LSTM) -> "GlassLSTM":
        cls._check_module(m)
        cell = cls(m.input_size, m.hidden_size, dtype=m.weight_ih_l0.dtype)
        return cell._load_from(m)

    def to_torch(self) -> nn.LSTM:
        if not self.has_forget_gate or self.peephole:
            raise ValueError("torch.nn.LSTM has no peepholes and always a forget gate: this cell cannot be exported")
        return super().to_torch()

    def parameters(self):
        p = super().parameters()
        if self.peephole:
            p.update(w_ci=self.w_ci, w_cf=self.w_cf, w_co=self.w_co)
        return p

    def _fusable(self):
        return self.has_forget_gate and not self.peephole

    def step(self, x_proj_t, state, clamp):
        """One step. x_proj_t = W_ih x_t + b_ih (B, 4H); state {hidden, cell} (B, H) -> new state + gates."""
        h, c = state["hidden"], state["cell"]
        pre = x_proj_t + self._recurrent_terms(h)
        pre_i, pre_f, pre_g, pre_o = pre.chunk(4, dim=-1)
        if self.peephole:
            pre_i, pre_f = pre_i + self.w_ci * c, pre_f + self.w_cf * c
        input_gate = clamp("input_gate", torch.sigmoid(pre_i))
        forget_gate = torch.sigmoid(pre_f) if self.has_forget_gate else torch.ones_like(pre_f)
        forget_gate = clamp("forget_gate", forget_gate)
        candidate = clamp("candidate", torch.tanh(pre_g))
        cell = clamp("cell", forget_gate * c + input_gate * candidate)
        if self.peephole:
            pre_o = pre_o + self.w_co * cell
        output_gate = clamp("output_gate", torch.sigmoid(pre_o))
        hidden = clamp("hidden", output_gate * torch.tanh(cell))
        out = dict(input_gate=input_gate, forget_gate=forget_gate, candidate=candidate, output_gate=output_gate,
                   cell=cell, hidden=hidden, pre_input_gate=pre_i, pre_forget_gate=pre_f,
                   pre_candidate=pre_g, pre_output_gate=pre_o)
        if not self.has_forget_gate:
            del out["pre_forget_gate"]
        return out

    def _recompute(self, x, h_prev, c0):
        """Every step's gates in one matmul from the hidden states; the cell by its recurrence."""
        pre = self._input_terms(x) + self._recurrent_terms(h_prev)
        pre_i, pre_f, pre_g, pre_o = pre.chunk(4, dim=-1)
        i, f, g, o = torch.sigmoid(pre_i), torch.sigmoid(pre_f), torch.tanh(pre_g), torch.sigmoid(pre_o)
        cell = _scan(i * g, f, start=c0)                  # c_t = f_t * c_{t-1} + i_t * g_t
        return dict(input_gate=i, forget_gate=f, candidate=g, output_gate=o, cell=cell,
                    hidden=o * torch.tanh(cell), pre_input_gate=pre_i, pre_forget_gate=pre_f,
                    pre_candidate=pre_g, pre_output_gate=pre_o)

    def _backward_from_pre(self, a, grad_pre, grad_out):
        grad_hidden = grad_out + _next(grad_pre) @ self.weight_hh            # via every gate at t+1
        tanh_c = torch.tanh(a["cell"])
        # dL/dc_t = dL/dh_t * o_t * (1 - tanh^2 c_t) + dL/dc_{t+1} * f_{t+1}
        grad_cell = _scan(grad_hidden * a["output_gate"] * (1 - tanh_c ** 2), a["forget_gate"], reverse=True)
        return dict(grad_hidden=grad_hidden, grad_cell=grad_cell)
