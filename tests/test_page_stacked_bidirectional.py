"""The Stacked and bidirectional page in AppTest: renders on the shipped models, states what was measured,
every main widget changes what is drawn, and hostile URL values get a note, not a traceback."""
from pathlib import Path

from app_harness import chart_elements, charts_by_name, run_page_script
from streamlit.testing.v1 import AppTest

from lstm_core.experiments import stacked_bidir as sb
from lstm_core.narration import stacked_bidir as say

PAGE = Path(__file__).resolve().parent.parent / "pages" / "stacked_bidirectional.py"
APP = PAGE.parent.parent / "app.py"
TIMEOUT = 300
CHARTS = ["probe", "units", "sentence", "accuracy", "dir_probe", "directions"]


def open_page(params=None) -> AppTest:
    return run_page_script(PAGE, params, TIMEOUT)


def charts(at) -> dict:
    return charts_by_name(at, CHARTS)


def texts(at) -> str:
    return "\n".join(m.value for m in [*at.markdown, *at.caption, *at.warning, *at.error])


MOVES = [  # (widget kind, key, new value, charts whose data must change)
    ("selectbox", "sb_state", "hidden state", ["probe", "units", "sentence"]),
    ("selectbox", "sb_layer", "layer 2", ["sentence"]),
    ("slider", "sb_sentence", 7, ["sentence"]),
    ("selectbox", "sb_direction", "backward", ["directions"]),
    ("slider", "sb_task_sentence", 4, ["directions"]),
]


def test_defaults_state_the_measurements_and_every_widget_changes_the_view():
    at = open_page()
    assert not at.warning and not at.error
    specs = charts(at)
    assert all(spec["data"] for spec in specs.values())
    data = sb.results()
    said = texts(at)
    assert say.describe_layers(data["layers"], "cell") in said
    assert say.describe_tasks(data["tasks"]) in said
    assert say.describe_directions(data["tasks"]["bidir"]) in said
    ex = sb.agreement_sentences(per_count=2)[0]
    assert say.describe_layer_sentence(sb.sentence_states(sb.shipped("stacked")[0], ex),
                                       {f"layer {i + 1}": sb.ranked(data["layers"][0], "cell", i, 8)
                                        for i in range(2)}) in said
    assert len(specs["sentence"]["data"]) == 2 and len(specs["directions"]["data"]) == 2
    before = specs
    for kind, key, value, changed in MOVES:
        widget = getattr(at, kind)(key=key)
        assert widget.value != value
        widget.set_value(value).run()
        assert not at.exception, (key, [e.proto.message for e in at.exception])
        after = charts(at)
        for name in changed:
            assert after[name]["data"] != before[name]["data"], f"moving {key} left the {name} chart unchanged"
        for name in set(CHARTS) - set(changed):
            assert after[name]["data"] == before[name]["data"], f"moving {key} changed the {name} chart"
        before = after
    assert say.describe_layers(data["layers"], "hidden") in texts(at)


HOSTILE = {"sb_state": "<script>alert(1)</script>", "sb_layer": "layer 9", "sb_sentence": "1e99",
           "sb_direction": ["forward", "sideways"], "sb_task_sentence": "nan"}


def test_hostile_url_values_get_a_note_and_a_shared_link_reproduces_the_view():
    at = open_page(HOSTILE)
    notes = " ".join(w.value for w in at.warning)
    for key in HOSTILE:
        assert f"`{key}`" in notes, f"no note for {key}"
    assert "Traceback" not in texts(at) and len(chart_elements(at)) == len(CHARTS)
    assert at.selectbox(key="sb_state").value == "cell state" and at.selectbox(key="sb_layer").value == "both"
    at = open_page({"sb_layer": "layer 1", "sb_direction": "forward", "sb_sentence": "3"})
    assert not at.warning and at.slider(key="sb_sentence").value == 3
    specs = charts(at)
    assert len(specs["sentence"]["data"]) == 1 and len(specs["directions"]["data"]) == 1


def test_home_links_the_page():
    at = AppTest.from_file(str(APP), default_timeout=TIMEOUT)      # home is the app's default page
    at.run()
    assert not at.exception
    assert "stacked-and-bidirectional" in {p.proto.page for p in at.get("page_link")}
