"""Figures of *Gates over time*: unit × token heatmaps of every gate and state, lines over the tokens."""
from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from lstm_core.figures.style import (
    FONT,
    GATE_COLORS,
    GATE_LABELS,
    GATE_SCALES,
    LEGEND_BELOW,
    OKABE_ITO,
    cursor_shapes,
    dom,
    f32,
    figure,
    token_axis,
    zrange,
)

_MARGIN = dict(l=60, r=30, t=70, b=50)


def gate_grid(arrays: dict, tokens, names, *, cursor: int | None = None, units=None,
              marks: dict | None = None, cols: int = 2, title: str = "", panel_height: int = 260,
              prefix: str = "", labels: dict | None = None) -> go.Figure:
    """Heatmaps unit × token of several quantities of one model, in a grid (`cols` columns).
    arrays {name: (T, H)}; names: which to draw, in order; units: row indices to show (None =
    all); cursor: time index of the shared dashed cursor line; prefix: e.g. "LSTM " for
    panel titles; labels: name -> panel label (default style.GATE_LABELS, e.g. ARCH_LABELS["gru"])."""
    tokens = [str(t) for t in tokens]
    names = list(names)
    n = len(names)
    rows = -(-n // cols)
    gx, gy = 0.13, 0.16 / max(rows, 1) + 0.04
    w = (1 - gx * (cols - 1)) / cols
    h = (1 - gy * (rows - 1)) / rows
    data, layout, axes, notes = [], {}, [], []
    xlabels = [f"{t}:{tok}" for t, tok in enumerate(tokens)]   # categories: repeats stay distinct
    for k, name in enumerate(names):
        v = f32(arrays[name])
        if v.ndim != 2 or v.shape[0] != len(tokens):
            raise ValueError(f"{name}: expected ({len(tokens)}, units), got {v.shape}")
        rows_idx = np.arange(v.shape[1]) if units is None else np.asarray(list(units), dtype=int)
        z = v[:, rows_idx].T                                             # (units, T)
        r, c = divmod(k, cols)
        ax = "" if k == 0 else str(k + 1)
        x0 = c * (w + gx)
        top = 1 - r * (h + gy)
        zmin, zmax = zrange(name, z)
        label = (labels or GATE_LABELS).get(name, name)
        data.append(dict(
            type="heatmap", z=z, x=xlabels, y=[str(u) for u in rows_idx],
            xaxis="x" + ax, yaxis="y" + ax, zmin=zmin, zmax=zmax,
            colorscale=GATE_SCALES.get(name), name=prefix + label,
            colorbar=dict(x=x0 + w + 0.005, y=top - h / 2, len=h, thickness=9,
                          title=dict(text=label.split(" ")[0]), xanchor="left"),
            hovertemplate=f"{prefix}{label}<br>unit %{{y}}, token %{{x}}"
                          f"<br>value %{{z:.3f}}<extra></extra>"))
        layout["xaxis" + ax] = dict(token_axis(tokens, marks, max_ticks=40 // cols, title=None),
                                    domain=dom(x0, x0 + w), anchor="y" + ax, type="category")
        layout["xaxis" + ax]["tickvals"] = [xlabels[t] for t in layout["xaxis" + ax]["tickvals"]]
        if layout["xaxis" + ax]["tickangle"] == 0:      # plotly's "auto": the tokens turn -45 degrees where they
            del layout["xaxis" + ax]["tickangle"]        # would run together (a narrow panel), level elsewhere
            layout["xaxis" + ax]["autotickangles"] = [0, -45]   # (90 ran into the panel title below)
        layout["yaxis" + ax] = dict(domain=dom(top - h, top), anchor="x" + ax, type="category",
                                    autorange="reversed",
                                    title=dict(text="unit" if c == 0 else ""),
                                    showgrid=False)
        notes.append(dict(text=f"<b>{prefix}{label}</b>", x=x0, y=top, xref="paper",
                          yref="paper", xanchor="left", yanchor="bottom", showarrow=False,
                          font=dict(color=GATE_COLORS.get(name, "#000"), size=14)))
        axes.append(("x" + ax, "y" + ax))
    layout.update(font=FONT, margin=dict(l=60, r=60, t=60 if title else 30, b=40),
                  height=int(panel_height * rows * (1 + gy)), annotations=notes,
                  shapes=cursor_shapes(cursor, axes), showlegend=False)
    if title:
        layout["title"] = dict(text=title)
    return figure(data, layout)


def token_lines(series: dict, tokens, *, title: str, yaxis_title: str, colors: dict | None = None,
                dashes: dict | None = None, cursor: int | None = None, marks: dict | None = None,
                yrange=None, hline: float | None = None, height: int = 330) -> go.Figure:
    """Lines over tokens. series {label: (T,)}; colors / dashes {label: ...}; hline: a dotted
    reference level (e.g. 0.5 for a probability)."""
    tokens = [str(t) for t in tokens]
    T = len(tokens)
    palette = [OKABE_ITO[k] for k in ("blue", "vermillion", "bluish_green", "orange",
                                      "reddish_purple", "sky_blue", "black")]
    data = []
    for k, (label, y) in enumerate(series.items()):
        y = f32(y).reshape(-1)
        if y.shape[0] != T:
            raise ValueError(f"{label}: {y.shape[0]} values but {T} tokens")
        data.append(dict(type="scatter", x=np.arange(T), y=y, name=str(label),
                         mode="lines+markers" if T <= 60 else "lines",
                         line=dict(color=(colors or {}).get(label, palette[k % len(palette)]),
                                   dash=(dashes or {}).get(label, "solid"), width=2),
                         customdata=tokens,
                         hovertemplate=f"{label}<br>token %{{x}}:%{{customdata}}<br>%{{y:.4f}}"
                                       "<extra></extra>"))
    shapes = cursor_shapes(cursor, [("x", "y")])
    if hline is not None:
        shapes.append(dict(type="line", xref="x domain", x0=0, x1=1, yref="y", y0=hline,
                           y1=hline, line=dict(color=OKABE_ITO["grey"], dash="dot", width=1)))
    layout = dict(font=FONT, margin=_MARGIN, height=height,
                  title=dict(text=title), legend=LEGEND_BELOW, showlegend=True, shapes=shapes,
                  xaxis=token_axis(tokens, marks),
                  yaxis=dict(title=dict(text=yaxis_title), range=yrange))
    return figure(data, layout)
