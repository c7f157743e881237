"""Gates over time with a choice of models (issue 16 item 5): the bound multiselect (pages._ui), the default
view unchanged (LSTM + RNN), the GRU's gates beside the LSTM's with the same token axis and palette, a
prediction for every chosen model, hostile `compare` links, a trained GRU from Train and compare and an
uploaded GRU checkpoint."""
import json
import re

import pytest
from app_harness import assert_clean, charts_by_key, main_texts, open_app_page
from streamlit.testing.v1 import AppTest

from lstm_core.experiments import inspection as insp
from lstm_core.figures.style import ARCH_LABELS, GATE_COLORS, GATE_SCALES
from lstm_core.training import checkpoint, registry
from lstm_core.training.trainer import TrainConfig, build_model
from pages._url_values import check_choices

GATES = "pages/gates_over_time.py"
NAMES = ["LSTM", "RNN", "GRU"]


def open_page(params=None) -> AppTest:
    return open_app_page(GATES, params, timeout=120)


def charts(at) -> dict:
    return charts_by_key(at)


texts = main_texts


# ---------------------------------------------------------------------------- the URL rule (pure)

def test_check_choices():
    assert check_choices(["GRU", "LSTM"], NAMES) == ([2, 0], None)
    kept, problem = check_choices(["gru", "RNN"], NAMES)                     # names as shown, exactly
    assert kept == [1] and "`gru` is not one of" in problem
    assert check_choices([""], NAMES) == ([], None)                           # ?compare= clears
    kept, problem = check_choices(["LSTM", "LSTM", "x*[a](b)"], NAMES)
    assert kept == [0] and "repeated" in problem and "`x*[a](b)` is not one of: `LSTM`, `RNN`, `GRU`" in problem
    kept, problem = check_choices(["LSTM", "RNN", "GRU"], NAMES, max_selections=2)
    assert kept == [0, 1] and "at most 2" in problem
    kept, problem = check_choices([f"bad{k}" for k in range(9)], NAMES)
    assert kept == [] and "and more" in problem and problem.count("`bad") == 5


def _multiselect_app():
    import streamlit as st
    from pages._ui import begin_page, bound_multiselect
    begin_page()
    got = bound_multiselect("Pick", ["a", "b", "c"], ["a", "b"], key="pick", format_func=str.upper)
    st.write(f"got={got}")


@pytest.mark.parametrize("url, value, noted", [
    (None, ["a", "b"], False), (["C"], ["c"], False), (["C", "A"], ["c", "a"], False), (["c", "A"], ["a"], True),
    (["zz", "B"], ["b"], True), (["zz"], ["a", "b"], True), ([""], [], False), (["B", "B"], ["b"], True)])
def test_bound_multiselect_reads_and_checks_the_url(url, value, noted):
    at = AppTest.from_function(_multiselect_app)
    if url is not None:
        at.query_params["pick"] = url
    at.run()
    assert not at.exception
    assert at.multiselect(key="pick").value == value
    assert any("URL parameter `pick`" in w.value for w in at.warning) == noted


# ---------------------------------------------------------------------------- the page

def test_defaults_keep_the_lstm_and_rnn_view():
    at = open_page()
    assert_clean(at)
    assert at.multiselect(key="compare").value == ["lstm", "rnn"]
    assert set(charts(at)) == {"got_gates", "got_gates2", "got_units", "got_prob", "got_rnn"}
    assert [m.label for m in at.metric] == ["LSTM predicts", "RNN predicts"]


def test_choosing_the_gru_shows_its_gates_beside_the_lstms():
    at = open_page()
    at.multiselect(key="compare").set_value(["lstm", "rnn", "gru"]).run()
    assert_clean(at)
    c = charts(at)
    assert set(c) == {"got_gates", "got_gates2", "got_gru", "got_gru2", "got_units", "got_prob", "got_rnn"}
    gru = c["got_gru"]                                   # r, z | n, h: two one-column grids
    labels = ARCH_LABELS["gru"]
    assert [t["name"] for t in gru["data"] + c["got_gru2"]["data"]] == [f"GRU {labels[n]}" for n in insp.GRU_FIELDS]
    assert labels["candidate"] == "n (candidate)" and labels["update_gate"] == "z (update gate)"
    assert gru["layout"]["xaxis"]["ticktext"] == c["got_gates"]["layout"]["xaxis"]["ticktext"]  # same token axis
    assert gru["data"][0]["colorscale"] == [list(x) for x in GATE_SCALES["reset_gate"]]
    notes = {a["text"]: a["font"]["color"] for a in gru["layout"]["annotations"]}
    assert notes["<b>GRU z (update gate)</b>"] == GATE_COLORS["update_gate"]
    assert [m.label for m in at.metric] == ["LSTM predicts", "RNN predicts", "GRU predicts"]
    # every sentence about the three is the core's, from the traces of the shipped models
    s = insp.example_sentence(insp.EXAMPLES[0])
    ins = insp.inspect_sentence({a: m for a, (m, _) in registry.pretrained_models(registry.SHIPPED).items()}, s)
    shown = texts(at)
    for arch in ("lstm", "rnn", "gru"):
        assert ins.verdict(arch) in shown
    assert insp.probability_story(ins) in shown
    assert "In the GRU: " + insp.describe_unit(ins, ins.traces["gru"].top_units(1)[0], "gru") in shown
    assert len(gru["data"][0]["y"]) == ins.traces["gru"].hidden_size
    shared = open_page({"compare": ["LSTM", "RNN", "GRU"]})                    # the link opens the same view
    assert_clean(shared)
    assert json.dumps(charts(shared)["got_gru"]["data"]) == json.dumps(gru["data"])


