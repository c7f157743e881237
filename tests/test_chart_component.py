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
from pages import _chart, _streamlit_chunks


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


def test_figure_json_is_the_figures_plotly_json_without_a_copy():
    """figure_json converts arrays into new containers (no deep copy of the figure): the same JSON as
    to_plotly_json(), arrays in traces, markers, 2-d heatmaps and shapes included, and the figure unchanged."""
    from lstm_core.figures import style

    z = np.arange(12, dtype=np.float32).reshape(3, 4)
    fig = style.figure([dict(type="heatmap", z=z, x=np.arange(4), customdata=z * 2),
                        dict(type="scatter", x=np.arange(3), y=np.array([0.5, 1.0, 2.0]),
                             marker=dict(color=np.array([1, 2, 3]), size=(4, 5, 6)))],
                       dict(title="t", xaxis=dict(range=(0, 3)), shapes=[dict(type="line", x0=0, x1=1, y0=0, y1=1)]))
    before = fig.to_plotly_json()
    spec = fig.to_plotly_json()
    spec["layout"].pop("template", None)
    assert json.loads(_chart.figure_json(fig)) == json.loads(pio_json(spec))
    assert isinstance(fig.data[0].z, np.ndarray) and json.dumps(fig.to_plotly_json(), default=str) == json.dumps(
        before, default=str), "the figure itself is left as it was"


def pio_json(spec) -> str:
    import plotly.io as pio

    return pio.json.to_json_plotly(spec)


def _served(middleware, content_type: bytes, scope_type: str = "http") -> list:
    """The messages an ASGI app answering with content_type sends through middleware."""
    import asyncio

    async def app(scope, receive, send):
        await send({"type": "http.response.start", "status": 200, "headers": [(b"content-type", content_type)]})
        await send({"type": "http.response.body", "body": b"x"})

    sent = []

    async def send(message):
        sent.append(message)

    asyncio.run(middleware(app)({"type": scope_type, "path": "/learning-to-forget"}, None, send))
    return sent


def test_html_pages_ask_the_browser_to_fetch_plotly_at_once():
    """The Link header names the chunk at the URL pages/_chunks.js imports (Streamlit's static/js), on HTML only."""
    html = _served(_chart.PreloadPlotly, b"text/html; charset=utf-8")
    links = [v for k, v in html[0]["headers"] if k == b"link"]
    assert links == [f"</static/js/{_chart.CHUNK}>; rel=modulepreload".encode()]
    assert (_streamlit_chunks.JS_DIR / _chart.CHUNK).is_file()
    assert html[1]["body"] == b"x"
    for other in (b"application/javascript", b"application/json"):
        assert all(k != b"link" for k, _ in _served(_chart.PreloadPlotly, other)[0]["headers"])
    assert all(k != b"link" for k, _ in _served(lambda app: _chart.PreloadPlotly(app, chunk=None),
                                                 b"text/html")[0]["headers"])


def test_the_preload_link_follows_the_servers_base_path(monkeypatch):
    """Behind a proxy path (server.baseUrlPath) Streamlit serves its scripts under it: so does the link."""
    from streamlit import config
    real = config.get_option
    monkeypatch.setattr(config, "get_option", lambda name: "/lab/" if name == "server.baseUrlPath" else real(name))
    links = [v for k, v in _served(_chart.PreloadPlotly, b"text/html")[0]["headers"] if k == b"link"]
    assert links == [f"</lab/static/js/{_chart.CHUNK}>; rel=modulepreload".encode()]


def test_a_chart_holds_the_height_of_the_figure_it_will_draw():
    from pages._chart import _height
    assert _height(go.Figure(layout=dict(height=333))) == 333
    assert _height(go.Figure()) == _chart.PLOTLY_DEFAULT_HEIGHT
