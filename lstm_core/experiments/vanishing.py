"""Vanishing (and exploding) gradients, measured: the core of the "Vanishing gradients" page.

``measure(cell, x, loss_fn)`` takes ANY glass cell (fresh, pretrained or just trained; LSTM, RNN or
GRU), runs one traced sequence and returns, by distance d from the loss (d = 0 at the loss step):

    grad_h[d]   ||dL/dh_t||                       (D,)  D = loss_step + 1
    grad_c[d]   ||dL/dc_t||  (LSTM only)          (D,)
    gain[d]     the "why" curve: LSTM  mean over units of prod_{k=t+1..end} f_k  (lstm_core.cells.forget_gain)
                                 RNN   prod_{k=t+1..end} ||diag(act'(pre_k)) W_hh||  (why.rnn_jacobian_norms)
    contrib[d]  ||the step's own contribution to dL/dW_hh|| = ||delta_t|| * ||h_{t-1}||, where
                delta_t = dL/d(pre-activations at t); sum_t delta_t h_{t-1}^T = dL/dW_hh exactly
    total_norm  ||dL/dtheta|| over all parameters (what torch.nn.utils.clip_grad_norm_ sees; the gradient
                is assembled from the per-step deltas, equal to backward() on the torch module)
    clip_factor how much torch.nn.utils.clip_grad_norm_ scaled the whole gradient (1 = untouched)

``compare(Settings(...))`` builds the page's seeded LSTM and RNN (same input, same readout) and
measures both; lstm_core.narration.vanishing writes the page's sentences FROM the arrays. Trained models
are measured by lstm_core.experiments.vanishing_trained.
"""

from __future__ import annotations

import functools
import math
import types
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace

import numpy as np
import torch

from lstm_core.cells import GlassGRU, GlassLSTM, GlassRNN, forget_gain, rnn_jacobian_norms, running_product_back
from lstm_core.limits import MAX_HIDDEN, MAX_T   # the app-wide caps: sequence length, hidden units
from lstm_core.narration.vanishing import clip_summary, summary
from lstm_core.training.inits import INITS, init_recurrent

MAX_SCALE = 4.0       # RNN recurrent weight scale
MAX_FORGET_BIAS = 8.0
INPUT_SIZE = 4        # features per step of the synthetic input
ACTIVATIONS = ("tanh", "relu")
_JAC_CHUNK = 64       # steps per chunk of (chunk, H, H) Jacobians (bounds memory at H = 256)
JACOBIAN_BUDGET = 150_000_000  # T * H^3 above this: the RNN's per-step spectral norms (T SVDs of H x H) are
                               # skipped (one SVD costs ~H^3): about 0.1 s at the budget on one core, so a slider
                               # move stays fast over the whole T x H range; the page says when they are skipped


# ----------------------------------------------------------------------------- settings and models

@dataclass(frozen=True)
class Settings:
    """Everything that shapes the synthetic comparison (the page's URL parameters)."""

    T: int = 50                   # sequence length; the loss reads h at the last step
    H: int = 32                   # hidden units of both models
    scale: float = 1.0            # RNN: multiplies W_hh after init (spectral radius scales with it)
    activation: str = "tanh"      # RNN nonlinearity
    forget_bias: float = 0.0      # LSTM: added to the forget gate's bias after init (0 = torch default)
    init: str = "default"         # W_hh init of both models: torch default U(-1/sqrt(H), 1/sqrt(H)),
                                  # orthogonal, or identity (per gate block for the LSTM)
    seed: int = 0
    clip: bool = False            # apply torch.nn.utils.clip_grad_norm_ to each model's gradient
    max_norm: float = 1.0

    def checked(self) -> "Settings":
        """Validate every field; ValueError names the bad one."""
        def whole(name, lo, hi):
            v = getattr(self, name)
            if isinstance(v, bool) or not isinstance(v, (int, np.integer)) or not lo <= v <= hi:
                raise ValueError(f"{name} must be a whole number in [{lo}, {hi}], got {v!r}")

        def real(name, lo, hi):
            v = getattr(self, name)
            if isinstance(v, bool) or not isinstance(v, (int, float, np.floating, np.integer)) or not (
                    math.isfinite(v) and lo <= v <= hi):
                raise ValueError(f"{name} must be a number in [{lo}, {hi}], got {v!r}")

        whole("T", 2, MAX_T)
        whole("H", 1, MAX_HIDDEN)
        whole("seed", 0, 10_000)
        real("scale", 0.0, MAX_SCALE)
        real("forget_bias", -MAX_FORGET_BIAS, MAX_FORGET_BIAS)
        real("max_norm", 1e-6, 1e6)
        if self.activation not in ACTIVATIONS:
            raise ValueError(f"activation must be one of {ACTIVATIONS}, got {self.activation!r}")
        if self.init not in INITS:
            raise ValueError(f"init must be one of {INITS}, got {self.init!r}")
        return replace(self, T=int(self.T), H=int(self.H), seed=int(self.seed), scale=float(self.scale),
                       forget_bias=float(self.forget_bias), max_norm=float(self.max_norm), clip=bool(self.clip))


