"""AppTest of Which gate matters: opens on the shipped results without training, the task moves every figure,
hostile URLs get notes (never a traceback), and a live re-run of one cell (tiny recipe) is shown beside the
shipped one, matching it."""
import json

import pytest
from app_harness import chart_elements, open_app_page, walk_elements
from gate_ablation_fakes import fake_grid

from lstm_core.experiments import gate_ablation as ga
from lstm_core.experiments.learning_curves import THRESHOLD

PAGE = "pages/which_gate.py"


def charts(at) -> list[str]:
    return [c.spec for c in chart_elements(at)]


def texts(at) -> str:
    out = []
    for n in walk_elements(at.main):
        v = getattr(n, "value", None)
        if isinstance(v, str):
            out.append(v)
    return "\n".join(out)


def no_errors(at):
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]


def shipped_from(runs, tmp_path, recipe=None):
    s = ga.Shipped(recipe=recipe or {t: dict(v) for t, v in ga.RECIPE.items()}, seeds=sorted({r.seed for r in runs}),
                   test_size=ga.TEST_SIZE, threshold=dict(THRESHOLD), torch="2.13.0", machine="test",
                   created="2026-11-30", total_seconds=1.0,
                   baselines={"adding": {"predict_the_mean": 1 / 6}, "agreement_n": 2000,
                              "agreement": {"first_noun": 0.8, "last_noun": 0.6, "majority": 0.7, "bow_logreg": 0.75}},
                   runs=runs)
    return ga.save(s, tmp_path / "gate_ablation.json")


@pytest.fixture
def fake_shipped(tmp_path, monkeypatch):
    runs = fake_grid({("lstm_nfg", "adding"): [0.05, 0.2, 0.1]}, {("lstm_nfg", "adding"): [None, None, 1400]})
    monkeypatch.setattr(ga, "SHIPPED", shipped_from(runs, tmp_path))


def test_defaults_render_the_shipped_results_without_training(monkeypatch):
    calls = []
    monkeypatch.setattr(ga, "train", lambda *a, **k: calls.append(1))      # opening must not train
    at = open_app_page(PAGE)
    no_errors(at)
    assert not calls
    assert len(charts(at)) == 4                     # steps to solve, final metric, the table, seed 0's curve
    text = texts(at)
    shipped = ga.load_shipped()
    assert "Greff et al. 2017, LSTM: A Search Space Odyssey, IEEE TNNLS" in text
    assert f"{len(shipped.seeds)} seeds per variant" in text
    assert "Of 8 claim–task pairs" in text
    assert "Not trained here yet" in text
    table = json.loads(charts(at)[2])["data"][0]["cells"]["values"][0]
    assert table == [ga.LABELS[a].replace(" (", "<br>(") for a in ga.ARCHS]       # cells break before "("


def test_task_changes_every_view(fake_shipped):
    at = open_app_page(PAGE)
    no_errors(at)
    before, text_before = charts(at), texts(at)
    at.selectbox(key="task").set_value("adding").run()
    no_errors(at)
    after = charts(at)
    assert len(after) == 4 and all(a != b for a, b in zip(after, before))
    text = texts(at)
    assert text != text_before and "always answering the mean" in text and "NFG with none" in text
    at.selectbox(key="variant").set_value("lstm_cifg").run()
    no_errors(at)
    assert charts(at)[3] != after[3], "the curve shows the chosen variant"
    at.slider(key="seed").set_value(2).run()
    no_errors(at)
    assert "seed 2" in texts(at)


@pytest.mark.parametrize("params,notes", [
    ({"variant": "<script>alert(1)</script>"}, ["`variant`"]),
    ({"seed": "-1", "task": "copy"}, ["`seed`", "`task`"]),
    ({"seed": "99999999999999999999", "variant": ["NFG", "NP"]}, ["`seed`"]),
    ({"seed": "nan", "task": ""}, ["`seed`", "`task`"]),
])
def test_hostile_url_values_get_a_note(fake_shipped, params, notes):
    at = open_app_page(PAGE, params)
    no_errors(at)
    warned = " ".join(w.value for w in at.warning)
    for n in notes:
        assert n in warned, (n, warned)
    assert "This link had settings that could not be used" in warned
    assert len(charts(at)) == 4
    if params.get("seed") == "-1":
        assert at.slider(key="seed").value == 0
    if "99999999999999999999" in str(params.get("seed")):
        assert at.slider(key="seed").value == 2
    if params.get("variant") == ["NFG", "NP"]:
        assert at.selectbox(key="variant").value == "lstm_np"


def test_rerun_one_cell_live_matches_the_shipped_run(tmp_path, monkeypatch):
    tiny = {"agreement": dict(distance=30, steps=20), "adding": dict(length=50, steps=40)}
    monkeypatch.setattr(ga, "RECIPE", tiny)
    runs = [ga.run_cell(a, "adding", 0) for a in ("lstm_v", "lstm_nfg")] + \
           [ga.run_cell(a, "agreement", 0) for a in ("lstm_v", "lstm_nfg")]
    monkeypatch.setattr(ga, "SHIPPED", shipped_from(runs, tmp_path, recipe=tiny))
    at = open_app_page(PAGE)
    at.selectbox(key="task").set_value("adding").run()
    at.selectbox(key="variant").set_value("lstm_nfg").run()
    no_errors(at)
    assert len(charts(at)) == 4
    before = charts(at)[3]
    at.button(key="wg_train").click().run()
    no_errors(at)
    text = texts(at)
    assert "Trained now in" in text and "They match" in text, text
    assert charts(at)[3] != before, "the fresh curve is drawn beside the shipped one"
    assert list(at.session_state["wg_fresh"]) == [("lstm_nfg", "adding", 0)], "a fresh run belongs to its cell"
