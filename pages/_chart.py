"""Every chart of the app: a plotly figure in a component that stays mounted across reruns.

st.plotly_chart puts a hash of the figure into its element id, so a slider move that changes a figure
makes a new element: the browser unmounts the chart and draws it from scratch. This component keeps its
key, so the same div receives the new figure and plotly.js diffs it in (Plotly.react, pages/_chart.js);
a chart off screen is redrawn when it scrolls into view. (Cell anatomy, slider -> repaint p95: 224-239 ms
with st.plotly_chart, 143-162 ms with this; bench/bench_browser.py.) The look is Streamlit's own plotly theme
(pages/_chart_theme.json, resolved from st.plotly_chart in Chromium) and
plotly.js is Streamlit's own copy (its PlotlyChart chunk), so nothing new is downloaded.

    chart(fig, key=None, config=None, narrow=None, narrow_below=NARROW_BELOW)
        narrow: a second figure drawn instead when the viewport is narrower than narrow_below CSS px
        (a phone), chosen in the browser, so only one of the two is ever drawn.
    preload_plotly()
        an invisible element that starts loading plotly.js at once (app.py calls it before the page runs):
        a first visit then fetches and compiles it while the server computes the page's figures.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path

import plotly.io as pio
import streamlit as st
from streamlit import config
from _plotly_utils.utils import is_homogeneous_array, is_skipped_key, to_typed_array_spec

from lstm_core.figures import style
from pages import _streamlit_chunks as chunks

_HERE = Path(__file__).resolve().parent
_LOG = logging.getLogger("lstm_lab")
COMPONENT_NAME = "lstm_lab_chart"
NARROW_BELOW = 641   # CSS px of viewport width: below it a chart with a narrow variant draws that one (phones)


def plotly_chunk() -> str | None:
    """File name of Streamlit's PlotlyChart chunk (it carries plotly.js and sets window.Plotly)."""
    return chunks.chunk("PlotlyChart")


def _component_js() -> str:
    theme = json.loads((_HERE / "_chart_theme.json").read_text())
    return chunks.component_js(_HERE / "_chart.js", {"/*THEME*/ null": json.dumps(theme, separators=(",", ":"))})


CHUNK = plotly_chunk()
if CHUNK is None:
    _LOG.warning("Streamlit's PlotlyChart chunk not found; charts fall back to st.plotly_chart")
_COMPONENT = st.components.v2.component(COMPONENT_NAME, js=_component_js(), isolate_styles=False)


def _typed(node):
    """node with its numeric arrays as plotly.js typed-array specs, converted as Figure.to_dict() converts them
    (plotly's own converter and rules), into new dicts and lists: to_dict() deep-copies the whole figure first
    to convert it in place, most of the JSON time of a page with many charts (Learning to forget: 11)."""
    if isinstance(node, dict):
        # a plain value (most of a layout: a shape's every field) is what the converter would leave as it is
        return {k: v if isinstance(v, _PLAIN) or is_skipped_key(k) else to_typed_array_spec(v)
                if is_homogeneous_array(v) else _typed(v) for k, v in node.items()}
    if isinstance(node, (list, tuple)):
        return [v if isinstance(v, _PLAIN) else _typed(v) for v in node]
    return node


_PLAIN = (str, int, float, type(None))


def figure_json(fig) -> str:
    """The figure as plotly JSON without its template (the browser applies the theme): what
    fig.to_plotly_json() holds (the suite checks it, style.CHECK_FIGURES), without copying the figure."""
    layout = {k: v for k, v in fig._layout.items() if k != "template"}
    out = pio.json.to_json_plotly({"data": _typed(fig._data), "layout": _typed(layout)})
    if style.CHECK_FIGURES:
        spec = fig.to_plotly_json()
        spec.get("layout", {}).pop("template", None)
        if json.loads(out) != json.loads(pio.json.to_json_plotly(spec)):
            raise ValueError("figure_json differs from the figure's to_plotly_json()")
    return out


def chart(fig, key: str | None = None, config: dict | None = None, narrow=None,
          narrow_below: int = NARROW_BELOW) -> None:
    """Draw ``fig`` at full width; with a ``key`` the chart is updated in place on later reruns."""
    if CHUNK is None:   # a Streamlit without the chunk: its own chart, re-created on every change
        st.plotly_chart(fig, key=key, width="stretch", config=config or {})
        return
    # the height the chart will take: its box holds it before plotly has drawn it, so the page does not jump and
    # the browser knows which charts are on screen (those are drawn first) before any is drawn
    data = {"spec": figure_json(fig), "config": config or {}, "chunk": CHUNK, "height": _height(fig)}
    if narrow is not None:
        data.update(narrow=figure_json(narrow), narrow_below=narrow_below, narrow_height=_height(narrow))
    _COMPONENT(key=key, data=data)


def _height(fig) -> int:
    """The figure's height in CSS px (plotly's default where it sets none)."""
    return int(fig._layout.get("height") or PLOTLY_DEFAULT_HEIGHT)


PLOTLY_DEFAULT_HEIGHT = 450
PRELOAD_KEY = "chart_preload"


class PreloadPlotly:
    """ASGI middleware (app.py): every HTML page the server sends asks the browser, in a Link header, to fetch and
    compile plotly.js (Streamlit's own chunk, 4.7 MB) at once, while Streamlit's frontend starts, rather than when
    the script's first message reaches it (about a second later on a first visit). The URL is the one
    pages/_chunks.js imports, so the module is fetched once."""

    def __init__(self, app, chunk: str | None = CHUNK):
        self.app = app
        base = config.get_option("server.baseUrlPath").strip("/")
        self.link = f"</{base + '/' if base else ''}static/js/{chunk}>; rel=modulepreload".encode() if chunk else None

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http" or self.link is None:
            return await self.app(scope, receive, send)

        async def linked(message):
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                if any(k.lower() == b"content-type" and v.startswith(b"text/html") for k, v in headers):
                    message = {**message, "headers": headers + [(b"link", self.link)]}
            await send(message)

        await self.app(scope, receive, linked)


def preload_plotly() -> None:
    if CHUNK is not None:
        st.html(f"<style>.st-key-{PRELOAD_KEY} {{ display: none; }}</style>")
        _COMPONENT(key=PRELOAD_KEY, data={"preload": True, "chunk": CHUNK})
