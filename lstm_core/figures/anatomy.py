"""The figure of *Cell anatomy*: the canonical LSTM cell drawn with shapes, boxes coloured by the gate values
(values: lstm_core.experiments.anatomy.diagram_values(step, unit))."""
from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from lstm_core.figures.style import (
    GATE_COLORS,
    GATE_LABELS,
    LAYOUT,
    LEGEND_BELOW,
    OKABE_ITO,
    figure,
)

LABEL_PX = 14      # every label on the diagram: legible when projected (the browser test asks >= 12 CSS px)


def _flow_width(v: float) -> float:
    """Line width for a flow of magnitude |v| (thin = nothing flows)."""
    v = abs(float(v)) if np.isfinite(v) else 0.0
    return 1.0 + 7.0 * min(v, 2.0) / 2.0


def lstm_cell_diagram(v: dict, *, title: str = "The LSTM cell at this step", portrait: bool = False) -> go.Figure:
    """The canonical LSTM cell drawn with plotly shapes, coloured by this step's gate values.

    v: floats x, h_prev, c_prev, i, f, g, o, forget_part, input_part, c, tanh_c, h; forget_gate (bool);
    clamped {gate letter: value} (see lstm_core.anatomy.diagram_values). Box colour intensity = gate
    value (|g| for the candidate); line thickness = |value| flowing along it.

    portrait: the same drawing turned a quarter (time flows down; the cell path on the right), for a
    phone: the landscape one is ~26 px per unit there and its 14 px labels overlap (browser test). Text
    stays level; each label has its own place in the portrait drawing.
    """
    shapes, notes = [], []          # collected, then set once (add_shape per item is ~50x slower)
    marks = []                      # (x, y, text, size): the symbols inside boxes, drawn as ONE text trace

    def P(x, y):
        """Landscape coordinates -> this figure's: a quarter turn clockwise in portrait."""
        return (y, -x) if portrait else (x, y)

    def box(x0, y0, x1, y1, level=False, **kw):
        """A shape over a landscape box; level: in portrait too as wide as it is in landscape (it holds text)."""
        (a, b), (c, d) = P(x0, y0), P(x1, y1)
        if level and portrait:
            cx, cy, hw, hh = (a + c) / 2, (b + d) / 2, abs(x1 - x0) / 2, abs(y1 - y0) / 2
            a, b, c, d = cx - hw, cy - hh, cx + hw, cy + hh
        shapes.append(dict(kw, x0=min(a, c), y0=min(b, d), x1=max(a, c), y1=max(b, d), layer="below"))
    cell_c, hid_c, grey = GATE_COLORS["cell"], GATE_COLORS["hidden"], OKABE_ITO["grey"]
    Y_CELL, Y_BUS, Y_GATE, Y_MID = 5.5, 1.2, 2.8, 4.3
    X = {"f": 3.0, "i": 4.6, "g": 6.0, "o": 7.8}
    X_TANH = 9.3
    clamped = v.get("clamped", {}) or {}

    def line(x0, y0, x1, y1, color, width, dash="solid"):
        (a, b), (c, d) = P(x0, y0), P(x1, y1)
        shapes.append(dict(type="line", x0=a, y0=b, x1=c, y1=d, line=dict(color=color, width=width, dash=dash),
                           layer="below"))

    def text_at(x, y, text, size):
        """A symbol centred in its box (σ, tanh, ×, +): a point of the text trace, not an annotation
        (each annotation is measured in the browser on every draw; one trace of text points is not)."""
        marks.append((*P(x, y), text, size))

    def op(x, y, symbol):
        box(x - 0.3, y - 0.3, x + 0.3, y + 0.3, type="circle", line=dict(color=OKABE_ITO["black"], width=1.5),
            fillcolor="white")
        text_at(x, y, f"<b>{symbol}</b>", 16)

    def label(x, y, text, upright=None, upright_text=None, **kw):
        """A value label at landscape (x, y); in portrait at upright = (x, y, xanchor) of the turned drawing."""
        if portrait:
            x, y, kw, text = upright[0], upright[1], dict(kw, xanchor=upright[2]), upright_text or text
        notes.append(dict(x=x, y=y, text=text, showarrow=False, font=dict(size=LABEL_PX), bgcolor="rgba(255,255,255,0.85)",
                          **kw))

    # the cell's outline
    box(1.0, 0.5, 11.0, 6.5, type="rect", line=dict(color=grey, width=1), fillcolor="rgba(153,153,153,0.08)",
        layer="below")
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
        box(xk - 0.55, Y_GATE - 0.45, xk + 0.55, Y_GATE + 0.45, level=True, type="rect",
            line=dict(color=OKABE_ITO["black"], width=2 if held else 1, dash="dash" if held else "solid"),
            fillcolor=color, opacity=0.25 if no_gate else 0.15 + 0.85 * min(max(strength, 0.0), 1.0))
        fn = "tanh" if k == "g" else "σ"
        text_at(xk, Y_GATE, f"<b>{fn}</b>", 14)
        text = "f = 1<br>(no gate)" if no_gate else f"{k} = {value:.2f}" + ("<br>(held)" if held else "")
        # landscape: neighbours alternate above and below; portrait: right of the box, g's under its wire
        label(xk - 0.05, Y_GATE + 0.72 if k in "fg" else Y_GATE - 0.95, text,
              upright=(Y_GATE + 0.65, -xk + {"g": -0.7, "o": 0.1}.get(k, 0.3), "left"))
    op(X["f"], Y_CELL, "×")
    op(X["g"], Y_MID, "×")
    op(X["g"], Y_CELL, "+")
    op(X_TANH, Y_GATE, "×")
    box(X_TANH - 0.45, Y_MID - 0.3, X_TANH + 0.45, Y_MID + 0.3, level=True, type="rect", line=dict(color=OKABE_ITO["black"], width=1),
        fillcolor="white")
    text_at(X_TANH, Y_MID, "tanh", LABEL_PX)

    # the numbers on the wires
    # (portrait: the cell path is the vertical at x = Y_CELL, the input bus at x = Y_BUS, h(t) leaves at x = Y_GATE)
    label(0.5, Y_CELL + 0.45, f"c(t−1) = {v['c_prev']:.2f}", upright=(Y_CELL + 0.15, -0.6, "left"))
    label(4.5, Y_CELL + 0.45, f"f·c(t−1) = {v['forget_part']:.2f}", upright=(Y_CELL + 0.15, -4.5, "left"))
    label(6.75, Y_MID, f"i·g = {v['input_part']:.2f}", xanchor="left", upright=(Y_CELL + 0.15, -6.6, "left"))
    label(11.2, Y_CELL + 0.45, f"c(t) = {v['c']:.2f}", upright=(Y_CELL + 0.15, -11.6, "left"))
    label(0.5, Y_BUS + 0.4, f"h(t−1) = {v['h_prev']:.2f}", upright=(Y_BUS + 0.15, -0.4, "left"))
    label(1.8, -0.25, f"x(t) = {v['x']:.2f}", upright=(-0.55, -2.45, "left"), upright_text=f"x(t) =<br>{v['x']:.2f}")
    label(X_TANH + 0.55, Y_MID + 0.55, f"tanh(c(t)) = {v['tanh_c']:.2f}", xanchor="left",
          upright=(Y_MID - 0.2, -10.0, "left"))
    label(11.2, Y_GATE + 0.4, f"h(t) = {v['h']:.2f}", upright=(Y_GATE - 0.15, -11.6, "right"))

    # legend: what the colours mean
    data = [dict(type="scatter", x=[None], y=[None], mode="markers", name=GATE_LABELS[name],
                 marker=dict(color=GATE_COLORS[name], symbol="square", size=12))
            for name in ("input_gate", "forget_gate", "candidate", "output_gate", "cell", "hidden")]
    xs, ys, texts, sizes = zip(*marks)
    data.append(dict(type="scatter", x=xs, y=ys, text=texts, mode="text", textposition="middle center",
                     textfont=dict(size=sizes), hoverinfo="skip", showlegend=False, cliponaxis=False))
    axes = dict(showgrid=False, zeroline=False, showticklabels=False)
    # margins = what the Streamlit theme's automargin grows them to anyway (the axis titles; measured in
    # Chromium): declared up front, plotly draws the figure once instead of drawing, growing a margin and
    # drawing it all again, on every slider move (issue 15; bench/figure_render.py "presized")
    if portrait:       # ~40 px per unit on a phone; the height holds the drawing, the note and the legend
        return figure(data, dict(
            shapes=shapes, annotations=notes, title=title, showlegend=True, height=720, font=LAYOUT["font"],
            margin=dict(l=42, r=8, t=60, b=150), legend=dict(LEGEND_BELOW, xanchor="center", x=0.5),
            xaxis=dict(axes, range=[-0.6, 8.4], title="time flows down:<br>from step t−1 (top) to step t (bottom)"),
            yaxis=dict(axes, range=[-12.5, 0.3], title="", scaleanchor="x", scaleratio=1)))
    return figure(data, dict(
        shapes=shapes, annotations=notes, title=title, showlegend=True, height=460,
        **{k: v_ for k, v_ in LAYOUT.items() if k not in ("legend", "margin")},
        margin=dict(LAYOUT["margin"], b=71), legend=dict(LEGEND_BELOW, xanchor="center", x=0.5),
        xaxis=dict(axes, range=[-0.3, 12.5], visible=True,
                   title="← from step t-1          one step of the cell          to step t →"),
        yaxis=dict(axes, range=[-0.6, 7.0], title="", scaleanchor="x", scaleratio=1)))
