"""Vanishing (and exploding) gradients, measured: the core of the "Vanishing gradients" page.

``measure(cell, x, loss_fn)`` takes ANY glass cell (fresh, pretrained or just trained; LSTM, RNN or
GRU), runs one traced sequence and returns, by distance d from the loss (d = 0 at the loss step):

    grad_h[d]   ||dL/dh_t||                       (D,)  D = loss_step + 1
    grad_c[d]   ||dL/dc_t||  (LSTM only)          (D,)
    gain[d]     the "why" curve: LSTM  mean over units of prod_{k=t+1..end} f_k  (lstm_core.why.forget_gain)
                                 RNN   prod_{k=t+1..end} ||diag(act'(pre_k)) W_hh||  (why.rnn_jacobian_norms)
    contrib[d]  ||the step's own contribution to dL/dW_hh|| = ||delta_t|| * ||h_{t-1}||, where
                delta_t = dL/d(pre-activations at t); sum_t delta_t h_{t-1}^T = dL/dW_hh exactly
    total_norm  ||dL/dtheta|| over all parameters (what torch.nn.utils.clip_grad_norm_ sees; the gradient
                is assembled from the per-step deltas, equal to backward() on the torch module)
    clip_factor how much torch.nn.utils.clip_grad_norm_ scaled the whole gradient (1 = untouched)

``compare(Settings(...))`` builds the page's seeded LSTM and RNN (same input, same readout) and
measures both; ``summary(view)`` / ``clip_summary(view)`` write the page's sentences FROM the arrays.

Trained models (the page's other model sources): ``measure_trained(model_lstm, model_rnn, tokens, label)``
measures two trained agreement SeqModels on one sentence with their real loss (cross-entropy at the last
word); ``agreement_view`` feeds it a generated sentence, ``comparison_view(res, ...)`` does the same for
page 4's models (other tasks via lstm_core.compare.trained_gradients). -> TrainedView, with sentences from
``trained_summary``.
"""

from __future__ import annotations

import math
import types
from dataclasses import dataclass, field, replace

import numpy as np
import torch

from .cells import GlassGRU, GlassLSTM, GlassRNN
from .limits import MAX_HIDDEN, MAX_T   # the app-wide caps: sequence length, hidden units
from .why import forget_gain, rnn_jacobian_norms

MAX_SCALE = 4.0       # RNN recurrent weight scale
MAX_FORGET_BIAS = 8.0
INPUT_SIZE = 4        # features per step of the synthetic input
INITS = ("default", "orthogonal", "identity")
ACTIVATIONS = ("tanh", "relu")
VANISH_DECADES = 2.0  # "vanished" / "exploded" = changed by more than 10^2 over the sequence
_JAC_CHUNK = 64       # steps per chunk of (chunk, H, H) Jacobians (bounds memory at H = 256)
JACOBIAN_BUDGET = 20_000_000   # T * H^2 above this: the RNN's per-step spectral norms (T SVDs of H x H) are
                               # skipped, ~1 s at the budget; 1000 x 256^2 would take ~5-10 s on one core


# ----------------------------------------------------------------------------- settings and models

# Settings field -> the page's URL parameter name (shareable links, classroom presets)
URL_KEYS = {"T": "T", "H": "H", "scale": "scale", "activation": "act", "forget_bias": "fbias", "init": "init",
            "seed": "seed", "clip": "clip", "max_norm": "max_norm"}

# Classroom presets: Settings overrides (the home page turns them into links)
PRESETS = {
    "Untrained, torch default init: both gradients vanish": {},
    "LSTM forget-gate bias +1": {"forget_bias": 1.0},
    "LSTM forget-gate bias +3: the carousel carries the error": {"forget_bias": 3.0},
    "Exploding RNN (orthogonal × 1.5) with clipping": {"init": "orthogonal", "scale": 1.5, "clip": True},
    "Identity init with ReLU (the IRNN)": {"init": "identity", "activation": "relu"},
    "Long sequence: 300 steps": {"T": 300},
}


def preset_query(name: str) -> dict:
    """A preset as URL query parameters {url key: string}."""
    return {URL_KEYS[k]: _url_value(v) for k, v in PRESETS[name].items()}


def _url_value(v) -> str:
    return ("true" if v else "false") if isinstance(v, bool) else str(v)


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


