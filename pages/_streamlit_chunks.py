"""Streamlit's own JS chunks for our components: plotly.js (pages/_chart.py) and KaTeX (pages/_equations.py) are
in Streamlit's static folder already, so the browser downloads nothing new (the plotly chunk may even be cached).

    chunk("PlotlyChart")       file name of that chunk in Streamlit's static/js, or None if this Streamlit has none
    component_js(path, ...)    a component's JS with pages/_chunks.js (streamlitChunk(name): import it once) in front
"""
from __future__ import annotations

from pathlib import Path

import streamlit as st

JS_DIR = Path(st.__file__).resolve().parent / "static" / "static" / "js"
_HERE = Path(__file__).resolve().parent


def chunk(name: str) -> str | None:
    """File name of Streamlit's chunk `name` (e.g. PlotlyChart.D9Z0_fxz.js), None when there is none."""
    found = sorted(JS_DIR.glob(f"{name}.*.js"))
    return found[0].name if found else None


def component_js(path: Path, replace: dict | None = None) -> str:
    """pages/_chunks.js + the component's JS at path, with each `replace` key in it replaced by its value and
    the comment-only lines left out (every element of a component carries its JS in every rerun's message)."""
    js = (_HERE / "_chunks.js").read_text() + "\n" + Path(path).read_text()
    for old, new in (replace or {}).items():
        js = js.replace(old, new)
    return "\n".join(line for line in js.splitlines() if line.strip() and not line.lstrip().startswith("//"))
