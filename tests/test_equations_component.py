"""pages/_equations.py: equations typeset once, then only their numbers change (Cell anatomy, issue 15)."""

import re

from streamlit.testing.v1 import AppTest

from app_harness import ROOT, equation_lines
from lstm_core.experiments import anatomy
from lstm_core.narration import anatomy as anatomy_text
from pages import _equations
from pages import _streamlit_chunks as chunks

JS = (ROOT / "pages" / "_equations.js").read_text()
RENAMED = re.findall(r'"(\w+)"', re.search(r"const RENAMED = \[(.*?)\];", JS, re.S).group(1))


def test_streamlit_ships_the_katex_chunk():
    assert _equations.CHUNK is not None and _equations.CHUNK.startswith("katex.")
    text = (chunks.JS_DIR / _equations.CHUNK).read_text(errors="replace")
    assert "renderToString" in text and re.search(r"export\s*\{\s*\w+ as default\s*\}", text)


def test_the_class_names_given_back_are_the_ones_this_streamlit_needs():
    """Streamlit's CSS styles KaTeX 0.16's classes (its st.latex); its katex chunk (0.18) writes each of RENAMED
    with a "katex-" prefix. If either changes with a new Streamlit, this fails instead of the equations
    losing their subscripts and accents unnoticed."""
    chunk = (chunks.JS_DIR / _equations.CHUNK).read_text(errors="replace")
    css = "".join(p.read_text(errors="replace") for p in (chunks.JS_DIR.parent / "css").glob("index.*.css"))
    assert len(RENAMED) >= 10 and "sizing" in RENAMED and "accent" in RENAMED
    for name in RENAMED:
        assert f"`katex-{name}`" in chunk or f'"katex-{name}"' in chunk, f"the chunk no longer writes katex-{name}"
        assert re.search(rf"\.{name}[\s.,:{{>\[)]", css), f"Streamlit's CSS has no rule for .{name}"
        assert f".katex-{name}" not in css, f"Streamlit's CSS styles .katex-{name} itself now"


def test_the_page_sends_the_lines_the_narration_writes_and_keeps_the_elements():
    at = AppTest.from_file(str(ROOT / "pages" / "cell_anatomy.py"), default_timeout=120).run()
    assert not at.exception
    step = anatomy.step(dict(anatomy.DEFAULTS))
    assert equation_lines(at) == anatomy_text.equations(step, 0) + anatomy_text.rnn_equations(step, 0)
    ids = [e.proto.id for e in at.get("bidi_component") if e.proto.component_name == _equations.COMPONENT_NAME]
    assert len(ids) == 2 and all(i.endswith(("equations_equations", "equations_rnn_equations")) for i in ids)
    at.slider(key="x").set_value(-1.0).run()
    moved = anatomy.step({**anatomy.DEFAULTS, "x": -1.0})
    assert equation_lines(at) == anatomy_text.equations(moved, 0) + anatomy_text.rnn_equations(moved, 0)
    assert [e.proto.id for e in at.get("bidi_component")
            if e.proto.component_name == _equations.COMPONENT_NAME] == ids, "the same elements, updated"


def test_without_the_chunk_each_line_is_st_latex():
    def script():
        from pages import _equations
        _equations.CHUNK = None
        _equations.equations([r"a = 0.500", r"b = 1.250"], key="eq")

    at = AppTest.from_function(script, default_timeout=60).run()
    try:
        assert not at.exception and [x.value.strip("$\n") for x in at.latex] == [r"a = 0.500", r"b = 1.250"]
        assert not equation_lines(at)
    finally:
        _equations.CHUNK = chunks.chunk("katex")
