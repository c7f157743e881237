"""Figures of *Learning to forget*: pure arrays -> go.Figure (lstm_core.figures.style's palette and
token axis). Models are told apart by line dash and marker, not colour: colour means the quantity
(|c| the cell's blue, f the forget gate's orange), as everywhere in the app."""
from __future__ import annotations

import numpy as np

from lstm_core.figures import style

CELL, FORGET = style.GATE_COLORS["cell"], style.GATE_COLORS["forget_gate"]
DASHES = {"forget": "solid", "nfg": "dash", "nfg_reset": "dot"}
# accuracy lines (no quantity colour applies): one grey level per model, markers for carried / reset
SHADES = {"forget": style.OKABE_ITO["black"], "nfg": "#5A5A5A", "nfg_reset": style.OKABE_ITO["grey"]}
LABELS = {"forget": "forget-gate LSTM", "nfg": "1997 cell", "nfg_reset": "1997 cell (reset-trained)"}
HEIGHT = 330
# the legend at the bottom of the container, every axis with automargin: the plot shrinks to leave room for
# tick labels, axis titles and legend (a legend just under the plot sat on the token labels)
BASE = dict(margin=dict(l=60, r=20, t=60, b=40), font=style.FONT, legend=style.LEGEND_BELOW)


def _ax(**kw) -> dict:
    return dict(automargin=True, **kw)


def _dash(key: str) -> str:
    return DASHES.get(key, "dashdot")


def _label(key: str) -> str:
    return LABELS.get(key, key)


def _starts_shapes(starts, lo: int, hi: int) -> list:
    """Thin vertical lines at the sentence starts inside [lo, hi)."""
    return [dict(type="line", x0=int(t) - 0.5, x1=int(t) - 0.5, xref="x", y0=0, y1=1, yref="y domain",
                 line=dict(color=style.OKABE_ITO["grey"], width=1, dash="dot"), layer="above")
            for t in starts if lo <= t < hi]


def cell_growth(curves: dict, window: tuple[int, int] | None = None) -> "style.go.Figure":
    """curves: {model key: (T,) mean over units of |c_t|}. Log y; the shown window shaded."""
    data = [dict(type="scatter", mode="lines", x=np.arange(len(v)), y=style.f32(np.maximum(v, 1e-6)),
                 name=_label(k), line=dict(color=CELL, dash=_dash(k), width=2)) for k, v in curves.items()]
    shapes = []
    if window is not None:
        shapes.append(dict(type="rect", x0=window[0], x1=window[1], xref="x", y0=0, y1=1, yref="y domain",
                           fillcolor=style.OKABE_ITO["grey"], opacity=0.15, line=dict(width=0), layer="below"))
    return style.figure(data, dict(BASE, height=HEIGHT, shapes=shapes,
                                   title="Mean |c_t| over the units, along the whole stream",
                                   xaxis=_ax(title="token position in the stream"),
                                   yaxis=_ax(title="mean |c| (log)", type="log")))


def cell_heatmap(cell: np.ndarray, tokens, starts, lo: int, hi: int, title: str) -> "style.go.Figure":
    """|c_t| per unit (rows) over tokens lo..hi-1 (columns), sentence starts as dotted lines."""
    c = np.abs(cell[lo:hi])
    zmax = max(float(c.max()) if c.size else 1.0, 1e-6)
    axis = style.token_axis(list(tokens[lo:hi]), title="token (time →)")
    axis.update(tickvals=[v + lo for v in axis["tickvals"]], range=[lo - 0.5, hi - 0.5])
    data = [dict(type="heatmap", z=style.f32(c.T), x=np.arange(lo, hi), y=np.arange(c.shape[1]), zmin=0, zmax=zmax,
                 colorscale=[[0.0, "#FFFFFF"], [1.0, CELL]], colorbar=dict(title="|c|", thickness=12),
                 hovertemplate="token %{x}<br>unit %{y}<br>|c| = %{z:.3g}<extra></extra>")]
    return style.figure(data, dict(BASE, height=HEIGHT + 40, title=title, xaxis=dict(axis, automargin=True),
                                   yaxis=_ax(title="unit"), shapes=_starts_shapes(starts, lo, hi)))


