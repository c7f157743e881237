"""The GlassLSTM (see lstm_core.cells.base for the machinery it shares)."""

from __future__ import annotations

import numpy as np
import torch
from torch import nn

from .base import ALL_STEPS, _GlassCell, _np, _scalar_loss, _scan


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

    def _fusable(self, want_grad):
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

    def _fused(self, x, h0, c0, loss_fn, loss_step, interventions):
        """Torch's fused LSTM for the recurrence (no autograd through it), the gates recomputed from its hidden
        states, and the gradients by backpropagation through time over those gates (_bptt), from the loss's
        direct dL/dh_t. The other cells widen the module by a probe as wide as the gates so that autograd
        returns dL/d(pre-activation); for the LSTM that probe cost ~1 GFLOP in float64 at T = 1000, H = 256
        (231 ms, against 76 ms this way). The tests hold both to autograd on the step-by-step loop."""
        weights = [self.weight_ih, self.weight_hh, self.bias_ih, self.bias_hh]
        with torch.no_grad():
            out = torch.lstm(x, (h0[None], c0[None]), weights, True, 1, 0.0, False, False, True)[0]
            h_prev = torch.cat([h0[:, None], out[:, :-1]], 1)                    # (B, T, H)
            arrays = self._recompute(x, h_prev, c0)
        loss = None
        if loss_fn is not None:
            out = out.detach().requires_grad_(True)
            with torch.enable_grad():
                loss_t = _scalar_loss(loss_fn, out if loss_step == ALL_STEPS else out[:, loss_step])
                (grad_out,) = torch.autograd.grad(loss_t, [out])                 # direct dL/dh_t, (B, T, H)
            loss = float(loss_t.detach())
            arrays.update(self._bptt(arrays, grad_out, c0))
        return {k: _np(v) for k, v in arrays.items()}, loss

    def _bptt(self, a, grad_out, c0):
        """Total dL/dh_t and dL/dc_t (B, T, H), from the direct dL/dh_t, backwards through time:

            dh_t   = direct_t + W_hh^T dpre_{t+1}                   (every gate at t+1 read h_t)
            dc_t   = dh_t o_t (1 - tanh^2 c_t) + dc_{t+1} f_{t+1}
            dpre_t = [dc_t g_t i_t(1-i_t), dc_t c_{t-1} f_t(1-f_t), dc_t i_t (1-g_t^2), dh_t tanh(c_t) o_t(1-o_t)]

        Time-major NumPy: T small steps are cheaper there than in torch (as in _scan)."""
        tm = lambda t: t.detach().numpy().transpose(1, 0, 2)                         # (B, T, H) -> (T, B, H)
        i, f, g, o, cell = (tm(a[k]) for k in ("input_gate", "forget_gate", "candidate", "output_gate", "cell"))
        direct = tm(grad_out)
        c_prev = np.concatenate([c0.detach().numpy()[None], cell[:-1]], 0)
        f_next = np.concatenate([f[1:], np.zeros_like(f[:1])], 0)
        tanh_c = np.tanh(cell)
        to_cell = o * (1 - tanh_c ** 2)                                              # dh -> dc
        from_cell = np.stack([g * i * (1 - i), c_prev * f * (1 - f), i * (1 - g ** 2)], 2)  # dc -> dpre_i,f,g
        from_hidden = tanh_c * o * (1 - o)                                          # dh -> dpre_o
        W = self.weight_hh.detach().numpy()                                          # (4H, H)
        T, B, H = cell.shape
        dh_all, dc_all = np.empty_like(cell), np.empty_like(cell)
        dpre = np.zeros((B, 4, H), dtype=cell.dtype)                                # dpre_{t+1}, then dpre_t
        dpre_rows = dpre.reshape(B, 4 * H)                                           # the same memory, gate rows
        dc = np.zeros((B, H), dtype=cell.dtype)
        for t in range(T - 1, -1, -1):
            dh = direct[t] + dpre_rows @ W
            dc = dh * to_cell[t] + dc * f_next[t]
            np.multiply(from_cell[t], dc[:, None], out=dpre[:, :3])
            np.multiply(dh, from_hidden[t], out=dpre[:, 3])
            dh_all[t], dc_all[t] = dh, dc
        back = lambda arr: torch.from_numpy(np.ascontiguousarray(arr.transpose(1, 0, 2)))
        return dict(grad_hidden=back(dh_all), grad_cell=back(dc_all))
