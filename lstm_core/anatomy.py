"""One LSTM step with every number visible: the core of the "Cell anatomy" page.

A tiny cell: input size 1, H = 1 or 2 units. Its weights are given per gate k in (i, f, g, o):

    W[k]  (H,)     input weights        (torch: rows of weight_ih, one input feature)
    U[k]  (H, H)   recurrent weights    (torch: the k-th (H, H) block of weight_hh)
    b[k]  (H,)     biases               (torch: bias_ih; bias_hh is 0)

``step(settings)`` loads them into a GlassLSTM (and, for the "is it a simple RNN?" question, the
candidate's weights W[g], U[g], b[g] into a GlassRNN), runs ONE traced step from (h_prev, c_prev)
and returns every intermediate. Every number comes from those traces.

Settings are a flat dict of named numbers (the page's URL parameters):

    H                      1 or 2 units
    x                      the input x_t
    h_prev{u}, c_prev{u}   h_{t-1}, c_{t-1} of unit u
    W{k}{u}                input weight of gate k, unit u             e.g. Wf0
    U{k}{u}{v}             recurrent weight of gate k, unit u <- v    e.g. Ug01
    b{k}{u}                bias of gate k, unit u                     e.g. bi1
    forget_gate            False = the 1997 LSTM (f_t = 1)
    clamp                  "none" | "i=1, f=0" | "i=1, f=0, o=1"  (held by real interventions)
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from .cells import Clamp, GlassLSTM, GlassRNN

GATES = ("i", "f", "g", "o")
GATE_NAMES = {"i": "input_gate", "f": "forget_gate", "g": "candidate", "o": "output_gate"}
MAX_UNITS = 2
CLAMPS = {"none": {}, "i=1, f=0": {"i": 1.0, "f": 0.0}, "i=1, f=0, o=1": {"i": 1.0, "f": 0.0, "o": 1.0}}

STATE_RANGE = (-3.0, 3.0)     # x, h_prev, c_prev sliders
WEIGHT_RANGE = (-8.0, 8.0)    # weights and biases


def keys(H: int) -> list[str]:
    """All numeric setting names for an H-unit cell, in display order."""
    out = ["x"] + [f"h_prev{u}" for u in range(H)] + [f"c_prev{u}" for u in range(H)]
    for k in GATES:
        out += [f"W{k}{u}" for u in range(H)]
        out += [f"U{k}{u}{v}" for u in range(H) for v in range(H)]
        out += [f"b{k}{u}" for u in range(H)]
    return out


def _defaults() -> dict:
    d = {"units": 1, "forget_gate": True, "clamp": "none", "x": 1.0}
    W = {"i": (0.8, -0.5), "f": (0.5, 0.3), "g": (1.0, -1.2), "o": (0.6, 0.4)}
    U = {"i": 0.3, "f": 0.4, "g": 0.5, "o": -0.2}
    b = {"i": 0.0, "f": 1.0, "g": 0.0, "o": 0.0}
    for u in range(MAX_UNITS):
        d[f"h_prev{u}"] = (0.5, -0.3)[u]
        d[f"c_prev{u}"] = (0.8, -0.6)[u]
        for k in GATES:
            d[f"W{k}{u}"] = W[k][u]
            d[f"b{k}{u}"] = b[k]
            for v in range(MAX_UNITS):
                d[f"U{k}{u}{v}"] = U[k] if u == v else 0.1
    return d


DEFAULTS = _defaults()

# Presets that teach: partial settings on top of DEFAULTS (also used as URL links on the home page).
PRESETS = {
    "remember": dict(bf0=6.0, bi0=-6.0, c_prev0=0.8, bf1=6.0, bi1=-6.0),
    "overwrite": dict(bf0=-6.0, bi0=6.0, c_prev0=0.8, bf1=-6.0, bi1=6.0),
    "1997 LSTM (no forget gate)": dict(forget_gate=False, c_prev0=1.5, bi0=2.0, c_prev1=-1.5, bi1=2.0),
    "is i=1, f=0 really a simple RNN?": dict(clamp="i=1, f=0, o=1", x=1.0, Wg0=1.0, Ug00=0.5, h_prev0=0.5, bg0=0.0),
}
PRESET_NOTES = {
    "remember": "f ≈ 1 and i ≈ 0: the cell keeps c_{t-1} and ignores the candidate.",
    "overwrite": "f ≈ 0 and i ≈ 1: the old cell is wiped and replaced by the candidate g_t.",
    "1997 LSTM (no forget gate)": "Hochreiter & Schmidhuber's original cell has no forget gate (f = 1): "
                                  "the cell can only add, so c_t drifts away from c_{t-1} and never resets.",
    "is i=1, f=0 really a simple RNN?": "Gates held at i = 1, f = 0, o = 1: compare the LSTM with an RNN step "
                                        "that uses the candidate's weights.",
}


def preset_query(name: str) -> dict:
    """A preset as URL query parameters {setting name: string}: only the settings its cell size shows."""
    preset = PRESETS[name]
    shown = set(keys(int(preset.get("units", DEFAULTS["units"])))) | {"units", "forget_gate", "clamp"}
    return {k: (("true" if v else "false") if isinstance(v, bool) else str(v)) for k, v in preset.items() if k in shown}


def full_settings(settings: dict | None = None) -> dict:
    """DEFAULTS overridden by ``settings`` (unknown names are an error; numbers are checked finite)."""
    out = dict(DEFAULTS)
    for name, value in (settings or {}).items():
        if name not in DEFAULTS:
            raise ValueError(f"unknown cell setting '{name}'")
        out[name] = value
    if out["units"] not in (1, 2):
        raise ValueError(f"the anatomy cell has 1 or 2 units, got {out['units']}")
    if out["clamp"] not in CLAMPS:
        raise ValueError(f"clamp must be one of {list(CLAMPS)}, got {out['clamp']!r}")
    for name in keys(MAX_UNITS):
        v = float(out[name])
        if not np.isfinite(v):
            raise ValueError(f"setting '{name}' must be a finite number, got {out[name]!r}")
        out[name] = v
    out["forget_gate"] = bool(out["forget_gate"])
    return out


def arrays(settings: dict) -> dict:
    """Settings -> x (1,), h_prev (H,), c_prev (H,), W (4, H), U (4, H, H), b (4, H) (gate order i, f, g, o)."""
    s = full_settings(settings)
    H = int(s["units"])
    return dict(
        x=np.array([s["x"]]),
        h_prev=np.array([s[f"h_prev{u}"] for u in range(H)]),
        c_prev=np.array([s[f"c_prev{u}"] for u in range(H)]),
        W=np.array([[s[f"W{k}{u}"] for u in range(H)] for k in GATES]),
        U=np.array([[[s[f"U{k}{u}{v}"] for v in range(H)] for u in range(H)] for k in GATES]),
        b=np.array([[s[f"b{k}{u}"] for u in range(H)] for k in GATES]),
    )


@dataclass
class Step:
    """Everything one LSTM step computed (each (H,) unless noted), plus the RNN step beside it.

    x_term[k] = W[k] x, h_term[k] = U[k] h_prev, bias[k] = b[k]; pre[k] = their sum (from the trace);
    gate[k] = the gate value (i, f, o in (0,1); g in (-1,1)). forget_part = f * c_prev,
    input_part = i * g (c = forget_part + input_part), tanh_c = tanh(c), h = o * tanh_c.
    rnn_pre, rnn_h: an Elman RNN step with the candidate's weights, from the same h_prev.
    """

    H: int
    x: float
    h_prev: np.ndarray
    c_prev: np.ndarray
    x_term: dict
    h_term: dict
    bias: dict
    pre: dict
    gate: dict
    forget_part: np.ndarray
    input_part: np.ndarray
    c: np.ndarray
    tanh_c: np.ndarray
    h: np.ndarray
    rnn_pre: np.ndarray
    rnn_h: np.ndarray
    forget_gate: bool
    clamped: dict           # gate letter -> held value
    W: np.ndarray           # (4, H) input weights, gate order i, f, g, o
    U: np.ndarray           # (4, H, H) recurrent weights


def build_cells(settings: dict) -> tuple[GlassLSTM, GlassRNN, dict]:
    """The GlassLSTM / GlassRNN holding the settings' weights (float64), and the arrays."""
    s = full_settings(settings)
    a = arrays(s)
    H = int(s["units"])
    lstm = GlassLSTM(1, H, forget_gate=s["forget_gate"], dtype=torch.float64, seed=0)
    lstm.weight_ih = torch.tensor(a["W"].reshape(4 * H, 1))
    lstm.weight_hh = torch.tensor(a["U"].reshape(4 * H, H))
    lstm.bias_ih = torch.tensor(a["b"].reshape(4 * H))
    lstm.bias_hh = torch.zeros(4 * H, dtype=torch.float64)
    rnn = GlassRNN(1, H, nonlinearity="tanh", dtype=torch.float64, seed=0)
    g = GATES.index("g")
    rnn.weight_ih = torch.tensor(a["W"][g].reshape(H, 1))
    rnn.weight_hh = torch.tensor(a["U"][g])
    rnn.bias_ih = torch.tensor(a["b"][g])
    rnn.bias_hh = torch.zeros(H, dtype=torch.float64)
    return lstm, rnn, a


