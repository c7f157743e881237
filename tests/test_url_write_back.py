"""Issue 13 item 6: a link value the page had to correct (clamped, snapped, the last of repeated values, a
text cut to length) is written back into the address bar, so copying the URL again, or reopening it, gives
the view on screen (pages/_ui.py _correct_url / _keep_note). AppTest, server side; the browser side is
tests/test_browser.py::test_clamped_link_value_is_written_back."""

import os

from streamlit.testing.v1 import AppTest

from lstm_core.experiments import anatomy, vanishing

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
APP = os.path.join(ROOT, "app.py")
ANATOMY = "pages/cell_anatomy.py"
GRADIENTS = "pages/vanishing_gradients.py"


def open_page(path, params) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60)
    at.switch_page(path)
    for key, value in params.items():
        at.query_params[key] = value
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def notes(at) -> str:
    return " ".join(w.value for w in at.warning)


def test_a_clamped_length_is_written_back_and_reopens_as_shown():
    at = open_page(GRADIENTS, {"T": "2000"})
    assert at.slider(key="T").value == vanishing.MAX_T
    assert at.query_params.get("T") == str(vanishing.MAX_T), at.query_params
    assert f"Using T={vanishing.MAX_T}" in notes(at), "the note still says what was changed"
    at.run()                                           # a later run keeps both the value and the note
    assert at.query_params.get("T") == str(vanishing.MAX_T) and "`T`" in notes(at)

    again = open_page(GRADIENTS, dict(at.query_params))     # the address bar, reopened
    assert again.slider(key="T").value == vanishing.MAX_T
    assert "`T`" not in notes(again), "the corrected link is a valid link: no note"


def test_moving_the_corrected_slider_drops_the_note():
    at = open_page(GRADIENTS, {"T": "2000"})
    at.slider(key="T").set_value(100).run()          # (the browser writes a moved widget's URL value itself)
    assert at.slider(key="T").value == 100 and "`T`" not in notes(at)


def test_several_corrections_in_one_link():
    """Clamped, repeated (the last one), off the step grid, and one that falls back to the default (which, as
    every default, stays out of the URL)."""
    hi = anatomy.WEIGHT_RANGE[1]
    at = open_page(ANATOMY, {"Wf0": "999", "h_prev0": ["0.5", "-2.5"], "bi0": "0.1234", "x": "abc", "Ug00": "1.5"})
    shown = {k: at.slider(key=k).value for k in ("Wf0", "h_prev0", "bi0", "x", "Ug00")}
    assert shown["Wf0"] == hi and shown["h_prev0"] == -2.5 and abs(shown["bi0"] - 0.1) < 1e-9
    assert shown["x"] == anatomy.DEFAULTS["x"] and shown["Ug00"] == 1.5
    url = at.query_params
    assert float(url["Wf0"]) == hi and url["h_prev0"] == "-2.5" and abs(float(url["bi0"]) - 0.1) < 1e-9
    assert "x" not in url, "a value that fell back to the default is not put in the URL"
    assert url["Ug00"] == "1.5", "valid values stay as given"
    for key in ("Wf0", "h_prev0", "bi0", "x"):
        assert f"`{key}`" in notes(at), key

    again = open_page(ANATOMY, dict(url))
    assert {k: again.slider(key=k).value for k in shown} == shown
    assert not [k for k in shown if f"`{k}`" in notes(again)]


def test_a_select_and_a_toggle_corrected_to_a_non_default():
    """Repeated select / toggle values: the last one is used and written back as the only one."""
    at = open_page(ANATOMY, {"clamp": ["none", "i=1, f=0"], "forget_gate": ["true", "false"]})
    assert at.selectbox(key="clamp").value == "i=1, f=0" and at.toggle(key="forget_gate").value is False
    assert at.query_params.get("clamp") == "i=1, f=0" and at.query_params.get("forget_gate") == "false"
    assert "`clamp`" in notes(at) and "`forget_gate`" in notes(at)
