"""Plotly figures for the Stacked and bidirectional page. Pure functions: arrays in, ``go.Figure`` out.

    probe_by_position(curves {label: (mean (P,), spread (P,))}, positions, colors)   (number_units.probe_curves)
    layer_unit_scores(scores {label: (S, H)}, threshold)     every unit's score, sorted, per layer, seeds as lines
    state_rows(rows {label: (T, U)}, units {label: [...]}, tokens, *, marks, field, title)
                                                             heatmaps (units x tokens) sharing one token axis
    task_accuracy(acc {label: (S,)}, params {label: int}, chance)   accuracy per model, seeds as points

Colours from the app's one palette (lstm_core.figures.style); time axes from style.token_axis.
"""
from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from lstm_core.figures.number_units import probe_curves
from lstm_core.figures.style import GATE_LABELS, GATE_SCALES, LAYOUT, LEGEND_BELOW, OKABE_ITO, dom, f32, figure, token_axis

LAYER_COLORS = {"layer 1": OKABE_ITO["blue"], "layer 2": OKABE_ITO["orange"]}
DIRECTION_COLORS = {"forward": OKABE_ITO["blue"], "backward": OKABE_ITO["orange"],
                    "unidirectional": OKABE_ITO["grey"]}


def probe_by_position(curves: dict, positions, colors: dict | None = None, dashes: dict | None = None) -> go.Figure:
    """Probe accuracy of the subject's number per position, one band per label (the Number units chart)."""
    for label, (mean, spread) in curves.items():
        if np.shape(mean) != (len(positions),) or np.shape(spread) != (len(positions),):
            raise ValueError(f"{label}: mean and spread must be ({len(positions)},)")
    return probe_curves(curves, positions, colors, dashes)


def layer_unit_scores(scores: dict, threshold: float, *, field: str = "cell") -> go.Figure:
    """scores {label: (S, H)}: each seed's unit scores (mean |2AUC−1|), sorted best first, one colour per
    label (layer), one line per seed; a dashed line at `threshold` (units above it are number units)."""
    data = []
    for i, (label, s) in enumerate(scores.items()):
        s = f32(s)
        if s.ndim != 2:
            raise ValueError(f"{label}: scores must be (seeds, units), got {s.shape}")
        color = LAYER_COLORS.get(label, list(OKABE_ITO.values())[i + 1])
        for k, row in enumerate(s):
            data.append(dict(type="scatter", x=np.arange(1, len(row) + 1), y=np.sort(row)[::-1], mode="lines+markers",
                             name=label, legendgroup=label, showlegend=k == 0, marker=dict(size=4),
                             line=dict(color=color, width=1.5),
                             hovertemplate=f"{label}, seed {k}<br>rank %{{x}}: %{{y:.3f}}<extra></extra>"))
    shapes = [dict(type="line", xref="x domain", yref="y", x0=0, x1=1, y0=threshold, y1=threshold,
                   line=dict(color=OKABE_ITO["black"], width=1.2, dash="dash"))]
    notes = [dict(xref="x domain", yref="y", x=1.0, y=threshold, text=f"number unit above {threshold}",
                  showarrow=False, xanchor="right", yanchor="bottom", font=dict(size=11))]
    layout = dict(LAYOUT, title=dict(text=f"Units ranked by how well their {GATE_LABELS.get(field, field)} "
                                          f"holds the number, per layer"),
                  height=340, legend=LEGEND_BELOW, margin=dict(l=60, r=20, t=80, b=70), shapes=shapes,
                  annotations=notes, xaxis=dict(title=dict(text="rank within the layer (one line per seed)")),
                  yaxis=dict(title=dict(text="mean |2AUC−1|"), range=[0, 1.02]))
    return figure(data, layout)


def state_rows(rows: dict, units: dict, tokens, *, marks: dict | None = None, field: str = "hidden",
               title: str = "") -> go.Figure:
    """One heatmap per row label, units (rows of the heatmap) x tokens, all on one shared token axis.
    rows {label: (T, U) values of the units listed in units[label]}."""
    labels = list(rows)
    if not labels:
        raise ValueError("need at least one row")
    T = len(tokens)
    lo, hi = -1.0, 1.0
    if field == "cell":
        m = max(float(np.abs(f32(v)).max()) for v in rows.values())
        lo, hi = -max(m, 1e-6), max(m, 1e-6)
    n = len(labels)
    gap = 0.06 if n > 1 else 0.0
    size = (1.0 - gap * (n - 1)) / n
    data, layout = [], dict(LAYOUT, title=dict(text=title), height=140 + 170 * n,
                            margin=dict(l=110, r=20, t=80, b=60))
    for i, label in enumerate(labels):
        v = f32(rows[label])
        if v.shape != (T, len(units[label])):
            raise ValueError(f"{label}: values must be (tokens, units) = ({T}, {len(units[label])}), got {v.shape}")
        ax = "" if i == 0 else str(i + 1)
        top = 1.0 - i * (size + gap)
        data.append(dict(type="heatmap", z=v.T, x=list(range(T)), y=[f"{label} u{u}" for u in units[label]],
                         zmin=lo, zmax=hi, colorscale=GATE_SCALES[field], showscale=i == 0,
                         colorbar=dict(title=dict(text=GATE_LABELS.get(field, field)), thickness=12),
                         xaxis=f"x{ax}", yaxis=f"y{ax}",
                         hovertemplate="%{y}<br>token %{x}<br>%{z:.3f}<extra></extra>"))
        layout[f"yaxis{ax}"] = dict(domain=dom(top - size, top), type="category", autorange="reversed",
                                    title=dict(text=label), showticklabels=True, tickfont=dict(size=10))
        axis = token_axis(tokens, marks, title="token (time →)" if i == n - 1 else None)
        if i < n - 1:
            axis.update(showticklabels=False)
        layout[f"xaxis{ax}"] = dict(axis, anchor=f"y{ax}", **({"matches": "x"} if i else {}))
    return figure(data, layout)


def task_accuracy(acc: dict, params: dict, chance: float = 0.5) -> go.Figure:
    """acc {label: (S,) accuracy per seed}: a bar at the mean, each seed a point; params {label: count} in
    the tick labels; a dashed chance line."""
    names = list(acc)
    ticks = [f"{k}<br>{params[k]:,} parameters" for k in names]
    colors = [DIRECTION_COLORS.get(k.split()[0], OKABE_ITO["blue"]) for k in names]
    means = [float(np.mean(acc[k])) for k in names]
    data = [dict(type="bar", x=ticks, y=means, marker=dict(color=colors), name="mean over seeds",
                 hovertemplate="%{x}<br>mean %{y:.3f}<extra></extra>", showlegend=True)]
    for k, t in zip(names, ticks):
        a = f32(acc[k])
        data.append(dict(type="scatter", x=[t] * len(a), y=a, mode="markers", name="one seed",
                         showlegend=k == names[0], marker=dict(color=OKABE_ITO["black"], size=8, symbol="x"),
                         hovertemplate="%{x}<br>seed accuracy %{y:.3f}<extra></extra>"))
    shapes = [dict(type="line", xref="x domain", yref="y", x0=0, x1=1, y0=chance, y1=chance,
                   line=dict(color=OKABE_ITO["grey"], width=1.2, dash="dash"))]
    layout = dict(LAYOUT, title=dict(text="Accuracy at the masked subject"), height=360, legend=LEGEND_BELOW,
                  margin=dict(l=60, r=20, t=70, b=90), shapes=shapes,
                  yaxis=dict(title=dict(text="accuracy (held-out sentences)"), range=[0, 1.05]))
    return figure(data, layout)
