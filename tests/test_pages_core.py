"""AppTest for the Home, Cell anatomy and Vanishing gradients pages: render, react, survive hostile URLs,
and reproduce a shared URL's view."""

import html
import json
import os
from urllib.parse import parse_qs

import pytest
from streamlit.testing.v1 import AppTest

from app_harness import chart_elements, equation_lines, markdown_lines
from lstm_core.figures import vanishing as vanishing_figures
from lstm_core.experiments import anatomy, vanishing, vanishing_trained
from lstm_core.narration import comparison as comparison_text
from lstm_core.narration import vanishing as vanishing_text
from pages import _presets as presets

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
APP = os.path.join(ROOT, "app.py")
ANATOMY = "pages/cell_anatomy.py"
GRADIENTS = "pages/vanishing_gradients.py"


def open_page(path=None, params=None) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60)
    if path:
        at.switch_page(path)
    for key, value in (params or {}).items():
        at.query_params[key] = value
    at.run()
    return at


def charts(at) -> list[str]:
    return [c.spec for c in chart_elements(at)]


def view(at) -> tuple:
    """Everything the page shows that comes from the computation: figures, equations, sentences."""
    return (tuple(charts(at)), tuple(equation_lines(at)), tuple(m.value for m in at.markdown))


def no_errors(at):
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]


def warnings(at) -> str:
    return " ".join(w.value for w in at.warning)


def far_value(widget, lo, hi):
    """A value far from the widget's current one (so every slider move is a real change)."""
    return lo if abs(widget.value - lo) > abs(widget.value - hi) else hi


# ----------------------------------------------------------------------------- home


def test_home_links_every_page_and_presets():
    at = open_page()
    no_errors(at)
    links = [(p.proto.page, p.proto.label, p.proto.query_string) for p in at.get("page_link")]
    targets = {page for page, _, _ in links}
    assert {"cell-anatomy", "gates-over-time", "vanishing-gradients", "train-and-compare", "number-units"} <= targets
    for name in presets.ANATOMY_PRESETS:
        assert any(page == "cell-anatomy" and name in label and parse_qs(q) == {k: [v] for k, v in
                   presets.anatomy_query(name).items()} for page, label, q in links), name
    for name in presets.VANISHING_PRESETS:
        assert any(page == "vanishing-gradients" and label == name for page, label, _ in links), name
    text = " ".join(m.value for m in at.markdown) + " ".join(h.value for h in at.subheader)
    for step in ("The RNN", "Vanishing gradients", "gates", "constant error carousel"):
        assert step in text


def test_home_preset_links_open_their_settings():
    at = open_page()
    for link in at.get("page_link"):
        if link.proto.page not in ("cell-anatomy", "vanishing-gradients") or not link.proto.query_string:
            continue
        params = {k: v[-1] for k, v in parse_qs(link.proto.query_string).items()}
        page = open_page(ANATOMY if link.proto.page == "cell-anatomy" else GRADIENTS, params)
        no_errors(page)
        assert not page.warning, f"{link.proto.label}: {warnings(page)}"
        for key, raw in params.items():
            widget = next(w for kind in ("slider", "radio", "selectbox", "toggle")
                          for w in getattr(page, kind) if w.key == key)
            value = widget.value
            expected = raw == "true" if isinstance(value, bool) else type(value)(raw) if not isinstance(
                value, str) else raw
            assert value == expected, f"{link.proto.label}: {key}={value!r}, link says {raw!r}"


# ----------------------------------------------------------------------------- cell anatomy


def test_anatomy_defaults():
    at = open_page(ANATOMY)
    no_errors(at)
    # one diagram: landscape, with an upright figure for a phone-wide chart (the browser draws one); the same
    # labels in both
    (diagram,) = chart_elements(at)
    assert len(equation_lines(at)) == 7 and not at.warning and diagram.key == "chart_diagram"
    wide, upright = json.loads(diagram.spec), json.loads(diagram.narrow)
    assert sorted(a["text"] for a in wide["layout"]["annotations"]) == sorted(
        a["text"].replace(" =<br>", " = ") for a in upright["layout"]["annotations"])
    step = anatomy.step()
    assert any(f"c_t = {step.c[0]:.3f}" in m.value for m in at.markdown), "the verdict shows the traced c_t"


