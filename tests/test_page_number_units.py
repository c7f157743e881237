"""The Number units page in AppTest: renders on the shipped models, says what the computation
found, every main widget changes its chart's data, and URL parameters (shared or hostile) work."""
from pathlib import Path

from app_harness import chart_elements, charts_by_name, run_page_script
from streamlit.testing.v1 import AppTest

from lstm_core.experiments import number_units as nu
from lstm_core.experiments.number_units import patching as pm
from lstm_core.narration import number_units as say
from lstm_core.narration.number_units_patching import describe_patching


PAGE = Path(__file__).resolve().parent.parent / "pages" / "number_units.py"
TIMEOUT = 300   # the first run analyses three models (a few seconds on a quiet machine)
# charts in page order
CHARTS = ["heatmap", "scores", "probe", "trajectory", "bars", "sweep", "patching", "attractors", "error", "forget"]


def open_page(params=None) -> AppTest:
    return run_page_script(PAGE, params, TIMEOUT)


def charts(at) -> dict:
    return charts_by_name(at, CHARTS)


def texts(at) -> str:
    return "\n".join(m.value for m in [*at.markdown, *at.info, *at.caption, *at.warning])


def test_renders_on_defaults_states_the_result_and_every_widget_moves_its_chart():
    """One session (the analysis is cached after the first run): defaults, then every main widget."""
    at = open_page()
    assert [w.value for w in at.warning] == []
    specs = charts(at)
    assert all(spec["data"] for spec in specs.values())
    # the statements on the page are the core's, for the settings shown, computed independently here
    model, distance = nu.pretrained("lstm")
    s = nu.summarize(model, seed=0, distance=distance)
    k = int(at.selectbox(key="nu_k").value)
    assert at.selectbox(key="nu_mode").value == "ablate (0)" and at.selectbox(key="nu_target").value == "cell"
    a = nu.ablation(model, s, k=k, draws=nu.SWEEP_DRAWS)
    assert at.info[0].value == say.describe_ablation(a)
    said = texts(at)
    assert say.describe_source("lstm", 0) in said and "ahead of time" in said   # seed 0: the shipped file
    assert say.describe_find(s, "cell") in said
    assert say.describe_error_case(s.error_case, "lstm") in said
    assert say.describe_two_clause(s.two_clause, s.top("cell", 3), "lstm") in said
    assert at.selectbox(key="nu_patch_where").value == "at the subject"
    assert describe_patching(pm.patching(model, s, k=int(at.selectbox(key="nu_patch_k").value))) in said
    for sentences in nu.SENTENCES:             # the ablation at scale, on both sets
        assert say.describe_ablation_check(nu.ablation_check(model, s, k=k, sentences=sentences)) in said

    two_clause = nu.shipped_summary("lstm_two_clause", 0)
    assert say.describe_two_clause_models({**{a: nu.shipped_summary(a, 0) for a in ("lstm", "gru", "rnn")},
                                          "lstm_two_clause": two_clause}) in said

    before = specs
    for kind, key, value, changed in MOVES:
        widget = getattr(at, kind)(key=key)
        assert widget.value != value, f"{key} already at {value}"
        widget.set_value(value).run()
        assert not at.exception, (key, [e.proto.message for e in at.exception])
        after = charts(at)
        if key == "nu_rank":   # a chart of chosen units changes only if the new ranking picks other units
            unit, fg = int(at.slider(key="nu_unit").value), int(at.slider(key="nu_fg").value)
            changed = [n for n in changed
                       if not (n == "trajectory" and s.top("cell", unit)[-1] == s.top("hidden", unit)[-1])
                       and not (n == "forget" and s.top("cell", fg) == s.top("hidden", fg))]
        for name in changed:
            assert after[name]["data"] != before[name]["data"], f"moving {key} to {value} left the {name} chart unchanged"
        before = after
        if key == "nu_fg_model" and value != "LSTM":
            assert say.describe_two_clause(two_clause.two_clause, two_clause.top("cell", 1), "lstm",
                                          value) in texts(at)

    # another seed: nothing precomputed, the whole analysis runs live and every analysis chart changes
    at.selectbox(key="nu_seed").set_value("1").run()
    assert not at.exception, [e.proto.message for e in at.exception]
    assert say.describe_source("rnn", 1) in texts(at) and "computed live" in texts(at)
    after = charts(at)
    # (not "patching": the shipped RNN answers no sentence pair correctly both ways, so nothing is counted)
    assert "could not be judged" in texts(at)
    for name in ["heatmap", "scores", "probe", "trajectory", "bars", "sweep", "attractors", "forget"]:
        assert after[name]["data"] != before[name]["data"], f"seed 1 left the {name} chart unchanged"