def step(settings: dict | None = None) -> Step:
    """Run one traced LSTM step (and the RNN step beside it) for these settings."""
    s = full_settings(settings)
    lstm, rnn, a = build_cells(s)
    clamped = dict(CLAMPS[s["clamp"]])
    if not s["forget_gate"]:
        clamped.pop("f", None)          # the 1997 cell has no forget gate to hold
    interventions = [Clamp(GATE_NAMES[k], v) for k, v in clamped.items()]
    x = a["x"].reshape(1, 1)            # (T=1, I=1)
    tr = lstm.trace(x, h0=a["h_prev"], c0=a["c_prev"], interventions=interventions)
    rt = rnn.trace(x, h0=a["h_prev"])
    first = lambda name: np.asarray(getattr(tr, name))[0, 0]          # (B, T, H) -> (H,)
    pre = {k: first(f"pre_{GATE_NAMES[k]}") for k in GATES if k != "f" or s["forget_gate"]}
    if not s["forget_gate"]:
        pre["f"] = np.full(len(a["h_prev"]), np.nan)                    # no forget gate: no pre-activation
    gate = {k: first(GATE_NAMES[k]) for k in GATES}
    c, h = first("cell"), first("hidden")
    return Step(
        H=int(s["units"]), x=float(a["x"][0]), h_prev=a["h_prev"], c_prev=a["c_prev"],
        x_term={k: a["W"][j] * a["x"][0] for j, k in enumerate(GATES)},
        h_term={k: a["U"][j] @ a["h_prev"] for j, k in enumerate(GATES)},
        bias={k: a["b"][j] for j, k in enumerate(GATES)},
        pre=pre, gate=gate,
        forget_part=gate["f"] * a["c_prev"], input_part=gate["i"] * gate["g"],
        c=c, tanh_c=np.tanh(c), h=h,
        rnn_pre=np.asarray(rt.pre_hidden)[0, 0], rnn_h=np.asarray(rt.hidden)[0, 0],
        forget_gate=s["forget_gate"], clamped=clamped, W=a["W"], U=a["U"],
    )


