"""Plotly figures for LSTM Lab. Pure functions: NumPy arrays in, ``plotly.graph_objects.Figure`` out.

One colour-blind-safe palette (Okabe & Ito 2008) everywhere:

    GATE_COLORS[name]   name in input_gate, forget_gate, candidate, output_gate, cell, hidden,
                        reset_gate, update_gate (GRU)
    ARCH_COLORS[kind]   kind in lstm, rnn, gru
    GATE_LABELS[name]   short math label, e.g. "f (forget gate)"
    GATE_SCALES[name]   a sequential / diverging colourscale for heatmaps of that quantity

Time axes are positions 0..T-1 (numeric, so repeated tokens stay distinct and a cursor can sit on
them); the tick text shows the tokens, and hover shows "t:token".

    token_labels(tokens) -> list[str]                         ["0:the", "1:keys", ...]
    unit_token_heatmap(values (H, T), tokens, *, name="cell", title=None, units=None,
                       zmin=None, zmax=None, cursor=None) -> Figure
        one row per unit (units = labels or indices), one column per token.
    trajectories(series {label: (T,)}, tokens, *, title, yaxis_title, colors=None, dashes=None,
                 cursor=None) -> Figure
        lines over tokens, e.g. c and h of chosen units.
    log_curves_vs_distance(series {label: (D,)}, *, title, yaxis_title, colors=None, dashes=None,
                           xaxis_title="distance from the loss (steps)") -> Figure
        index d = distance from the loss; log y. Values <= 0 or non-finite are gaps.
    grad_norm_vs_distance(series {label: (D,)}, *, title=..., colors=None, dashes=None) -> Figure
        log_curves_vs_distance with the gradient-norm axis title.
    add_time_cursor(fig, t, *, label=None) -> Figure        a vertical dashed line at x = t (in place)
    probability_bars(probs {label: p}, *, title, xaxis_title, colors=None) -> Figure
        horizontal bars in [0, 1], e.g. P(plural) for LSTM vs RNN.
    lstm_cell_diagram(values {x, h_prev, c_prev, i, f, g, o, forget_part, input_part, c, tanh_c, h,
                      forget_gate, clamped}, *, title=...) -> Figure
        the canonical LSTM cell drawn with shapes, boxes coloured by the gate values
        (values: lstm_core.anatomy.diagram_values(step, unit)).

Legends sit below the plot; no plotly template is set (st.plotly_chart applies the Streamlit theme).

Heatmaps and token lines are sent as float32 (smaller, faster). Log-scale curves stay float64:
float32 would turn gradients below 1e-38 into zeros — exactly the values the vanishing-gradient
page exists to show.
"""

from __future__ import annotations

import numpy as np
import pandas  # noqa: F401 - see below
import plotly.graph_objects as go

# plotly imports pandas lazily and trusts sys.modules: on a cold server two sessions building
# their first figure at once let one of them see a half-imported pandas ("partially initialized
# module 'pandas' has no attribute 'Series'", found by bench/load_test.py). Importing it here,
# through the import lock, means every figure is built after pandas is complete.

# Okabe–Ito: black, orange, sky blue, bluish green, yellow, blue, vermillion, reddish purple
OKABE_ITO = {
    "black": "#000000",
    "orange": "#E69F00",
    "sky_blue": "#56B4E9",
    "bluish_green": "#009E73",
    "yellow": "#F0E442",
    "blue": "#0072B2",
    "vermillion": "#D55E00",
    "reddish_purple": "#CC79A7",
    "grey": "#999999",
}

GATE_COLORS = {
    "input_gate": OKABE_ITO["bluish_green"],
    "forget_gate": OKABE_ITO["orange"],
    "candidate": OKABE_ITO["reddish_purple"],
    "output_gate": OKABE_ITO["sky_blue"],
    "cell": OKABE_ITO["blue"],
    "hidden": OKABE_ITO["vermillion"],
    "reset_gate": OKABE_ITO["yellow"],
    "update_gate": OKABE_ITO["orange"],
}

ARCH_COLORS = {
    "lstm": OKABE_ITO["blue"],
    "rnn": OKABE_ITO["vermillion"],
    "gru": OKABE_ITO["bluish_green"],
}

GATE_LABELS = {
    "input_gate": "i (input gate)",
    "forget_gate": "f (forget gate)",
    "candidate": "g (candidate)",
    "output_gate": "o (output gate)",
    "cell": "c (cell state)",
    "hidden": "h (hidden state)",
    "reset_gate": "r (reset gate)",
    "update_gate": "z (update gate)",
}


def _sequential(color: str) -> list:
    return [[0.0, "#FFFFFF"], [1.0, color]]


