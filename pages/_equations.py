"""Equations that stay typeset across reruns: only their numbers change (pages/_equations.js).

st.latex typesets every equation anew on every rerun; on Cell anatomy that was 9 equations on every slider
move. This component keeps each line's typeset DOM and, when a line differs from the last one only in its
decimal numbers, replaces the text of those numbers. KaTeX is Streamlit's own copy (its katex chunk).

    equations(lines, key)     display-mode TeX lines, one under the other (st.latex each, if there is no chunk);
                              the element's key is "equations_" + key (the tests tell it from the charts by it)
"""
from __future__ import annotations

from pathlib import Path

import streamlit as st

from pages import _streamlit_chunks as chunks

COMPONENT_NAME = "lstm_lab_equations"
CHUNK = chunks.chunk("katex")
# a long line scrolls inside its own box instead of widening the page (a phone; a projector at 150%)
_CSS = ".lab-equation { overflow-x: auto; overflow-y: hidden; } .lab-equation .katex-display { margin: 0.6em 0; }"
_COMPONENT = st.components.v2.component(COMPONENT_NAME, js=chunks.component_js(Path(__file__).with_suffix(".js")),
                                         css=_CSS, isolate_styles=False)


def equations(lines, key: str) -> None:
    """Show the TeX lines in display mode; with the same key on later reruns, changed numbers only are redrawn."""
    lines = [str(line) for line in lines]
    if CHUNK is None:   # a Streamlit without its katex chunk: typeset anew on every rerun
        for line in lines:
            st.latex(line)
        return
    _COMPONENT(key=f"equations_{key}", data={"lines": lines, "chunk": CHUNK})
