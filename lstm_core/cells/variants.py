"""The LSTM variants of Greff et al. 2017 ("LSTM: A Search Space Odyssey"), trainable and glass.

Greff's vanilla LSTM (V) is the LSTM with peepholes; each variant changes one thing:

    z_t = g(W_z x_t + R_z h_{t-1} + b_z)                           block input (candidate), g = tanh
    i_t = sigmoid(W_i x_t + R_i h_{t-1} + p_i * c_{t-1} + b_i)     input gate
    f_t = sigmoid(W_f x_t + R_f h_{t-1} + p_f * c_{t-1} + b_f)     forget gate
    c_t = f_t * c_{t-1} + i_t * z_t
    o_t = sigmoid(W_o x_t + R_o h_{t-1} + p_o * c_t + b_o)         output gate
    h_t = o_t * act(c_t)                                           act = tanh

    NIG  no input gate           i_t = 1
    NFG  no forget gate          f_t = 1   (the 1997 cell, here with Greff's peepholes)
    NOG  no output gate          o_t = 1
    NIAF no input activation     g(x) = x
    NOAF no output activation    act(x) = x
    NP   no peepholes            p = 0: exactly torch.nn.LSTM (same weight layout)
    CIFG coupled input-forget    f_t = 1 - i_t (no forget-gate weights)
    FGR  full gate recurrence    i, f, o also see i_{t-1}, f_{t-1}, o_{t-1} through a (3H, 3H)
                                 matrix (9 extra H x H blocks; the previous gates are 0 at t = 0)

Weights are held in torch's layout and order (rows i, f, g, o), with the rows of an absent gate
left out, so every parameter counted is one the variant uses. ``VariantLSTM`` trains (its time
loop is TorchScript with a written-out backward, lstm_core.variant_kernels; bench/bench_variants.py
measured it against torch.compile);
``GlassVariant`` is the same cell in the glass core (a GlassLSTM whose ``step`` follows the spec),
loaded from a trained module with ``GlassVariant.from_torch``.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Tuple

import torch
from torch import nn

from lstm_core.cells.lstm import GlassLSTM
from lstm_core.cells.base import unclamped
from lstm_core.cells.variant_kernels import VariantFunction, _variant_forward, variant_step

Tensor = torch.Tensor


@dataclass(frozen=True)
class VariantSpec:
    """Which parts of Greff's vanilla LSTM a variant keeps."""
    name: str
    description: str
    input_gate: bool = True
    forget_gate: bool = True
    output_gate: bool = True
    input_activation: bool = True
    output_activation: bool = True
    peephole: bool = True
    coupled: bool = False            # CIFG: f = 1 - i
    full_recurrence: bool = False    # FGR: gates see the previous step's gates

    def __post_init__(self):
        if self.coupled and not (self.input_gate and self.forget_gate):
            raise ValueError("a coupled input-forget gate needs both gates")

    @property
    def rows(self) -> Tuple[str, ...]:
        """The weight-row blocks present, in torch's order i, f, g, o."""
        keep = dict(i=self.input_gate, f=self.forget_gate and not self.coupled, g=True, o=self.output_gate)
        return tuple(k for k, v in keep.items() if v)

    @property
    def recurrent_gates(self) -> Tuple[str, ...]:
        """The sigmoid gates with their own weights (the ones FGR feeds back)."""
        return tuple(k for k in self.rows if k != "g")

    @property
    def peepholes(self) -> Tuple[str, ...]:
        return tuple("p_" + k for k in self.recurrent_gates) if self.peephole else ()

    def n_params(self, input_size: int, hidden_size: int) -> int:
        """Parameters of the VariantLSTM: weights and both biases of every present row block, the
        peepholes and (FGR) the gate-recurrence matrix."""
        G, S, H = len(self.rows), len(self.recurrent_gates), int(hidden_size)
        return (G * H * (int(input_size) + H + 2) + len(self.peepholes) * H
                + ((S * H) ** 2 if self.full_recurrence else 0))

    @property
    def is_torch_lstm(self) -> bool:
        """True when the equations are exactly torch.nn.LSTM's."""
        return self == VariantSpec(self.name, self.description, peephole=False)


