"""One LSTM step with every number visible: the core of *Cell anatomy* (its sentences and equations:
lstm_core.narration.anatomy).

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

from lstm_core.cells import Clamp, GlassLSTM, GlassRNN

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