def synthetic_model(s: Settings, arch: str) -> GlassLSTM | GlassRNN:
    """The seeded, untrained LSTM or RNN of the comparison (float64: no underflow at 10^-38); each model
    draws from seeds of its own, so one can be built without the other."""
    s = s.checked()
    if arch == "lstm":
        lstm = GlassLSTM(INPUT_SIZE, s.H, dtype=torch.float64, seed=s.seed)
        init_recurrent(lstm, s.init, generator=torch.Generator().manual_seed(s.seed + 2))
        lstm.bias_ih = lstm.bias_ih.clone()
        lstm.bias_ih[s.H:2 * s.H] += s.forget_bias                  # the forget gate's rows (order i, f, g, o)
        return lstm
    if arch != "rnn":
        raise ValueError(f"the comparison's models are 'lstm' and 'rnn', got {arch!r}")
    rnn = GlassRNN(INPUT_SIZE, s.H, nonlinearity=s.activation, dtype=torch.float64, seed=s.seed + 1)
    init_recurrent(rnn, s.init, generator=torch.Generator().manual_seed(s.seed + 3))
    rnn.weight_hh = rnn.weight_hh * s.scale
    return rnn


def synthetic_models(s: Settings) -> tuple[GlassLSTM, GlassRNN]:
    """Both models of the comparison: synthetic_model(s, 'lstm'), synthetic_model(s, 'rnn')."""
    return synthetic_model(s, "lstm"), synthetic_model(s, "rnn")


def synthetic_input(s: Settings) -> tuple[np.ndarray, np.ndarray]:
    """The shared input x (T, INPUT_SIZE) ~ N(0, 1) and readout direction u (H,), ||u|| = 1."""
    s = s.checked()
    rng = np.random.default_rng(s.seed)
    x = rng.standard_normal((s.T, INPUT_SIZE))
    u = rng.standard_normal(s.H)
    return x, u / np.linalg.norm(u)


def readout_loss(u: np.ndarray):
    """L = u . h_loss (so dL/dh at the loss step is u, norm 1): a loss_fn for cell.trace."""
    u_t = torch.as_tensor(np.asarray(u, dtype=np.float64))

    def loss_fn(h):
        return (h * u_t.to(h.dtype)).sum()
    return loss_fn


# ----------------------------------------------------------------------------- one model, measured


@dataclass
class ModelGradients:
    """One model's gradients by distance d from the loss (index 0 = the loss step). See module doc."""

    label: str
    arch: str
    grad_h: np.ndarray
    grad_c: np.ndarray | None
    gain: np.ndarray | None          # None: not computed (RNN above the Jacobian budget)
    gain_name: str
    step_factor: np.ndarray | None   # LSTM: mean f_t over units; RNN: ||diag(act') W_hh|| at step t
    contrib: np.ndarray
    grad_W_hh_norm: float
    total_norm: float
    max_norm: float | None
    clip_factor: float
    loss: float
    spectral_radius: float           # RNN: max |eigenvalue| of W_hh; LSTM: nan
    mean_forget: float | None
    problem: str | None = None       # e.g. the forward pass overflowed
    hidden_size: int = 0
    jacobian_budget: float = JACOBIAN_BUDGET   # steps * H^3 above which the RNN's Jacobian norms are skipped

    @property
    def distance(self) -> np.ndarray:
        return np.arange(len(self.grad_h))

    @property
    def clipped_contrib(self) -> np.ndarray:
        return self.contrib * self.clip_factor


