"""lstm_core.figures: pure figure builders (arrays in, plotly Figure out)."""

import json
import re

import numpy as np
import plotly.graph_objects as go
import pytest

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
    assert len(set(style.ARCH_COLORS.values())) == 3 and set(style.ARCH_COLORS.values()) <= okabe
    for name in ("input_gate", "forget_gate", "output_gate", "update_gate"):
        assert style.GATE_SCALES[name][-1][1] == style.GATE_COLORS[name], f"{name} heatmap must end at its gate colour"
    assert set(style.GATE_LABELS) >= set(lstm_names) | {"reset_gate", "update_gate"}


# ----------------------------------------------------------------------------- heatmaps


def test_heatmap_tokens_on_x_with_repeats():
    values = np.random.default_rng(0).random((3, len(TOKENS)))
    fig = style.unit_token_heatmap(values, TOKENS, name="forget_gate")
    hm = fig.data[0]
    assert isinstance(hm, go.Heatmap)
    z = np.asarray(hm.z)
    assert z.shape == (3, len(TOKENS)) and z.dtype == np.float32
    np.testing.assert_allclose(z, values.astype(np.float32))
    assert list(hm.x) == list(range(len(TOKENS))), "time axis is positional, so repeated tokens stay apart"
    assert list(fig.layout.xaxis.ticktext) == TOKENS
    assert list(fig.layout.xaxis.tickvals) == list(range(len(TOKENS)))
    hover = np.asarray(hm.customdata)
    assert hover[0, 0] == "0:the" and hover[0, 3] == "3:the"
    assert (hm.zmin, hm.zmax) == (0.0, 1.0), "gates live in (0, 1)"
    title, xt, yt = _titles(fig)
    assert "forget" in title and xt and yt
    assert any(t.showlegend is not False and t.name for t in fig.data[1:]), "the colour key is in the legend"


def test_heatmap_thins_ticks_for_long_sequences_and_checks_shapes():
    T = 300
    fig = style.unit_token_heatmap(np.zeros((2, T)), [f"w{t}" for t in range(T)], name="cell")
    assert len(fig.layout.xaxis.tickvals) <= style.MAX_TICKS
    assert fig.layout.xaxis.ticktext[1] == f"w{fig.layout.xaxis.tickvals[1]}"
    with pytest.raises(ValueError, match="tokens"):
        style.unit_token_heatmap(np.zeros((2, 5)), ["a", "b"], name="cell")
    with pytest.raises(ValueError, match="units, time"):
        style.unit_token_heatmap(np.zeros(5), list("abcde"))


def test_heatmap_signed_quantity_is_symmetric():
    fig = style.unit_token_heatmap(np.array([[-3.0, 1.0]]), ["a", "b"], name="cell")
    assert fig.data[0].zmin == -fig.data[0].zmax == -3.0


# ----------------------------------------------------------------------------- lines


def test_trajectories_colours_cursor_and_tokens():
    series = {"c unit 0": np.arange(len(TOKENS)), "h unit 0": -np.arange(len(TOKENS))}
    colors = {"c unit 0": style.GATE_COLORS["cell"], "h unit 0": style.GATE_COLORS["hidden"]}
    fig = style.trajectories(series, TOKENS, title="c and h", yaxis_title="value", colors=colors, cursor=3)
    assert [t.name for t in fig.data] == list(series)
    assert [t.line.color for t in fig.data] == [colors["c unit 0"], colors["h unit 0"]]
    assert list(fig.data[1].customdata)[3] == "3:the"
    np.testing.assert_array_equal(_y(fig.data[1]), -np.arange(len(TOKENS)))
    lines = [s for s in fig.layout.shapes if s.type == "line"]
    assert len(lines) == 1 and lines[0].x0 == lines[0].x1 == 3, "one time cursor at t = 3"
    assert list(fig.layout.xaxis.ticktext) == TOKENS
    assert all(_titles(fig)) and fig.layout.showlegend


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


def test_add_time_cursor_and_probability_bars():
    fig = vanishing_figures.add_time_cursor(go.Figure(), 7, label="now")
    assert fig.layout.shapes[0].x0 == 7
    bars = style.probability_bars({"LSTM": 0.9, "RNN": 0.25}, title="P(plural)", xaxis_title="probability",
                              colors={"LSTM": style.ARCH_COLORS["lstm"]})
    assert [float(b.x[0]) for b in bars.data] == pytest.approx([0.9, 0.25])
    assert bars.data[0].marker.color == style.ARCH_COLORS["lstm"] and tuple(bars.layout.xaxis.range) == (0, 1)
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        style.probability_bars({"x": 1.5}, title="t", xaxis_title="p")


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
    for fig in (_diagram(), style.unit_token_heatmap(np.ones((2, 3)), list("abc")),
                vanishing_figures.grad_norm_vs_distance({"a": np.ones(3)})):
        spec = json.loads(fig.to_json())
        assert spec["layout"]["title"]["text"]
        assert not re.search(r"NaN(?!\w)", json.dumps(spec["layout"]))