# (widget kind, key, new value, charts whose data must change), applied in this order
MOVES = [
    ("slider", "nu_show", 8, ["heatmap", "scores"]),
    ("slider", "nu_unit", 2, ["trajectory"]),
    ("slider", "nu_att", 4, ["trajectory"]),
    ("selectbox", "nu_qty", "forget gate", ["trajectory"]),
    ("selectbox", "nu_k", "2", ["bars", "sweep"]),
    ("selectbox", "nu_mode", "clamp plural", ["bars", "sweep"]),
    ("selectbox", "nu_target", "hidden", ["bars", "sweep"]),
    ("selectbox", "nu_err", "RNN", ["error"]),
    ("selectbox", "nu_patch_k", "1", ["patching"]),
    ("selectbox", "nu_patch_where", "subject → verb", ["patching"]),
    ("slider", "nu_fg", 1, ["forget"]),
    ("selectbox", "nu_fg_model", "LSTM trained on two-subject sentences too", ["forget"]),
    ("selectbox", "nu_fg_model", "LSTM", ["forget"]),
    ("selectbox", "nu_rank", "hidden", ["heatmap", "scores", "trajectory", "forget"]),
    ("selectbox", "nu_model", "RNN", ["heatmap", "scores", "trajectory", "bars", "sweep", "patching", "forget"]),
]

HOSTILE = {"nu_k": "999", "nu_model": "<script>alert(1)</script>", "nu_unit": ["1", "2"], "nu_att": "nan",
           "nu_seed": "-5", "nu_mode": "explode", "nu_fg": "1e99", "nu_show": "🧠", "nu_qty": "cell" * 500,
           "nu_fg_model": "../../etc/passwd", "nu_patch_where": "everywhere"}


def test_a_shared_link_reproduces_the_view_and_hostile_params_get_a_note():
    at = open_page({"nu_k": "4", "nu_mode": "clamp singular", "nu_att": "3", "nu_unit": "2"})
    assert at.selectbox(key="nu_k").value == "4" and at.slider(key="nu_att").value == 3
    assert at.slider(key="nu_unit").value == 2 and not at.warning
    assert at.info[0].value.startswith("Clamping the top 4 units")
    assert "at their singular value" in at.info[0].value
    traj = charts(at)["trajectory"]
    attractor_lines = [sh for sh in traj["layout"]["shapes"] if sh["line"].get("dash") == "dot"]
    assert len(attractor_lines) == 3

    at = open_page(HOSTILE)
    notes = " ".join(w.value for w in at.warning)
    for key in HOSTILE:
        assert f"`{key}`" in notes, f"no note for {key}: {notes[:300]}"
    assert "Traceback" not in texts(at)
    assert at.selectbox(key="nu_model").value == "LSTM" and at.selectbox(key="nu_mode").value == "ablate (0)"
    model, _ = nu.pretrained("lstm")
    assert at.selectbox(key="nu_k").value == str(nu.default_k(model.hidden)) and at.slider(key="nu_att").value == 2
    assert at.slider(key="nu_unit").value == 2 and at.slider(key="nu_fg").value == 6
    assert at.selectbox(key="nu_seed").value == "0" and at.selectbox(key="nu_fg_model").value == "LSTM"
    assert len(chart_elements(at)) == len(CHARTS)
    # a shared link to the two-subject LSTM's forget-gate view
    at = open_page({"nu_fg_model": "LSTM trained on two-subject sentences too", "nu_fg": "2"})
    assert not at.warning and "it resets there" in texts(at)