def step_deltas(cell, trace, h0=None) -> tuple[np.ndarray, np.ndarray]:
    """delta_t = dL/d(recurrent pre-activations at t) (B, T, rows) and h_{t-1} (B, T, H), from a trace.

    sum_t delta_t h_{t-1}^T = dL/dW_hh (what autograd gives; tests check it). LSTM rows = 4H in torch's
    order i, f, g, o; RNN rows = H. GRU is not decomposed here (its reset gate scales W_hn h).
    """
    hidden = np.asarray(trace.hidden, dtype=np.float64)
    B, T, H = hidden.shape
    h0 = np.zeros((B, H)) if h0 is None else np.broadcast_to(np.asarray(h0, dtype=np.float64), (B, H))
    h_prev = np.concatenate([h0[:, None], hidden[:, :-1]], 1)
    dh = np.asarray(trace.grad_hidden, dtype=np.float64)
    if trace.arch == "rnn":
        pre = np.asarray(trace.pre_hidden, dtype=np.float64)
        slope = 1 - np.tanh(pre) ** 2 if cell.nonlinearity == "tanh" else (pre > 0).astype(np.float64)
        return slope * dh, h_prev
    if trace.arch == "lstm":
        g = {k: np.asarray(getattr(trace, k), dtype=np.float64)
             for k in ("input_gate", "forget_gate", "candidate", "output_gate", "cell")}
        dc = np.asarray(trace.grad_cell, dtype=np.float64)            # total dL/dc_t
        c_prev = np.concatenate([np.zeros((B, 1, H)), g["cell"][:, :-1]], 1)
        i, f, gg, o = g["input_gate"], g["forget_gate"], g["candidate"], g["output_gate"]
        d_i = dc * gg * i * (1 - i)
        d_f = dc * c_prev * f * (1 - f)
        d_g = dc * i * (1 - gg ** 2)
        d_o = dh * np.tanh(g["cell"]) * o * (1 - o)
        return np.concatenate([d_i, d_f, d_g, d_o], -1), h_prev
    raise ValueError(f"per-step W_hh contributions are implemented for LSTM and RNN, not {trace.arch}")


def _jacobian_norms_chunked(cell, pre_hidden: np.ndarray, end: int) -> tuple[np.ndarray, np.ndarray]:
    """why.rnn_jacobian_norms in chunks of steps (memory (chunk, H, H) instead of (T, H, H)). (B, T) each."""
    B, T, _ = pre_hidden.shape
    step = np.concatenate([
        rnn_jacobian_norms(cell, types.SimpleNamespace(pre_hidden=pre_hidden[:, a:a + _JAC_CHUNK]))[0]
        for a in range(0, T, _JAC_CHUNK)], 1)
    return step, running_product_back(step, end)


def param_grads(cell, trace, x: np.ndarray, h0=None) -> dict[str, torch.Tensor]:
    """The full parameter gradient, assembled from the trace's per-step deltas (torch's names and layout).

    dW_hh = sum_t delta_t h_{t-1}^T, dW_ih = sum_t delta_t x_t^T, db_ih = db_hh = sum_t delta_t. The deltas
    come from autograd inside cell.trace, so this equals backward() on the fused module (tests check it)
    without running backward a second time.
    """
    delta, h_prev = step_deltas(cell, trace, h0)                     # (B, T, rows), (B, T, H)
    xb = np.asarray(x, dtype=np.float64)
    xb = xb[None] if xb.ndim == 2 else xb
    db = delta.sum((0, 1))
    flat = delta.reshape(-1, delta.shape[-1]).T                                  # (rows, B*T)
    grads = {"weight_ih_l0": flat @ xb.reshape(-1, xb.shape[-1]),                # sum_t delta_t x_t^T
             "weight_hh_l0": flat @ h_prev.reshape(-1, h_prev.shape[-1]),        # sum_t delta_t h_{t-1}^T
             "bias_ih_l0": db, "bias_hh_l0": db.copy()}
    return {k: torch.from_numpy(np.ascontiguousarray(v)) for k, v in grads.items()}


