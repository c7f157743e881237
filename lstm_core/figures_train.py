"""Figures for pages 2 (Gates over time) and 4 (Train and compare). Pure functions: NumPy
arrays in, plotly Figure out, in the app's one palette (lstm_core.figures: GATE_COLORS,
GATE_SCALES, GATE_LABELS, ARCH_COLORS).

Each figure is built in ONE go.Figure(dict) call and names no plotly template (Streamlit's
theme styles the chart in the browser): that takes a few ms, while update_layout / add_trace
calls and template="plotly_white" cost 10-30 ms each, and page 2 rebuilds its figures on
every move of the time cursor within a 100 ms budget.

    gate_grid(arrays {name: (T, H)}, tokens, names, *, cursor, units, marks, cols=2) -> Figure
    set_cursor(fig, t) -> fig                   moves the dashed cursor of any of these figures
    token_lines(series {label: (T,)}, tokens, *, title, yaxis_title, colors, dashes, cursor, marks) -> Figure
    training_curves(curves {arch: (steps, loss, acc|None)}, *, log_loss) -> Figure
    grad_heatmaps(grads {label: (train_steps (K,), norms (K, T))}) -> Figure
    metric_vs_distance(sweeps {arch: (x, y)}, *, metric, chance, trained_at, xaxis_title) -> Figure

Time axes: numeric positions 0..T-1 with the tokens as tick text; `marks` = {"subject": t,
"attractors": [t, ...]} draws the subject token bold and attractor tokens in vermillion.
"""
from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from lstm_core.figures import ARCH_COLORS, GATE_COLORS, GATE_LABELS, GATE_SCALES, OKABE_ITO

_FONT = dict(size=13)
_MARGIN = dict(l=60, r=30, t=70, b=50)
_LEGEND = dict(orientation="h", yanchor="bottom", y=1.02, xanchor="right", x=1.0)
_SIGNED = {"candidate", "hidden"}
_CURSOR = dict(color=OKABE_ITO["black"], dash="dash", width=1.5)


def _f32(a) -> np.ndarray:
    return np.asarray(a, dtype=np.float32)


def tick_text(tokens, marks: dict | None = None) -> list[str]:
    """Token tick labels; the subject in bold, attractors in vermillion (plotly rich text)."""
    marks = marks or {}
    subj, attr = marks.get("subject"), set(marks.get("attractors") or ())
    out = []
    for t, tok in enumerate(tokens):
        s = str(tok).replace("<", "&lt;").replace(">", "&gt;")
        if t == subj:
            s = f"<b>{s}</b>"
        if t in attr:
            s = f"<span style='color:{OKABE_ITO['vermillion']}'>{s}</span>"
        out.append(s)
    return out


def token_axis(tokens, marks=None, max_ticks: int = 40, title: str | None = "token (time →)") -> dict:
    """x-axis dict: positions 0..T-1 with token tick text (every k-th beyond max_ticks)."""
    T = len(tokens)
    every = max(1, int(np.ceil(T / max_ticks)))
    ticks = list(range(0, T, every))
    text = tick_text(tokens, marks)
    return dict(tickmode="array", tickvals=ticks, ticktext=[text[t] for t in ticks],
                range=[-0.5, T - 0.5], title=dict(text=title) if title else None,
                tickangle=-45 if T > 12 else 0, showgrid=False, zeroline=False)


def _cursor_shapes(cursor, axes) -> list:
    """A dashed vertical line at x = cursor in every (xref, yref-domain) pair."""
    if cursor is None:
        return []
    return [dict(type="line", x0=int(cursor), x1=int(cursor), xref=x, y0=0, y1=1, name="cursor",
                 yref=f"{y} domain", line=_CURSOR, layer="above") for x, y in axes]


def set_cursor(fig: go.Figure, t: int) -> go.Figure:
    """Move the dashed time cursor of a figure made here to x = t, in place (a fraction of a
    ms, against ~10 ms to rebuild a figure). Returns fig."""
    shapes = list(fig.layout.shapes)
    cursors = [sh for sh in shapes if sh.name == "cursor"]
    others = [sh for sh in shapes if sh.name != "cursor"]
    fig.layout.shapes = others + [dict(sh.to_plotly_json(), x0=int(t), x1=int(t)) for sh in cursors]
    return fig


