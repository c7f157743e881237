"""Figures of *Which gate matters?*: pure arrays -> go.Figure (palette and one-call figure() from style.py).

spread_bars: one horizontal bar per variant at the median over seeds, a whisker from the lowest to the
highest seed, and every seed as a dot; seeds that never got there (None) sit at `never_at` as crosses.
curves_band: the smoothed training metric over steps, median line and min-max band, for a few variants.
"""
from __future__ import annotations

import math

import numpy as np

from lstm_core.figures.style import OKABE_ITO, figure

BAR = OKABE_ITO["sky_blue"]
REF_BAR = OKABE_ITO["blue"]
DOT = OKABE_ITO["black"]
NEVER = OKABE_ITO["vermillion"]
LINE_COLORS = [OKABE_ITO[k] for k in ("blue", "vermillion", "bluish_green", "orange", "reddish_purple",
                                      "sky_blue", "black", "yellow", "grey")]


def spread_bars(labels: list[str], values: list[list], *, title: str, xaxis_title: str, reference: int | None = None,
                threshold: float | None = None, baseline: float | None = None, baseline_label: str = "baseline",
                never_at: float | None = None, log_x: bool = False, percent: bool = False,
                x_range: list | None = None, height: int | None = None):
    """labels (V,), values: V lists of per-seed numbers (None = never reached; drawn at never_at).
    reference: index of the bar drawn darker. threshold / baseline: dashed / dotted vertical lines. No legend
    (it sat on the title on a phone): the page's caption says what each mark is."""
    n = len(labels)
    scale = 100.0 if percent else 1.0
    med, lo, hi, dots_x, dots_y, nev_x, nev_y, colors = [], [], [], [], [], [], [], []
    for i, (lab, vs) in enumerate(zip(labels, values)):
        got = [float(v) for v in vs if v is not None and math.isfinite(float(v))]
        nevers = len(vs) - len(got)
        arr = [math.inf if (v is None or not math.isfinite(float(v))) else float(v) for v in vs]
        m = float(np.median(arr)) if arr else math.nan
        if not math.isfinite(m):
            m = never_at if never_at is not None else math.nan
        med.append(m * scale if math.isfinite(m) else None)
        lo.append(((m - min(got)) * scale) if got and math.isfinite(m) else 0.0)
        top = max(got) if got else m
        if nevers and never_at is not None:
            top = never_at
        hi.append(((top - m) * scale) if math.isfinite(m) and math.isfinite(top) else 0.0)
        dots_x += [v * scale for v in got]
        dots_y += [lab] * len(got)
        if never_at is not None:
            nev_x += [never_at * scale] * nevers
            nev_y += [lab] * nevers
        colors.append(REF_BAR if i == reference else BAR)
    data = [dict(type="bar", orientation="h", x=med, y=labels, name="median over seeds", marker=dict(color=colors),
                 error_x=dict(type="data", symmetric=False, array=hi, arrayminus=lo, color=DOT, thickness=1.2),
                 hovertemplate="%{y}: median %{x:.4g}<extra></extra>"),
            dict(type="scatter", mode="markers", x=dots_x, y=dots_y, name="one seed",
                 marker=dict(color=DOT, size=6, opacity=0.7), hovertemplate="%{y}: %{x:.4g}<extra></extra>")]
    if nev_x:
        data.append(dict(type="scatter", mode="markers", x=nev_x, y=nev_y, name="never within budget",
                         marker=dict(color=NEVER, size=9, symbol="x"),
                         hovertemplate="%{y}: never<extra></extra>"))
    for x, dash, text in ((threshold, "dash", "threshold"), (baseline, "dot", baseline_label)):
        if x is not None and n:
            data.append(dict(type="scatter", mode="lines", x=[x * scale, x * scale], y=[labels[0], labels[-1]],
                             name=text, line=dict(color=OKABE_ITO["grey"], dash=dash, width=1.5),
                             hoverinfo="skip"))
    layout = dict(title=title, height=height or 130 + 30 * n, barmode="overlay", showlegend=False,
                  margin=dict(l=10, r=10, t=60, b=50),
                  xaxis=dict(title=xaxis_title, type="log" if log_x else "linear", zeroline=False,
                             **({"range": list(x_range)} if x_range is not None else {})),
                  yaxis=dict(autorange="reversed", automargin=True))
    return figure(data, layout)