def init_recurrent(weight_hh: torch.Tensor, init: str, seed: int) -> torch.Tensor:
    """A new W_hh (rows, H) with ``init`` applied to each (H, H) gate block; "default" keeps it."""
    if init == "default":
        return weight_hh.clone()
    rows, H = weight_hh.shape
    blocks = []
    gen = torch.Generator().manual_seed(int(seed))
    for _ in range(rows // H):
        if init == "orthogonal":
            q, r = torch.linalg.qr(torch.randn(H, H, generator=gen, dtype=torch.float64))
            blocks.append(q * torch.sign(torch.diagonal(r)))          # uniform (Haar) orthogonal
        elif init == "identity":
            blocks.append(torch.eye(H, dtype=torch.float64))
        else:
            raise ValueError(f"init must be one of {INITS}, got {init!r}")
    return torch.cat(blocks, 0).to(weight_hh.dtype)


def synthetic_models(s: Settings) -> tuple[GlassLSTM, GlassRNN]:
    """The seeded, untrained LSTM and RNN of the comparison (float64: no underflow at 10^-38)."""
    s = s.checked()
    lstm = GlassLSTM(INPUT_SIZE, s.H, dtype=torch.float64, seed=s.seed)
    rnn = GlassRNN(INPUT_SIZE, s.H, nonlinearity=s.activation, dtype=torch.float64, seed=s.seed + 1)
    lstm.weight_hh = init_recurrent(lstm.weight_hh, s.init, s.seed + 2)
    rnn.weight_hh = init_recurrent(rnn.weight_hh, s.init, s.seed + 3) * s.scale
    lstm.bias_ih = lstm.bias_ih.clone()
    lstm.bias_ih[s.H:2 * s.H] += s.forget_bias                      # the forget gate's rows (order i, f, g, o)
    return lstm, rnn


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
    kind: str
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
    if trace.kind == "rnn":
        pre = np.asarray(trace.pre_hidden, dtype=np.float64)
        slope = 1 - np.tanh(pre) ** 2 if cell.nonlinearity == "tanh" else (pre > 0).astype(np.float64)
        return slope * dh, h_prev
    if trace.kind == "lstm":
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
    raise ValueError(f"per-step W_hh contributions are implemented for LSTM and RNN, not {trace.kind}")


def _jacobian_norms_chunked(cell, pre_hidden: np.ndarray, end: int) -> tuple[np.ndarray, np.ndarray]:
    """why.rnn_jacobian_norms in chunks of steps (memory (chunk, H, H) instead of (T, H, H)). (B, T) each."""
    B, T, _ = pre_hidden.shape
    step = np.concatenate([
        rnn_jacobian_norms(cell, types.SimpleNamespace(pre_hidden=pre_hidden[:, a:a + _JAC_CHUNK]))[0]
        for a in range(0, T, _JAC_CHUNK)], 1)
    running = np.zeros_like(step)
    acc = np.ones(B)
    for t in range(end, -1, -1):                 # the same recurrence as why.rnn_jacobian_norms
        running[:, t] = acc
        acc = acc * step[:, t]
    return step, running


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
    grads = {"weight_ih_l0": np.einsum("btr,bti->ri", delta, xb),
             "weight_hh_l0": np.einsum("btr,bth->rh", delta, h_prev),
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
    label = label or cell.kind.upper()
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
                  if tr.kind == "lstm" else None)
        W = cell.weight_hh.to(torch.float64)
        if tr.kind == "lstm":
            gain = by_dist(forget_gain(tr, end).mean(-1))
            f = np.asarray(tr.forget_gate, dtype=np.float64)
            step_factor = by_dist(f.mean(-1))
            mean_forget = float(f[0, : end + 1].mean())
            gain_name = "∏ f_k along the cell path (mean over units)"
            radius = float("nan")                    # no single recurrent matrix to speak of
        else:
            act = "tanh" if cell.nonlinearity == "tanh" else "relu"
            gain_name = f"∏ ‖diag({act}′) W_hh‖ (running product)"
            mean_forget = None
            if (end + 1) * cell.hidden_size ** 2 <= jacobian_budget:
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
    return ModelGradients(label=label, kind=tr.kind, grad_h=grad_h, grad_c=grad_c, gain=gain, gain_name=gain_name,
                          step_factor=step_factor, contrib=contrib, grad_W_hh_norm=w_hh, total_norm=total,
                          max_norm=max_norm, clip_factor=factor, loss=float(tr.loss), spectral_radius=radius,
                          mean_forget=mean_forget, problem=problem, hidden_size=cell.hidden_size)


# ----------------------------------------------------------------------------- the comparison


@dataclass
class GradientView:
    settings: Settings
    lstm: ModelGradients
    rnn: ModelGradients
    sentences: list = field(default_factory=list)
    clip_sentences: list = field(default_factory=list)


def compare(s: Settings) -> GradientView:
    """The page's single call: seeded LSTM and RNN, same input and readout, measured and summarised."""
    s = s.checked()
    lstm, rnn = synthetic_models(s)
    x, u = synthetic_input(s)
    loss_fn = readout_loss(u)
    max_norm = s.max_norm if s.clip else None
    view = GradientView(s, measure(lstm, x, loss_fn, label="LSTM", max_norm=max_norm),
                        measure(rnn, x, loss_fn, label="RNN", max_norm=max_norm))
    view.sentences = summary(view.lstm, view.rnn, forget_bias=s.forget_bias)
    view.clip_sentences = clip_summary(view.lstm, view.rnn) if s.clip else []
    return view


# ----------------------------------------------------------------------------- sentences from the numbers


def decades(curve: np.ndarray) -> float:
    """log10(curve[last] / curve[0]): how many powers of ten the curve changed over its length.

    -inf when it reached exactly 0, +inf / nan when it overflowed.
    """
    a, b = float(curve[0]), float(curve[-1])
    if not (math.isfinite(a) and math.isfinite(b)) or a <= 0:
        return float("nan")
    if b == 0:
        return float("-inf")
    return math.log10(b / a)


def _change(d: float) -> str:
    """Words for a change of 10^d (d rounded to 1 decimal, as printed)."""
    if math.isnan(d):
        return "could not be measured (it overflowed)"
    if d == float("-inf"):
        return "fell to exactly 0 (below the smallest float64)"
    r = round(d, 1)
    if r < 0:
        return f"fell by a factor of 10^{r:.1f}"
    if r > 0:
        return f"grew by a factor of 10^+{r:.1f}"
    return "stayed within a factor of 10^0.1"


def summary(lstm: ModelGradients, rnn: ModelGradients, forget_bias: float | None = None,
            untrained: bool = True) -> list[str]:
    """The page's sentences about the two curves; every number in them is read off the arrays.

    untrained=False (trained or pretrained models): no advice about the forget-gate bias slider."""
    out = []
    for m in (rnn, lstm):
        if m.problem:
            out.append(f"⚠ {m.problem}.")
    steps = len(rnn.grad_h) - 1
    d_rnn, d_lstm = decades(rnn.grad_h), decades(lstm.grad_h)
    d_c = decades(lstm.grad_c) if lstm.grad_c is not None else float("nan")
    out.append(f"Over {steps} steps the RNN's ‖∂L/∂h‖ {_change(d_rnn)}; the LSTM's ‖∂L/∂h‖ {_change(d_lstm)} "
               f"and its ‖∂L/∂c‖ {_change(d_c)}.")
    if math.isfinite(d_rnn) and math.isfinite(d_lstm):
        r_rnn, r_lstm = round(d_rnn, 1), round(d_lstm, 1)
        if r_lstm > r_rnn:
            out.append("Here the LSTM's gradient reaches further back than the RNN's.")
        elif r_lstm < r_rnn:
            out.append("Here the RNN's gradient reaches further back than the LSTM's: the LSTM's advantage is "
                       "not automatic, it depends on its forget gates.")
        else:
            out.append("Here both gradients change by the same power of ten.")
    elif d_rnn == float("-inf") and d_lstm == float("-inf"):
        out.append("Both gradients fell below float64's range, so this view cannot rank them: shorten the "
                   "sequence to compare them.")
    elif d_rnn == float("-inf") and math.isfinite(d_lstm):
        out.append("Here the LSTM's gradient reaches further back than the RNN's.")
    elif d_lstm == float("-inf") and math.isfinite(d_rnn):
        out.append("Here the RNN's gradient reaches further back than the LSTM's: the LSTM's advantage is "
                   "not automatic, it depends on its forget gates.")
    # the why: LSTM
    if lstm.gain is not None and lstm.mean_forget is not None and not lstm.problem:
        g = decades(lstm.gain)
        gain_text = ("0 (underflow)" if g == float("-inf") else f"10^{round(g, 1):.1f}") if not math.isnan(g) \
            else "not measurable"
        out.append(f"Why (LSTM): along the cell path the error is multiplied only by the forget gates. They "
                   f"average f = {lstm.mean_forget:.2f}, and ∏ f_k over the {steps} steps is {gain_text} "
                   "(mean over units).")
        if d_lstm <= -VANISH_DECADES and untrained:   # (true for -inf as well; false for nan)
            bias = f" (forget-gate bias shift {forget_bias:+.1f})" if forget_bias is not None else ""
            out.append(f"So this untrained LSTM's gradient vanishes too{bias}: the carousel only carries the "
                       "error when f is close to 1. Raise the forget-gate bias and watch ∏ f_k and ‖∂L/∂c‖ lift.")
        elif d_lstm <= -VANISH_DECADES:
            more = (f" Still, it fell {round(d_lstm, 1) - round(d_rnn, 1):.1f} powers of ten less than the RNN's."
                    if math.isfinite(d_rnn) and round(d_lstm, 1) > round(d_rnn, 1) else "")
            f_text = (f"its forget gates average {lstm.mean_forget:.2f}, not 1, and " if round(lstm.mean_forget, 2) < 1
                      else "")
            out.append(f"So even this trained LSTM's ‖∂L/∂h‖ shrinks by more than a factor of 10^{VANISH_DECADES:g} "
                       f"over this input: {f_text}the carousel only carries the error undiminished when f is close "
                       f"to 1.{more}")
    # the why: RNN
    if rnn.gain is None and not rnn.problem:
        size = (steps + 1) * rnn.hidden_size ** 2
        out.append(f"Why (RNN): the per-step Jacobian norms are not computed at this size ({steps + 1} steps × "
                   f"{rnn.hidden_size}² = {size:.1e} > {JACOBIAN_BUDGET:.1e}, one SVD per step); lower T or H "
                   "to see them.")
    if rnn.gain is not None and rnn.step_factor is not None and not rnn.problem:
        s = rnn.step_factor[:-1] if len(rnn.step_factor) > 1 else rnn.step_factor    # factors k = t+1..end
        s = s[np.isfinite(s) & (s > 0)]
        geo = float(np.exp(np.log(s).mean())) if s.size else float("nan")
        g = decades(rnn.gain)
        gain_text = ("0 (underflow)" if g == float("-inf") else f"10^{round(g, 1):.1f}") if not math.isnan(g) \
            else "not measurable"
        loose = math.isfinite(g) and math.isfinite(d_rnn) and g - d_rnn > VANISH_DECADES
        out.append(f"Why (RNN): each step back multiplies the error by diag(act′)·W_hh, whose norm is "
                   f"{geo:.2f} per step (geometric mean); the running product over {steps} steps is {gain_text}, "
                   "an upper bound on the measured change"
                   + (" — a loose one here: each norm is the stretch in the worst direction, and those "
                      "directions do not line up from step to step" if loose else "")
                   + f" (spectral radius of W_hh: {rnn.spectral_radius:.2f}).")
    return out


def clip_summary(lstm: ModelGradients, rnn: ModelGradients) -> list[str]:
    """What clipping did to each model's parameter gradient, from the measured norms."""
    out = []
    for m in (rnn, lstm):
        if m.problem or m.max_norm is None:
            continue
        top = int(np.nanargmax(m.contrib)) if np.isfinite(m.contrib).any() else 0
        if m.clip_factor < 1.0:
            out.append(f"{m.label}: the whole parameter gradient had norm {m.total_norm:.3g} > {m.max_norm:g}, so "
                       f"clipping scaled it by {m.clip_factor:.3g} (to {m.total_norm * m.clip_factor:.3g}). Every "
                       f"step's contribution to ∂L/∂W_hh shrank by that same factor: the largest still comes from "
                       f"distance {top}, and ∂L/∂h_t itself is unchanged.")
        else:
            out.append(f"{m.label}: the parameter gradient's norm {m.total_norm:.3g} is within the max norm "
                       f"{m.max_norm:g}: clipping changed nothing.")
    out.append("Clipping bounds the size of an update; it keeps its direction, it never changes which steps "
               "dominate, and it can only shrink: it cannot bring back a gradient that vanished.")
    return out


# ----------------------------------------------------------------------------- trained models

NUMBER_NAMES = ("singular", "plural")                                     # agreement labels 0, 1
MAX_SENTENCE_DISTANCE = 200   # subject-verb distance of a generated sentence (page 4 trains up to 200)


@dataclass
class TrainedView:
    """Trained (or shipped pretrained) LSTM and RNN measured on one real input of their task, each with its own
    loss. tokens (T,) the words read (agreement) or None; subject_distance: steps from the loss back to the
    subject (agreement) or None; answer: the true target in words."""
    lstm: ModelGradients
    rnn: ModelGradients
    task: str
    tokens: list | None
    answer: str
    subject_distance: int | None = None
    input_text: str = ""
    sentences: list = field(default_factory=list)
    clip_sentences: list = field(default_factory=list)


def agreement_input(distance: int, seed: int):
    """A fresh sentence of the agreement grammar with exactly ``distance`` words between subject and verb
    (intervening nouns' numbers are fair coins, as in training). -> lstm_core.tasks.AgreementExample."""
    from . import tasks
    distance = int(distance)
    if not 0 <= distance <= MAX_SENTENCE_DISTANCE:
        raise ValueError(f"distance must be between 0 and {MAX_SENTENCE_DISTANCE}, got {distance}")
    return tasks.agreement_example(np.random.default_rng([int(seed), distance, 7]), distance)


def _glass64(model):
    """The glass cell of a SeqModel's recurrent layer, in float64 (no underflow at 10^-38)."""
    import copy
    return type(model.glass()).from_torch(copy.deepcopy(model.rnn).double())


def measure_trained(model_lstm, model_rnn, tokens: list, label: int, *, subject_pos: int | None = None,
                    max_norm: float | None = None) -> TrainedView:
    """Two trained agreement SeqModels read the same words tokens (T,); L = cross-entropy of each model's readout
    at the last word on the true number ``label`` (0 singular, 1 plural), exactly the training loss.

    Each model's embedding gives the recurrent input (T, I); its recurrent weights, loaded into the float64 glass
    core, are measured by ``measure``; its readout (H -> 2) is the loss's head."""
    import torch.nn.functional as F

    from . import tasks
    for want, m in (("lstm", model_lstm), ("rnn", model_rnn)):
        if getattr(m, "arch", None) != want:
            raise ValueError(f"expected a trained {want.upper()}, got {getattr(m, 'arch', type(m).__name__)!r}")
        if m.input_kind != "ids" or m.n_in != len(tasks.VOCAB) or m.n_out != 2:
            raise ValueError(f"the {want.upper()} was not trained on subject-verb agreement")
    unknown = [w for w in tokens if w not in tasks.WORD_TO_ID]
    if unknown:
        raise ValueError(f"words outside the vocabulary: {', '.join(map(repr, unknown[:5]))}")
    if not 1 <= len(tokens) <= MAX_T:
        raise ValueError(f"the sentence must have 1 to {MAX_T} words, got {len(tokens)}")
    if label not in (0, 1):
        raise ValueError(f"label must be 0 (singular) or 1 (plural), got {label!r}")
    ids = torch.tensor([[tasks.WORD_TO_ID[w] for w in tokens]])
    y = torch.tensor([int(label)])
    measured = {}
    for arch, m in (("lstm", model_lstm), ("rnn", model_rnn)):
        with torch.no_grad():
            x = m.embed(ids).double()[0].numpy()                                 # (T, I)
        W, b = m.readout.weight.detach().double(), m.readout.bias.detach().double()
        loss_fn = lambda h, W=W, b=b: F.cross_entropy(h @ W.T + b, y)             # noqa: E731  h (1, H)
        measured[arch] = measure(_glass64(m), x, loss_fn, label=f"trained {arch.upper()}", max_norm=max_norm)
    T = len(tokens)
    view = TrainedView(measured["lstm"], measured["rnn"], "agreement", list(tokens), NUMBER_NAMES[int(label)],
                       None if subject_pos is None else T - 1 - int(subject_pos),
                       " ".join(tokens) + " …")
    view.sentences = trained_summary(view)
    view.clip_sentences = clip_summary(view.lstm, view.rnn) if max_norm is not None else []
    return view


def agreement_view(model_lstm, model_rnn, distance: int, seed: int, max_norm: float | None = None) -> TrainedView:
    """A generated agreement sentence (agreement_input) read by both models, measured by measure_trained."""
    ex = agreement_input(distance, seed)
    return measure_trained(model_lstm, model_rnn, ex.tokens[:ex.verb_pos], ex.label, subject_pos=ex.subject_pos,
                           max_norm=max_norm)


def comparison_view(res, distance: int | None = None, seed: int = 0, max_norm: float | None = None) -> TrainedView:
    """The trained LSTM and RNN of a page-4 comparison (lstm_core.compare.CompareResult). Agreement: a generated
    sentence at ``distance`` (default: the trained one), as for the shipped models. Other tasks: one fresh
    held-out example with the task's own loss, by lstm_core.compare.trained_gradients."""
    missing = [a.upper() for a in ("lstm", "rnn") if a not in res.runs]
    if missing:
        raise ValueError(f"this page compares an LSTM with an RNN, but your comparison has no trained "
                         f"{' or '.join(missing)} (was it stopped early?): train both on page 4")
    task = res.config.task
    if task == "agreement":
        d = res.config.distance if distance is None else distance
        return agreement_view(res.runs["lstm"].model.eval(), res.runs["rnn"].model.eval(), d, seed, max_norm)
    from .compare import trained_gradients
    g = trained_gradients(res, seed=seed, max_norm=max_norm)
    target = np.asarray(g["label"])
    answer = (f"{float(target.reshape(-1)[0]):.3f}" if task == "adding"
              else " ".join(str(v) for v in target.reshape(-1)[-1:]))
    T = len(g["lstm"].grad_h)
    view = TrainedView(g["lstm"], g["rnn"], task, None, answer,
                       input_text=f"one fresh held-out example of the {task} task ({T} steps)")
    view.sentences = trained_summary(view)
    view.clip_sentences = clip_summary(view.lstm, view.rnn) if max_norm is not None else []
    return view


def token_ticks(tokens: list, D: int, max_labels: int = 40) -> tuple[list[int], list[str]]:
    """Axis labels for curves indexed by distance d = 0..D-1 from the loss at the last token: (d's, words),
    every k-th word when there are more than max_labels (always including d = 0)."""
    T = len(tokens)
    every = max(1, math.ceil(D / max_labels))
    ds = list(range(0, D, every))
    return ds, [str(tokens[T - 1 - d]) for d in ds]


def probability_text(loss: float) -> str:
    """P(true answer) = exp(-cross-entropy) in words: "0.451", or "1 − 1.0e-04" when it rounds to 1."""
    p = math.exp(-loss)
    return f"1 − {-math.expm1(-loss):.1e}" if p >= 0.995 else f"{p:.3g}"


def trained_summary(view: TrainedView) -> list[str]:
    """The sentences for trained models, every number read off the measured arrays: the loss each model pays,
    the two curves (summary), and for agreement how much of the error signal reaches the subject."""
    lstm, rnn = view.lstm, view.rnn
    out = []
    if view.task == "adding":
        out.append(f"The loss is each model's squared error on the true sum ({view.answer}) at the last step: "
                   f"LSTM L = {lstm.loss:.3g}, RNN L = {rnn.loss:.3g}.")
    else:
        what = "number" if view.task == "agreement" else "answer"
        out.append(f"The loss is each model's cross-entropy on the true {what} ({view.answer}) at the last step: "
                   f"LSTM L = {lstm.loss:.3g} (it gives the true {what} probability {probability_text(lstm.loss)}), "
                   f"RNN L = {rnn.loss:.3g} (probability {probability_text(rnn.loss)}).")
    out += summary(lstm, rnn, untrained=False)
    k = view.subject_distance
    if view.tokens is not None and k is not None and 0 < k < len(lstm.grad_h) and not (lstm.problem or rnn.problem):
        def rel(curve):
            a, b = float(curve[0]), float(curve[k])
            if not (a > 0 and math.isfinite(a) and math.isfinite(b)):
                return "not measurable"
            return "exactly 0 (underflow)" if b == 0 else f"10^{round(math.log10(b / a), 1):.1f}"
        word = view.tokens[len(view.tokens) - 1 - k]
        out.append(f"At the subject '{word}', {k} steps back from the loss, the LSTM's ‖∂L/∂h‖ is {rel(lstm.grad_h)} "
                   f"of its value at the loss (‖∂L/∂c‖: {rel(lstm.grad_c)}) and the RNN's is {rel(rnn.grad_h)}: "
                   "this is the error signal that reaches the one word that decides the answer.")
    if lstm.loss < rnn.loss and lstm.grad_h[0] < rnn.grad_h[0]:
        out.append(f"The LSTM's curves start lower (‖∂L/∂h‖ = {lstm.grad_h[0]:.2g} at the loss, the RNN's "
                   f"{rnn.grad_h[0]:.2g}) because its loss is smaller: a confident right answer sends back a small "
                   "gradient. Compare how fast the curves fall, not their heights.")
    return out