def forget_locked(curves: dict, event: str) -> "style.go.Figure":
    """curves: {model key: (2W+1,) mean forget gate at offsets -W..W around the events}; event a short
    name ("the verb", "a first word")."""
    data = []
    for k, v in curves.items():
        W = (len(v) - 1) // 2
        data.append(dict(type="scatter", mode="lines+markers", x=np.arange(-W, W + 1), y=style.f32(v),
                         name=_label(k), line=dict(color=FORGET, dash=_dash(k), width=2)))
    return style.figure(data, dict(BASE, height=HEIGHT, title=f"Forget gate around {event}",
                                   xaxis=_ax(title="offset (tokens)", zeroline=True),
                                   yaxis=_ax(title="mean f", range=[0, 1.02])))


def forget_locked_units(locked: np.ndarray, event: str) -> "style.go.Figure":
    """locked (2W+1, H): each unit's mean forget gate around the events (units as rows)."""
    W = (locked.shape[0] - 1) // 2
    data = [dict(type="heatmap", z=style.f32(locked.T), x=np.arange(-W, W + 1), y=np.arange(locked.shape[1]),
                 zmin=0, zmax=1, colorscale=style.GATE_SCALES["forget_gate"], colorbar=dict(title="f", thickness=12),
                 hovertemplate="offset %{x}<br>unit %{y}<br>f = %{z:.3f}<extra></extra>")]
    return style.figure(data, dict(BASE, height=HEIGHT + 40, title=f"Forget gate per unit around {event}",
                                   xaxis=_ax(title="offset (tokens)"), yaxis=_ax(title="unit")))


def unit_lines(cell: np.ndarray, forget: np.ndarray | None, tokens, starts, lo: int, hi: int,
               unit: int, key: str) -> "style.go.Figure":
    """One unit's c_t (left axis) and f_t (right axis) over tokens lo..hi-1."""
    x = np.arange(lo, hi)
    data = [dict(type="scatter", mode="lines", x=x, y=style.f32(cell[lo:hi, unit]), name=f"c (unit {unit})",
                 line=dict(color=CELL, dash=_dash(key)))]
    if forget is not None:
        data.append(dict(type="scatter", mode="lines", x=x, y=style.f32(forget[lo:hi, unit]), yaxis="y2",
                         name=f"f (unit {unit})", line=dict(color=FORGET, dash=_dash(key))))
    axis = style.token_axis(list(tokens[lo:hi]))
    axis.update(tickvals=[v + lo for v in axis["tickvals"]], range=[lo - 0.5, hi - 0.5])
    return style.figure(data, dict(BASE, height=HEIGHT + 40, title=f"{_label(key)}: unit {unit}",
                                   xaxis=dict(axis, automargin=True), yaxis=_ax(title="c"),
                                   shapes=_starts_shapes(starts, lo, hi),
                                   yaxis2=_ax(title="f", overlaying="y", side="right", range=[0, 1.02], dtick=0.25,
                                               showgrid=False)))


def accuracy_along(binned: dict, chance: float = 0.5) -> "style.go.Figure":
    """binned: {(model key, "carried" | "reset"): (centres (k,), accuracy (k,))} by sentence index."""
    data = []
    for (k, mode), (x, y) in binned.items():
        carried = mode == "carried"
        data.append(dict(type="scatter", mode="lines+markers" if carried else "markers", x=style.f32(x),
                         y=style.f32(y), name=f"{_label(k)}, {mode}",
                         line=dict(color=SHADES.get(k, "#000000"), dash=_dash(k), width=2),
                         marker=dict(color=SHADES.get(k, "#000000"), size=9 if carried else 11,
                                     symbol="circle" if carried else "x-thin-open", line=dict(width=2))))
    shapes = [dict(type="line", x0=0, x1=1, xref="x domain", y0=chance, y1=chance, yref="y",
                   line=dict(color=style.OKABE_ITO["grey"], dash="dot"))]
    return style.figure(data, dict(BASE, height=HEIGHT + 30, shapes=shapes,
                                   title="Accuracy at the verbs along the stream",
                                   xaxis=_ax(title="sentence index (bin centre)"),
                                   yaxis=_ax(title="accuracy", range=[0, 1.02])))