def test_anatomy_every_widget_changes_the_view():
    at = open_page(ANATOMY)
    keys = [s.key for s in at.slider]
    assert set(keys) == set(anatomy.keys(1))
    for key in keys:                      # each move starts from the defaults (then is undone)
        before = view(at)
        lo, hi = (anatomy.STATE_RANGE if key[0] in "xhc" else anatomy.WEIGHT_RANGE)
        at.slider(key=key).set_value(far_value(at.slider(key=key), lo, hi)).run()
        no_errors(at)
        assert charts(at) != list(before[0]), f"moving {key} did not change the diagram"
        assert view(at)[1] != before[1], f"moving {key} did not change the equations"
        at.slider(key=key).set_value(anatomy.DEFAULTS[key]).run()
        assert view(at) == before
    before = view(at)
    at.selectbox(key="clamp").set_value("i=1, f=0").run()
    assert charts(at) != list(before[0])
    before = view(at)
    at.toggle(key="forget_gate").set_value(False).run()
    assert charts(at) != list(before[0])
    before = view(at)
    at.radio(key="units").set_value(2).run()
    no_errors(at)
    assert charts(at) != list(before[0]) and len(at.slider) == len(anatomy.keys(2))
    before = view(at)
    at.radio(key="unit").set_value(1).run()
    assert view(at) != before


def test_anatomy_presets_and_the_rnn_answer():
    at = open_page(ANATOMY)
    at.button(key="preset_is i=1, f=0 really a simple RNN?").click().run()
    no_errors(at)
    assert at.selectbox(key="clamp").value == "i=1, f=0, o=1"
    step = anatomy.step(presets.ANATOMY_PRESETS["is i=1, f=0 really a simple RNN?"])
    text = " ".join(m.value for m in at.markdown)
    assert "yes, structurally, with a squashed activation" in text and f"{step.rnn_h[0]:.3f}" in text and f"{step.h[0]:.3f}" in text
    at.button(key="preset_remember").click().run()
    assert at.selectbox(key="clamp").value == "none", "a preset resets what it does not set"
    assert at.slider(key="bf0").value == 6.0 and at.slider(key="bi0").value == -6.0
    assert any("Preset: remember" in i.value for i in at.info)


def test_anatomy_hostile_url_is_clamped_with_a_note():
    at = open_page(ANATOMY, {"x": "abc", "Wf0": "999", "bi0": "nan", "units": "7", "clamp": "<script>alert(1)</script>",
                             "forget_gate": "maybe", "h_prev0": ["0.5", "-2.5"], "c_prev0": "1e309"})
    no_errors(at)
    text = warnings(at)
    for key in ("`x`", "`Wf0`", "`bi0`", "`units`", "`clamp`", "`forget_gate`", "`h_prev0`", "`c_prev0`"):
        assert key in text, f"no note for {key}: {text}"
    assert at.slider(key="x").value == anatomy.DEFAULTS["x"]
    assert at.slider(key="Wf0").value == anatomy.WEIGHT_RANGE[1]
    assert at.slider(key="h_prev0").value == -2.5, "repeated: the last one"
    assert at.radio(key="units").value == 1 and at.selectbox(key="clamp").value == "none"
    assert at.toggle(key="forget_gate").value is True
    assert "`<script>alert(1)</script>`" in text, "hostile text is shown literally, as code"
    assert len(charts(at)) == 1


def test_anatomy_shared_url_reproduces_the_view():
    at = open_page(ANATOMY)
    at.slider(key="x").set_value(-1.5).run()
    at.slider(key="bf0").set_value(3.0).run()
    at.selectbox(key="clamp").set_value("i=1, f=0").run()
    shared = open_page(ANATOMY, {"x": "-1.5", "bf0": "3.0", "clamp": "i=1, f=0"})
    no_errors(shared)
    assert view(shared) == view(at)


# ----------------------------------------------------------------------------- vanishing gradients