def clip(grads: dict, max_norm: float | None) -> tuple[float, float]:
    """Apply torch.nn.utils.clip_grad_norm_ to these gradients (in place). -> (total norm before, factor)."""
    params = []
    for g in grads.values():
        p = torch.zeros_like(g, requires_grad=True)
        p.grad = g
        params.append(p)
    total = float(torch.nn.utils.clip_grad_norm_(params, max_norm if max_norm is not None else float("inf")))
    after = float(torch.sqrt(sum((p.grad ** 2).sum() for p in params)))
    factor = after / total if total > 0 and math.isfinite(total) else 1.0
    if abs(factor - 1.0) < 1e-9:      # not clipped (torch multiplied by exactly 1; only rounding differs)
        factor = 1.0
    for name, p in zip(grads, params):
        grads[name] = p.grad
    return total, factor


def measure(cell, x, loss_fn, *, label: str | None = None, loss_step: int | None = None,
            max_norm: float | None = None, jacobian_budget: float = JACOBIAN_BUDGET) -> ModelGradients:
    """Trace ``cell`` on x (T, I) with ``loss_fn`` (h at loss_step (1, H) -> scalar); see ModelGradients.

    Works for any GlassLSTM / GlassRNN (fresh or trained). A forward pass that overflows is reported in
    ``problem`` (arrays then hold inf / nan), never raised. For an RNN with (steps * H^2) above
    ``jacobian_budget`` the Jacobian-norm curve is skipped (gain = step_factor = None).
    """
    if not isinstance(cell, (GlassLSTM, GlassRNN, GlassGRU)):
        raise ValueError(f"measure needs a glass cell, got {type(cell).__name__}")
    if isinstance(cell, GlassGRU):
        raise ValueError("the gradient view compares LSTMs and RNNs; GRU cells are not supported here")
    x = np.asarray(x, dtype=np.float64)
    if x.ndim != 2:
        raise ValueError(f"x must be one sequence (time, features), got shape {x.shape}")
    T = x.shape[0]
    if T > MAX_T:
        raise ValueError(f"sequence too long: {T} steps (the cap is {MAX_T})")
    if cell.hidden_size > MAX_HIDDEN:
        raise ValueError(f"model too wide: {cell.hidden_size} units (the cap is {MAX_HIDDEN})")
    label = label or cell.arch.upper()
    with np.errstate(all="ignore"):
        tr = cell.trace(x, loss_fn=loss_fn, loss_step=loss_step)
        end = tr.loss_step
        problem = None
        bad = ~np.isfinite(np.asarray(tr.hidden)[0]).all(-1)
        if bad.any():
            problem = (f"The {label}'s hidden state overflowed to inf/nan at step {int(np.argmax(bad))} of {T}: "
                       "the forward pass itself exploded, so its gradients are meaningless")
        by_dist = lambda a: np.asarray(a, dtype=np.float64)[0, : end + 1][::-1].copy()    # (T,) -> distance
        grad_h = by_dist(np.linalg.norm(np.asarray(tr.grad_hidden, dtype=np.float64), axis=-1))
        grad_c = (by_dist(np.linalg.norm(np.asarray(tr.grad_cell, dtype=np.float64), axis=-1))
                  if tr.arch == "lstm" else None)
        W = cell.weight_hh.to(torch.float64)
        if tr.arch == "lstm":
            gain = by_dist(forget_gain(tr, end).mean(-1))
            f = np.asarray(tr.forget_gate, dtype=np.float64)
            step_factor = by_dist(f.mean(-1))
            mean_forget = float(f[0, : end + 1].mean())
            gain_name = "∏ f_k along the cell path (mean over units)"
            radius = float("nan")                    # no single recurrent matrix to speak of
        else:
            act = "tanh" if cell.nonlinearity == "tanh" else "relu"
            gain_name = f"∏ ‖diag({act}′) W_hh‖"           # a running product: ∏ says so
            mean_forget = None
            if (end + 1) * cell.hidden_size ** 3 <= jacobian_budget:
                step_norm, running = _jacobian_norms_chunked(cell, np.asarray(tr.pre_hidden, dtype=np.float64), end)
                gain, step_factor = by_dist(running), by_dist(step_norm)
            else:
                gain = step_factor = None
            radius = float(torch.linalg.eigvals(torch.as_tensor(W)).abs().max())
        delta, h_prev = step_deltas(cell, tr)
        contrib = by_dist(np.linalg.norm(delta, axis=-1) * np.linalg.norm(h_prev, axis=-1))
        if problem is None:
            grads = param_grads(cell, tr, x)
            w_hh = float(grads["weight_hh_l0"].norm())
            total, factor = clip(grads, max_norm)
        else:
            w_hh, total, factor = float("nan"), float("nan"), 1.0
    return ModelGradients(label=label, arch=tr.arch, grad_h=grad_h, grad_c=grad_c, gain=gain, gain_name=gain_name,
                          step_factor=step_factor, contrib=contrib, grad_W_hh_norm=w_hh, total_norm=total,
                          max_norm=max_norm, clip_factor=factor, loss=float(tr.loss), spectral_radius=radius,
                          mean_forget=mean_forget, problem=problem, hidden_size=cell.hidden_size,
                          jacobian_budget=jacobian_budget)


