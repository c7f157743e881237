"""Figures of *Train and compare*: training curves, gradient norms during training, the metric vs distance."""
from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from lstm_core.figures.style import (
    ARCH_COLORS,
    ARCH_DASHES,
    CURSOR_LINE,
    FONT,
    GRADIENT_SCALE,
    LEGEND_BELOW,
    OKABE_ITO,
    dom,
    f32,
    figure,
)

_MARGIN = dict(l=60, r=30, t=70, b=50)


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
                         name=arch.upper(), legendgroup=arch, mode="lines", line=dict(color=color, width=2, dash=ARCH_DASHES.get(arch, "solid")),
                         xaxis="x", yaxis="y",
                         hovertemplate=f"{arch.upper()} step %{{x}}<br>loss %{{y:.4g}}<extra></extra>"))
        if acc is not None:
            data.append(dict(type="scatter", x=np.asarray(steps), y=f32(acc), name=arch.upper(),
                             legendgroup=arch, showlegend=False, mode="lines",
                             line=dict(color=color, width=2, dash=ARCH_DASHES.get(arch, "solid")), xaxis="x2", yaxis="y2",
                             hovertemplate=f"{arch.upper()} step %{{x}}<br>accuracy %{{y:.3f}}"
                                           "<extra></extra>"))
    layout = dict(font=FONT, margin=_MARGIN, height=height, legend=LEGEND_BELOW,
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
    return figure(data, layout)


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
        data.append(dict(type="heatmap", z=f32(lg), x=np.arange(g.shape[1]), y=steps,
                         xaxis="x" + ax, yaxis="y" + ax, zmin=zmin, zmax=zmax,
                         colorscale=GRADIENT_SCALE, showscale=(k == 0), name=label,
                         colorbar=dict(title=dict(text="log₁₀ ‖∂L/∂·‖"), thickness=12),
                         customdata=g.astype(np.float32),
                         hovertemplate=f"{label}<br>training step %{{y}}, t = %{{x}}<br>norm "
                                       "%{customdata:.3e}<extra></extra>"))
        layout["xaxis" + ax] = dict(anchor="y" + ax, title=dict(text=xaxis_title), showgrid=False)
        layout["yaxis" + ax] = dict(domain=dom(top - h, top), anchor="x" + ax, showgrid=False,
                                    title=dict(text="training step"))
        notes.append(dict(text=f"<b>{label}</b>", x=0, y=top, xref="paper", yref="paper",
                          xanchor="left", yanchor="bottom", showarrow=False))
    layout.update(font=FONT, margin=dict(l=70, r=30, t=40, b=50),
                  height=int(height_per * n * (1 + gap)) + 40, annotations=notes)
    return figure(data, layout)


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
                         line=dict(color=ARCH_COLORS.get(arch, OKABE_ITO["black"]), width=2.5,
                                   dash=ARCH_DASHES.get(arch, "solid")),
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
                           y0=0, y1=1, line=CURSOR_LINE))
        notes.append(dict(text="trained up to here", x=trained_at, y=1, xref="x",
                          yref="y domain", xanchor="left", yanchor="top", showarrow=False))
    yaxis = (dict(title=dict(text="test accuracy"), range=[0, 1.02]) if metric == "accuracy"
             else dict(title=dict(text="test MSE (log scale)"), type="log", tickformat=".2~g"))
    layout = dict(font=FONT, margin=_MARGIN, height=height, legend=LEGEND_BELOW,
                  title=dict(text=f"Test {metric} vs distance, after training"),
                  xaxis=dict(title=dict(text=xaxis_title)), yaxis=yaxis, shapes=shapes,
                  annotations=notes)
    return figure(data, layout)


def learning_curves(curves: dict, *, metric: str = "accuracy", threshold: float | None = None,
                    chance: float | None = None, height: int = 380) -> go.Figure:
    """Per arch the median smoothed training metric over seeds (line) with the min–max band over
    seeds (shaded). curves {arch: (steps (N,), median (N,), lo (N,), hi (N,), n_seeds)};
    threshold: dashed level (e.g. 0.95); chance: dotted level. metric 'accuracy' or 'mse' (log)."""
    data = []
    for arch, (steps, med, lo, hi, n) in curves.items():
        color = ARCH_COLORS.get(arch, OKABE_ITO["black"])
        x = np.asarray(steps)
        data.append(dict(type="scatter", x=x, y=f32(hi), mode="lines", line=dict(width=0, color=color),
                         legendgroup=arch, showlegend=False, hoverinfo="skip"))
        data.append(dict(type="scatter", x=x, y=f32(lo), mode="lines", line=dict(width=0, color=color),
                         fill="tonexty", fillcolor=color, opacity=0.25, legendgroup=arch,
                         name=f"{arch.upper()} min–max over {n} seeds", showlegend=n > 1,
                         hoverinfo="skip"))
        data.append(dict(type="scatter", x=x, y=f32(med), mode="lines", legendgroup=arch,
                         name=f"{arch.upper()} median" if n > 1 else arch.upper(),
                         line=dict(color=color, width=2.5, dash=ARCH_DASHES.get(arch, "solid")),
                         hovertemplate=f"{arch.upper()} step %{{x}}<br>median %{{y:.3g}}<extra></extra>"))
    shapes, notes = [], []
    for level, dash, text in ((threshold, "dash", "threshold"), (chance, "dot", "chance")):
        if level is not None:
            shapes.append(dict(type="line", xref="x domain", x0=0, x1=1, yref="y", y0=level, y1=level,
                               line=dict(color=OKABE_ITO["grey"], dash=dash, width=1.5)))
            notes.append(dict(text=text, x=0, y=level, xref="x domain", yref="y", xanchor="left",
                              yanchor="bottom", showarrow=False, font=dict(color=OKABE_ITO["grey"])))
    yaxis = (dict(title=dict(text="training-batch accuracy (smoothed)"), range=[0, 1.02])
             if metric == "accuracy" else
             dict(title=dict(text="training-batch MSE (smoothed, log)"), type="log", tickformat=".2~g"))
    layout = dict(font=FONT, margin=_MARGIN, height=height, legend=LEGEND_BELOW,
                  title=dict(text="Learning curves: median over seeds, band = min–max"),
                  xaxis=dict(title=dict(text="training step")), yaxis=yaxis, shapes=shapes,
                  annotations=notes)
    return figure(data, layout)