def curves_band(curves: dict, *, every: int, title: str, yaxis_title: str, threshold: float | None = None,
                log_y: bool = False, percent: bool = False, height: int = 380):
    """curves: {label: (S, N) array of smoothed values at steps every, 2*every, ...}: median line and
    min-max band per label."""
    scale = 100.0 if percent else 1.0
    data = []
    for k, (label, arr) in enumerate(curves.items()):
        a = np.asarray(arr, dtype=np.float64) * scale
        if a.ndim != 2 or a.shape[1] == 0:
            continue
        x = (np.arange(a.shape[1]) + 1) * every
        color = LINE_COLORS[k % len(LINE_COLORS)]
        med, lo, hi = np.nanmedian(a, 0), np.nanmin(a, 0), np.nanmax(a, 0)
        data += [dict(type="scatter", x=x, y=hi, mode="lines", line=dict(width=0), showlegend=False,
                      hoverinfo="skip", legendgroup=label),
                 dict(type="scatter", x=x, y=lo, mode="lines", line=dict(width=0), fill="tonexty",
                      fillcolor=_alpha(color, 0.18), showlegend=False, hoverinfo="skip", legendgroup=label),
                 dict(type="scatter", x=x, y=med, mode="lines", line=dict(color=color, width=2), name=label,
                      legendgroup=label, hovertemplate=f"{label} step %{{x}}: %{{y:.4g}}<extra></extra>")]
    shapes = []
    if threshold is not None:
        shapes.append(dict(type="line", x0=0, x1=1, xref="paper", y0=threshold * scale, y1=threshold * scale,
                           line=dict(color=OKABE_ITO["grey"], dash="dash", width=1.5)))
    layout = dict(title=title, height=height, shapes=shapes, margin=dict(l=10, r=10, t=60, b=140),
                  legend=dict(orientation="h", yanchor="top", y=-0.45, x=0),
                  xaxis=dict(title="training step"),
                  yaxis=dict(title=yaxis_title, type="log" if log_y else "linear", automargin=True))
    return figure(data, layout)


def table(columns: dict, *, widths: list | None = None, lines: int = 1, height: int | None = None):
    """A plotly table: columns {header: [cell text or number]}; " (" and " · " in a cell start new lines
    (a narrow screen cuts long words, it does not wrap them); widths: relative column widths; lines: the
    most lines a cell has (sets the height)."""
    n = len(next(iter(columns.values()), []))
    header = dict(values=[f"<b>{h}</b>" for h in columns], align="left", fill=dict(color="#DCEFFA"),
                  font=dict(size=12, color=OKABE_ITO["black"]), line=dict(color="#BBBBBB"))
    cells = dict(values=[[str(v).replace(" (", "<br>(").replace(" · ", "<br>") for v in col] for col in columns.values()],
                 align="left", font=dict(size=12, color=OKABE_ITO["black"]), line=dict(color="#DDDDDD"),
                 fill=dict(color=[["#FFFFFF", "#F4F4F4"] * (n // 2 + 1)]), height=18 * lines + 8)
    return figure([dict(type="table", header=header, cells=cells, columnwidth=widths)],
                  dict(height=height or 60 + (18 * lines + 10) * n, margin=dict(l=0, r=0, t=10, b=10)))


def _alpha(hex_color: str, a: float) -> str:
    h = hex_color.lstrip("#")
    return f"rgba({int(h[0:2], 16)}, {int(h[2:4], 16)}, {int(h[4:6], 16)}, {a})"