def _fmt(v: float) -> str:
    return f"{v:.3f}"


def rnn_verdict(s: Step, tol: float = 1e-6) -> list[str]:
    """Sentences comparing the LSTM step with the RNN step, generated from the numbers in ``s``.

    Says exactly what holds: whether c_t and h_t equal the RNN's new state, unit by unit.
    """
    out = []
    c_same = np.abs(s.c - s.rnn_h) <= tol
    h_same = np.abs(s.h - s.rnn_h) <= tol
    for u in range(s.H):
        unit = f"unit {u}: " if s.H > 1 else ""
        rnn = f"the RNN's h_t = tanh({_fmt(s.rnn_pre[u])}) = {_fmt(s.rnn_h[u])}"
        c_word = "equals" if c_same[u] else "differs from"
        h_word = "equals" if h_same[u] else "differs from"
        sentence = (f"{unit}the LSTM's cell state c_t = {_fmt(s.c[u])} {c_word} {rnn}; "
                   f"its output h_t = o·tanh(c_t) = {_fmt(s.gate['o'][u])} × tanh({_fmt(s.c[u])}) = "
                   f"{_fmt(s.h[u])} {h_word} it (difference {s.h[u] - s.rnn_h[u]:+.3f}).")
        out.append(sentence[0].upper() + sentence[1:])
    i1f0 = s.clamped.get("i") == 1.0 and s.clamped.get("f") == 0.0
    if i1f0 and c_same.all() and not h_same.all():
        extra = " even with o = 1," if s.clamped.get("o") == 1.0 else ""
        out.append("So the answer is: only half. With i = 1 and f = 0 the cell state c_t = g_t = tanh(pre_g) IS "
                   f"the simple RNN's new state, but{extra} the LSTM hands on h_t = o·tanh(tanh(pre_g)): "
                   "the state is squashed a second time (and scaled by o), so it is not the same recurrence.")
    elif i1f0 and c_same.all() and h_same.all():
        out.append("Here c_t and h_t both equal the RNN's state (this happens only where tanh(tanh(p)) = tanh(p), "
                   "i.e. p = 0).")
    elif not s.clamped:
        out.append("The gates are free here, so c_t mixes the old cell and the candidate; choose the preset "
                   "\"is i=1, f=0 really a simple RNN?\" to hold the gates.")
    elif not s.forget_gate:
        out.append("The 1997 cell has no forget gate to set to 0 (f = 1), so c_t = c_(t-1) + i·g keeps the old "
                   "cell: with a nonzero c_(t-1) this is not an RNN step.")
    return out