def test_gradients_defaults_show_the_computed_sentences():
    at = open_page(GRADIENTS)
    no_errors(at)
    assert len(charts(at)) == 3 and not at.warning
    shown = markdown_lines(at)
    view = vanishing.compare(vanishing.Settings())
    for sentence in view.sentences:
        assert f"- {sentence}" in shown
    numbers = " ".join(e.proto.body for e in at.get("html") if "lab-numbers" in e.proto.body)
    steps = len(view.rnn.grad_h) - 1
    for label, value in [("RNN spectral radius ρ(W_hh)", f"{view.rnn.spectral_radius:.2f}"),
                         ("LSTM mean forget gate f", f"{view.lstm.mean_forget:.2f}"),
                         (f"RNN ‖∂L/∂h‖ over {steps} steps", vanishing_text.decades_text(view.rnn.grad_h)),
                         ("LSTM ‖∂L/∂θ‖ before clipping", vanishing_text.number_text(view.lstm.total_norm))]:
        assert f'<div class="label">{html.escape(label)}</div><div class="value">{html.escape(value)}</div>' in numbers
    assert "after clipping" not in numbers                   # clipping off: no clip factor beside the norms
    at.toggle(key=presets.VANISHING_KEYS["clip"]).set_value(True).run()
    numbers = " ".join(e.proto.body for e in at.get("html") if "lab-numbers" in e.proto.body)
    assert numbers.count("after clipping") == 2


def test_key_numbers_escape_every_text():
    at = AppTest.from_string(
        "from pages._ui import key_numbers\n"
        "key_numbers([('<b>label</b>', '1 < 2', '<script>x</script>'), ('plain', 3)])")
    at.run()
    body = at.get("html")[0].proto.body
    assert "&lt;b&gt;label&lt;/b&gt;" in body and "1 &lt; 2" in body and "&lt;script&gt;" in body
    assert "<script>" not in body and body.count('class="value"') == 2 and body.count('class="note"') == 1


def test_gradients_every_widget_changes_the_figures():
    K = presets.VANISHING_KEYS
    at = open_page(GRADIENTS, {K["T"]: "20", K["H"]: "6"})
    moves = [("slider", K["T"], 30), ("slider", K["H"], 9), ("selectbox", K["init"], "orthogonal"),
             ("slider", K["scale"], 1.5), ("selectbox", K["activation"], "relu"), ("slider", K["forget_bias"], 2.0),
             ("slider", K["seed"], 5)]
    for kind, key, value in moves:
        before = charts(at)
        getattr(at, kind)(key=key).set_value(value).run()
        no_errors(at)
        after = charts(at)
        assert after[0] != before[0], f"moving {key} did not change the gradient figure"
    before = charts(at)
    at.toggle(key=K["clip"]).set_value(True).run()
    assert charts(at)[2] != before[2], "clipping adds the clipped curves"
    before = charts(at)
    at.slider(key=K["max_norm"]).set_value(0.2).run()
    no_errors(at)
    assert charts(at)[2] != before[2], "a new max norm changes the clipped curves"
    assert any("clipping scaled it by" in m.value for m in at.markdown)


@pytest.mark.parametrize("params, notes", [
    ({"T": "abc", "H": "4"}, ["`T`"]),
    ({"T": "999999", "H": "4"}, ["`T`"]),
    ({"T": ["10", "20"], "H": "-3"}, ["`T`", "`H`"]),
    ({"scale": "inf", "act": "sigmoid", "init": "", "clip": "yes", "fbias": "1e9", "seed": "4.7"},
     ["`scale`", "`act`", "`init`", "`clip`", "`fbias`", "`seed`"]),
])
def test_gradients_hostile_url(params, notes):
    at = open_page(GRADIENTS, params)
    no_errors(at)
    text = warnings(at)
    for note in notes:
        assert note in text, f"no note for {note}: {text}"
    assert len(charts(at)) == 3
    assert "This link had settings that could not be used" in text, "a banner in the main area too"
    if params.get("T") == "999999":
        assert at.slider(key="T").value == vanishing.MAX_T
    if params.get("T") == ["10", "20"]:
        assert at.slider(key="T").value == 20 and at.slider(key="H").value == 1


def test_url_notes_do_not_follow_to_another_page():
    at = open_page(GRADIENTS, {"T": "abc"})
    assert "`T`" in warnings(at)
    at.switch_page(ANATOMY).run()
    no_errors(at)
    assert not at.warning


def test_gradients_shared_url_reproduces_the_view():
    K = presets.VANISHING_KEYS
    at = open_page(GRADIENTS)
    at.slider(key=K["T"]).set_value(40).run()
    at.selectbox(key=K["init"]).set_value("orthogonal").run()
    at.slider(key=K["scale"]).set_value(1.5).run()
    at.toggle(key=K["clip"]).set_value(True).run()
    shared = open_page(GRADIENTS, {K["T"]: "40", K["init"]: "orthogonal", K["scale"]: "1.5", K["clip"]: "true"})
    no_errors(shared)
    assert view(shared) == view(at)


