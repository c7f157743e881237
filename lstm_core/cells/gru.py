"""The GlassGRU (see lstm_core.cells.base for the machinery it shares)."""

from __future__ import annotations

import torch
from torch import nn

from .base import _GlassCell, _scan, _next


# ----------------------------------------------------------------------------- GRU


class GlassGRU(_GlassCell):
    """The GRU exactly as torch.nn.GRU computes it, gate order r, z, n:

        r_t = sigmoid(W_ir x_t + b_ir + W_hr h_{t-1} + b_hr)          reset gate
        z_t = sigmoid(W_iz x_t + b_iz + W_hz h_{t-1} + b_hz)          update gate
        n_t = tanh(W_in x_t + b_in + r_t * (W_hn h_{t-1} + b_hn))     candidate (reset after W_hn h)
        h_t = (1 - z_t) * n_t + z_t * h_{t-1}
    """

    arch = "gru"
    gates = ("reset_gate", "update_gate", "candidate")
    targets = gates + ("hidden",)
    n_chunks = 3
    torch_class = nn.GRU

    @classmethod
    def from_torch(cls, m: nn.GRU) -> "GlassGRU":
        cls._check_module(m)
        cell = cls(m.input_size, m.hidden_size, dtype=m.weight_ih_l0.dtype)
        return cell._load_from(m)

    def step(self, x_proj_t, state, clamp):
        """One step. x_proj_t = W_ih x_t + b_ih (B, 3H); state {hidden} (B, H)."""
        h = state["hidden"]
        x_r, x_z, x_n = x_proj_t.chunk(3, dim=-1)
        h_r, h_z, h_n = self._recurrent_terms(h).chunk(3, dim=-1)
        reset_gate = clamp("reset_gate", torch.sigmoid(x_r + h_r))
        update_gate = clamp("update_gate", torch.sigmoid(x_z + h_z))
        pre_n = x_n + reset_gate * h_n
        candidate = clamp("candidate", torch.tanh(pre_n))
        hidden = clamp("hidden", (1 - update_gate) * candidate + update_gate * h)
        return dict(reset_gate=reset_gate, update_gate=update_gate, candidate=candidate, hidden=hidden,
                    pre_reset_gate=x_r + h_r, pre_update_gate=x_z + h_z, pre_candidate=pre_n)

    def _recompute(self, x, h_prev, c0):
        x_r, x_z, x_n = self._input_terms(x).chunk(3, dim=-1)
        h_r, h_z, h_n = self._recurrent_terms(h_prev).chunk(3, dim=-1)
        r, z = torch.sigmoid(x_r + h_r), torch.sigmoid(x_z + h_z)
        pre_n = x_n + r * h_n
        n = torch.tanh(pre_n)
        return dict(reset_gate=r, update_gate=z, candidate=n, hidden=(1 - z) * n + z * h_prev,
                    pre_reset_gate=x_r + h_r, pre_update_gate=x_z + h_z, pre_candidate=pre_n)

    def _backward_from_pre(self, a, grad_pre, grad_out):
        # grad_pre = dL/d(input part of r, z, n pre-activations) = dL/dpre_r, dL/dpre_z, dL/dpre_n
        g_r, g_z, g_n = grad_pre.chunk(3, dim=-1)
        W_hr, W_hz, W_hn = self.weight_hh.chunk(3, dim=0)
        # h_{t-1} feeds r_t, z_t (via W_hr, W_hz), n_t (via r_t * W_hn) and h_t directly (times z_t)
        through_gates = g_r @ W_hr + g_z @ W_hz + (g_n * a["reset_gate"]) @ W_hn
        grad_hidden = _scan(grad_out + _next(through_gates), a["update_gate"], reverse=True)
        return dict(grad_hidden=grad_hidden)
