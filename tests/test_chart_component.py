"""pages/_chart.py: the chart component every page draws with (a figure updated in place, issue 15)."""

import base64
import json
import re
from pathlib import Path

import numpy as np
import plotly.graph_objects as go
import streamlit as st
from streamlit.testing.v1 import AppTest

from app_harness import ROOT, chart_elements
from pages import _chart


def test_streamlit_ships_the_plotly_chunk_that_sets_window_plotly():
    """The component borrows Streamlit's plotly.js: the chunk must exist and set window.Plotly when loaded."""
    assert _chart.CHUNK is not None and _chart.CHUNK.startswith("PlotlyChart.")
    text = (Path(st.__file__).parent / "static" / "static" / "js" / _chart.CHUNK).read_text(errors="replace")
    assert "window.Plotly=" in text.replace(" ", "")


def test_figure_json_drops_the_template_and_keeps_the_data():
    fig = go.Figure(dict(data=[dict(type="scatter", x=[0, 1, 2], y=[0.5, -1.25, 3.0])], layout=dict(title="t")))
    spec = json.loads(_chart.figure_json(fig))
    assert "template" not in spec["layout"] and spec["layout"]["title"]["text"] == "t"
    trace = spec["data"][0]
    ys = trace["y"] if isinstance(trace["y"], list) else None
    if ys is None:   # plotly may encode numeric arrays as base64 typed arrays
        ys = np.frombuffer(base64.b64decode(trace["y"]["bdata"]), dtype=trace["y"]["dtype"]).tolist()
    assert ys == [0.5, -1.25, 3.0]


def test_component_js_carries_the_theme():
    js = _chart._component_js()
    assert "/*THEME*/" not in js
    literal = re.search(r"const THEME = (\{.*?\});", js).group(1)
    assert json.loads(literal) == json.loads((ROOT / "pages" / "_chart_theme.json").read_text())


def test_a_changed_figure_keeps_its_element():
    """The point of the component: a slider move sends a new figure to the SAME element (its id does not
    hash the figure, unlike st.plotly_chart's), so the browser updates the chart instead of re-creating it."""
    at = AppTest.from_file(str(ROOT / "pages" / "cell_anatomy.py"), default_timeout=120).run()
    assert not at.exception
    (before,) = chart_elements(at)
    ids = [e.proto.id for e in at.get("bidi_component") if e.proto.component_name == _chart.COMPONENT_NAME]
    at.slider(key="x").set_value(-1.0).run()
    (after,) = chart_elements(at)
    ids_after = [e.proto.id for e in at.get("bidi_component") if e.proto.component_name == _chart.COMPONENT_NAME]
    assert after.spec != before.spec and after.narrow != before.narrow, "the figure changed"
    assert ids_after == ids and after.key == "chart_diagram", "in the same element"


def test_without_the_chunk_a_chart_falls_back_to_st_plotly_chart():
    """A Streamlit without its PlotlyChart chunk: the chart is still drawn (Streamlit's own element)."""
    def script():
        import plotly.graph_objects as go
        from pages import _chart
        _chart.CHUNK = None
        _chart.chart(go.Figure(dict(data=[dict(type="bar", y=[1, 2])])), key="chart_x")

    at = AppTest.from_function(script, default_timeout=60).run()
    try:
        assert not at.exception and len(at.get("plotly_chart")) == 1 and not chart_elements(at)
    finally:
        _chart.CHUNK = _chart.plotly_chunk()