# ----------------------------------------------------------------------------- the URL rules themselves


def test_url_value_rules():
    from pages._url_values import check_number, clean_text

    assert check_number(["50"], 2, 1000, 50, True) == (50, None)
    assert check_number(["999999"], 2, 1000, 50, True)[0] == 1000
    assert check_number(["-4"], 2, 1000, 50, True)[0] == 2
    assert check_number(["abc"], 2, 1000, 50, True)[0] == 50
    for bad in ("nan", "inf", "1e309", "", " "):
        value, problem = check_number([bad], 0.0, 4.0, 1.0, False, 0.05)
        assert value == 1.0 and problem and "not a number" in problem
    value, problem = check_number(["10", "20"], 2, 1000, 50, True)
    assert value == 20 and "repeated 2 times" in problem
    value, problem = check_number(["1.23"], 0.0, 4.0, 1.0, False, 0.05)
    assert value == pytest.approx(1.25) and "grid" in problem
    value, problem = check_number(["7.5"], 2, 1000, 50, True)
    assert value in (7, 8) and "whole number" in problem
    text, problems = clean_text("a\x00b" + "x" * 300, 200)
    assert len(text) == 200 and text.startswith("ab") and len(problems) == 2


def test_values_carried_from_another_page_never_crash_a_widget():
    """Pages share a session: a key another page left in session state with a value this page's
    widget cannot take (out of range, wrong type) is dropped and the widget starts at its default."""
    at = AppTest.from_file(APP, default_timeout=60)
    at.switch_page(GRADIENTS)
    at.session_state[presets.VANISHING_KEYS["T"]] = 10 ** 6           # beyond this page's slider
    at.session_state[presets.VANISHING_KEYS["clip"]] = "1"             # a select's value, not a toggle's
    at.session_state[presets.VANISHING_KEYS["init"]] = 3               # not one of the options
    at.run()
    no_errors(at)
    assert at.slider(key=presets.VANISHING_KEYS["T"]).value == vanishing.Settings().T
    assert at.toggle(key=presets.VANISHING_KEYS["clip"]).value is vanishing.Settings().clip
    assert at.selectbox(key=presets.VANISHING_KEYS["init"]).value == vanishing.Settings().init


# ----------------------------------------------------------------------------- vanishing gradients: trained models

UNTRAINED, PRETRAINED, MINE = "untrained (sliders)", "shipped pretrained (agreement d=30)", "my trained models (Train and compare)"
SYNTHETIC_ONLY = [presets.VANISHING_KEYS[k] for k in ("T", "H", "init", "scale", "activation", "forget_bias", "seed")]


def _keys(at) -> set:
    return {w.key for w in [*at.slider, *at.selectbox, *at.toggle]}


def _shipped_view(distance=30, seed=0, max_norm=None):
    from lstm_core.training import checkpoint
    m = {a: checkpoint.load_pretrained(f"agreement_d30_{a}")[0] for a in ("lstm", "rnn")}
    return vanishing_trained.agreement_view(m["lstm"], m["rnn"], distance, seed, max_norm)


def test_gradients_pretrained_source_shows_the_trained_models_on_a_sentence():
    import json

    at = open_page(GRADIENTS)
    untrained = charts(at)
    at.selectbox(key="vg_models").set_value(PRETRAINED).run()
    no_errors(at)
    shown = charts(at)
    assert len(shown) == 3 and all(a != b for a, b in zip(shown, untrained)), "every figure shows the trained models"
    assert not (set(SYNTHETIC_ONLY) & _keys(at)), "the sliders that build untrained models are hidden"
    assert {"vg_dist", "vg_seed", "clip", "max_norm"} <= _keys(at)
    assert any("build the **untrained** models only" in c.value for c in at.sidebar.caption)
    expected = _shipped_view()
    text = markdown_lines(at)
    for sentence in expected.sentences:
        assert f"- {sentence}" in text
    layout = json.loads(shown[0])["layout"]
    words = vanishing_figures.token_ticks(expected.tokens, len(expected.lstm.grad_h))[1]
    assert layout["xaxis"]["ticktext"] == words and words[0] == expected.tokens[-1]
    for key, value in (("vg_dist", 18), ("vg_seed", 4)):
        before = charts(at)
        at.slider(key=key).set_value(value).run()
        no_errors(at)
        assert charts(at)[0] != before[0], f"moving {key} did not change the gradient figure"
    assert f"- {_shipped_view(18, 4).sentences[1]}" in markdown_lines(at)
    at.toggle(key="clip").set_value(True).run()
    no_errors(at)
    for sentence in _shipped_view(18, 4, max_norm=1.0).clip_sentences:
        assert f"- {sentence}" in markdown_lines(at)