VARIANTS = {s.name: s for s in (
    VariantSpec("V", "vanilla: LSTM with forget gate and peepholes"),
    VariantSpec("NIG", "no input gate", input_gate=False),
    VariantSpec("NFG", "no forget gate (the 1997 cell)", forget_gate=False),
    VariantSpec("NOG", "no output gate", output_gate=False),
    VariantSpec("NIAF", "no input activation function", input_activation=False),
    VariantSpec("NOAF", "no output activation function", output_activation=False),
    VariantSpec("NP", "no peepholes (torch.nn.LSTM)", peephole=False),
    VariantSpec("CIFG", "coupled input and forget gate, f = 1 - i", coupled=True),
    VariantSpec("FGR", "full gate recurrence", full_recurrence=True),
)}
ARCH_PREFIX = "lstm_"
VARIANT_ARCHS = tuple(ARCH_PREFIX + name.lower() for name in VARIANTS)


def spec_for_arch(arch: str) -> VariantSpec:
    """'lstm_cifg' -> VARIANTS['CIFG']; ValueError for anything else."""
    if arch not in VARIANT_ARCHS:
        raise ValueError(f"not an LSTM variant: {arch!r}; choose from {VARIANT_ARCHS}")
    return VARIANTS[arch[len(ARCH_PREFIX):].upper()]


class VariantLSTM(nn.Module):
    """A trainable Greff variant with nn.LSTM's interface (batch_first only):
    x (B, T, I) -> (output (B, T, H), (h_n (1, B, H), c_n (1, B, H))). Parameter names follow
    nn.LSTM (weight_ih_l0 ...) plus peephole_i/_f/_o (H,) and gate_rec_l0 (FGR). torch's default
    init, U(-1/sqrt(H), 1/sqrt(H)), for every weight."""

    num_layers = 1
    bidirectional = False
    bias = True
    batch_first = True

    def __init__(self, input_size: int, hidden_size: int, variant: str | VariantSpec = "V", *,
                 dtype=None):
        super().__init__()
        self.spec = VARIANTS[variant] if isinstance(variant, str) else variant
        self.input_size, self.hidden_size = int(input_size), int(hidden_size)
        G, H = len(self.spec.rows), self.hidden_size
        kw = dict(dtype=dtype)
        self.weight_ih_l0 = nn.Parameter(torch.empty(G * H, self.input_size, **kw))
        self.weight_hh_l0 = nn.Parameter(torch.empty(G * H, H, **kw))
        self.bias_ih_l0 = nn.Parameter(torch.empty(G * H, **kw))
        self.bias_hh_l0 = nn.Parameter(torch.empty(G * H, **kw))
        for name in ("p_i", "p_f", "p_o"):
            present = name in self.spec.peepholes
            self.register_parameter("peephole_" + name[-1], nn.Parameter(torch.empty(H, **kw)) if present else None)
        S = len(self.spec.recurrent_gates)
        self.gate_rec_l0 = nn.Parameter(torch.empty(S * H, S * H, **kw)) if self.spec.full_recurrence else None
        self._rows = [self.spec.rows.index(k) if k in self.spec.rows else -1 for k in "ifgo"]
        self.reset_parameters()

    def reset_parameters(self):
        k = 1.0 / math.sqrt(self.hidden_size)
        for p in self.parameters():
            nn.init.uniform_(p, -k, k)

    def extra_repr(self):
        return f"{self.input_size}, {self.hidden_size}, variant={self.spec.name}"

    def _args(self):
        return (self.peephole_i, self.peephole_f, self.peephole_o, self.gate_rec_l0, self._rows,
                self.spec.coupled, self.spec.input_activation, self.spec.output_activation)

    def _start(self, x, hx):
        B, H = x.shape[0], self.hidden_size
        if hx is None:
            z = x.new_zeros(B, H)
            return z, z
        return hx[0][0], hx[1][0]

    def _input_terms(self, x: Tensor) -> Tensor:
        """W x_t + b_ih + b_hh for every step: (B, T, I) -> (B, T, G*H)."""
        if x.dim() != 3:
            raise ValueError(f"input must be (batch, time, input_size), got {tuple(x.shape)}")
        return x @ self.weight_ih_l0.t() + (self.bias_ih_l0 + self.bias_hh_l0)

    def forward(self, x: Tensor, hx=None):
        h, c = self._start(x, hx)
        a = self._args()
        out, h, c = VariantFunction.apply(self._input_terms(x), h, c, self.weight_hh_l0, *a[:4], a[4:])
        return out, (h[None], c[None])

    @torch.no_grad()
    def states(self, x: Tensor, hx=None) -> Tuple[Tensor, Tensor]:
        """Every h_t and every c_t, (B, T, H) each, by the scripted time loop, without autograd."""
        h, c = self._start(x, hx)
        hs, cs, _, _, _ = _variant_forward(self._input_terms(x), h, c, self.weight_hh_l0, *self._args())
        return hs, cs

    def unrolled_states(self, x: Tensor) -> Tuple[list, list]:
        """Every h_t and c_t as separate autograd nodes (lists of T tensors (B, H)), so
        torch.autograd.grad(loss, hs) gives the total dL/dh_t (the trainer's gradient probe)."""
        h, c = self._start(x, None)
        xp = self._input_terms(x)
        hs, cs, gprev = [], [], None
        for t in range(x.shape[1]):
            h, c, g, _, _ = variant_step(xp[:, t] + h @ self.weight_hh_l0.t(), c, gprev, *self._args())
            gprev = g if self.gate_rec_l0 is not None else None
            hs.append(h)
            cs.append(c)
        return hs, cs


