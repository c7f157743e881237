"""The GlassRNN (see lstm_core.cells.base for the machinery it shares)."""

from __future__ import annotations

import torch
from torch import nn

from .base import _GlassCell, _next


# ----------------------------------------------------------------------------- RNN


class GlassRNN(_GlassCell):
    """The Elman RNN: h_t = act(W_ih x_t + b_ih + W_hh h_{t-1} + b_hh), act = tanh or relu."""

    arch = "rnn"
    targets = ("hidden",)
    torch_class = nn.RNN

    def __init__(self, input_size, hidden_size, *, nonlinearity="tanh", dtype=torch.float32, seed=None):
        if nonlinearity not in ("tanh", "relu"):
            raise ValueError(f"nonlinearity must be 'tanh' or 'relu', got {nonlinearity!r}")
        super().__init__(input_size, hidden_size, dtype=dtype, seed=seed)
        self.nonlinearity = nonlinearity

    @property
    def act(self):
        return torch.tanh if self.nonlinearity == "tanh" else torch.relu

    @classmethod
    def from_torch(cls, m: nn.RNN) -> "GlassRNN":
        cls._check_module(m)
        cell = cls(m.input_size, m.hidden_size, nonlinearity=m.nonlinearity, dtype=m.weight_ih_l0.dtype)
        return cell._load_from(m)

    def _new_torch(self, input_size=None):
        return nn.RNN(input_size or self.input_size, self.hidden_size, nonlinearity=self.nonlinearity,
                      batch_first=True, dtype=self.dtype)

    def step(self, x_proj_t, state, clamp):
        """One step. x_proj_t = W_ih x_t + b_ih (B, H); state {hidden} (B, H)."""
        pre = x_proj_t + self._recurrent_terms(state["hidden"])
        return dict(hidden=clamp("hidden", self.act(pre)), pre_hidden=pre)

    def _recompute(self, x, h_prev, c0):
        pre = self._input_terms(x) + self._recurrent_terms(h_prev)
        return dict(hidden=self.act(pre), pre_hidden=pre)

    def _backward_from_pre(self, a, grad_pre, grad_out):
        return dict(grad_hidden=grad_out + _next(grad_pre) @ self.weight_hh)
