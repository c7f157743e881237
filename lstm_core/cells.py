"""Glass-box recurrent cells: LSTM, Elman RNN and GRU, every intermediate visible.

Each cell holds its weights in PyTorch's own layout, so a trained ``nn.LSTM`` / ``nn.RNN`` /
``nn.GRU`` loads in with ``from_torch`` and goes back out with ``to_torch``. ``cell.trace(x)``
runs a sequence and returns every gate, state and (with ``loss_fn``) the *total* gradient of the
loss with respect to every hidden and cell state, shaped ``(batch, time, hidden)``.

Two ways to compute a trace, both exact to float precision (tests prove it):

* ``loop`` — the equations below, one step at a time, in torch, with autograd taking the
  gradients (``torch.autograd.grad`` on each h_t and c_t). Needed for interventions (clamped
  gates, ablated units), peepholes and the 1997 LSTM, which the fused modules cannot express.
* ``fused`` — the fast path for plain cells. Torch's fused module runs the recurrence; its
  input is widened by an all-zero "probe" channel ``e_t`` that adds straight onto the gate
  pre-activations (weight = identity), so autograd on the fused module hands back
  dL/d(pre-activation_t) for every step. From those, dL/dh_t = dL/dpre_{t+1} · W_hh (+ the loss's
  own term), and the gates are recomputed for all steps in one matmul from the fused hidden
  states. Same numbers, ~10x fewer Python steps.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
from torch import nn

Tensor = torch.Tensor


# ----------------------------------------------------------------------------- interventions


@dataclass(frozen=True)
class Clamp:
    """Hold ``target`` (a gate or state name) at ``value`` for ``units`` at ``steps``.

    ``units`` / ``steps`` are lists of ints, or None for all. Examples:
    ``Clamp("forget_gate", 1.0)`` (never forget), ``Clamp("cell", 0.0, units=[7])`` (ablate unit 7).
    """

    target: str
    value: float
    units: tuple | None = None
    steps: tuple | None = None

    def __post_init__(self):
        value = float(self.value)
        if not np.isfinite(value):
            raise ValueError(f"clamp value for {self.target} must be finite, got {self.value}")
        object.__setattr__(self, "value", value)
        for name in ("units", "steps"):
            v = getattr(self, name)
            if v is not None:
                object.__setattr__(self, name, tuple(int(i) for i in np.atleast_1d(v)))


def ablate(units, steps=None, target: str = "cell") -> Clamp:
    """Zero ``units`` of ``target`` (default the cell state) at ``steps`` (None = all)."""
    return Clamp(target, 0.0, units, steps)


# ----------------------------------------------------------------------------- the trace


class Trace:
    """Everything a cell computed on one input. Arrays are NumPy, shaped (batch, time, hidden).

    Attribute access: ``trace.forget_gate``, ``trace.grad_hidden`` ... ``trace.names()`` lists them.
    ``loss`` (float or None), ``h_n`` / ``c_n`` (batch, hidden) final states, ``kind``.
    """

    def __init__(self, kind: str, arrays: dict, loss=None, loss_step=None):
        self.kind = kind
        self._arrays = arrays
        self.loss = loss
        self.loss_step = loss_step

    def __getattr__(self, name):
        arrays = self.__dict__.get("_arrays", {})
        if name in arrays:
            return arrays[name]
        raise AttributeError(f"{self.__dict__.get('kind', '?')} trace has no '{name}' (has: {sorted(arrays)})")

    def names(self) -> list[str]:
        return list(self._arrays)

    def as_dict(self) -> dict:
        return dict(self._arrays)

    @property
    def h_n(self) -> np.ndarray:
        return self._arrays["hidden"][:, -1]

    @property
    def c_n(self) -> np.ndarray:
        return self._arrays["cell"][:, -1]

    @property
    def batch(self) -> int:
        return self._arrays["hidden"].shape[0]

    @property
    def steps(self) -> int:
        return self._arrays["hidden"].shape[1]

    def __repr__(self):
        shape = self._arrays["hidden"].shape
        return f"Trace({self.kind}, (batch, time, hidden)={shape}, fields={self.names()})"


# ----------------------------------------------------------------------------- shared machinery


class _GlassCell:
    """What every glass cell shares: weights, input checks, interventions, the two trace paths."""

    kind = "?"
    gates: tuple[str, ...] = ()       # names of the per-step gate values, in torch's row order
    targets: tuple[str, ...] = ()     # what a Clamp may hold
    n_chunks = 1                      # rows of weight_ih per hidden unit (4 LSTM, 3 GRU, 1 RNN)
    torch_class = nn.Module

    def __init__(self, input_size: int, hidden_size: int, *, dtype=torch.float32, seed=None):
        if int(input_size) < 1 or int(hidden_size) < 1:
            raise ValueError(f"input_size and hidden_size must be >= 1, got {input_size}, {hidden_size}")
        if dtype not in (torch.float32, torch.float64):
            raise ValueError(f"dtype must be torch.float32 or torch.float64, got {dtype}")
        self.input_size, self.hidden_size, self.dtype = int(input_size), int(hidden_size), dtype
        # torch's default init: U(-1/sqrt(H), 1/sqrt(H)) for every weight and bias
        gen = torch.Generator().manual_seed(seed) if seed is not None else None
        k = 1.0 / np.sqrt(self.hidden_size)
        rows = self.n_chunks * self.hidden_size

        def uniform(*shape):
            return (torch.rand(*shape, generator=gen, dtype=torch.float64) * 2 * k - k).to(dtype)

        self.weight_ih = uniform(rows, self.input_size)
        self.weight_hh = uniform(rows, self.hidden_size)
        self.bias_ih = uniform(rows)
        self.bias_hh = uniform(rows)

    # -- exchange with torch ---------------------------------------------------------------

    @classmethod
    def _check_module(cls, m):
        if not isinstance(m, cls.torch_class):
            raise ValueError(f"{cls.__name__}.from_torch needs a torch.nn.{cls.torch_class.__name__}, got {type(m).__name__}")
        if m.num_layers != 1 or m.bidirectional:
            raise ValueError("only single-layer, unidirectional modules can be loaded")
        if getattr(m, "proj_size", 0):
            raise ValueError("LSTMs with proj_size are not supported")

    def _load_from(self, m):
        with torch.no_grad():
            self.weight_ih = m.weight_ih_l0.detach().clone()
            self.weight_hh = m.weight_hh_l0.detach().clone()
            zeros = torch.zeros(self.n_chunks * self.hidden_size, dtype=self.dtype)
            self.bias_ih = m.bias_ih_l0.detach().clone() if m.bias else zeros.clone()
            self.bias_hh = m.bias_hh_l0.detach().clone() if m.bias else zeros.clone()
        return self

    def _new_torch(self, input_size=None):
        return self.torch_class(input_size or self.input_size, self.hidden_size, batch_first=True, dtype=self.dtype)

    def to_torch(self) -> nn.Module:
        """A fresh torch module (batch_first=True) holding these weights."""
        m = self._new_torch()
        self._copy_into(m)
        return m

    def _copy_into(self, m, extra_input: int = 0):
        """Copy weights into ``m``; with ``extra_input`` the input weight gets an identity block."""
        with torch.no_grad():
            w = self.weight_ih
            if extra_input:
                w = torch.cat([w, torch.eye(extra_input, dtype=self.dtype)], dim=1)
            m.weight_ih_l0.copy_(w)
            m.weight_hh_l0.copy_(self.weight_hh)
            m.bias_ih_l0.copy_(self.bias_ih)
            m.bias_hh_l0.copy_(self.bias_hh)

    def parameters(self) -> dict[str, Tensor]:
        return {"weight_ih": self.weight_ih, "weight_hh": self.weight_hh,
                "bias_ih": self.bias_ih, "bias_hh": self.bias_hh}

    # -- checks ------------------------------------------------------------------------------

    def _weights_key(self) -> tuple:
        """Identity and version of every weight tensor: changes when a weight is replaced or edited."""
        return tuple((id(w), w._version) for w in self.parameters().values())

    def _check_weights(self):
        key = self._weights_key()
        if getattr(self, "_checked_key", None) == key:
            return                                         # same tensors, unmodified since the last check
        for name, w in self.parameters().items():
            if not torch.isfinite(w).all():
                raise ValueError(f"{self.kind} weights are not finite: '{name}' contains NaN or inf")
        self._checked_key = key

    def _as_batch(self, x) -> Tensor:
        """x (T, I) or (B, T, I), tensor or array -> tensor (B, T, I) in the cell's dtype."""
        x = torch.as_tensor(np.asarray(x) if not isinstance(x, Tensor) else x).to(self.dtype)
        if x.dim() == 2:
            x = x.unsqueeze(0)
        if x.dim() != 3:
            raise ValueError(f"input must be (time, input_size) or (batch, time, input_size), got shape {tuple(x.shape)}")
        B, T, I = x.shape
        if T == 0:
            raise ValueError("empty sequence: the input has 0 timesteps")
        if B == 0:
            raise ValueError("empty batch: the input has 0 sequences")
        if I != self.input_size:
            raise ValueError(f"wrong input size: each step has {I} features but the cell expects {self.input_size}")
        if not torch.isfinite(x).all():
            raise ValueError("input contains NaN or inf")
        return x.detach()

    def _initial(self, s, B, name) -> Tensor:
        if s is None:
            return torch.zeros(B, self.hidden_size, dtype=self.dtype)
        s = torch.as_tensor(np.asarray(s) if not isinstance(s, Tensor) else s).to(self.dtype).detach()
        if s.dim() == 1:
            s = s.unsqueeze(0).expand(B, -1)
        if tuple(s.shape) != (B, self.hidden_size):
            raise ValueError(f"{name} must be ({B}, {self.hidden_size}) or ({self.hidden_size},), got {tuple(s.shape)}")
        if not torch.isfinite(s).all():
            raise ValueError(f"{name} contains NaN or inf")
        return s.clone()

    def _check_interventions(self, interventions, T):
        interventions = tuple(interventions or ())
        for iv in interventions:
            if not isinstance(iv, Clamp):
                raise ValueError(f"interventions must be Clamp objects, got {type(iv).__name__}")
            if iv.target not in self.targets:
                raise ValueError(f"cannot clamp '{iv.target}' in a {self.kind}; choose from {list(self.targets)}")
            bad = [u for u in (iv.units or ()) if not 0 <= u < self.hidden_size]
            if bad:
                raise ValueError(f"units {bad} out of range: the {self.kind} has {self.hidden_size} units")
            bad = [s for s in (iv.steps or ()) if not -T <= s < T]
            if bad:
                raise ValueError(f"steps {bad} out of range for a sequence of {T} steps")
        return interventions

    def _clamp(self, name: str, value: Tensor, t: int, T: int, interventions) -> Tensor:
        """Apply every Clamp on ``name`` that covers step t. value (B, H)."""
        for iv in interventions:
            if iv.target != name or (iv.steps is not None and t not in {s % T for s in iv.steps}):
                continue
            mask = torch.zeros(self.hidden_size, dtype=torch.bool)
            mask[list(iv.units) if iv.units is not None else slice(None)] = True
            value = torch.where(mask, torch.as_tensor(iv.value, dtype=self.dtype), value)
        return value

    # -- the trace ---------------------------------------------------------------------------

    def trace(self, x, h0=None, c0=None, loss_fn=None, loss_step=None, interventions=(), method="auto") -> Trace:
        """Run x (T, I) or (B, T, I); return a Trace of NumPy arrays (B, T, H).

        loss_fn(h (B, H)) -> scalar tensor, applied to the hidden state at ``loss_step``
        (default: the last step). Then the trace also holds grad_hidden (and grad_cell).
        interventions: Clamp objects. method: "auto" | "loop" | "fused".
        """
        self._check_weights()
        x = self._as_batch(x)
        B, T, _ = x.shape
        h0 = self._initial(h0, B, "h0")
        c0 = self._initial(c0, B, "c0") if self.kind == "lstm" else None
        interventions = self._check_interventions(interventions, T)
        if loss_step is None:
            loss_step = T - 1
        if not -T <= int(loss_step) < T:
            raise ValueError(f"loss_step {loss_step} out of range for a sequence of {T} steps")
        loss_step = int(loss_step) % T
        if method not in ("auto", "loop", "fused"):
            raise ValueError(f"method must be 'auto', 'loop' or 'fused', got {method!r}")
        can_fuse = not interventions and self._fusable()
        if method == "fused" and not can_fuse:
            raise ValueError("the fused path cannot express interventions, peepholes or the 1997 LSTM")
        # auto: the fused path wins for small batches; for large ones its probe matmul costs more
        # than the Python loop saves (measured crossover ~B=48 at T=100, H=64; bench/bench_core.py)
        fused = method == "fused" or (method == "auto" and can_fuse and B <= 32)
        run = self._fused if fused else self._loop
        arrays, loss = run(x, h0, c0, loss_fn, loss_step, interventions)
        return Trace(self.kind, arrays, loss=loss, loss_step=loss_step if loss_fn is not None else None)

    def _fusable(self) -> bool:
        return True

    def _widened_module(self) -> nn.Module:
        """The fused module with a probe input per pre-activation row (built once, weights fresh)."""
        rows = self.n_chunks * self.hidden_size
        if getattr(self, "_widened", None) is None:
            self._widened = self._new_torch(self.input_size + rows).requires_grad_(False)
            self._widened_key = None
        key = self._weights_key()
        if self._widened_key != key:                   # weights replaced or edited in place: copy again
            self._copy_into(self._widened, extra_input=rows)
            self._widened_key = key
        return self._widened

    def _loop(self, x, h0, c0, loss_fn, loss_step, interventions):
        """Step by step through ``self.step``; gradients by autograd on each step's states."""
        B, T, _ = x.shape
        want_grad = loss_fn is not None
        state = {"hidden": h0.requires_grad_(want_grad)}
        if c0 is not None:
            state["cell"] = c0.requires_grad_(want_grad)
        x_proj = x @ self.weight_ih.T + self.bias_ih           # (B, T, rows): every input term at once
        steps = []
        with torch.set_grad_enabled(want_grad):
            for t in range(T):
                state = self.step(x_proj[:, t], state, lambda name, v: self._clamp(name, v, t, T, interventions))
                steps.append(state)
            arrays = {name: torch.stack([s[name] for s in steps], 1) for name in steps[0]}
            loss = None
            if want_grad:
                loss_t = _scalar_loss(loss_fn, steps[loss_step]["hidden"])
                states = [name for name in ("hidden", "cell") if name in steps[0]]
                wrt = [s[name] for name in states for s in steps]
                grads = torch.autograd.grad(loss_t, wrt, allow_unused=True)
                for k, name in enumerate(states):
                    g = [gr if gr is not None else torch.zeros_like(w)
                         for gr, w in zip(grads[k * T:(k + 1) * T], wrt[k * T:(k + 1) * T])]
                    arrays["grad_" + name] = torch.stack(g, 1)
                loss = float(loss_t.detach())
        return {k: _np(v) for k, v in arrays.items()}, loss

    def _fused(self, x, h0, c0, loss_fn, loss_step, interventions):
        """Torch's fused module for the recurrence, widened by a zero probe on the pre-activations."""
        B, T, _ = x.shape
        rows = self.n_chunks * self.hidden_size
        m = self._widened_module()
        want_grad = loss_fn is not None
        probe = torch.zeros(B, T, rows, dtype=self.dtype, requires_grad=want_grad)
        hx = (h0[None], c0[None]) if c0 is not None else h0[None]
        with torch.set_grad_enabled(want_grad):
            out, _ = m(torch.cat([x, probe], -1), hx)
            loss = grad_pre = grad_out = None
            if want_grad:
                loss_t = _scalar_loss(loss_fn, out[:, loss_step])
                grad_pre, grad_out = torch.autograd.grad(loss_t, [probe, out])  # dL/dpre_t, direct dL/dh_t
                loss = float(loss_t.detach())
        with torch.no_grad():
            h_prev = torch.cat([h0[:, None], out[:, :-1]], 1).detach()          # (B, T, H)
            arrays = self._recompute(x, h_prev, c0)
            if want_grad:
                arrays.update(self._backward_from_pre(arrays, grad_pre, grad_out))
        return {k: _np(v) for k, v in arrays.items()}, loss


