"""The app's one figure style, shared by every lesson's figures: pure data, no figures.

One colour-blind-safe palette (Okabe & Ito 2008) everywhere:

    GATE_COLORS[name]   name in input_gate, forget_gate, candidate, output_gate, cell, hidden,
                        reset_gate, update_gate (GRU)
    ARCH_COLORS[kind]   kind in lstm, rnn, gru and the LSTM variants (ARCH_DASHES[kind]: their line dash)
    GATE_LABELS[name]   short math label, e.g. "f (forget gate)"; ARCH_LABELS[kind] the labels per arch
    GATE_SCALES[name]   a sequential / diverging colourscale for heatmaps of that quantity

One time axis: numeric positions 0..T-1 (repeated tokens stay distinct, a cursor can sit on them) with the
tokens as tick text (token_axis), the subject bold and attractors marked; one dashed time cursor
(cursor_shapes / set_cursor).

Each figure is built in ONE go.Figure(dict) call (figure()) and names no plotly template (Streamlit's
theme styles the chart in the browser): update_layout / add_trace calls and template="plotly_white" cost
10-30 ms each. plotly's check of the dict against its schema is skipped in the app: it was ~90% of a
figure's cost (the cell diagram: 4.5 of 5 ms, twice on every slider move). The test suite turns it on
(CHECK_FIGURES, LSTM_LAB_CHECK_FIGURES=1 in tests/conftest.py): there every figure is checked, and must
send plotly.js exactly what the checked figure sends.
"""
from __future__ import annotations

import json
import os

import numpy as np
import pandas  # noqa: F401 - see below
import plotly.colors
import plotly.graph_objects as go