def make_recurrent(arch: str, input_size: int, hidden_size: int) -> VariantLSTM:
    """The trainer's hook: the recurrent module for a variant arch name ('lstm_cifg' ...)."""
    return VariantLSTM(input_size, hidden_size, spec_for_arch(arch))


# ----------------------------------------------------------------------------- the glass cell


class GlassVariant(GlassLSTM):
    """A Greff variant in the glass core. The trace has every LSTM field (input_gate,
    forget_gate, candidate, output_gate, cell, hidden, grad_hidden, grad_cell); a gate the
    variant lacks is traced as the constant it is (1, or 1 - i for CIFG's forget gate).
    Without a loss (no gradients to trace) its fused path runs the recurrence by the trained module's
    scripted time loop and recomputes every gate from those states in one ``step`` over all steps; NP,
    which is torch's LSTM, takes torch's fused path, with gradients too. FGR's gates depend on the
    previous gates, so FGR always takes the loop."""

    def __init__(self, input_size, hidden_size, variant: str | VariantSpec = "V", *,
                 dtype=torch.float32, seed=None):
        self.spec = VARIANTS[variant] if isinstance(variant, str) else variant
        self.n_chunks = len(self.spec.rows)
        super().__init__(input_size, hidden_size, dtype=dtype, seed=seed,
                         forget_gate=self.spec.forget_gate, peephole=False)
        gen = torch.Generator().manual_seed(seed + 1) if seed is not None else None
        k = 1.0 / math.sqrt(self.hidden_size)

        def uniform(*shape):
            return (torch.rand(*shape, generator=gen, dtype=torch.float64) * 2 * k - k).to(dtype)

        self.peepholes = {name: uniform(self.hidden_size) for name in self.spec.peepholes}
        S = len(self.spec.recurrent_gates)
        self.gate_rec = uniform(S * self.hidden_size, S * self.hidden_size) if self.spec.full_recurrence else None

    @property
    def variant(self) -> str:
        return self.spec.name

    def parameters(self):
        p = super().parameters()
        p.update(self.peepholes)
        if self.gate_rec is not None:
            p["gate_rec"] = self.gate_rec
        return p

    def _fusable(self, want_grad):
        return self.spec.is_torch_lstm or not (want_grad or self.spec.full_recurrence)

    def _fused(self, x, h0, c0, loss_fn, loss_step, interventions):
        """NP: torch's fused LSTM. Any other variant (no loss): h_t and c_t from the scripted loop, then
        every step's gates at once from (h_{t-1}, c_{t-1}) by the glass equations (``step`` broadcasts over
        time), so the trace holds the glass core's gates, as on the loop path."""
        if self.spec.is_torch_lstm:
            return super()._fused(x, h0, c0, loss_fn, loss_step, interventions)
        hs, cs = self.to_torch().states(x, (h0[None], c0[None]))
        previous = {"hidden": torch.cat([h0[:, None], hs[:, :-1]], 1), "cell": torch.cat([c0[:, None], cs[:, :-1]], 1)}
        with torch.no_grad():
            arrays = self.step(self._input_terms(x), previous, unclamped)
        return {k: v.numpy() for k, v in arrays.items()}, None

    @classmethod
    def from_torch(cls, m: VariantLSTM) -> "GlassVariant":
        if not isinstance(m, VariantLSTM):
            raise ValueError(f"GlassVariant.from_torch needs a VariantLSTM, got {type(m).__name__}")
        cell = cls(m.input_size, m.hidden_size, m.spec, dtype=m.weight_ih_l0.dtype)
        cell._load_from(m)
        cell.peepholes = {name: getattr(m, "peephole_" + name[-1]).detach().clone() for name in m.spec.peepholes}
        if m.gate_rec_l0 is not None:
            cell.gate_rec = m.gate_rec_l0.detach().clone()
        return cell

    def to_torch(self) -> VariantLSTM:
        m = VariantLSTM(self.input_size, self.hidden_size, self.spec, dtype=self.dtype)
        with torch.no_grad():
            self._copy_into(m)
            for name, w in self.peepholes.items():
                getattr(m, "peephole_" + name[-1]).copy_(w)
            if self.gate_rec is not None:
                m.gate_rec_l0.copy_(self.gate_rec)
        return m

    def step(self, x_proj_t, state, clamp):
        """One step of the variant; the same names as GlassLSTM.step (plus the FGR gate memory)."""
        s, H = self.spec, self.hidden_size
        h, c = state["hidden"], state["cell"]
        pre = dict(zip(s.rows, (x_proj_t + h @ self.weight_hh.T + self.bias_hh).split(H, dim=-1)))
        if self.gate_rec is not None and "input_gate" in state:   # FGR, from the second step on
            prev = torch.cat([state[_GATE[k]] for k in s.recurrent_gates], -1)
            rec = dict(zip(s.recurrent_gates, (prev @ self.gate_rec.T).split(H, dim=-1)))
            pre.update({k: pre[k] + rec[k] for k in s.recurrent_gates})
        for k in ("i", "f"):
            if "p_" + k in self.peepholes:
                pre[k] = pre[k] + self.peepholes["p_" + k] * c
        one = torch.ones_like(c)
        candidate = clamp("candidate", torch.tanh(pre["g"]) if s.input_activation else pre["g"])
        input_gate = clamp("input_gate", torch.sigmoid(pre["i"]) if s.input_gate else one)
        forget_gate = (1 - input_gate) if s.coupled else torch.sigmoid(pre["f"]) if s.forget_gate else one
        forget_gate = clamp("forget_gate", forget_gate)
        cell = clamp("cell", forget_gate * c + input_gate * candidate)
        if "p_o" in self.peepholes:
            pre["o"] = pre["o"] + self.peepholes["p_o"] * cell
        output_gate = clamp("output_gate", torch.sigmoid(pre["o"]) if s.output_gate else one)
        hidden = clamp("hidden", output_gate * (torch.tanh(cell) if s.output_activation else cell))
        out = dict(input_gate=input_gate, forget_gate=forget_gate, candidate=candidate, output_gate=output_gate,
                   cell=cell, hidden=hidden)
        out.update({"pre_" + _GATE[k]: v for k, v in pre.items()})
        return out


_GATE = dict(i="input_gate", f="forget_gate", g="candidate", o="output_gate")