def _scalar_loss(loss_fn, h: Tensor) -> Tensor:
    loss = loss_fn(h)
    if not isinstance(loss, Tensor) or loss.numel() != 1:
        raise ValueError("loss_fn must return a scalar tensor")
    return loss.reshape(())


def _np(t: Tensor) -> np.ndarray:
    return t.detach().cpu().numpy()


def _next(a: Tensor) -> Tensor:
    """a[:, t+1] at index t, zeros at the last step. (B, T, ...) -> (B, T, ...)."""
    return torch.cat([a[:, 1:], torch.zeros_like(a[:, :1])], 1)


def _scan(drive: Tensor, decay: Tensor, start: Tensor | None = None, reverse: bool = False) -> Tensor:
    """The linear recurrence s_t = decay * s_prev + drive_t, elementwise. (B, T, H) in and out.

    Forward: s_t = decay_t * s_{t-1} + drive_t, s_{-1} = start  (the cell: c_t = f_t c_{t-1} + i_t g_t).
    Reverse: s_t = decay_{t+1} * s_{t+1} + drive_t, s_T = 0     (its error: dc_t = f_{t+1} dc_{t+1} + ...).
    Runs in NumPy, time-major, because T tiny elementwise steps are ~5x cheaper there than in torch.
    """
    d = drive.detach().numpy().transpose(1, 0, 2).copy()           # (T, B, H), contiguous per step
    a = decay.detach().numpy().transpose(1, 0, 2)
    T = d.shape[0]
    if reverse:
        for t in range(T - 2, -1, -1):
            d[t] += a[t + 1] * d[t + 1]
    else:
        if start is not None:
            d[0] += a[0] * start.detach().numpy()
        for t in range(1, T):
            d[t] += a[t] * d[t - 1]
    return torch.from_numpy(d.transpose(1, 0, 2))


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

    kind = "lstm"
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
        pre = x_proj_t + h @ self.weight_hh.T + self.bias_hh
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
        pre = x @ self.weight_ih.T + self.bias_ih + h_prev @ self.weight_hh.T + self.bias_hh
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


