"""Plotly figures for the Number units page. Pure functions: arrays in, ``go.Figure`` out.

Colours come from the app's one palette (lstm_core.figures.style: Okabe–Ito GATE_COLORS / ARCH_COLORS);
singular / plural get two of its colours (NUMBER_COLORS), intact / top / random units three more.

    separability_heatmap(sep (U, P), units, positions, *, field)      units x positions from the subject
    unit_scores(score (H,), order (H,), k, *, field)                   every unit's score, sorted, top k marked
    probe_curves({label: (mean (P,), std (P,))}, positions, colors)    diagnostic classifier per position
    number_trajectory(mean (2, T), std (2, T), tokens, subject, attractors, *, unit, field)
    ablation_curve_figure(ks, acc_top (K,), acc_random (K, draws), acc_intact, k)
    ablation_bars(counts, acc_intact (C,), acc_top (C,), acc_random (draws, C), *, k, mode)
    attractor_accuracy({arch: (C,)}, counts)
    error_case_figure(tokens, p_correct (T,), subject, attractors, turn, {label: (T,)}, *, verb, field)
    two_clause_figure(tokens, gate_mean (T, U) | None, gate_std, values (2, T, U), units, marks, *, gate, field)

Time axes are numeric positions whose tick text is the token (repeated tokens stay distinct).
Arrays are sent as float32. Each figure is assembled as plain dicts and validated once (plotly's
incremental add_vline / make_subplots cost ~10x more, too slow for a 100 ms slider rerun).
"""
from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from lstm_core.figures.style import (
    ARCH_COLORS,
    GATE_COLORS,
    GATE_LABELS,
    LEGEND_BELOW,
    OKABE_ITO,
    f32,
    figure,
    token_axis,
    token_labels,
)

NUMBER_COLORS = {"singular": OKABE_ITO["sky_blue"], "plural": OKABE_ITO["reddish_purple"]}
ROLE_COLORS = {"intact": OKABE_ITO["black"], "top": OKABE_ITO["vermillion"], "random": OKABE_ITO["grey"]}
UNIT_PALETTE = [OKABE_ITO[c] for c in ("blue", "orange", "bluish_green", "reddish_purple", "vermillion",
                                       "sky_blue", "black", "grey")]
# lines that coincide (LSTM and GRU both at 100%) stay distinguishable by dash and marker
ARCH_DASHES = {"lstm": "solid", "gru": "dash", "rnn": "solid"}
ARCH_SYMBOLS = {"lstm": "circle", "gru": "diamond", "rnn": "square"}


_GRID = "#EBF0F8"
# plotly_white's look, spelled out: a named template is deep-copied into every figure (~35 ms each)
_AXIS = dict(gridcolor=_GRID, zerolinecolor=_GRID, linecolor=_GRID, automargin=True, showgrid=True)
_TEMPLATE = dict(layout=dict(paper_bgcolor="white", plot_bgcolor="white", font=dict(color="#2a3f5f"),
                             xaxis=_AXIS, yaxis=_AXIS, xaxis2=_AXIS, yaxis2=_AXIS))


def _layout(title: str, height: int, **kw) -> dict:
    return dict(template=_TEMPLATE, title=dict(text=title), height=height, font=dict(size=13),
                margin=dict(l=60, r=20, t=80, b=50),
                legend=LEGEND_BELOW, **kw)


def _token_axis(tokens, title: str | None = "token (time →)") -> dict:
    """The app's one token axis (lstm_core.figures.style.token_axis), ticks plain, light grid lines."""
    return dict(token_axis(tokens, title=title), showgrid=True)


def position_labels(positions) -> list[str]:
    """-1, 0, 1, ... -> 'before', 'subject', '+1', ..."""
    return ["subject" if p == 0 else ("before" if p < 0 else f"+{p}") for p in positions]


POSITION_TICKS = 12   # at most about this many position labels: 32 rotated labels ran together on a phone


