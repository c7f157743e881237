"""The TorchScript kernels of the trainable LSTM variants (lstm_core.variants.VariantLSTM).

``_variant_forward`` runs the whole sequence with no autograd graph and keeps what the backward
needs; ``_variant_backward`` is backpropagation through time written out for every variant (the
derivatives of the equations in lstm_core.variants); ``VariantFunction`` joins them into one
autograd node. ``variant_step`` is one step, also used under autograd for the trainer's per-step
gradient probe and (in tests) as the reference the written-out backward is checked against.
The variant is described by ``rows``, the block index of i, f, g, o in the weights (-1 = absent),
and three flags (coupled, input_act, output_act); peepholes and gate recurrence are optional tensors.
"""
from __future__ import annotations

from typing import List, Optional, Tuple

import torch

Tensor = torch.Tensor


@torch.jit.script
def _gate(pre: Tensor, row: int, peep: Optional[Tensor], c: Tensor) -> Tensor:
    """sigmoid(block `row` of pre + peep * c): one sigmoid gate with its optional peephole."""
    H = c.shape[1]
    p = pre[:, row * H:(row + 1) * H]
    if peep is not None:
        p = p + peep * c
    return torch.sigmoid(p)


@torch.jit.script
def variant_step(pre: Tensor, c: Tensor, gprev: Optional[Tensor], p_i: Optional[Tensor],
                  p_f: Optional[Tensor], p_o: Optional[Tensor], gate_rec: Optional[Tensor],
                  rows: List[int], coupled: bool, input_act: bool, output_act: bool
                  ) -> Tuple[Tensor, Tensor, Tensor, Tensor, Tensor]:
    """One step from pre = W x_t + b + R h_{t-1} (B, G*H). rows: block index of i, f, g, o (-1 = absent).
    Returns h_t, c_t, the sigmoid gates present concatenated (i, f, o order; FGR's next gprev),
    the block input z_t and act(c_t)."""
    H = c.shape[1]
    if gate_rec is not None and gprev is not None:
        # FGR: every present sigmoid gate gets the previous gates' contribution
        rec = gprev @ gate_rec.t()
        k = 0
        parts: List[Tensor] = []
        for r in range(pre.shape[1] // H):
            blk = pre[:, r * H:(r + 1) * H]
            if r != rows[2]:
                blk = blk + rec[:, k * H:(k + 1) * H]
                k += 1
            parts.append(blk)
        pre = torch.cat(parts, 1)
    z = pre[:, rows[2] * H:(rows[2] + 1) * H]
    if input_act:
        z = torch.tanh(z)
    gates: List[Tensor] = []
    if rows[0] >= 0:
        i = _gate(pre, rows[0], p_i, c)
        gates.append(i)
        drive = i * z
    else:
        i = z
        drive = z
    if coupled:
        c_new = c + i * (z - c)                      # (1 - i) c + i z
    elif rows[1] >= 0:
        f = _gate(pre, rows[1], p_f, c)
        gates.append(f)
        c_new = f * c + drive
    else:
        c_new = c + drive
    a = torch.tanh(c_new) if output_act else c_new
    out = a
    if rows[3] >= 0:
        o = _gate(pre, rows[3], p_o, c_new)
        gates.append(o)
        out = o * a
    g_cat = torch.cat(gates, 1) if len(gates) > 0 else c_new[:, :0]
    return out, c_new, g_cat, z, a


@torch.jit.script
def _variant_forward(xp: Tensor, h: Tensor, c: Tensor, w_hh: Tensor, p_i: Optional[Tensor],
                     p_f: Optional[Tensor], p_o: Optional[Tensor], gate_rec: Optional[Tensor],
                     rows: List[int], coupled: bool, input_act: bool, output_act: bool
                     ) -> Tuple[Tensor, Tensor, Tensor, Tensor, Tensor]:
    """xp (B, T, G*H) = W x + b_ih + b_hh for every step -> output h (B, T, H), cells c (B, T, H),
    gates (B, T, S*H), block inputs z (B, T, H), act(c) (B, T, H): what the backward needs."""
    hs: List[Tensor] = []
    cs: List[Tensor] = []
    gs: List[Tensor] = []
    zs: List[Tensor] = []
    acts: List[Tensor] = []
    gprev: Optional[Tensor] = None
    w_t = w_hh.t()
    for t in range(xp.shape[1]):
        h, c, g, z, a = variant_step(xp[:, t] + h @ w_t, c, gprev, p_i, p_f, p_o, gate_rec,
                                      rows, coupled, input_act, output_act)
        if gate_rec is not None:
            gprev = g
        hs.append(h)
        cs.append(c)
        gs.append(g)
        zs.append(z)
        acts.append(a)
    return torch.stack(hs, 1), torch.stack(cs, 1), torch.stack(gs, 1), torch.stack(zs, 1), torch.stack(acts, 1)


@torch.jit.script
def _variant_backward(g_out: Tensor, g_hn: Tensor, g_cn: Tensor, h0: Tensor, c0: Tensor, hs: Tensor,
                      cs: Tensor, gates: Tensor, zs: Tensor, acts: Tensor, w_hh: Tensor,
                      p_i: Optional[Tensor], p_f: Optional[Tensor], p_o: Optional[Tensor],
                      gate_rec: Optional[Tensor], rows: List[int], coupled: bool, input_act: bool,
                      output_act: bool) -> List[Optional[Tensor]]:
    """Backpropagation through time of _variant_forward, written out (one pass, no autograd graph).
    Returns the gradients of xp, h0, c0, w_hh, p_i, p_f, p_o, gate_rec (None where absent)."""
    T, H = g_out.shape[1], g_out.shape[2]
    has_i, has_f, has_o = rows[0] >= 0, rows[1] >= 0, rows[3] >= 0
    ki, kf = 0, int(has_i)
    ko = int(has_i) + int(has_f)
    dh = g_hn
    dc_next = g_cn
    carry = torch.zeros_like(gates[:, 0])               # dL/d(gates_t) through FGR at t+1
    dpres: List[Tensor] = []
    dsigs: List[Tensor] = []
    for t in range(T - 1, -1, -1):
        dh = dh + g_out[:, t]
        g, a, z = gates[:, t], acts[:, t], zs[:, t]
        c_prev = cs[:, t - 1] if t > 0 else c0
        dpo = dh[:, :0]
        if has_o:
            o = g[:, ko * H:(ko + 1) * H]
            dpo = (dh * a + carry[:, ko * H:(ko + 1) * H]) * (o * (1 - o))
            da = dh * o
        else:
            da = dh
        dc = dc_next + (da * (1 - a * a) if output_act else da)
        if p_o is not None:
            dc = dc + dpo * p_o
        dz = dc
        dc_next = dc                                    # no forget gate: c_t = c_{t-1} + ...
        dpi = dh[:, :0]
        dpf = dh[:, :0]
        if has_i:
            i = g[:, ki * H:(ki + 1) * H]
            di = dc * z + carry[:, ki * H:(ki + 1) * H]
            dz = dc * i
            if coupled:                                 # f = 1 - i
                di = di - dc * c_prev
                dc_next = dc * (1 - i)
            dpi = di * (i * (1 - i))
        if has_f:
            f = g[:, kf * H:(kf + 1) * H]
            dpf = (dc * c_prev + carry[:, kf * H:(kf + 1) * H]) * (f * (1 - f))
            dc_next = dc * f
        if p_i is not None:
            dc_next = dc_next + dpi * p_i
        if p_f is not None:
            dc_next = dc_next + dpf * p_f
        dpg = dz * (1 - z * z) if input_act else dz
        sig: List[Tensor] = []               # the sigmoid gates' pre-activation gradients, i f o order
        if has_i:
            sig.append(dpi)
        if has_f:
            sig.append(dpf)
        n_if = len(sig)
        if has_o:
            sig.append(dpo)
        dpre = torch.cat(sig[:n_if] + [dpg] + sig[n_if:], 1)      # the weights' row order: i, f, g, o
        dpres.append(dpre)
        dh = dpre @ w_hh
        if gate_rec is not None:
            dsig = torch.cat(sig, 1)
            dsigs.append(dsig)
            carry = dsig @ gate_rec
    dpres.reverse()
    dpre_all = torch.stack(dpres, 1)                                    # (B, T, G*H)
    h_prev = torch.cat([h0[:, None], hs[:, :-1]], 1)
    c_prev_all = torch.cat([c0[:, None], cs[:, :-1]], 1)
    d_whh = torch.einsum("btr,bth->rh", dpre_all, h_prev)
    d_pi: Optional[Tensor] = None
    d_pf: Optional[Tensor] = None
    d_po: Optional[Tensor] = None
    d_rec: Optional[Tensor] = None
    if p_i is not None:
        d_pi = (dpre_all[:, :, rows[0] * H:(rows[0] + 1) * H] * c_prev_all).sum([0, 1])
    if p_f is not None:
        d_pf = (dpre_all[:, :, rows[1] * H:(rows[1] + 1) * H] * c_prev_all).sum([0, 1])
    if p_o is not None:
        d_po = (dpre_all[:, :, rows[3] * H:(rows[3] + 1) * H] * cs).sum([0, 1])
    if gate_rec is not None and T > 1:
        dsigs.reverse()
        dsig_all = torch.stack(dsigs, 1)
        d_rec = torch.einsum("btr,bts->rs", dsig_all[:, 1:], gates[:, :-1])
    elif gate_rec is not None:
        d_rec = torch.zeros_like(gate_rec)
    return [dpre_all, dh, dc_next, d_whh, d_pi, d_pf, d_po, d_rec]


class VariantFunction(torch.autograd.Function):
    """The variant's whole sequence as one autograd node: scripted forward, scripted BPTT."""

    @staticmethod
    def forward(ctx, xp, h0, c0, w_hh, p_i, p_f, p_o, gate_rec, config):
        hs, cs, gates, zs, acts = _variant_forward(xp, h0, c0, w_hh, p_i, p_f, p_o, gate_rec, *config)
        ctx.config = config
        ctx.save_for_backward(h0, c0, hs, cs, gates, zs, acts, w_hh, p_i, p_f, p_o, gate_rec)
        return hs, hs[:, -1], cs[:, -1]

    @staticmethod
    def backward(ctx, g_out, g_hn, g_cn):
        h0, c0, hs, cs, gates, zs, acts, w_hh, p_i, p_f, p_o, gate_rec = ctx.saved_tensors
        zero = torch.zeros_like(h0)
        grads = _variant_backward(g_out if g_out is not None else torch.zeros_like(hs),
                                  zero if g_hn is None else g_hn, zero if g_cn is None else g_cn,
                                  h0, c0, hs, cs, gates, zs, acts, w_hh, p_i, p_f, p_o, gate_rec, *ctx.config)
        return (*grads, None)


def warm() -> None:
    """Run the scripted time loop once on a 3-step input of each dtype. TorchScript profiles the first call
    of a function for each dtype and optimizes it from then on; paid on a long stream, that first call costs
    ~0.4 s more, against ~20 ms here."""
    for dtype in (torch.float32, torch.float64):
        H, rows = 2, [0, 1, 2, 3]
        xp = torch.zeros(1, 3, 4 * H, dtype=dtype)
        h = torch.zeros(1, H, dtype=dtype)
        _variant_forward(xp, h, h, torch.zeros(4 * H, H, dtype=dtype), None, None, None, None, rows, False, True, True)