# ----------------------------------------------------------------------------- RNN


class GlassRNN(_GlassCell):
    """The Elman RNN: h_t = act(W_ih x_t + b_ih + W_hh h_{t-1} + b_hh), act = tanh or relu."""

    kind = "rnn"
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
        pre = x_proj_t + state["hidden"] @ self.weight_hh.T + self.bias_hh
        return dict(hidden=clamp("hidden", self.act(pre)), pre_hidden=pre)

    def _recompute(self, x, h_prev, c0):
        pre = x @ self.weight_ih.T + self.bias_ih + h_prev @ self.weight_hh.T + self.bias_hh
        return dict(hidden=self.act(pre), pre_hidden=pre)

    def _backward_from_pre(self, a, grad_pre, grad_out):
        return dict(grad_hidden=grad_out + _next(grad_pre) @ self.weight_hh)


# ----------------------------------------------------------------------------- GRU


class GlassGRU(_GlassCell):
    """The GRU exactly as torch.nn.GRU computes it, gate order r, z, n:

        r_t = sigmoid(W_ir x_t + b_ir + W_hr h_{t-1} + b_hr)          reset gate
        z_t = sigmoid(W_iz x_t + b_iz + W_hz h_{t-1} + b_hz)          update gate
        n_t = tanh(W_in x_t + b_in + r_t * (W_hn h_{t-1} + b_hn))     candidate (reset after W_hn h)
        h_t = (1 - z_t) * n_t + z_t * h_{t-1}
    """

    kind = "gru"
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
        h_r, h_z, h_n = (h @ self.weight_hh.T + self.bias_hh).chunk(3, dim=-1)
        reset_gate = clamp("reset_gate", torch.sigmoid(x_r + h_r))
        update_gate = clamp("update_gate", torch.sigmoid(x_z + h_z))
        pre_n = x_n + reset_gate * h_n
        candidate = clamp("candidate", torch.tanh(pre_n))
        hidden = clamp("hidden", (1 - update_gate) * candidate + update_gate * h)
        return dict(reset_gate=reset_gate, update_gate=update_gate, candidate=candidate, hidden=hidden,
                    pre_reset_gate=x_r + h_r, pre_update_gate=x_z + h_z, pre_candidate=pre_n)

    def _recompute(self, x, h_prev, c0):
        x_r, x_z, x_n = (x @ self.weight_ih.T + self.bias_ih).chunk(3, dim=-1)
        h_r, h_z, h_n = (h_prev @ self.weight_hh.T + self.bias_hh).chunk(3, dim=-1)
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