def test_without_the_lstm_the_gru_units_are_followed():
    at = open_page({"compare": ["GRU", "RNN"]})
    assert_clean(at)
    assert set(charts(at)) == {"got_gru", "got_gru2", "got_units", "got_prob", "got_rnn"}
    follow = at.multiselect(key="follow")
    assert follow.label.startswith("GRU units to follow")
    units = charts(at)["got_units"]
    assert [t["name"] for t in units["data"]][:2] == [f"unit {follow.value[0]} h", f"unit {follow.value[0]} z"]
    s = insp.example_sentence(insp.EXAMPLES[0])
    ins = insp.inspect_sentence({a: registry.pretrained_models(registry.SHIPPED)[a][0] for a in ("rnn", "gru")}, s)
    assert follow.value == ins.traces["gru"].top_units(2)
    for u in follow.value:
        assert insp.describe_unit(ins, u, "gru") in texts(at)
    table = next(t for t in at.table if "quantity" in t.value.columns)      # the vocabulary is a table too
    assert "z (update gate)" in str(table.value) and "n (candidate)" in str(table.value)


@pytest.mark.parametrize("raw, shown", [
    (["Transformer"], ["lstm", "rnn"]), ([""], ["lstm", "rnn"]), (["gru", "GRU", "<b>x</b>"], ["gru"]),
    (["LSTM"] * 50 + ["$x$"], ["lstm"]), (["lstm"], ["lstm", "rnn"])])
def test_hostile_compare_links_get_a_note(raw, shown):
    at = open_page({"compare": raw})
    assert_clean(at)
    assert [m.label for m in at.metric] == [f"{a.upper()} predicts" for a in shown]
    notes = " ".join(w.value for w in at.warning) + " ".join(i.value for i in at.info)
    assert "compare" in notes or "No model was chosen" in notes


def _pair(arch, stem):
    cfg = TrainConfig(arch=arch, hidden=6, distance=5)
    w, m = checkpoint.to_bytes(build_model(cfg), cfg, {"test_accuracy": 0.5})
    return [(f"{stem}.safetensors", w, "application/octet-stream"), (f"{stem}.json", m, "application/json")]


def test_an_uploaded_gru_is_shown():
    at = open_page({"models": "uploaded", "compare": ["LSTM", "GRU"]})
    before = charts(at)["got_gru"]
    at.file_uploader(key="got_files").set_value(_pair("gru", "mygru")).run()
    assert_clean(at)
    assert "uploaded mygru" in texts(at) and not at.error
    after = charts(at)["got_gru"]
    assert len(after["data"][0]["y"]) == 6 != len(before["data"][0]["y"])          # the upload's 6 units


def test_a_trained_gru_from_train_and_compare_is_shown():
    at = open_app_page("pages/train_compare.py", timeout=120)
    for k, v in dict(steps=20, hidden=8, d=10).items():
        at.slider(key=k).set_value(v)
    at.toggle(key="gru").set_value(True)
    at.run()
    at.button[0].click()
    at.run()
    assert_clean(at)
    res = at.session_state["tc_result"]
    assert "gru" in res.runs
    at.query_params = {"models": "trained", "compare": ["LSTM", "RNN", "GRU"]}
    at.switch_page(GATES)
    at.run()
    assert_clean(at)
    shown = texts(at)
    assert re.search(r"\*\*GRU\*\*: trained on Train and compare", shown)
    assert len(charts(at)["got_gru"]["data"][0]["y"]) == res.runs["gru"].config.hidden


def test_the_vocabulary_table_lists_what_the_search_finds():
    at = open_page()
    at.text_input(key="got_vocab").set_value("mice").run()
    assert_clean(at)
    vocab = next(t for t in at.table if "word" in t.value.columns)
    assert "mice" in list(vocab.value["word"]) and len(vocab.value) <= 200