def _diverging(color: str) -> list:
    # negative -> vermillion-free purple side would clash; use orange/white/blue (Okabe-Ito safe)
    return [[0.0, OKABE_ITO["orange"]], [0.5, "#FFFFFF"], [1.0, color]]


# gates in (0, 1) get white -> gate colour; signed quantities get orange -> white -> blue
GATE_SCALES = {
    "input_gate": _sequential(GATE_COLORS["input_gate"]),
    "forget_gate": _sequential(GATE_COLORS["forget_gate"]),
    "output_gate": _sequential(GATE_COLORS["output_gate"]),
    "reset_gate": _sequential("#B8A800"),        # the yellow is too light for a full scale
    "update_gate": _sequential(GATE_COLORS["update_gate"]),
    "candidate": _diverging(OKABE_ITO["blue"]),
    "cell": _diverging(OKABE_ITO["blue"]),
    "hidden": _diverging(OKABE_ITO["blue"]),
}
_GATE_RANGE = {"input_gate", "forget_gate", "output_gate", "reset_gate", "update_gate"}
_SIGNED_UNIT = {"candidate", "hidden"}           # in (-1, 1)

# legend below the plot: long labels wrap there instead of running into the title in narrow columns.
# No template: st.plotly_chart applies the Streamlit theme (and a template costs ~8 ms per figure).
_LAYOUT = dict(margin=dict(l=60, r=20, t=60, b=40), font=dict(size=13),
               legend=dict(orientation="h", yanchor="top", y=-0.22, xanchor="left", x=0.0))

MAX_TICKS = 40   # beyond this many tokens only every k-th tick label is drawn


# ----------------------------------------------------------------------------- tokens / axes


def token_labels(tokens) -> list[str]:
    """Positional labels "t:token": distinct even when a token repeats."""
    return [f"{t}:{tok}" for t, tok in enumerate(tokens)]


def _token_axis(tokens) -> dict:
    """x-axis settings: numeric positions, token tick text (thinned beyond MAX_TICKS)."""
    T = len(tokens)
    every = max(1, int(np.ceil(T / MAX_TICKS)))
    ticks = list(range(0, T, every))
    return dict(tickmode="array", tickvals=ticks, ticktext=[str(tokens[t]) for t in ticks],
                range=[-0.5, T - 0.5], title="token (time →)", tickangle=-45 if T > 12 else 0)


def _check_tokens(values: np.ndarray, tokens, axis: int) -> list:
    tokens = [str(t) for t in tokens]
    if values.shape[axis] != len(tokens):
        raise ValueError(f"{values.shape[axis]} time steps but {len(tokens)} tokens")
    return tokens


def _f32(a) -> np.ndarray:
    return np.asarray(a, dtype=np.float32)


# ----------------------------------------------------------------------------- figures


def unit_token_heatmap(values, tokens, *, name: str = "cell", title: str | None = None, units=None,
                       zmin=None, zmax=None, cursor: int | None = None) -> go.Figure:
    """Heatmap of one quantity: rows = units, columns = tokens. values (H, T)."""
    values = _f32(values)
    if values.ndim != 2:
        raise ValueError(f"heatmap values must be (units, time), got shape {values.shape}")
    tokens = _check_tokens(values, tokens, 1)
    H, T = values.shape
    units = [str(u) for u in (units if units is not None else range(H))]
    if len(units) != H:
        raise ValueError(f"{H} rows but {len(units)} unit labels")
    if zmin is None and zmax is None:
        if name in _GATE_RANGE:
            zmin, zmax = 0.0, 1.0
        elif name in _SIGNED_UNIT:
            zmin, zmax = -1.0, 1.0
        else:
            finite = values[np.isfinite(values)]
            m = float(np.abs(finite).max()) if finite.size else 1.0
            zmin, zmax = -max(m, 1e-6), max(m, 1e-6)
    label = GATE_LABELS.get(name, name)
    hover_tokens = np.broadcast_to(np.array(token_labels(tokens), dtype=object), (H, T))
    heat = dict(
        type="heatmap", z=values, x=np.arange(T), y=units, zmin=zmin, zmax=zmax,
        colorscale=GATE_SCALES.get(name, _diverging(OKABE_ITO["blue"])),
        colorbar=dict(title=dict(text=label.split(" ")[0]), thickness=12), name=label, showlegend=False,
        customdata=hover_tokens, hovertemplate="unit %{y}<br>%{customdata}<br>" + label + " = %{z:.3f}<extra></extra>",
    )
    # a heatmap has no legend entries; say what the colour means in the legend area instead
    key = dict(type="scatter", x=[None], y=[None], mode="markers", name=f"colour = {label}",
               marker=dict(color=GATE_COLORS.get(name, OKABE_ITO["blue"]), symbol="square", size=12))
    layout = dict(title=title or f"{label}: unit × token", xaxis=_token_axis(tokens),
                  yaxis=dict(title="unit", type="category", autorange="reversed"), **_LAYOUT)
    return _figure([heat, key], layout, cursor)


