"""The machinery every glass cell shares (weights, input checks, interventions, the two trace paths).

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

import numpy as np
import torch
from torch import nn

from .trace import Clamp, Trace

Tensor = torch.Tensor
ALL_STEPS = "all"      # loss_step meaning: the loss reads the hidden states of every step


# ----------------------------------------------------------------------------- shared machinery


class _GlassCell:
    """What every glass cell shares: weights, input checks, interventions, the two trace paths."""

    arch = "?"
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
        """Every weight tensor itself and its version counter: changes when a weight is replaced or edited.

        The key holds the tensors (not their ids): a replaced tensor that is freed could hand its id to the
        next one, and an id-keyed cache would then take new weights for old ones."""
        return tuple((w, w._version) for w in self.parameters().values())

    def _weights_unchanged(self, key) -> bool:
        """True when ``key`` (an earlier _weights_key) still names the very same, unmodified tensors."""
        now = self._weights_key()
        return key is not None and len(key) == len(now) and all(
            a is b and va == vb for (a, va), (b, vb) in zip(key, now))

    def _check_weights(self):
        if self._weights_unchanged(getattr(self, "_checked_key", None)):
            return                                         # same tensors, unmodified since the last check
        for name, w in self.parameters().items():
            if not torch.isfinite(w).all():
                raise ValueError(f"{self.arch} weights are not finite: '{name}' contains NaN or inf")
        self._checked_key = self._weights_key()

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
                raise ValueError(f"cannot clamp '{iv.target}' in a {self.arch}; choose from {list(self.targets)}")
            bad = [u for u in (iv.units or ()) if not 0 <= u < self.hidden_size]
            if bad:
                raise ValueError(f"units {bad} out of range: the {self.arch} has {self.hidden_size} units")
            bad = [s for s in (iv.steps or ()) if not -T <= s < T]
            if bad:
                raise ValueError(f"steps {bad} out of range for a sequence of {T} steps")
        return interventions

    def _clamp(self, name: str, value: Tensor, t: int, T: int, interventions) -> Tensor:
        """Apply every Clamp on ``name`` that covers step t. value (B, H)."""
        for iv in interventions:
            if iv.target != name or (iv.steps is not None and t not in {s % T for s in iv.steps}):
                continue
            if isinstance(iv.value, float):
                mask = torch.zeros(self.hidden_size, dtype=torch.bool)
                mask[list(iv.units) if iv.units is not None else slice(None)] = True
                value = torch.where(mask, torch.as_tensor(iv.value, dtype=self.dtype), value)
                continue
            B, units = value.shape[0], list(iv.units)          # an array value: one per sentence and unit
            held = torch.as_tensor(iv.array, dtype=self.dtype)
            if held.shape[0] not in (1, B):
                raise ValueError(f"a clamp value for {len(held)} sentences cannot hold a batch of {B}")
            value = value.clone()
            value[:, units] = held.expand(B, len(units))
        return value

    # -- the trace ---------------------------------------------------------------------------

    def trace(self, x, h0=None, c0=None, loss_fn=None, loss_step=None, interventions=(), method="auto") -> Trace:
        """Run x (T, I) or (B, T, I); return a Trace of NumPy arrays (B, T, H).

        loss_fn(h (B, H)) -> scalar tensor, applied to the hidden state at ``loss_step``
        (default: the last step); loss_step="all": loss_fn(h (B, T, H)) sees every step (a loss on
        several outputs). Then the trace also holds grad_hidden (and grad_cell), the total derivatives.
        interventions: Clamp objects. method: "auto" | "loop" | "fused".
        """
        self._check_weights()
        x = self._as_batch(x)
        B, T, _ = x.shape
        h0 = self._initial(h0, B, "h0")
        c0 = self._initial(c0, B, "c0") if self.arch == "lstm" else None
        interventions = self._check_interventions(interventions, T)
        loss_step = checked_loss_step(loss_step, T)
        if method not in ("auto", "loop", "fused"):
            raise ValueError(f"method must be 'auto', 'loop' or 'fused', got {method!r}")
        can_fuse = not interventions and self._fusable(want_grad=loss_fn is not None)
        if method == "fused" and not can_fuse:
            raise ValueError("the fused path cannot express interventions, nor this cell"
                             + (" with a loss" if loss_fn is not None else ""))
        # auto: the fused path wins for small batches; for large ones its probe matmul costs more
        # than the Python loop saves (measured crossover ~B=48 at T=100, H=64; bench/bench_core.py)
        fused = method == "fused" or (method == "auto" and can_fuse and B <= 32)
        run = self._fused if fused else self._loop
        arrays, loss = run(x, h0, c0, loss_fn, loss_step, interventions)
        return Trace(self.arch, arrays, loss=loss, loss_step=loss_step if loss_fn is not None else None)

    def _fusable(self, want_grad: bool) -> bool:
        """Whether _fused can run this cell (without interventions); want_grad: the trace has a loss."""
        return True

    def _input_terms(self, x: Tensor) -> Tensor:
        """W_ih x_t + b_ih for every step at once: (B, T, I) -> (B, T, rows)."""
        return x @ self.weight_ih.T + self.bias_ih

    def _recurrent_terms(self, h: Tensor) -> Tensor:
        """W_hh h + b_hh: (..., H) -> (..., rows), one step or all steps."""
        return h @ self.weight_hh.T + self.bias_hh

    def _widened_module(self) -> nn.Module:
        """The fused module with a probe input per pre-activation row (built once, weights fresh)."""
        rows = self.n_chunks * self.hidden_size
        if getattr(self, "_widened", None) is None:
            self._widened = self._new_torch(self.input_size + rows).requires_grad_(False)
            self._widened_key = None
        if not self._weights_unchanged(self._widened_key):   # weights replaced or edited in place: copy again
            self._copy_into(self._widened, extra_input=rows)
            self._widened_key = self._weights_key()
        return self._widened

    def _loop(self, x, h0, c0, loss_fn, loss_step, interventions):
        """Step by step through ``self.step``; gradients by autograd on each step's states."""
        B, T, _ = x.shape
        want_grad = loss_fn is not None
        state = {"hidden": h0.requires_grad_(want_grad)}
        if c0 is not None:
            state["cell"] = c0.requires_grad_(want_grad)
        x_proj = self._input_terms(x)                          # (B, T, rows): every input term at once
        steps = []
        with torch.set_grad_enabled(want_grad):
            for t in range(T):
                clamp = (lambda name, v: self._clamp(name, v, t, T, interventions)) if interventions else unclamped
                state = self.step(x_proj[:, t], state, clamp)
                steps.append(state)
            arrays = {name: torch.stack([s[name] for s in steps], 1) for name in steps[0]}
            loss = None
            if want_grad:
                loss_t = _scalar_loss(loss_fn, arrays["hidden"] if loss_step == ALL_STEPS else steps[loss_step]["hidden"])
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
                loss_t = _scalar_loss(loss_fn, out if loss_step == ALL_STEPS else out[:, loss_step])
                grad_pre, grad_out = torch.autograd.grad(loss_t, [probe, out])  # dL/dpre_t, direct dL/dh_t
                loss = float(loss_t.detach())
        with torch.no_grad():
            h_prev = torch.cat([h0[:, None], out[:, :-1]], 1).detach()          # (B, T, H)
            arrays = self._recompute(x, h_prev, c0)
            if want_grad:
                arrays.update(self._backward_from_pre(arrays, grad_pre, grad_out))
        return {k: _np(v) for k, v in arrays.items()}, loss


def checked_loss_step(loss_step, T: int):
    """loss_step of a trace over T steps: None -> the last step, ALL_STEPS kept, an int (negative counts from
    the end) -> 0..T-1; ValueError otherwise."""
    if loss_step is None:
        return T - 1
    if isinstance(loss_step, str) and loss_step == ALL_STEPS:
        return loss_step
    if isinstance(loss_step, str) or not -T <= int(loss_step) < T:
        raise ValueError(f"loss_step {loss_step!r} out of range for a sequence of {T} steps")
    return int(loss_step) % T


def unclamped(name: str, value: Tensor) -> Tensor:
    """The clamp of a trace without interventions: every gate and state as computed."""
    return value


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