def test_gradients_pretrained_shared_url_reproduces_the_view():
    at = open_page(GRADIENTS, {"vg_models": PRETRAINED})
    at.slider(key="vg_dist").set_value(45).run()
    at.slider(key="vg_seed").set_value(7).run()
    shared = open_page(GRADIENTS, {"vg_models": PRETRAINED, "vg_dist": "45", "vg_seed": "7"})
    no_errors(shared)
    assert view(shared) == view(at)


def test_gradients_page4_source_appears_only_with_a_result():
    import torch

    from lstm_core.experiments.comparison import CompareConfig, run_comparison
    from lstm_core.training.queue import TrainingSlots

    at = open_page(GRADIENTS, {"vg_models": MINE})              # a link to page-4 models, in a fresh session
    no_errors(at)
    assert at.selectbox(key="vg_models").options == [UNTRAINED, PRETRAINED]
    assert at.selectbox(key="vg_models").value == UNTRAINED and "`vg_models`" in warnings(at)
    assert any("this session has none yet" in i.value for i in at.info)
    threads = torch.get_num_threads()
    torch.set_num_threads(1)      # as the app does (2 threads on a busy 2-core machine: ~50x slower)
    try:
        res = run_comparison(CompareConfig(distance=8, steps=20, hidden=8, test_size=100),
                             slots=TrainingSlots(1), sweep_n=20)
    finally:
        torch.set_num_threads(threads)
    at.session_state["tc_result"] = res
    at.run()
    assert at.selectbox(key="vg_models").options == [UNTRAINED, PRETRAINED, MINE]
    at.selectbox(key="vg_models").set_value(MINE).run()
    no_errors(at)
    assert len(charts(at)) == 3 and at.slider(key="vg_dist").value == 8, "starts at the trained distance"
    text = markdown_lines(at)
    for sentence in vanishing_trained.comparison_view(res, 8, 0).sentences:
        assert f"- {sentence}" in text
    assert any(comparison_text.summary(res) in c.value for c in at.caption)


# ----------------------------------------------------------------------------- presets are whole views


def _widget_values(at) -> dict:
    return {w.key: w.value for kind in ("slider", "radio", "selectbox", "toggle") for w in getattr(at, kind)
            if w.key}


def _expected(query: dict, values: dict) -> dict:
    """The preset's URL values in the widgets' own types."""
    out = {}
    for key, raw in query.items():
        value = values[key]
        out[key] = raw == "true" if isinstance(value, bool) else raw if isinstance(value, str) else type(value)(raw)
    return out


@pytest.mark.parametrize("page,queries", [
    (ANATOMY, {n: presets.anatomy_query(n) for n in presets.ANATOMY_PRESETS}),
    (GRADIENTS, {n: presets.vanishing_query(n) for n in presets.VANISHING_PRESETS}),
])
def test_every_preset_after_every_other_sets_every_setting(page, queries):
    """Issue 13 item 1: a preset link opened after another preset (same session, as a class clicks through the
    home page) shows exactly its own settings, nothing carried over from the one before."""
    at = AppTest.from_file(APP, default_timeout=60)
    for first, second in [(a, b) for a in queries for b in queries if a != b]:
        for name in (first, second):
            at.query_params.clear()
            at.switch_page("pages/home.py").run()              # back to the home page's preset list
            for key, value in queries[name].items():
                at.query_params[key] = value
            at.switch_page(page).run()                         # the preset's link
            no_errors(at)
        values = _widget_values(at)
        want = _expected(queries[second], values)
        got = {k: values[k] for k in want}
        assert got == want, f"{second!r} after {first!r}: {[(k, got[k], want[k]) for k in want if got[k] != want[k]]}"