MY_LSTM, MY_RNN = "my LSTM (Train and compare)", "my RNN (Train and compare)"


def test_models_trained_on_train_and_compare_are_analysed_live():
    """A session's own page-4 models join the selector; picking one analyses it (and compares it with
    the other model trained beside it), with the core's numbers for that model."""
    from lstm_core.experiments.comparison import CompareConfig, run_comparison
    from lstm_core.training.queue import TrainingSlots

    at = open_page({"nu_model": MY_LSTM})                 # a link to page-4 models, in a fresh session
    assert at.selectbox(key="nu_model").value == "LSTM"
    assert "`nu_model`" in " ".join(w.value for w in at.warning)

    res = run_comparison(CompareConfig(distance=12, steps=60, hidden=8, test_size=100), slots=TrainingSlots(1),
                         sweep_n=20)
    at.session_state["tc_result"] = res
    at.run()
    assert at.selectbox(key="nu_model").options[-2:] == [MY_LSTM, MY_RNN]
    at.selectbox(key="nu_model").set_value(MY_LSTM).run()
    assert not at.exception, [e.proto.message for e in at.exception]
    assert all(spec["data"] for spec in charts(at).values())
    model = res.runs["lstm"].model
    s = nu.summarize(model, seed=0, distance=12)
    said = texts(at)
    assert say.describe_trained_source(res, 0) in said and say.describe_find(s, "cell") in said
    k = int(at.selectbox(key="nu_k").value)
    assert k == nu.default_k(8) and at.selectbox(key="nu_k").options == [str(x) for x in nu.curve_ks(8)]
    assert at.info[0].value == say.describe_ablation(nu.ablation(model, s, k=k, draws=nu.SWEEP_DRAWS))
    assert say.describe_ablation_check(nu.ablation_check(model, s, k=k, sentences="training")) in said
    assert at.selectbox(key="nu_err").options == ["LSTM", "RNN"]       # compared with its own RNN
    rnn = nu.summarize(res.runs["rnn"].model, seed=0, distance=12)
    assert say.describe_attractors({"lstm": s, "rnn": rnn}) in said


def test_models_the_analysis_cannot_read_are_not_offered_and_it_says_why():
    from lstm_core.experiments.comparison import CompareConfig, run_comparison
    from lstm_core.training.queue import TrainingSlots

    at = open_page()
    at.session_state["tc_result"] = run_comparison(CompareConfig(distance=5, steps=5, hidden=4, test_size=50),
                                                   slots=TrainingSlots(1), sweep_n=10)
    at.run()
    assert not at.exception and MY_LSTM not in at.selectbox(key="nu_model").options
    assert "trained at distance 5; this analysis needs 12..100" in texts(at)


def test_the_opening_view_is_what_the_warm_up_computes():
    """lstm_core.warmup fills shipped_live for the page's opening settings: they must BE the page's defaults,
    and the page must show those cached results (the first visitor then waits for none of it)."""
    from lstm_core.experiments.number_units import shipped_live as live

    v = live.default_view()
    at = open_page()
    assert at.selectbox(key="nu_model").value == v["arch"].upper()
    assert at.selectbox(key="nu_k").value == str(v["k"]) and at.selectbox(key="nu_patch_k").value == str(v["k"])
    assert at.selectbox(key="nu_seed").value == str(v["seed"])
    shown = texts(at)
    for sentences in nu.SENTENCES:
        check = live.ablation_check(v["arch"], v["seed"], v["rank"], v["target"], v["k"], sentences)
        assert say.describe_ablation_check(check) in shown
    assert describe_patching(live.patching(v["arch"], v["seed"], v["rank"], v["k"], pm.WHERE[0])) in shown
    before = live.ablation_check.cache_info().hits
    open_page()
    assert live.ablation_check.cache_info().hits >= before + len(nu.SENTENCES), "served from the cache"
