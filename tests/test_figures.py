"""lstm_core.figures: pure figure builders (arrays in, plotly Figure out)."""

import json
import re

import numpy as np
import pytest
import plotly.graph_objects as go

from lstm_core.figures import anatomy as anatomy_figures
from lstm_core.figures import style
from lstm_core.figures import vanishing as vanishing_figures

TOKENS = ["the", "keys", "to", "the", "cabinet", "is"]     # "the" repeats


def _titles(fig):
    return fig.layout.title.text, fig.layout.xaxis.title.text, fig.layout.yaxis.title.text


def _y(trace):
    """A trace's y as float64 (plotly may store it as a typed array)."""
    return np.asarray(trace.y, dtype=np.float64)


# ----------------------------------------------------------------------------- palette


def test_palette_is_okabe_ito_and_distinct():
    okabe = set(style.OKABE_ITO.values())
    lstm_names = ["input_gate", "forget_gate", "candidate", "output_gate", "cell", "hidden"]
    assert all(style.GATE_COLORS[n] in okabe for n in lstm_names)
    assert len({style.GATE_COLORS[n] for n in lstm_names}) == len(lstm_names), "each LSTM quantity needs its own colour"
    assert len({style.ARCH_COLORS[a] for a in ("lstm", "rnn", "gru")}) == 3 and set(style.ARCH_COLORS.values()) <= okabe
    assert set(style.ARCH_LABELS["gru"]) >= {"reset_gate", "update_gate", "candidate", "hidden"}   # the GRU's panels
    for name in ("input_gate", "forget_gate", "output_gate", "update_gate"):
        assert style.GATE_SCALES[name][-1][1] == style.GATE_COLORS[name], f"{name} heatmap must end at its gate colour"
    assert set(style.GATE_LABELS) >= set(lstm_names) | {"reset_gate", "update_gate"}


# ----------------------------------------------------------------------------- heatmaps


def test_log_curves_keep_tiny_values_and_gap_zeros():
    tiny = np.array([1.0, 1e-100, 1e-300, 0.0, np.inf])
    fig = vanishing_figures.grad_norm_vs_distance({"RNN": tiny, "LSTM": np.ones(5)}, colors={"RNN": style.ARCH_COLORS["rnn"]})
    assert fig.layout.yaxis.type == "log"
    y = _y(fig.data[0])
    assert y[2] == 1e-300, "float32 would flush this to 0; log curves stay float64"
    assert np.isnan(y[3]) and np.isnan(y[4]), "0 and inf cannot sit on a log axis: gaps"
    assert list(fig.data[0].x) == list(range(5))
    assert fig.data[0].line.color == style.ARCH_COLORS["rnn"]
    assert all(_titles(fig)) and fig.layout.showlegend


def test_add_time_cursor():
    fig = vanishing_figures.add_time_cursor(go.Figure(), 7, label="now")
    assert fig.layout.shapes[0].x0 == 7 and fig.layout.annotations[0].text == "now"


# ----------------------------------------------------------------------------- the cell diagram


def _diagram(**over):
    v = dict(x=1.0, h_prev=0.5, c_prev=0.8, i=0.7, f=0.9, g=-0.4, o=0.6, forget_part=0.72, input_part=-0.28,
             c=0.44, tanh_c=0.41, h=0.25, forget_gate=True, clamped={})
    v.update(over)
    return anatomy_figures.lstm_cell_diagram(v)


def _texts(fig):
    return " ".join(a.text for a in fig.layout.annotations)


def _gate_box(fig, x):
    return next(s for s in fig.layout.shapes if s.type == "rect" and abs((s.x0 + s.x1) / 2 - x) < 1e-9)


def test_diagram_shows_the_numbers_and_colours():
    fig = _diagram()
    text = _texts(fig)
    for s in ("f = 0.90", "i = 0.70", "g = -0.40", "o = 0.60", "= 0.80", "= 0.44", "= 0.25", "= 0.72"):
        assert s in text
    legend = {t.name: t.marker.color for t in fig.data}
    assert legend[style.GATE_LABELS["forget_gate"]] == style.GATE_COLORS["forget_gate"]
    assert fig.layout.title.text and fig.layout.xaxis.title.text
    # fill intensity follows the gate value
    weak, strong = _gate_box(_diagram(f=0.1), 3.0), _gate_box(_diagram(f=0.95), 3.0)
    assert weak.fillcolor == strong.fillcolor == style.GATE_COLORS["forget_gate"]
    assert weak.opacity < strong.opacity


def test_diagram_marks_held_gates_and_the_1997_cell():
    held = _texts(_diagram(i=1.0, f=0.0, clamped={"i": 1.0, "f": 0.0}))
    assert "i = 1.00<br>(held)" in held and "f = 0.00<br>(held)" in held
    no_f = _diagram(f=1.0, forget_gate=False)
    assert "no gate" in _texts(no_f)
    assert _gate_box(no_f, 3.0).fillcolor == style.OKABE_ITO["grey"]


def test_figures_serialise():
    for fig in (_diagram(), vanishing_figures.grad_norm_vs_distance({"a": np.ones(3)})):
        spec = json.loads(fig.to_json())
        assert spec["layout"]["title"]["text"]
        assert not re.search(r"NaN(?!\w)", json.dumps(spec["layout"]))


# ----------------------------------------------------------------------------- the schema check


def test_the_suite_checks_every_figure_against_plotlys_schema():
    """The app builds figures unchecked (speed); under the suite style.figure() checks each one, so a bad
    property or value fails the test that drew it."""
    assert style.CHECK_FIGURES
    with pytest.raises(ValueError):
        style.figure([dict(type="scatter", x=[0, 1], y=[1, 2], colour="red")], {})
    with pytest.raises(ValueError):
        style.figure([dict(type="scatter", x=[0, 1], y=[1, 2])], dict(xaxis=dict(range="wide")))


def test_an_unchecked_figure_sends_what_a_checked_one_sends():
    """What the check would rewrite is written its way beforehand (titles as dicts, None and empty
    lists left out); a rewrite nobody spelled out (a named colour scale: plotly.js names scales
    differently) fails."""
    spec = dict(data=[dict(type="heatmap", z=np.arange(6.0).reshape(2, 3), colorbar=dict(title="|c|"))],
                layout=dict(title="t", xaxis=dict(title=None), shapes=[], annotations=[]))
    fig = style.figure(spec["data"], spec["layout"])
    assert style._sent(fig) == style._sent(go.Figure(fig.to_dict()))
    assert fig.layout.title.text == "t" and fig.data[0].colorbar.title.text == "|c|"
    with pytest.raises(ValueError, match=r"data\[0\]\.colorscale"):
        style.figure([dict(type="heatmap", z=[[0.0, 1.0]], colorscale="RdBu")], {})


def test_without_the_check_a_figure_is_built_unchecked(monkeypatch):
    monkeypatch.setattr(style, "CHECK_FIGURES", False)
    fig = style.figure([dict(type="heatmap", z=[[0.0, 1.0]], colorscale="RdBu")], {})
    assert fig.data[0].colorscale == "RdBu"        # as given: plotly did not look at it