def position_axis(positions, title: str) -> dict:
    """An x axis over positions 0..P-1 labelled 'subject' and every k-th '+n', and 'before' when every position
    is labelled (thinned, its label ran into 'subject' beside it); hover names each."""
    labels = position_labels(positions)
    every = max(1, -(-len(labels) // POSITION_TICKS))
    keep = [i for i, p in enumerate(positions) if p == 0 or (p > 0 and p % every == 0) or (p < 0 and every == 1)]
    return dict(tickmode="array", tickvals=keep, ticktext=[labels[i] for i in keep], tickangle=-45,
                title=dict(text=title))


def _rgba(hex_color: str, alpha: float) -> str:
    h = hex_color.lstrip("#")
    return f"rgba({int(h[0:2], 16)},{int(h[2:4], 16)},{int(h[4:6], 16)},{alpha})"


def _ref(row: int) -> tuple[str, str]:
    return ("x", "y") if row == 1 else (f"x{row}", f"y{row}")


def _band(x, mean, std, color: str, name: str, *, row: int = 1, hover=None, dash: str = "solid",
          showlegend: bool = True) -> list:
    """Mean line with a ±std band: two scatter trace dicts."""
    mean, std = f32(mean), f32(std)
    x = f32(x)
    xr, yr = _ref(row)
    band = dict(type="scatter", x=np.concatenate([x, x[::-1]]), y=np.concatenate([mean + std, (mean - std)[::-1]]),
                fill="toself", fillcolor=_rgba(color, 0.18), line=dict(width=0), hoverinfo="skip",
                showlegend=False, legendgroup=name, xaxis=xr, yaxis=yr)
    line = dict(type="scatter", x=x, y=mean, mode="lines+markers" if len(x) <= 60 else "lines", name=name,
                line=dict(color=color, width=2, dash=dash), marker=dict(size=5), legendgroup=name,
                showlegend=showlegend, xaxis=xr, yaxis=yr)
    if hover is not None:
        line.update(customdata=list(hover), hovertemplate=f"{name}<br>%{{customdata}}<br>%{{y:.3f}}<extra></extra>")
    return [band, line]


def _lines(vlines=(), hlines=(), rows=(1,)) -> tuple[list, list]:
    """Reference lines as layout shapes + annotations. vlines / hlines: (position, colour, dash,
    label or None); vertical lines are drawn on every row in rows (labels on the first)."""
    shapes, notes = [], []
    for row in rows:
        xr, yr = _ref(row)
        for x, color, dash, label in vlines:
            shapes.append(dict(type="line", xref=xr, yref=f"{yr} domain", x0=x, x1=x, y0=0, y1=1,
                               line=dict(color=color, width=1.5, dash=dash)))
            if label and row == rows[0]:
                notes.append(dict(xref=xr, yref=f"{yr} domain", x=x, y=1.0, text=label, showarrow=False,
                                  yanchor="bottom", xanchor="left", font=dict(size=11, color=color)))
    xr, yr = _ref(rows[0])
    for y, color, dash, label in hlines:
        shapes.append(dict(type="line", xref=f"{xr} domain", yref=yr, x0=0, x1=1, y0=y, y1=y,
                           line=dict(color=color, width=1.2, dash=dash)))
        if label:
            notes.append(dict(xref=f"{xr} domain", yref=yr, x=1.0, y=y, text=label, showarrow=False,
                              yanchor="bottom", xanchor="right", font=dict(size=11, color=color)))
    return shapes, notes


def _marks(subject=None, attractors=(), extra=None) -> list:
    """Vertical line specs: subject (solid black), attractors (dotted vermillion), extra {pos: label}."""
    v = []
    if subject is not None:
        v.append((int(subject), OKABE_ITO["black"], "solid", "subject"))
    for j, a in enumerate(attractors):
        v.append((int(a), OKABE_ITO["vermillion"], "dot", "attractor" if j == 0 else None))
    for x, label in (extra or {}).items():
        v.append((int(x), OKABE_ITO["black"], "dash", label))
    return v


def _two_rows(top_share: float = 0.55) -> dict:
    """Layout axes for two stacked rows sharing x."""
    gap = 0.08
    return dict(xaxis=dict(anchor="y", matches="x2", showticklabels=False),
                yaxis=dict(domain=[1 - top_share + gap / 2, 1.0]),
                xaxis2=dict(anchor="y2"), yaxis2=dict(domain=[0.0, 1 - top_share - gap / 2]))


# ----------------------------------------------------------------------------------------


def separability_heatmap(sep, units, positions, *, field: str = "cell") -> go.Figure:
    """sep (U, P) |2 AUC - 1| of the shown units (rows) at positions from the subject (columns)."""
    sep = f32(sep)
    if sep.shape != (len(units), len(positions)):
        raise ValueError(f"separability must be (units, positions) = ({len(units)}, {len(positions)}), got {sep.shape}")
    label = GATE_LABELS.get(field, field)
    labels = position_labels(positions)
    data = [dict(type="heatmap", z=sep, x=list(range(len(positions))), y=[f"unit {u}" for u in units],
                 zmin=0.0, zmax=1.0, colorscale=[[0.0, "#FFFFFF"], [1.0, GATE_COLORS.get(field, OKABE_ITO["blue"])]],
                 colorbar=dict(title=dict(text="|2AUC−1|"), thickness=12),
                 customdata=[labels] * len(units),
                 hovertemplate="%{y}<br>%{customdata}<br>separability %{z:.2f}<extra></extra>")]
    layout = _layout(f"How well each top unit's {label} tells singular from plural, token by token",
                     max(300, 120 + 18 * len(units)),
                     xaxis=position_axis(positions, "tokens after the subject"),
                     yaxis=dict(type="category", autorange="reversed"))
    return figure(data, layout)


def unit_scores(score, order, k: int, *, field: str = "cell") -> go.Figure:
    """Every unit's mean separability, sorted best first; the top k (the ones ablated) highlighted."""
    score, order = f32(score), np.asarray(order)
    s = score[order]
    colors = [ROLE_COLORS["top"] if i < k else OKABE_ITO["grey"] for i in range(len(s))]
    data = [dict(type="bar", x=list(range(1, len(s) + 1)), y=s, marker=dict(color=colors),
                 customdata=order.tolist(), name="units", showlegend=False,
                 hovertemplate="rank %{x}: unit %{customdata}<br>score %{y:.3f}<extra></extra>"),
            dict(type="scatter", x=[None], y=[None], mode="markers", name=f"top {k}",
                 marker=dict(color=ROLE_COLORS["top"], symbol="square", size=12))]
    layout = _layout(f"All units ranked by mean separability of their {GATE_LABELS.get(field, field)}", 320,
                     xaxis=dict(title=dict(text="rank (unit number on hover)")),
                     yaxis=dict(title=dict(text="mean |2AUC−1|"), range=[0, 1.02]))
    return figure(data, layout)


def probe_curves(curves: dict, positions, colors: dict | None = None, dashes: dict | None = None) -> go.Figure:
    """Diagnostic classifier accuracy per position. curves {label: (mean (P,), std (P,))}."""
    x = np.arange(len(positions))
    labels = position_labels(positions)
    data = []
    for i, (label, (mean, std)) in enumerate(curves.items()):
        color = (colors or {}).get(label, UNIT_PALETTE[i % len(UNIT_PALETTE)])
        data += _band(x, mean, std, color, label, hover=labels, dash=(dashes or {}).get(label, "solid"))
    shapes, notes = _lines(hlines=[(0.5, OKABE_ITO["grey"], "dash", "chance")])
    layout = _layout("Diagnostic classifier: can a linear probe read the subject's number here?", 400,
                     shapes=shapes, annotations=notes,
                     xaxis=position_axis(positions, "tokens after the subject (held-out sentences)"),
                     yaxis=dict(title=dict(text="probe accuracy (5-fold CV)"), range=[0.3, 1.03]))
    return figure(data, layout)


def number_trajectory(mean, std, tokens, subject: int, attractors, *, unit: int, field: str = "cell",
                      n: int | None = None) -> go.Figure:
    """One unit over a sentence structure: mean ± std over sentences with a singular (row 0) and
    a plural (row 1) subject. mean, std (2, T)."""
    mean, std = f32(mean), f32(std)
    tokens = [str(t) for t in tokens]
    if mean.shape != (2, len(tokens)) or std.shape != mean.shape:
        raise ValueError(f"mean/std must be (2, {len(tokens)}), got {mean.shape}, {std.shape}")
    x = np.arange(len(tokens))
    hover = token_labels(tokens)
    data = []
    for c, name in enumerate(("singular", "plural")):
        data += _band(x, mean[c], std[c], NUMBER_COLORS[name], f"{name} subject", hover=hover)
    shapes, notes = _lines(vlines=_marks(subject, attractors))
    label = GATE_LABELS.get(field, field)
    each = f" ({n // 2} sentences each)" if n else ""
    layout = _layout(f"Unit {unit}: {label}, mean ± 1 std{each}", 420, shapes=shapes, annotations=notes,
                     xaxis=_token_axis(tokens, "token (words resampled; one sentence shown)"),
                     yaxis=dict(title=dict(text=label)))
    return figure(data, layout)


def ablation_curve_figure(ks, acc_top, acc_random, acc_intact: float, k: int | None = None,
                          mode: str = "ablate") -> go.Figure:
    """Accuracy after intervening on the top-k units and on k random units (mean ± std over
    draws), vs k. acc_top (K,), acc_random (K, draws)."""
    ks = np.asarray(ks)
    acc_top, acc_random = f32(acc_top), f32(acc_random)
    x = np.arange(len(ks))
    data = _band(x, acc_random.mean(1), acc_random.std(1), ROLE_COLORS["random"], "k random units")
    data.append(dict(type="scatter", x=x, y=acc_top, mode="lines+markers", name="top-k number units",
                     line=dict(color=ROLE_COLORS["top"], width=2.5), marker=dict(size=8),
                     customdata=ks.tolist(), hovertemplate="k = %{customdata}: %{y:.1%}<extra>top</extra>"))
    v = []
    if k is not None and int(k) in set(ks.tolist()):
        i = list(ks).index(int(k))
        v.append((float(i), OKABE_ITO["black"], "solid", None))
        data.append(dict(type="scatter", x=[i], y=[float(acc_top[i])], mode="markers+text", name=f"k = {int(k)}",
                         text=[f"{100 * float(acc_top[i]):.0f}%"], textposition="middle right", showlegend=False,
                         marker=dict(size=18, color="rgba(0,0,0,0)", line=dict(color=OKABE_ITO["black"], width=2)),
                         hovertemplate=f"k = {int(k)}: top %{{y:.1%}}<extra></extra>"))
    shapes, notes = _lines(vlines=v, hlines=[(float(acc_intact), ROLE_COLORS["intact"], "dash",
                                              f"intact {100 * acc_intact:.0f}%"),
                                             (0.5, OKABE_ITO["grey"], "dot", "chance")])
    how = "held at 0" if mode == "ablate" else f"clamped at their {mode} value"
    layout = _layout("How many units must go before agreement breaks?", 380,
                     shapes=shapes, annotations=notes,
                     xaxis=dict(tickmode="array", tickvals=x.tolist(), ticktext=[str(int(v)) for v in ks],
                                title=dict(text=f"k = units {how} at every step")),
                     yaxis=dict(title=dict(text="agreement accuracy"), range=[0.3, 1.03], tickformat=".0%"))
    return figure(data, layout)


def ablation_bars(counts, acc_intact, acc_top, acc_random, *, k: int, mode: str = "ablate") -> go.Figure:
    """Accuracy by number of attractors: intact, top-k intervened, k random (mean, error bar = std)."""
    counts = [str(c) for c in counts]
    acc_random = f32(acc_random)
    verb = "ablated" if mode == "ablate" else f"clamped ({mode})"
    data = [dict(type="bar", x=counts, y=f32(acc_intact), name="intact", marker=dict(color=ROLE_COLORS["intact"]),
                 hovertemplate="%{x} attractors: %{y:.1%}<extra>intact</extra>"),
            dict(type="bar", x=counts, y=f32(acc_top), name=f"top {k} {verb}", marker=dict(color=ROLE_COLORS["top"]),
                 hovertemplate="%{x} attractors: %{y:.1%}<extra>top</extra>"),
            dict(type="bar", x=counts, y=acc_random.mean(0), name=f"{k} random {verb}",
                 marker=dict(color=ROLE_COLORS["random"]),
                 error_y=dict(type="data", array=acc_random.std(0), visible=True),
                 hovertemplate="%{x} attractors: %{y:.1%}<extra>random (mean)</extra>")]
    shapes, notes = _lines(hlines=[(0.5, OKABE_ITO["grey"], "dot", None)])
    layout = _layout(f"Accuracy by number of attractors: top {k} vs {k} random units {verb}", 380,
                     shapes=shapes, annotations=notes, barmode="group",
                     xaxis=dict(title=dict(text="attractors (intervening nouns of the other number)")),
                     yaxis=dict(title=dict(text="accuracy"), range=[0, 1.05], tickformat=".0%"))
    return figure(data, layout)


def attractor_accuracy(acc: dict, counts) -> go.Figure:
    """Accuracy vs number of attractors, one line per model. acc {arch: (C,)}."""
    data = [dict(type="scatter", x=list(counts), y=f32(a), mode="lines+markers", name=arch.upper(),
                 line=dict(color=ARCH_COLORS.get(arch, OKABE_ITO["black"]), width=2.5, dash=ARCH_DASHES.get(arch)),
                 marker=dict(size=9, symbol=ARCH_SYMBOLS.get(arch, "circle")),
                 hovertemplate="%{x} attractors: %{y:.1%}<extra>" + arch.upper() + "</extra>")
            for arch, a in acc.items()]
    shapes, notes = _lines(hlines=[(0.5, OKABE_ITO["grey"], "dot", "chance")])
    layout = _layout("Agreement accuracy vs number of attractors", 360, shapes=shapes, annotations=notes,
                     xaxis=dict(title=dict(text="attractors"), tickmode="array", tickvals=list(counts)),
                     yaxis=dict(title=dict(text="accuracy"), range=[0.3, 1.03], tickformat=".0%"))
    return figure(data, layout)


def error_case_figure(tokens, p_correct, subject: int, attractors, turn: int, unit_values: dict,
                      *, verb: str, field: str = "cell") -> go.Figure:
    """Top: P(correct verb) if the verb came after each token; bottom: chosen units' state."""
    tokens = [str(t) for t in tokens]
    p = f32(p_correct)
    if p.shape != (len(tokens),):
        raise ValueError(f"p_correct must be ({len(tokens)},), got {p.shape}")
    if not 0 <= int(turn) < len(tokens):
        raise ValueError(f"turn must index a token (0..{len(tokens) - 1}), got {turn}")
    x = np.arange(len(tokens))
    hover = token_labels(tokens)
    data = [dict(type="scatter", x=x, y=p, mode="lines+markers", name=f"P(correct '{verb}')",
                 line=dict(color=OKABE_ITO["black"], width=2.5), customdata=hover,
                 hovertemplate="%{customdata}<br>P(correct) %{y:.3f}<extra></extra>"),
            dict(type="scatter", x=[int(turn)], y=[float(p[turn])], mode="markers", name="turning point",
                 marker=dict(color=OKABE_ITO["vermillion"], size=14, symbol="x"))]
    first = GATE_COLORS.get(field, OKABE_ITO["blue"])
    for i, (label, v) in enumerate(unit_values.items()):
        data.append(dict(type="scatter", x=x, y=f32(v), mode="lines", name=str(label), xaxis="x2", yaxis="y2",
                         line=dict(color=[first, *UNIT_PALETTE[1:]][i % len(UNIT_PALETTE)], width=2),
                         customdata=hover, hovertemplate=f"{label}<br>%{{customdata}}<br>%{{y:.3f}}<extra></extra>"))
    shapes, notes = _lines(vlines=_marks(subject, attractors), hlines=[(0.5, OKABE_ITO["grey"], "dash", None)],
                           rows=(1, 2))
    layout = _layout("One sentence, token by token: where did the answer go wrong?", 560,
                     shapes=shapes, annotations=notes, **_two_rows())
    layout["xaxis2"].update(_token_axis(tokens))
    layout["yaxis"].update(title=dict(text="P(correct)"), range=[-0.03, 1.03])
    layout["yaxis2"].update(title=dict(text=GATE_LABELS.get(field, field)))
    return figure(data, layout)


def two_clause_figure(tokens, gate_mean, gate_std, values, units, marks: dict, *, gate: str | None,
                      field: str = "cell", n: int | None = None) -> go.Figure:
    """Two-subject sentences. Top (if the model has a gate): the units' gate, mean ± std over the
    sentences; bottom: the units' state, mean over sentences whose SECOND subject is singular
    (solid) / plural (dashed). gate_mean/gate_std (T, U), values (2, T, U); marks {pos: label}."""
    tokens = [str(t) for t in tokens]
    T, U = len(tokens), len(units)
    values = f32(values)
    if values.shape != (2, T, U):
        raise ValueError(f"values must be (2, {T}, {U}), got {values.shape}")
    x = np.arange(T)
    hover = token_labels(tokens)
    rows = 2 if gate else 1
    data = []
    if gate:
        gm, gs = f32(gate_mean), f32(gate_std)
        if gm.shape != (T, U) or gs.shape != (T, U):
            raise ValueError(f"gate mean/std must be ({T}, {U}), got {gm.shape}, {gs.shape}")
        for i, u in enumerate(units):
            data += _band(x, gm[:, i], gs[:, i], UNIT_PALETTE[i % len(UNIT_PALETTE)], f"unit {u}", hover=hover)
    for i, u in enumerate(units):
        for c, dash in ((0, "solid"), (1, "dash")):
            name = f"unit {u}, 2nd subject {'singular' if c == 0 else 'plural'}"
            xr, yr = _ref(rows)
            data.append(dict(type="scatter", x=x, y=values[c, :, i], mode="lines", xaxis=xr, yaxis=yr,
                             name=name if gate else f"unit {u}", legendgroup=f"unit {u}",
                             showlegend=not gate and c == 0,
                             line=dict(color=UNIT_PALETTE[i % len(UNIT_PALETTE)], width=2, dash=dash),
                             customdata=hover, hovertemplate=f"{name}<br>%{{customdata}}<br>%{{y:.3f}}<extra></extra>"))
    shapes, notes = _lines(vlines=_marks(extra=marks), rows=tuple(range(1, rows + 1)))
    each = f" over {n} sentences" if n else ""
    # three short lines: one line ran ~120 px out of a phone- or projector-wide chart (browser test)
    axis_title = "token (one sentence shown)<br>solid: 2nd subject singular<br>dashed: 2nd subject plural"
    title = f"A second subject: does the {'gate reset' if gate else 'state change'}? (mean{each})"
    if gate:
        layout = _layout(title, 600, shapes=shapes, annotations=notes, **_two_rows(0.5))
        layout["xaxis2"].update(_token_axis(tokens, axis_title))
        layout["yaxis"].update(title=dict(text=GATE_LABELS.get(gate, gate)), range=[-0.03, 1.03])
        layout["yaxis2"].update(title=dict(text=GATE_LABELS.get(field, field)))
    else:
        layout = _layout(title, 400, shapes=shapes, annotations=notes, xaxis=_token_axis(tokens, axis_title),
                         yaxis=dict(title=dict(text=GATE_LABELS.get(field, field))))

    return figure(data, layout)