def _dom(a: float, b: float) -> list[float]:
    """A subplot domain clipped to [0, 1] (float round-off can step just outside)."""
    return [min(max(a, 0.0), 1.0), min(max(b, 0.0), 1.0)]


def _zrange(name: str, v: np.ndarray) -> tuple[float, float]:
    if name in _SIGNED:
        return -1.0, 1.0
    if name == "cell":
        finite = v[np.isfinite(v)]
        m = float(np.abs(finite).max()) if finite.size else 1.0
        return -max(m, 1e-6), max(m, 1e-6)
    return 0.0, 1.0


def gate_grid(arrays: dict, tokens, names, *, cursor: int | None = None, units=None,
              marks: dict | None = None, cols: int = 2, title: str = "", panel_height: int = 260,
              prefix: str = "") -> go.Figure:
    """Heatmaps unit × token of several quantities of one model, in a grid (`cols` columns).
    arrays {name: (T, H)}; names: which to draw, in order; units: row indices to show (None =
    all); cursor: time index of the shared dashed cursor line; prefix: e.g. "LSTM " for
    panel titles."""
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
        v = _f32(arrays[name])
        if v.ndim != 2 or v.shape[0] != len(tokens):
            raise ValueError(f"{name}: expected ({len(tokens)}, units), got {v.shape}")
        rows_idx = np.arange(v.shape[1]) if units is None else np.asarray(list(units), dtype=int)
        z = v[:, rows_idx].T                                             # (units, T)
        r, c = divmod(k, cols)
        ax = "" if k == 0 else str(k + 1)
        x0 = c * (w + gx)
        top = 1 - r * (h + gy)
        zmin, zmax = _zrange(name, z)
        label = GATE_LABELS.get(name, name)
        data.append(dict(
            type="heatmap", z=z, x=xlabels, y=[str(u) for u in rows_idx],
            xaxis="x" + ax, yaxis="y" + ax, zmin=zmin, zmax=zmax,
            colorscale=GATE_SCALES.get(name), name=prefix + label,
            colorbar=dict(x=x0 + w + 0.005, y=top - h / 2, len=h, thickness=9,
                          title=dict(text=label.split(" ")[0]), xanchor="left"),
            hovertemplate=f"{prefix}{label}<br>unit %{{y}}, token %{{x}}"
                          f"<br>value %{{z:.3f}}<extra></extra>"))
        layout["xaxis" + ax] = dict(token_axis(tokens, marks, max_ticks=40 // cols, title=None),
                                    domain=_dom(x0, x0 + w), anchor="y" + ax, type="category")
        layout["xaxis" + ax]["tickvals"] = [xlabels[t] for t in layout["xaxis" + ax]["tickvals"]]
        layout["yaxis" + ax] = dict(domain=_dom(top - h, top), anchor="x" + ax, type="category",
                                    autorange="reversed",
                                    title=dict(text="unit" if c == 0 else ""),
                                    showgrid=False)
        notes.append(dict(text=f"<b>{prefix}{label}</b>", x=x0, y=top, xref="paper",
                          yref="paper", xanchor="left", yanchor="bottom", showarrow=False,
                          font=dict(color=GATE_COLORS.get(name, "#000"), size=14)))
        axes.append(("x" + ax, "y" + ax))
    layout.update(font=_FONT, margin=dict(l=60, r=60, t=60 if title else 30, b=40),
                  height=int(panel_height * rows * (1 + gy)), annotations=notes,
                  shapes=_cursor_shapes(cursor, axes), showlegend=False)
    if title:
        layout["title"] = dict(text=title)
    return go.Figure(dict(data=data, layout=layout))


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
        y = _f32(y).reshape(-1)
        if y.shape[0] != T:
            raise ValueError(f"{label}: {y.shape[0]} values but {T} tokens")
        data.append(dict(type="scatter", x=np.arange(T), y=y, name=str(label),
                         mode="lines+markers" if T <= 60 else "lines",
                         line=dict(color=(colors or {}).get(label, palette[k % len(palette)]),
                                   dash=(dashes or {}).get(label, "solid"), width=2),
                         customdata=tokens,
                         hovertemplate=f"{label}<br>token %{{x}}:%{{customdata}}<br>%{{y:.4f}}"
                                       "<extra></extra>"))
    shapes = _cursor_shapes(cursor, [("x", "y")])
    if hline is not None:
        shapes.append(dict(type="line", xref="x domain", x0=0, x1=1, yref="y", y0=hline,
                           y1=hline, line=dict(color=OKABE_ITO["grey"], dash="dot", width=1)))
    layout = dict(font=_FONT, margin=_MARGIN, height=height,
                  title=dict(text=title), legend=_LEGEND, showlegend=True, shapes=shapes,
                  xaxis=token_axis(tokens, marks),
                  yaxis=dict(title=dict(text=yaxis_title), range=yrange))
    return go.Figure(dict(data=data, layout=layout))


# ----------------------------------------------------------------------------------------
# Page 4

def training_curves(curves: dict, *, loss_title: str = "training loss (log scale)",
                    acc_title: str = "training accuracy", log_loss: bool = True,
                    chance: float | None = None, height: int = 360) -> go.Figure:
    """Loss (left) and accuracy (right, when any model has one) against training step.
    curves {arch: (steps (N,), loss (N,), acc (N,) or None)}. chance: dotted level on the
    accuracy panel."""
    has_acc = any(v[2] is not None for v in curves.values())
    split = 0.44 if has_acc else 1.0
    data = []
    for arch, (steps, loss, acc) in curves.items():
        color = ARCH_COLORS.get(arch, OKABE_ITO["black"])
        loss = np.asarray(loss, dtype=np.float64)
        data.append(dict(type="scatter", x=np.asarray(steps), y=np.where(np.isfinite(loss) & (loss > 0), loss, np.nan) if log_loss else loss,
                         name=arch.upper(), legendgroup=arch, mode="lines", line=dict(color=color, width=2),
                         xaxis="x", yaxis="y",
                         hovertemplate=f"{arch.upper()} step %{{x}}<br>loss %{{y:.4g}}<extra></extra>"))
        if acc is not None:
            data.append(dict(type="scatter", x=np.asarray(steps), y=_f32(acc), name=arch.upper(),
                             legendgroup=arch, showlegend=False, mode="lines",
                             line=dict(color=color, width=2), xaxis="x2", yaxis="y2",
                             hovertemplate=f"{arch.upper()} step %{{x}}<br>accuracy %{{y:.3f}}"
                                           "<extra></extra>"))
    layout = dict(font=_FONT, margin=_MARGIN, height=height, legend=_LEGEND,
                  xaxis=dict(domain=[0, split], title=dict(text="training step"), anchor="y"),
                  yaxis=dict(title=dict(text=loss_title), type="log" if log_loss else "linear",
                             anchor="x", tickformat=".2~g"),
                  annotations=[dict(text="<b>Loss</b>", x=0, y=1.0, xref="paper", yref="paper",
                                    xanchor="left", yanchor="bottom", showarrow=False)])
    if has_acc:
        layout.update(xaxis2=dict(domain=[split + 0.12, 1], title=dict(text="training step"), anchor="y2"),
                      yaxis2=dict(title=dict(text=acc_title), range=[0, 1.02], anchor="x2"))
        layout["annotations"].append(dict(text="<b>Accuracy</b>", x=split + 0.12, y=1.0, xref="paper",
                                          yref="paper", xanchor="left", yanchor="bottom",
                                          showarrow=False))
        if chance is not None:
            layout["shapes"] = [dict(type="line", xref="x2 domain", x0=0, x1=1, yref="y2",
                                     y0=chance, y1=chance,
                                     line=dict(color=OKABE_ITO["grey"], dash="dot", width=1))]
    return go.Figure(dict(data=data, layout=layout))


def grad_heatmaps(grads: dict, *, height_per: int = 260, xaxis_title: str = "time step t "
                  "(the loss is read at the last step →)") -> go.Figure:
    """One heatmap per entry: x = time step t of the probe sequences, y = training step,
    colour = log10 of the mean gradient norm ||dL/dstate_t||, one shared colour range.
    grads {label: (train_steps (K,), norms (K, T))}; label e.g. 'LSTM ‖∂L/∂h_t‖'."""
    items = [(k, np.asarray(s), np.asarray(g, dtype=np.float64)) for k, (s, g) in grads.items()
             if g is not None and np.size(g)]
    logs = []
    for _, _, g in items:
        with np.errstate(divide="ignore", invalid="ignore"):
            logs.append(np.where(np.isfinite(g) & (g > 0), np.log10(np.where(g > 0, g, 1)), np.nan))
    finite = np.concatenate([l[np.isfinite(l)] for l in logs]) if logs else np.zeros(0)
    zmin, zmax = (float(finite.min()), float(finite.max())) if finite.size else (-8.0, 0.0)
    if zmax - zmin < 1e-6:
        zmax = zmin + 1.0
    n = max(len(items), 1)
    gap = 0.12 if n > 1 else 0
    h = (1 - gap * (n - 1)) / n
    data, layout, notes = [], {}, []
    for k, ((label, steps, g), lg) in enumerate(zip(items, logs)):
        ax = "" if k == 0 else str(k + 1)
        top = 1 - k * (h + gap)
        data.append(dict(type="heatmap", z=_f32(lg), x=np.arange(g.shape[1]), y=steps,
                         xaxis="x" + ax, yaxis="y" + ax, zmin=zmin, zmax=zmax,
                         colorscale="Cividis", showscale=(k == 0), name=label,
                         colorbar=dict(title=dict(text="log₁₀ ‖∂L/∂·‖"), thickness=12),
                         customdata=g.astype(np.float32),
                         hovertemplate=f"{label}<br>training step %{{y}}, t = %{{x}}<br>norm "
                                       "%{customdata:.3e}<extra></extra>"))
        layout["xaxis" + ax] = dict(anchor="y" + ax, title=dict(text=xaxis_title), showgrid=False)
        layout["yaxis" + ax] = dict(domain=_dom(top - h, top), anchor="x" + ax, showgrid=False,
                                    title=dict(text="training step"))
        notes.append(dict(text=f"<b>{label}</b>", x=0, y=top, xref="paper", yref="paper",
                          xanchor="left", yanchor="bottom", showarrow=False))
    layout.update(font=_FONT, margin=dict(l=70, r=30, t=40, b=50),
                  height=int(height_per * n * (1 + gap)) + 40, annotations=notes)
    return go.Figure(dict(data=data, layout=layout))


def metric_vs_distance(sweeps: dict, *, metric: str = "accuracy", chance: float | None = None,
                       trained_at: int | None = None,
                       xaxis_title: str = "distance (tokens between subject and verb)",
                       height: int = 360) -> go.Figure:
    """Test metric against distance after training. sweeps {arch: (x (D,), y (D,))};
    metric 'accuracy' (0..1) or 'mse' (log scale); chance: dotted baseline; trained_at:
    dashed marker at the distance the models were trained/tested on."""
    data = []
    for arch, (x, y) in sweeps.items():
        data.append(dict(type="scatter", x=np.asarray(x), y=np.asarray(y, dtype=np.float64),
                         name=arch.upper(), mode="lines+markers",
                         line=dict(color=ARCH_COLORS.get(arch, OKABE_ITO["black"]), width=2.5),
                         hovertemplate=f"{arch.upper()} at %{{x}}: %{{y:.3g}}<extra></extra>"))
    shapes, notes = [], []
    if chance is not None:
        shapes.append(dict(type="line", xref="x domain", x0=0, x1=1, yref="y", y0=chance,
                           y1=chance, line=dict(color=OKABE_ITO["grey"], dash="dot", width=1.5)))
        notes.append(dict(text="chance" if metric == "accuracy" else "always 1", x=0, y=chance,
                          xref="x domain", yref="y", xanchor="left", yanchor="top",
                          showarrow=False, font=dict(color=OKABE_ITO["grey"])))
    if trained_at is not None:
        shapes.append(dict(type="line", xref="x", x0=trained_at, x1=trained_at, yref="y domain",
                           y0=0, y1=1, line=_CURSOR))
        notes.append(dict(text="trained up to here", x=trained_at, y=1, xref="x",
                          yref="y domain", xanchor="left", yanchor="top", showarrow=False))
    yaxis = (dict(title=dict(text="test accuracy"), range=[0, 1.02]) if metric == "accuracy"
             else dict(title=dict(text="test MSE (log scale)"), type="log", tickformat=".2~g"))
    layout = dict(font=_FONT, margin=_MARGIN, height=height, legend=_LEGEND,
                  title=dict(text=f"Test {metric} vs distance, after training"),
                  xaxis=dict(title=dict(text=xaxis_title)), yaxis=yaxis, shapes=shapes,
                  annotations=notes)
    return go.Figure(dict(data=data, layout=layout))
