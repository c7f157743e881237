"""Figures of *Vanishing gradients*: curves against distance from the loss on a log axis."""
from __future__ import annotations

import math

import numpy as np
import plotly.graph_objects as go

from lstm_core.figures.style import LAYOUT, OKABE_ITO, cursor_shapes, figure


def log_curves_vs_distance(series: dict, *, title: str, yaxis_title: str, colors: dict | None = None,
                           dashes: dict | None = None,
                           xaxis_title: str = "steps back from the loss",
                           tokens: list | None = None, subject: int | None = None) -> go.Figure:
    """Curves on a log y-axis against distance d = 0, 1, ... series {label: (D,)}, index = distance.

    Non-positive or non-finite values cannot sit on a log axis: they become gaps (and the hover says so).
    tokens: the words read (trained models on a sentence): they label the x-axis in reading order;
    subject: its distance from the loss, marked with the cursor line.
    """
    palette = list(OKABE_ITO.values())[1:]
    data = []
    for k, (label, y) in enumerate(series.items()):
        y = np.asarray(y, dtype=np.float64).reshape(-1)
        y = np.where(np.isfinite(y) & (y > 0), y, np.nan)
        color = (colors or {}).get(label, palette[k % len(palette)])
        data.append(dict(
            type="scatter", x=np.arange(len(y)), y=y, mode="lines", name=str(label),
            line=dict(color=color, dash=(dashes or {}).get(label, "solid"), width=2.5),
            hovertemplate=f"{label}<br>distance %{{x}}<br>%{{y:.3e}}<extra></extra>"))
    # reversed: distance 0 (the loss, the last step) at the right, so time runs left to right as it does when
    # the x-axis shows a sentence's words
    layout = dict(title=title, xaxis=dict(title=xaxis_title, autorange="reversed"), showlegend=True,
                  yaxis=dict(title=yaxis_title, type="log", exponentformat="power"), **LAYOUT)
    D = max((len(np.atleast_1d(y)) for y in series.values()), default=0)
    if tokens:
        ticks, words = token_ticks(tokens, D)
        layout["xaxis"] = dict(tickvals=ticks, ticktext=words, tickangle=-45 if len(tokens) > 12 else 0,
                               autorange="reversed")
        layout.update(legend=dict(layout["legend"], y=-0.38), margin=dict(layout["margin"], b=60), height=500)
    if subject is not None and 0 < subject < D:
        layout["shapes"] = cursor_shapes(subject, [("x", "y")])
        layout["annotations"] = [dict(text="subject", x=int(subject), xref="x", y=1, yref="y domain",
                                      xanchor="center", yanchor="bottom", showarrow=False)]
    return figure(data, layout)


def grad_norm_vs_distance(series: dict, *, title: str = "Gradient norm vs distance from the loss",
                          colors: dict | None = None, dashes: dict | None = None,
                          yaxis_title: str = "‖∂L/∂state‖ (log scale)", tokens: list | None = None,
                          subject: int | None = None) -> go.Figure:
    """||dL/dh_t|| (and ||dL/dc_t||) against distance from the loss, one curve per model/state."""
    return log_curves_vs_distance(series, title=title, yaxis_title=yaxis_title, colors=colors, dashes=dashes,
                                  tokens=tokens, subject=subject)


def add_time_cursor(fig: go.Figure, t: int, *, label: str | None = None) -> go.Figure:
    """Draw the shared time cursor: a dashed vertical line at x = t (in place; returns fig)."""
    note = [] if label is None else [dict(text=label, x=int(t), xref="x", y=1, yref="y domain",
                                          xanchor="center", yanchor="bottom", showarrow=False)]
    fig.update_layout(shapes=list(fig.layout.shapes) + cursor_shapes(t, [("x", "y")]),
                      annotations=list(fig.layout.annotations) + note)
    return fig


def token_ticks(tokens: list, D: int, max_labels: int = 40) -> tuple[list[int], list[str]]:
    """Axis labels for curves indexed by distance d = 0..D-1 from the loss at the last token: (d's, words),
    every k-th word when there are more than max_labels (always including d = 0)."""
    T = len(tokens)
    every = max(1, math.ceil(D / max_labels))
    ds = list(range(0, D, every))
    return ds, [str(tokens[T - 1 - d]) for d in ds]