# ----------------------------------------------------------------------------- the comparison


@dataclass
class GradientView:
    settings: Settings
    lstm: ModelGradients
    rnn: ModelGradients
    sentences: list = field(default_factory=list)
    clip_sentences: list = field(default_factory=list)


def _model_settings(s: Settings, arch: str) -> Settings:
    """The settings that shape one model's measurement: the RNN's scale and activation do not touch the LSTM,
    the forget-gate bias does not touch the RNN (synthetic_models draws each from its own seed)."""
    if not s.clip:
        s = replace(s, max_norm=Settings.max_norm)
    if arch == "lstm":
        return replace(s, scale=Settings.scale, activation=Settings.activation)
    return replace(s, forget_bias=Settings.forget_bias)


@functools.lru_cache(maxsize=16)
def _measured(arch: str, s: Settings) -> ModelGradients:
    """One model of the comparison, measured; cached per the settings that shape it, so a slider of one model
    (RNN weight scale, forget-gate bias, activation) re-measures that model only. Read-only arrays."""
    x, u = synthetic_input(s)
    out = measure(synthetic_model(s, arch), x, readout_loss(u), label=arch.upper(), max_norm=s.max_norm if s.clip else None)
    for a in (out.grad_h, out.grad_c, out.gain, out.step_factor, out.contrib):
        if a is not None:
            a.flags.writeable = False
    return out


# The two models are measured side by side on two cores (torch and numpy release the GIL): at T = 1000,
# H = 256 a rerun waits for the slower model instead of both. No torch.set_num_threads in these threads (they
# use the process's setting): with it, a warm-up running at the same time once failed inside an autograd call.
_PAIR = ThreadPoolExecutor(max_workers=2, thread_name_prefix="vanishing")


def compare(s: Settings) -> GradientView:
    """The page's single call: seeded LSTM and RNN, same input and readout, measured and summarised."""
    s = s.checked()
    lstm, rnn = (_PAIR.submit(_measured, arch, _model_settings(s, arch)) for arch in ("lstm", "rnn"))
    view = GradientView(s, lstm.result(), rnn.result())
    view.sentences = summary(view.lstm, view.rnn, forget_bias=s.forget_bias)
    view.clip_sentences = clip_summary(view.lstm, view.rnn) if s.clip else []
    return view


@functools.lru_cache(maxsize=2)
def carousel_contrast(biases: tuple = (0.0, 3.0), T: int = Settings.T, H: int = Settings.H) -> dict:
    """The home page's measured picture of steps 2 and 4: for the default untrained models at each
    forget-gate bias shift, {'RNN ‖∂L/∂h_t‖': curve, 'LSTM ‖∂L/∂c_t‖, forget bias +b': curve, ...}, each
    (T,) by distance from the loss (the RNN does not depend on the bias: measured once). Cached per
    process (the warm-up fills it): treat the arrays as read-only."""
    series = {}
    for b in biases:
        view = compare(Settings(T=T, H=H, forget_bias=float(b)))
        series.setdefault("RNN ‖∂L/∂h_t‖", view.rnn.grad_h)
        series[f"LSTM ‖∂L/∂c_t‖, forget bias {b:+g}"] = view.lstm.grad_c
    return series