from lstm_core.cells.variants import VARIANT_ARCHS

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
# the LSTM variants (Greff et al.): the other Okabe-Ito colours (not yellow: too light for a line), drawn
# dashed, then dotted once the colours repeat; the LSTM, RNN and GRU are solid
_VARIANT_COLORS = ("orange", "sky_blue", "reddish_purple", "black", "grey")
ARCH_COLORS.update({a: OKABE_ITO[_VARIANT_COLORS[k % 5]] for k, a in enumerate(VARIANT_ARCHS)})
ARCH_DASHES = {a: ("dash", "dot")[k // 5 % 2] for k, a in enumerate(VARIANT_ARCHS)}

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
# labels per architecture: the GRU's candidate is n_t (torch's name), everything else is shared
ARCH_LABELS = {"lstm": GATE_LABELS, "rnn": GATE_LABELS, "gru": {**GATE_LABELS, "candidate": "n (candidate)"}}


def _sequential(color: str) -> list:
    return [[0.0, "#FFFFFF"], [1.0, color]]


def _diverging(color: str) -> list:
    # negative -> vermillion-free purple side would clash; use orange/white/blue (Okabe-Ito safe)
    return [[0.0, OKABE_ITO["orange"]], [0.5, "#FFFFFF"], [1.0, color]]


# gates in (0, 1) get white -> gate colour; signed quantities get orange -> white -> blue
# gradient norms over training (log scale): a perceptually uniform, colour-blind-safe scale, spelled out (the
# name "Cividis" means another scale in plotly.js than in plotly.py)
GRADIENT_SCALE = plotly.colors.get_colorscale("Cividis")

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

FONT = dict(size=13)
# legends at the bottom of the figure's container: above the plot they ran into titles (the browser test's
# overlap check found it at every size)
LEGEND_BELOW = dict(orientation="h", yref="container", yanchor="bottom", y=0.0, xanchor="left", x=0.0)
# legend below the plot: long labels wrap there instead of running into the title in narrow columns.
# No template: st.plotly_chart applies the Streamlit theme (and a template costs ~8 ms per figure).
LAYOUT = dict(margin=dict(l=60, r=20, t=60, b=40), font=dict(size=13),
               legend=dict(orientation="h", yanchor="top", y=-0.22, xanchor="left", x=0.0))
MAX_TICKS = 40   # beyond this many tokens only every k-th tick label is drawn
_SIGNED = {"candidate", "hidden"}       # in (-1, 1)
CURSOR_LINE = dict(color=OKABE_ITO["black"], dash="dash", width=1.5)


def f32(a) -> np.ndarray:
    """Arrays sent to the browser as float32 (smaller, faster). Log-scale curves stay float64: float32 would
    turn gradients below 1e-38 into zeros, exactly the values the vanishing-gradient lesson exists to show."""
    return np.asarray(a, dtype=np.float32)


def token_labels(tokens) -> list[str]:
    """Positional labels "t:token": distinct even when a token repeats."""
    return [f"{t}:{tok}" for t, tok in enumerate(tokens)]


def tick_text(tokens, marks: dict | None = None) -> list[str]:
    """Token tick labels; the subject in bold, attractors in italics (plotly rich text). Marks, not colours:
    every colour of the palette already means a gate, a model or a sign somewhere in the app."""
    marks = marks or {}
    subj, attr = marks.get("subject"), set(marks.get("attractors") or ())
    out = []
    for t, tok in enumerate(tokens):
        s = str(tok).replace("<", "&lt;").replace(">", "&gt;")
        if t == subj:
            s = f"<b>{s}</b>"
        if t in attr:
            s = f"<i>{s}</i>"
        out.append(s)
    return out


def token_axis(tokens, marks=None, max_ticks: int = MAX_TICKS, title: str | None = "token (time →)") -> dict:
    """x-axis dict: positions 0..T-1 with token tick text (every k-th beyond max_ticks)."""
    T = len(tokens)
    every = max(1, int(np.ceil(T / max_ticks)))
    ticks = list(range(0, T, every))
    text = tick_text(tokens, marks)
    return dict(tickmode="array", tickvals=ticks, ticktext=[text[t] for t in ticks],
                range=[-0.5, T - 0.5], title=dict(text=title) if title else None,
                tickangle=-45 if T > 12 else 0, showgrid=False, zeroline=False)


def cursor_shapes(cursor, axes) -> list:
    """A dashed vertical line at x = cursor in every (xref, yref-domain) pair."""
    if cursor is None:
        return []
    return [dict(type="line", x0=int(cursor), x1=int(cursor), xref=x, y0=0, y1=1, name="cursor",
                 yref=f"{y} domain", line=CURSOR_LINE, layer="above") for x, y in axes]


def set_cursor(fig: go.Figure, t: int) -> go.Figure:
    """Move the dashed time cursor of a figure made here to x = t, in place (a fraction of a
    ms, against ~10 ms to rebuild a figure). Returns fig."""
    shapes = list(fig.layout.shapes)
    cursors = [sh for sh in shapes if sh.name == "cursor"]
    others = [sh for sh in shapes if sh.name != "cursor"]
    fig.layout.shapes = others + [dict(sh.to_plotly_json(), x0=int(t), x1=int(t)) for sh in cursors]
    return fig


def dom(a: float, b: float) -> list[float]:
    """A subplot domain clipped to [0, 1] (float round-off can step just outside)."""
    return [min(max(a, 0.0), 1.0), min(max(b, 0.0), 1.0)]


def zrange(name: str, v: np.ndarray) -> tuple[float, float]:
    if name in _SIGNED:
        return -1.0, 1.0
    if name == "cell":
        finite = v[np.isfinite(v)]
        m = float(np.abs(finite).max()) if finite.size else 1.0
        return -max(m, 1e-6), max(m, 1e-6)
    return 0.0, 1.0


TITLE_CHARS = 34     # a title line at most this long fits a 253 px chart (a projector's narrow column)


def wrap_title(text: str, width: int = TITLE_CHARS) -> str:
    """A chart title broken into lines of at most ``width`` characters (plotly does not wrap titles)."""
    words, lines = str(text).split(), [""]
    for w in words:
        if lines[-1] and len(lines[-1]) + 1 + len(w) > width:
            lines.append(w)
        else:
            lines[-1] = f"{lines[-1]} {w}".strip()
    return "<br>".join(lines)


CHECK_FIGURES = os.environ.get("LSTM_LAB_CHECK_FIGURES") == "1"


def figure(data: list, layout: dict, cursor: int | None = None) -> go.Figure:
    """One go.Figure(dict) call, unchecked unless CHECK_FIGURES; with the time cursor at x = cursor if given.
    A long title is wrapped (wrap_title) and the top margin grows with its lines."""
    if cursor is not None:
        layout = {**layout, "shapes": list(layout.get("shapes", [])) + cursor_shapes(cursor, [("x", "y")])}
    title = layout.get("title")
    text = title.get("text") if isinstance(title, dict) else title
    if text and "<br>" not in text and len(text) > TITLE_CHARS:
        text = wrap_title(text)
        lines = text.count("<br>") + 1
        margin = dict(layout.get("margin") or {})
        margin["t"] = margin.get("t", 60) + 22 * (lines - 1)      # each extra line pushes the plot down
        layout = {**layout, "margin": margin,
                  "title": {**(title if isinstance(title, dict) else {}), "text": text,   # lines grow downwards
                            "y": 1.0, "yref": "container", "yanchor": "top", "pad": {"t": 12}}}
    spec = _spelled_out(dict(data=data, layout=layout))
    # an empty template: plotly would otherwise copy its default one into every figure, for the browser's
    # theme to replace (pages/_chart.py drops it)
    spec.setdefault("layout", {})["template"] = {}
    fig = go.Figure(spec, _validate=False)
    if CHECK_FIGURES:
        _check(fig, spec)
    return fig


_OBJECT_ARRAYS = ("annotations", "shapes", "images")


def _spelled_out(node):
    """node with what plotly's check would rewrite already written its way (unchecked figures skip it):
    a title given as a string becomes {"text": title} (the browser's theme bolds chart titles it finds there);
    a property set to None or {} and an empty list of shapes or annotations are left out. Dicts and lists of
    dicts are copied, never changed; arrays are passed through."""
    if isinstance(node, dict):
        out = {k: {"text": v} if k == "title" and isinstance(v, str) else _spelled_out(v) for k, v in node.items()}
        return {k: v for k, v in out.items()
                if not (v is None or (isinstance(v, dict) and not v) or (k in _OBJECT_ARRAYS and len(v) == 0))}
    if isinstance(node, (list, tuple)) and any(isinstance(v, dict) for v in node):
        return [_spelled_out(v) for v in node]
    return node


def _sent(fig: go.Figure) -> dict:
    """What the browser receives of fig (its JSON without the template; pages/_chart.py figure_json)."""
    out = json.loads(fig.to_json())
    out.get("layout", {}).pop("template", None)
    return out


def _check(fig: go.Figure, spec: dict) -> None:
    """ValueError unless spec passes plotly's schema check and the checked figure's JSON is fig's: an
    unknown property, a bad value, or a value the check would rewrite (a named colour scale, which plotly.js
    names differently) fails the test that drew it."""
    where = _first_difference(_sent(go.Figure(spec)), _sent(fig))
    if where is not None:
        raise ValueError(f"this figure's JSON changes at {where} when plotly checks it: spell out what the "
                         "check rewrites")


def _first_difference(a, b, path: str = "") -> str | None:
    """The path of the first place where the JSON values a and b differ, None if they are equal."""
    if isinstance(a, dict) and isinstance(b, dict):
        for k in sorted(set(a) | set(b)):
            if k not in a or k not in b:
                return f"{path}.{k} ({'sent' if k in b else 'checked'} only)"
            found = _first_difference(a[k], b[k], f"{path}.{k}")
            if found:
                return found
        return None
    if isinstance(a, list) and isinstance(b, list) and len(a) == len(b):
        return next((f for i, (x, y) in enumerate(zip(a, b)) if (f := _first_difference(x, y, f"{path}[{i}]"))),
                    None)
    return None if a == b else f"{path} ({a!r:.60} checked, {b!r:.60} sent)"
