"""The Learning to forget page in AppTest: renders on the shipped models, writes the core's sentences, every
main widget changes what is drawn, and hostile URL values give a note, not a traceback."""
import json
import os

import pytest
from streamlit.testing.v1 import AppTest

from app_harness import chart_elements, markdown_lines
from lstm_core.experiments import learning_to_forget as lf
from lstm_core.figures import learning_to_forget as lff
from lstm_core.narration import learning_to_forget as say

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
APP = os.path.join(ROOT, "app.py")
PAGE = "pages/learning_to_forget.py"


def open_page(params=None) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=240)
    at.switch_page(PAGE)
    for key, value in (params or {}).items():
        at.query_params[key] = value
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]
    return at


def specs(at) -> list[dict]:
    return [json.loads(c.spec) for c in chart_elements(at)]


def warnings(at) -> str:
    return " ".join(w.value for w in at.warning)


def test_defaults_render_the_core_sentences_and_every_widget_changes_the_view():
    at = open_page()
    assert not at.warning
    charts = specs(at)
    # growth, 3 heatmaps, 2 event-locked, per-unit locked + the forget model's unit, 2 other units, accuracy
    assert len(charts) == 11 and all(c["data"] for c in charts)
    stats = {k: lf.stats(lf.run(k, lf.DEFAULT_SENTENCES)) for k in lf.MODELS}
    said = " ".join(m.value for m in at.markdown)
    assert say.verdict(stats) in said
    for k in lf.MODELS:
        assert say.growth(k, stats[k]) in said and say.accuracy(k, stats[k]) in said
    summary = lf.load_summary()
    for k in lf.MODELS:                                   # each model's seed spread, computed from the summary
        spread = [("{:.3g} ± {:.2g}".format(*lf.seed_spread(summary, k, name)[:2]))
                  for name in ("acc_carry", "acc_reset", "cell_first", "cell_last", "train_seconds")]
        line = next(x for x in markdown_lines(at) if x.startswith(f"- **{lff.LABELS[k]}**:"))
        assert all(v in line for v in spread), (line, spread)

    before = [json.dumps(c) for c in specs(at)]
    at.selectbox(key="lf_models").set_value("forget-gate LSTM and 1997 cell").run()
    assert len(specs(at)) == 9
    two = {k: stats[k] for k in ("forget", "nfg")}
    assert say.verdict(two) in " ".join(m.value for m in at.markdown) and say.verdict(two) != say.verdict(stats)

    at.selectbox(key="lf_models").set_value("all three").run()
    assert [json.dumps(c) for c in specs(at)] == before                # back: the same view
    for key, value in (("lf_n", 60), ("lf_pos", 100), ("lf_len", 400), ("lf_unit", "3")):
        widget = at.slider(key=key) if key != "lf_unit" else at.selectbox(key=key)
        widget.set_value(value).run()
        assert not at.exception and not at.error
        now = [json.dumps(c) for c in specs(at)]
        assert now != before, f"{key} changed nothing"
        before = now
    # the window slider moved the heatmaps' x range to the end of the stream
    T = len(lf.test_stream(60))
    assert specs(at)[1]["layout"]["xaxis"]["range"] == [T - 400 - 0.5, T - 0.5]


@pytest.mark.parametrize("params, notes", [
    ({"lf_n": "abc", "lf_models": "<script>alert(1)</script>"}, ["`lf_n`", "`lf_models`"]),
    ({"lf_n": "99999", "lf_pos": "-5", "lf_len": "nan", "lf_unit": "77"}, ["`lf_n`", "`lf_pos`", "`lf_len`", "`lf_unit`"]),
    ({"lf_n": ["30", "40"], "lf_unit": "1e309"}, ["`lf_n`", "`lf_unit`"]),
])
def test_hostile_url_values_give_a_note_not_a_traceback(params, notes):
    at = open_page(params)
    text = warnings(at)
    for note in notes:
        assert note in text, f"no note for {note}: {text}"
    assert specs(at)
    if params.get("lf_n") == "99999":
        assert at.slider(key="lf_n").value == lf.MAX_SENTENCES and at.selectbox(key="lf_unit").value == "auto"
    if params.get("lf_n") == ["30", "40"]:
        assert at.slider(key="lf_n").value == 40


def test_shared_url_reproduces_the_view():
    params = {"lf_models": "1997 cell", "lf_n": "80", "lf_pos": "50", "lf_len": "100", "lf_unit": "5"}
    a, b = open_page(params), open_page(params)
    assert [json.dumps(c) for c in specs(a)] == [json.dumps(c) for c in specs(b)]
    assert at_value(a) == ("1997 cell", 80)


def at_value(at):
    return at.selectbox(key="lf_models").value, at.slider(key="lf_n").value