def trajectories(series: dict, tokens, *, title: str, yaxis_title: str, colors: dict | None = None,
                 dashes: dict | None = None, cursor: int | None = None) -> go.Figure:
    """Lines over tokens. series {label: (T,)}; colors / dashes {label: ...} optional."""
    tokens = [str(t) for t in tokens]
    hover = token_labels(tokens)
    palette = list(OKABE_ITO.values())[1:]
    data = []
    for k, (label, y) in enumerate(series.items()):
        y = _f32(y).reshape(-1)
        _check_tokens(y, tokens, 0)
        color = (colors or {}).get(label, palette[k % len(palette)])
        data.append(dict(
            type="scatter", x=np.arange(len(y)), y=y, mode="lines+markers" if len(y) <= 60 else "lines",
            name=str(label), line=dict(color=color, dash=(dashes or {}).get(label, "solid"), width=2),
            customdata=hover, hovertemplate=f"{label}<br>%{{customdata}}<br>%{{y:.4f}}<extra></extra>"))
    layout = dict(title=title, xaxis=_token_axis(tokens), yaxis=dict(title=yaxis_title), showlegend=True, **_LAYOUT)
    return _figure(data, layout, cursor)


def log_curves_vs_distance(series: dict, *, title: str, yaxis_title: str, colors: dict | None = None,
                           dashes: dict | None = None,
                           xaxis_title: str = "distance from the loss (steps back in time)") -> go.Figure:
    """Curves on a log y-axis against distance d = 0, 1, ... series {label: (D,)}, index = distance.

    Non-positive or non-finite values cannot sit on a log axis: they become gaps (and the hover says so).
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
    layout = dict(title=title, xaxis=dict(title=xaxis_title), showlegend=True,
                  yaxis=dict(title=yaxis_title, type="log", exponentformat="power"), **_LAYOUT)
    return _figure(data, layout)


def grad_norm_vs_distance(series: dict, *, title: str = "Gradient norm vs distance from the loss",
                          colors: dict | None = None, dashes: dict | None = None,
                          yaxis_title: str = "‖∂L/∂state‖ (log scale)") -> go.Figure:
    """||dL/dh_t|| (and ||dL/dc_t||) against distance from the loss, one curve per model/state."""
    return log_curves_vs_distance(series, title=title, yaxis_title=yaxis_title, colors=colors, dashes=dashes)


def _cursor(t: int, label: str | None = None) -> tuple[dict, dict | None]:
    """The time cursor as a layout shape and (if labelled) an annotation: a dashed vertical line at x = t."""
    shape = dict(type="line", x0=int(t), x1=int(t), xref="x", y0=0, y1=1, yref="y domain",
                 line=dict(color=OKABE_ITO["black"], dash="dash", width=1.5))
    note = None if label is None else dict(text=label, x=int(t), xref="x", y=1, yref="y domain",
                                           xanchor="center", yanchor="bottom", showarrow=False)
    return shape, note


def add_time_cursor(fig: go.Figure, t: int, *, label: str | None = None) -> go.Figure:
    """Draw the shared time cursor: a dashed vertical line at x = t (in place; returns fig)."""
    shape, note = _cursor(t, label)
    fig.update_layout(shapes=list(fig.layout.shapes) + [shape],
                      annotations=list(fig.layout.annotations) + ([note] if note else []))
    return fig


def _figure(data: list, layout: dict, cursor: int | None = None) -> go.Figure:
    """One go.Figure(dict) call (plotly validates it once; add_trace / update_layout per item is
    several times slower); with the time cursor at x = cursor if given."""
    if cursor is not None:
        layout = {**layout, "shapes": list(layout.get("shapes", [])) + [_cursor(cursor)[0]]}
    return go.Figure(dict(data=data, layout=layout))


def probability_bars(probs: dict, *, title: str, xaxis_title: str, colors: dict | None = None) -> go.Figure:
    """Horizontal bars of probabilities in [0, 1]. probs {label: p}."""
    labels = [str(k) for k in probs]
    p = _f32([float(v) for v in probs.values()])
    if np.any(~np.isfinite(p)) or np.any((p < 0) | (p > 1)):
        raise ValueError(f"probabilities must be in [0, 1], got {p.tolist()}")
    palette = list(OKABE_ITO.values())[1:]
    bar_colors = [(colors or {}).get(k, palette[i % len(palette)]) for i, k in enumerate(labels)]
    data = [dict(type="bar", x=[value], y=[label], orientation="h", name=label, marker_color=color,
                 text=[f"{value:.2f}"], textposition="auto", hovertemplate=f"{label}: %{{x:.3f}}<extra></extra>")
            for label, value, color in zip(labels, p, bar_colors)]
    layout = dict(title=title, xaxis=dict(title=xaxis_title, range=[0, 1]), yaxis=dict(title=""),
                  barmode="group", showlegend=True, **_LAYOUT)
    return _figure(data, layout)


# ----------------------------------------------------------------------------- the cell diagram


def _flow_width(v: float) -> float:
    """Line width for a flow of magnitude |v| (thin = nothing flows)."""
    v = abs(float(v)) if np.isfinite(v) else 0.0
    return 1.0 + 7.0 * min(v, 2.0) / 2.0


def lstm_cell_diagram(v: dict, *, title: str = "The LSTM cell at this step") -> go.Figure:
    """The canonical LSTM cell drawn with plotly shapes, coloured by this step's gate values.

    v: floats x, h_prev, c_prev, i, f, g, o, forget_part, input_part, c, tanh_c, h; forget_gate (bool);
    clamped {gate letter: value} (see lstm_core.anatomy.diagram_values). Box colour intensity = gate
    value (|g| for the candidate); line thickness = |value| flowing along it.
    """
    shapes, notes = [], []          # collected, then set once (add_shape per item is ~50x slower)
    cell_c, hid_c, grey = GATE_COLORS["cell"], GATE_COLORS["hidden"], OKABE_ITO["grey"]
    Y_CELL, Y_BUS, Y_GATE, Y_MID = 5.5, 1.2, 2.8, 4.3
    X = {"f": 3.0, "i": 4.6, "g": 6.0, "o": 7.8}
    X_TANH = 9.3
    clamped = v.get("clamped", {}) or {}

    def line(x0, y0, x1, y1, color, width, dash="solid"):
        shapes.append(dict(type="line", x0=x0, y0=y0, x1=x1, y1=y1, line=dict(color=color, width=width, dash=dash),
                           layer="below"))

    def op(x, y, symbol):
        shapes.append(dict(type="circle", x0=x - 0.3, y0=y - 0.3, x1=x + 0.3, y1=y + 0.3,
                           line=dict(color=OKABE_ITO["black"], width=1.5), fillcolor="white"))
        notes.append(dict(x=x, y=y, text=f"<b>{symbol}</b>", showarrow=False, font=dict(size=16)))

    def label(x, y, text, **kw):
        notes.append(dict(x=x, y=y, text=text, showarrow=False, font=dict(size=12), bgcolor="rgba(255,255,255,0.85)",
                          **kw))

    # the cell's outline
    shapes.append(dict(type="rect", x0=1.0, y0=0.5, x1=11.0, y1=6.5, line=dict(color=grey, width=1),
                       fillcolor="rgba(153,153,153,0.08)", layer="below"))
    # the cell path (the constant error carousel): c_{t-1} -> x f -> + i g -> c_t
    line(0.0, Y_CELL, X["f"], Y_CELL, cell_c, _flow_width(v["c_prev"]))
    line(X["f"], Y_CELL, X["g"], Y_CELL, cell_c, _flow_width(v["forget_part"]))
    line(X["g"], Y_CELL, 12.0, Y_CELL, cell_c, _flow_width(v["c"]))
    # the input bus: h_{t-1} from the left, x_t from below, into every gate
    line(0.0, Y_BUS, X["o"], Y_BUS, hid_c, _flow_width(v["h_prev"]))
    line(1.8, 0.0, 1.8, Y_BUS, OKABE_ITO["black"], _flow_width(v["x"]))
    for k, xk in X.items():
        line(xk, Y_BUS, xk, Y_GATE, grey, 1.5)
    # gates to their operations
    if v.get("forget_gate", True):
        line(X["f"], Y_GATE, X["f"], Y_CELL, GATE_COLORS["forget_gate"], 1 + 5 * float(v["f"]))
    else:
        line(X["f"], Y_GATE, X["f"], Y_CELL, grey, 1.5, dash="dot")
    line(X["i"], Y_GATE, X["i"], Y_MID, GATE_COLORS["input_gate"], 1 + 5 * float(v["i"]))
    line(X["i"], Y_MID, X["g"], Y_MID, GATE_COLORS["input_gate"], 1 + 5 * float(v["i"]))
    line(X["g"], Y_GATE, X["g"], Y_MID, GATE_COLORS["candidate"], _flow_width(v["g"]))
    line(X["g"], Y_MID, X["g"], Y_CELL, GATE_COLORS["candidate"], _flow_width(v["input_part"]))
    # output: c_t -> tanh -> x o -> h_t
    line(X_TANH, Y_CELL, X_TANH, Y_MID, cell_c, _flow_width(v["c"]))
    line(X_TANH, Y_MID, X_TANH, Y_GATE, hid_c, _flow_width(v["tanh_c"]))
    line(X["o"], Y_GATE, X_TANH, Y_GATE, GATE_COLORS["output_gate"], 1 + 5 * float(v["o"]))
    line(X_TANH, Y_GATE, 12.0, Y_GATE, hid_c, _flow_width(v["h"]))

    # the four gate boxes, fill intensity = gate value
    names = {"f": "forget_gate", "i": "input_gate", "g": "candidate", "o": "output_gate"}
    for k, xk in X.items():
        value = float(v[k])
        no_gate = k == "f" and not v.get("forget_gate", True)
        strength = abs(value) if k == "g" else value
        color = grey if no_gate else GATE_COLORS[names[k]]
        held = k in clamped
        shapes.append(dict(type="rect", x0=xk - 0.55, y0=Y_GATE - 0.45, x1=xk + 0.55, y1=Y_GATE + 0.45,
                           line=dict(color=OKABE_ITO["black"], width=2 if held else 1,
                                     dash="dash" if held else "solid"),
                           fillcolor=color, opacity=0.25 if no_gate else 0.15 + 0.85 * min(max(strength, 0.0), 1.0)))
        fn = "tanh" if k == "g" else "σ"
        notes.append(dict(x=xk, y=Y_GATE, text=f"<b>{fn}</b>", showarrow=False, font=dict(size=14)))
        text = "f = 1<br>(no gate)" if no_gate else f"{k} = {value:.2f}" + ("<br>(held)" if held else "")
        label(xk - 0.05, Y_GATE - 0.95, text)
    op(X["f"], Y_CELL, "×")
    op(X["g"], Y_MID, "×")
    op(X["g"], Y_CELL, "+")
    op(X_TANH, Y_GATE, "×")
    shapes.append(dict(type="rect", x0=X_TANH - 0.45, y0=Y_MID - 0.3, x1=X_TANH + 0.45, y1=Y_MID + 0.3,
                       line=dict(color=OKABE_ITO["black"], width=1), fillcolor="white"))
    notes.append(dict(x=X_TANH, y=Y_MID, text="tanh", showarrow=False, font=dict(size=12)))

    # the numbers on the wires
    label(0.5, Y_CELL + 0.45, f"c<sub>t-1</sub> = {v['c_prev']:.2f}")
    label(4.5, Y_CELL + 0.45, f"f·c<sub>t-1</sub> = {v['forget_part']:.2f}")
    label(6.75, Y_MID, f"i·g = {v['input_part']:.2f}", xanchor="left")
    label(11.2, Y_CELL + 0.45, f"c<sub>t</sub> = {v['c']:.2f}")
    label(0.5, Y_BUS + 0.4, f"h<sub>t-1</sub> = {v['h_prev']:.2f}")
    label(1.8, -0.25, f"x<sub>t</sub> = {v['x']:.2f}")
    label(X_TANH + 0.55, Y_MID + 0.55, f"tanh(c<sub>t</sub>) = {v['tanh_c']:.2f}", xanchor="left")
    label(11.2, Y_GATE + 0.4, f"h<sub>t</sub> = {v['h']:.2f}")

    # legend: what the colours mean
    data = [dict(type="scatter", x=[None], y=[None], mode="markers", name=GATE_LABELS[name],
                 marker=dict(color=GATE_COLORS[name], symbol="square", size=12))
            for name in ("input_gate", "forget_gate", "candidate", "output_gate", "cell", "hidden")]
    return _figure(data, dict(
        shapes=shapes, annotations=notes, title=title, showlegend=True, height=520, **{k: v_ for k, v_ in _LAYOUT.items() if k != "legend"},
        legend=dict(orientation="h", yanchor="top", y=-0.08, xanchor="center", x=0.5),
        xaxis=dict(range=[-0.3, 12.5], visible=True, showgrid=False, zeroline=False, showticklabels=False,
                   title="← from step t-1          one step of the cell          to step t →"),
        yaxis=dict(range=[-0.6, 7.0], showgrid=False, zeroline=False, showticklabels=False, title="",
                   scaleanchor="x", scaleratio=1)))