def diagram_values(s: Step, unit: int = 0) -> dict:
    """The scalars the cell diagram draws for one unit (floats; f is 1.0 for the 1997 cell)."""
    if not 0 <= unit < s.H:
        raise ValueError(f"unit {unit} out of range: the cell has {s.H} unit(s)")
    u = unit
    return dict(x=s.x, h_prev=float(s.h_prev[u]), c_prev=float(s.c_prev[u]),
                i=float(s.gate["i"][u]), f=float(s.gate["f"][u]), g=float(s.gate["g"][u]),
                o=float(s.gate["o"][u]), forget_part=float(s.forget_part[u]), input_part=float(s.input_part[u]),
                c=float(s.c[u]), tanh_c=float(s.tanh_c[u]), h=float(s.h[u]),
                forget_gate=s.forget_gate, clamped=dict(s.clamped))


def _n(v: float) -> str:
    """A number for LaTeX: 3 decimals, negatives in parentheses (inside a sum or product)."""
    return f"{v:.3f}" if v >= 0 else f"({v:.3f})"


def _a(v: float) -> str:
    """A number as a function argument: 3 decimals, no parentheses."""
    return f"{v:.3f}"


_SYM = {"i": "i_t", "f": "f_t", "g": "g_t", "o": "o_t"}
_ACT = {"i": r"\sigma", "f": r"\sigma", "g": r"\tanh", "o": r"\sigma"}


def equations(s: Step, unit: int = 0) -> list[str]:
    """LaTeX blocks for one unit (one per gate, then c_t and h_t): every intermediate with the numbers
    substituted; every result is the traced value."""
    if not 0 <= unit < s.H:
        raise ValueError(f"unit {unit} out of range: the cell has {s.H} unit(s)")
    u = unit
    blocks = []
    h_sym = "h_{t-1}" if s.H == 1 else r"\mathbf{h}_{t-1}"
    for j, k in enumerate(GATES):
        if k == "f" and not s.forget_gate:
            blocks.append(r"f_t = 1 \quad \text{(the 1997 LSTM has no forget gate)}")
            continue
        w_x = f"{_n(s.W[j][u])} \\cdot {_n(s.x)}"
        u_h = " + ".join(f"{_n(s.U[j][u][v])} \\cdot {_n(s.h_prev[v])}" for v in range(s.H))
        if k in s.clamped:
            gate = f"{_SYM[k]} &= {_a(s.gate[k][u])} \\quad \\text{{(held by an intervention)}}"
        else:
            gate = f"{_SYM[k]} &= {_ACT[k]}(\\tilde{{{k}}}_t) = {_ACT[k]}({_a(s.pre[k][u])}) = {_a(s.gate[k][u])}"
        blocks.append(
            "\\begin{aligned}"
            f"\\tilde{{{k}}}_t &= W_{k} x_t + U_{k} {h_sym} + b_{k} \\\\ "
            + (f"&= {w_x} + {u_h} + {_n(s.bias[k][u])} \\\\ " if s.H == 1 else
               f"&= {w_x} \\\\ &\\quad + {u_h} + {_n(s.bias[k][u])} \\\\ ")
            + f"&= {_a(s.pre[k][u])} \\\\ "
            f"{gate}"
            "\\end{aligned}")
    blocks.append(
        "\\begin{aligned}"
        "c_t &= f_t\\,c_{t-1} + i_t\\,g_t \\\\ "
        f"&= {_n(s.gate['f'][u])} \\cdot {_n(s.c_prev[u])} + {_n(s.gate['i'][u])} \\cdot {_n(s.gate['g'][u])} \\\\ "
        f"&= {_n(s.forget_part[u])} + {_n(s.input_part[u])} = {_a(s.c[u])}"
        "\\end{aligned}")
    blocks.append(
        "\\begin{aligned}"
        "h_t &= o_t \\tanh(c_t) \\\\ "
        f"&= {_n(s.gate['o'][u])} \\cdot \\tanh({_a(s.c[u])}) \\\\ &= {_n(s.gate['o'][u])} \\cdot {_n(s.tanh_c[u])} "
        f"= {_a(s.h[u])}"
        "\\end{aligned}")
    return blocks


def rnn_equations(s: Step, unit: int = 0) -> list[str]:
    """LaTeX for the RNN step with the candidate's weights (same x_t, same h_{t-1})."""
    u = unit
    return ["\\begin{aligned}"
            f"h^{{RNN}}_t &= \\tanh(W_g x_t + U_g h_{{t-1}} + b_g) \\\\ "
            f"&= \\tanh({_a(s.rnn_pre[u])}) = {_a(s.rnn_h[u])}"
            "\\end{aligned}"]
