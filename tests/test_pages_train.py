"""AppTest of Gates over time (Gates over time) and 4 (Train and compare): defaults render, every main
widget moves the figures, bad sentences and uploads get clear messages, a shared URL
reproduces the view, training completes (tiny), survives page switches, shows divergence,
interruption and the queue honestly."""
import json
import pickle
import re
import threading
import time
from pathlib import Path

import numpy as np
import pytest
from app_harness import charts_by_key, open_app_page, walk_elements
import torch
from streamlit.testing.v1 import AppTest

from lstm_core.experiments import distance_profile, shipped_measures
from lstm_core.experiments import comparison
from lstm_core.experiments import inspection as insp
from lstm_core.narration import comparison as comparison_text
from lstm_core.training import checkpoint, queue, registry
from lstm_core.data.baselines import REFERENCE_N
from lstm_core.narration.baselines import baselines_sentence
from lstm_core.narration.distance_profile import distance_sentence
from lstm_core.training.trainer import TrainConfig, build_model

APP = str(Path(__file__).resolve().parent.parent / "app.py")
GATES, TRAIN = "pages/gates_over_time.py", "pages/train_compare.py"
TIMEOUT = 120
TINY = dict(steps=20, hidden=8, d=10)        # Train and compare settings for a training of a second or two


def open_page(page, params=None) -> AppTest:
    return open_app_page(page, params, timeout=TIMEOUT)


def plain(text: str) -> str:
    """What a reader sees of an escaped markdown body (backslash escapes removed)."""
    return re.sub(r"\\(.)", r"\1", text)


def texts(at) -> str:
    """Every text the page shows (markdown, captions, alerts, metrics), one per line."""
    out = []
    for n in walk_elements(at.main):
        for attr in ("value", "label"):
            v = getattr(n, attr, None)
            if isinstance(v, str):
                out.append(v)
    return "\n".join(out)


def charts(at) -> dict:
    """key -> plotly spec (dict) of every chart on the page."""
    return charts_by_key(at)


def assert_clean(at):
    assert not at.exception, [e.value for e in at.exception]
    assert "Traceback (most recent call last)" not in texts(at)


def train_tiny(at, **settings):
    for k, v in {**TINY, **settings}.items():
        widget = at.slider(key=k) if k in ("steps", "hidden", "d", "train_seed", "seeds") else (
            at.toggle(key=k) if k in ("gru", "match") else at.selectbox(key=k))
        widget.set_value(v)
    at.run()
    at.button[0].click()
    at.run()
    assert_clean(at)
    return at.session_state["tc_result"] if "tc_result" in at.session_state else None


# ---------------------------------------------------------------------------- Gates over time

def test_gates_page_renders_on_defaults():
    at = open_page(GATES)
    assert_clean(at)
    c = charts(at)
    assert set(c) == {"got_gates", "got_gates2", "got_units", "got_prob", "got_rnn"}
    gates = c["got_gates"]
    assert [t["name"] for t in gates["data"] + c["got_gates2"]["data"]] == [f"LSTM {n}" for n in
        ("i (input gate)", "f (forget gate)", "g (candidate)", "o (output gate)", "c (cell state)", "h (hidden state)")]
    assert gates["layout"]["xaxis"]["ticktext"][1] == "<b>keys</b>"          # tokens on the time axis
    labels = [m.label for m in at.metric]
    assert labels == ["LSTM predicts", "RNN predicts"]
    assert all(m.value in ("singular", "plural") for m in at.metric)
    shown = texts(at)
    # every sentence about the result is the core's, computed from the traces
    s = insp.example_sentence(insp.EXAMPLES[0])
    ins = insp.inspect_sentence({a: m for a, (m, _) in registry.pretrained_models().items()}, s)
    for arch in ("lstm", "rnn"):
        assert ins.verdict(arch) in shown
    assert insp.probability_story(ins) in shown
    for u in ins.traces["lstm"].top_units(2):
        assert insp.describe_unit(ins, u) in shown
    # what each shipped model is, from its accuracy at each distance measured on it (issue 12 item 2)
    for arch, acc in shipped_measures.shipped_profiles(registry.PRETRAINED).items():
        assert distance_sentence(arch.upper(), acc, distance_profile.N) in shown
    number = insp.NUMBER[s.label]
    assert (f"{len(s.tokens)} tokens read · the subject '{s.tokens[s.subject_pos]}' (bold) is {number} · "
            f"{s.distance} tokens between it and the verb · {len(s.attractor_positions)} attractor(s) (italic) · "
            f"agreeing verbs judged: '{s.verb}' ({number})") in shown
    assert baselines_sentence(shipped_measures.reference_baselines(TrainConfig().distance, REFERENCE_N), TrainConfig().distance,
                              REFERENCE_N) in shown
    p = {a: ins.traces[a].p_plural[-1] for a in ("lstm", "rnn")}
    assert f"Cursor at token **5: 'cabinet'** · LSTM P(plural) = {p['lstm']:.2f} · RNN P(plural) = {p['rnn']:.2f}" in shown


def _data(spec):
    return json.dumps(spec["data"], sort_keys=True)


def _moves():
    """(name, how to get there from the defaults, chart whose data must change)."""
    return [
        ("example", lambda at: at.selectbox(key="ex").set_value(insp.EXAMPLES[2]), "got_gates"),
        ("generate", lambda at: at.radio(key="src").set_value("generate"), "got_gates"),
        ("type", lambda at: at.radio(key="src").set_value("type"), None),
        ("units", lambda at: at.multiselect(key="follow").set_value([0, 3, 5]), "got_units"),
    ]


@pytest.mark.parametrize("name, move, chart", _moves(), ids=[m[0] for m in _moves()])
def test_each_source_widget_changes_the_figures(name, move, chart):
    at = open_page(GATES)
    before = charts(at)
    move(at)
    at.run()
    assert_clean(at)
    after = charts(at)
    if chart is None:   # "type your own" starts on the first example's text: same sentence
        at.text_input(key="text").set_value("the cat near the dogs is").run()
        assert_clean(at)
        after, chart = charts(at), "got_gates"
    assert _data(after[chart]) != _data(before[chart])


@pytest.mark.parametrize("key, value", [("dist", 25), ("attr", 3), ("sent_seed", 7)])
def test_generator_sliders_change_the_figures(key, value):
    at = open_page(GATES, {"src": "generate"})
    before = charts(at)["got_gates"]
    at.slider(key=key).set_value(value).run()
    assert_clean(at)
    assert _data(charts(at)["got_gates"]) != _data(before)


def test_time_cursor_moves_on_every_plot():
    at = open_page(GATES)
    T = len(insp.sentence_from_text(insp.EXAMPLES[0]).tokens)
    assert at.slider(key="t").value == T - 1
    at.slider(key="t").set_value(2).run()
    assert_clean(at)
    cursored = {"got_units", "got_prob"}             # the heatmap grids carry no cursor (a redraw each step)
    for key, spec in charts(at).items():
        xs = {s["x0"] for s in spec["layout"].get("shapes", []) if s.get("yref", "").endswith("domain")}
        assert xs == ({2} if key in cursored else set()), key
    assert "Cursor at token **2: 'to'**" in texts(at)


def test_unknown_words_are_read_and_shown_with_their_class():
    at = open_page(GATES, {"src": "type"})
    at.text_input(key="text").set_value("the kees near the dorr are").run()
    assert_clean(at)
    assert [e.value for e in at.error] == []
    shown = plain(texts(at))
    assert "'kees' → <unk-s>" in shown and "'dorr' → <unk>" in shown
    assert set(charts(at)) == {"got_gates", "got_gates2", "got_units", "got_prob", "got_rnn"}


@pytest.mark.parametrize("text, needle", [
    ("", "no word"),
    ("the keys " * 10_000, "at most"),
    ("🧠🧠🧠", "no word"),
], ids=["empty", "10000 words", "emoji"])
def test_hostile_sentences_get_messages(text, needle):
    at = open_page(GATES, {"src": "type"})
    at.text_input(key="text").set_value(text).run()
    assert_clean(at)
    assert any(needle in plain(e.value) for e in at.error), [e.value for e in at.error]


TUTORIAL = [
    "The cat had enjoyed eating fish, the fish was delicious and was eager to have more.",
    "The cats had enjoyed eating fish, the fish was delicious and were eager to have more.",
    "The bus, which went to Paris, was full.", "The buses, which went to Paris, were full.",
    "Bob called Carla and she said", "There are clouds in the sky",
    "<script>alert(1)</script> the cat is",
]


@pytest.mark.parametrize("text", TUTORIAL)
def test_tutorial_sentences_are_read_with_both_predictions(text):
    """Issue 11: typed exactly as written, every tutorial sentence is read (no refusal); both models'
    predictions and verdicts (judged against the typed agreeing verbs, or not judged) are shown."""
    at = open_page(GATES, {"src": "type"})
    at.text_input(key="text").set_value(text).run()
    assert_clean(at)
    assert [e.value for e in at.error] == []
    assert [m.label for m in at.metric] == ["LSTM predicts", "RNN predicts"]
    s = insp.sentence_from_text(text)
    ins = insp.inspect_sentence({a: m for a, (m, _) in registry.pretrained_models().items()}, s)
    shown = texts(at)
    for arch in ("lstm", "rnn"):
        assert ins.verdict(arch) in shown
        assert at.metric[["lstm", "rnn"].index(arch)].value == ins.traces[arch].prediction
    if s.unread:
        assert f"not read: '{s.unread}'" in plain(shown)
    if not s.checks:
        assert "cannot be judged" in shown


def test_old_example_links_open_the_same_sentence_and_a_gone_one_gets_a_note():
    old = ("the mouse behind the empty bottles under the wooden tables in the quiet gardens "
           "near the tall trees that the girls liked usually is")      # ?ex= of the first grammar
    at = open_page(GATES, {"src": "example", "ex": old})
    assert_clean(at)
    assert at.selectbox(key="ex").value == old and [w.value for w in at.warning] == []
    at = open_page(GATES, {"src": "example", "ex": "the keys near the door is"})
    assert_clean(at)
    assert at.selectbox(key="ex").value == insp.EXAMPLES[0]
    assert "ex" in "\n".join(w.value for w in at.warning)


def test_shared_url_reproduces_the_view():
    params = {"src": "generate", "dist": "20", "attr": "2", "sent_seed": "5", "t": "3", "follow": ["1", "4"]}
    shared = open_page(GATES, params)
    assert_clean(shared)
    by_hand = open_page(GATES)
    by_hand.radio(key="src").set_value("generate").run()
    for k, v in (("dist", 20), ("attr", 2), ("sent_seed", 5)):
        by_hand.slider(key=k).set_value(v).run()
    by_hand.slider(key="t").set_value(3).run()
    by_hand.multiselect(key="follow").set_value([1, 4]).run()
    a, b = charts(shared), charts(by_hand)
    assert set(a) == set(b) == {"got_gates", "got_gates2", "got_units", "got_prob", "got_rnn"}
    for k in a:
        assert _data(a[k]) == _data(b[k]), k
        assert a[k]["layout"].get("shapes") == b[k]["layout"].get("shapes"), k
    assert [t["name"] for t in a["got_units"]["data"]] == ["unit 1 c", "unit 1 h", "unit 4 c", "unit 4 h"]


def test_hostile_url_params_are_clamped_with_a_note():
    at = open_page(GATES, {"src": "generate", "dist": "9999", "t": "-5", "follow": ["999", "x", "2"]})
    assert_clean(at)
    warnings = "\n".join(w.value for w in at.warning)
    assert "dist" in warnings and "follow" in warnings and "'999'" in warnings
    assert at.slider(key="dist").value == insp.MAX_DISTANCE
    assert at.multiselect(key="follow").value == [2]


def _pair(model, cfg, stem):
    w, m = checkpoint.to_bytes(model, cfg, {"test_accuracy": 0.5})
    return [(f"{stem}.safetensors", w, "application/octet-stream"), (f"{stem}.json", m, "application/json")]


def test_uploads_good_and_hostile():
    cfg = TrainConfig(arch="lstm", hidden=8)
    good = build_model(cfg)
    w, m = checkpoint.to_bytes(good, cfg, {})
    evil = pickle.dumps({"x": 1})
    state = {k: v.clone() for k, v in good.state_dict().items()}
    state["readout.weight"][0, 0] = float("nan")
    from safetensors.torch import save
    wide_cfg = TrainConfig(arch="lstm", hidden=9)
    wide_w, _ = checkpoint.to_bytes(build_model(wide_cfg), wide_cfg, {})
    oct_ = "application/octet-stream"
    files = _pair(good, cfg, "mine") + [
        ("evil.safetensors", evil, oct_), ("evil.json", m, "application/json"),
        ("cut.safetensors", w[:100], oct_), ("cut.json", m, "application/json"),
        ("shape.safetensors", wide_w, oct_), ("shape.json", m, "application/json"),
        ("nan.safetensors", save(state), oct_), ("nan.json", m, "application/json")]
    at = open_page(GATES, {"models": "uploaded"})
    assert_clean(at)
    before = charts(at)
    at.file_uploader(key="got_files").set_value(files).run()
    assert_clean(at)
    errors = re.sub(r"\\(.)", r"\1", "\n".join(e.value for e in at.error))   # shown escaped (pages._text)
    assert "evil: rejected" in errors and "pickle" in errors
    assert "cut: rejected" in errors
    assert "shape: rejected" in errors and "shape" in errors
    assert "nan: rejected" in errors and "NaN" in errors
    assert "uploaded mine" in texts(at)
    assert _data(charts(at)["got_gates"]) != _data(before["got_gates"])      # the upload is shown


# ---------------------------------------------------------------------------- Train and compare

def test_train_page_renders_on_defaults():
    at = open_page(TRAIN)
    assert_clean(at)
    assert at.button[0].label == "Train LSTM and RNN" and not at.button[0].disabled
    assert "No results yet" in texts(at) and comparison.pretrained_note() in texts(at)
    cfg = comparison.CompareConfig()
    H = {a: cfg.hidden_for(a) for a in ("lstm", "rnn")}         # equal parameter count by default
    n = {a: comparison.param_count(a, "agreement", H[a]) for a in ("lstm", "rnn")}
    assert H["rnn"] > H["lstm"] and abs(n["rnn"] - n["lstm"]) < 0.02 * n["lstm"]
    assert (f"LSTM {H['lstm']} units, {n['lstm']:,} parameters · RNN {H['rnn']} units, {n['rnn']:,} "
            f"parameters · {cfg.seeds} seeds each") in texts(at)


def test_training_completes_survives_page_switches_and_feeds_gates_over_time():
    at = open_page(TRAIN)
    res = train_tiny(at)
    assert res is not None and list(res.runs) == ["lstm", "rnn"]
    shown = texts(at)
    assert comparison_text.summary(res) in shown
    for line in comparison_text.status_lines(res):
        assert line in shown
    assert all(w in shown for w in comparison_text.warnings(res))
    d = res.config.distance                                   # the shortcuts at the trained distance
    assert baselines_sentence(shipped_measures.reference_baselines(d, 1000), d, 1000) in shown
    assert {"tc_curves", "tc_sweep", "tc_grads"} <= set(charts(at))
    assert [b.label for b in at.get("download_button")][:2] == ["Training curves (CSV)", "Gradient norms (CSV)"]
    # Gates over time reads the trained models (other figures than the pretrained ones), then Train and compare
    # still has the same results
    pretrained_view = charts(open_page(GATES))
    at.query_params = {"models": "trained"}
    at.switch_page(GATES)
    at.run()
    assert_clean(at)
    assert "trained on Train and compare" in texts(at)
    assert _data(charts(at)["got_gates"]) != _data(pretrained_view["got_gates"])
    assert len(charts(at)["got_gates"]["data"][0]["y"]) == TINY["hidden"]     # 8 units
    assert "tc_result" in at.session_state and at.session_state["tc_result"].id == res.id
    at.query_params = {}
    at.switch_page(TRAIN)
    at.run()
    assert_clean(at)
    assert comparison_text.summary(res) in texts(at) and at.session_state["tc_result"].id == res.id
    # a new session does not see them (sessions are isolated)
    other = open_page(GATES, {"models": "trained"})
    assert "No trained models in this session yet" in texts(other)


def test_training_settings_change_the_figures():
    at = open_page(TRAIN)
    first = train_tiny(at)
    a = charts(at)
    second = train_tiny(at, hidden=4)
    b = charts(at)
    assert first.id != second.id and second.runs["lstm"].config.hidden == 4
    for k in ("tc_curves", "tc_sweep", "tc_grads"):
        assert _data(a[k]) != _data(b[k]), k
    assert "hidden 4 (parameter-matched)," in texts(at)


def test_divergence_shows_the_status_and_keeps_the_last_good_model():
    at = open_page(TRAIN)
    res = train_tiny(at, task="adding", opt="sgd", lr="10", clipping="off", steps=40, d=20)
    assert res is not None
    bad = [a for a, r in res.runs.items() if r.diverged]
    assert bad
    errors = "\n".join(e.value for e in at.error)
    for a in bad:
        r = res.runs[a]
        assert r.status in errors and f"the weights after step {r.steps_done}" in errors
        assert all(torch.isfinite(p).all() for p in r.model.parameters())
    assert any("under-trained" in w.value for w in at.warning)


def test_queued_state_is_shown():
    at = open_page(TRAIN)
    for k, v in TINY.items():
        at.slider(key=k).set_value(v)
    at.run()
    held = threading.Event()

    def occupy():          # hold the only slot until the page has queued for over a second
        with queue.SLOTS.hold():
            held.set()
            deadline = time.monotonic() + 60
            while queue.SLOTS.state()["waiting"] == 0 and time.monotonic() < deadline:
                time.sleep(0.05)
            time.sleep(1.2)
    t = threading.Thread(target=occupy)
    t.start()
    held.wait(10)
    at.button[0].click()
    at.run()
    t.join()
    assert_clean(at)
    assert "Queued: 1 training running, you are number 1 in line" in texts(at)
    assert at.session_state["tc_result"].queued_seconds >= 1.0


def test_interrupted_training_keeps_the_previous_results(monkeypatch):
    from streamlit.runtime.scriptrunner_utils.exceptions import StopException
    at = open_page(TRAIN)
    first = train_tiny(at)

    def interrupted(cfg, progress=None, **kw):
        progress(dict(event="start", arch="lstm", seed=0, seed_index=0, seeds=3, index=0, of=6, hidden=8,
                      params=1))
        for step in range(1, 6):
            progress(dict(event="step", arch="lstm", seed=0, step=step, steps=20, loss=0.7, accuracy=0.5,
                          elapsed=0.1))
        raise StopException()        # what Streamlit raises when the page reruns mid-script
    monkeypatch.setattr(comparison, "run_comparison", interrupted)
    at.slider(key="train_seed").set_value(1).run()     # other settings: the first run's are stored, not retrained
    at.button[0].click()
    at.run()
    at.run()
    assert_clean(at)
    assert any("interrupted at LSTM step 5" in w.value for w in at.warning)
    assert at.session_state["tc_result"].id == first.id
    assert comparison_text.summary(first) in texts(at)
    # with fast reruns Streamlit may start the next run before the stopped one has unwound:
    # the next run then finds the training's progress marker and says what happened
    at.session_state["_tc_running"] = {"arch": "rnn", "step": 7}
    at.run()
    assert any("interrupted at RNN step 7" in w.value for w in at.warning)
    assert "_tc_running" not in at.session_state and at.session_state["tc_result"].id == first.id


def test_over_budget_settings_cannot_train():
    at = open_page(TRAIN, {"task": "adding", "d": "200", "hidden": "256", "steps": "5000"})
    assert_clean(at)
    assert at.button[0].disabled
    assert any("over the limit" in e.value for e in at.error)


def test_play_advances_the_cursor_one_token_per_tick():
    at = open_page(GATES)
    T = len(insp.sentence_from_text(insp.EXAMPLES[0]).tokens)
    at.button(key="got_play_button").click().run()          # at the end: restarts from token 0
    assert_clean(at)
    ticks = [at.slider(key="t").value]
    for _ in range(T + 1):
        at.run()                                            # what run_every does on a timer
        ticks.append(at.slider(key="t").value)
    assert ticks[: T] == list(range(1, T + 1))[: T - 1] + [T - 1]
    assert ticks[-1] == T - 1 and not at.session_state["_got_playing"]   # stopped at the end
    assert at.button(key="got_play_button").label.startswith("Play")


def test_values_carried_from_other_pages_do_not_break_these_pages():
    at = open_page("pages/cell_anatomy.py", {"units": "2", "x": "0.5"})
    for page in ("pages/vanishing_gradients.py", GATES, TRAIN, GATES):
        at.switch_page(page)
        at.run()
        assert_clean(at)


def test_curriculum_choice_reaches_the_trainer_for_agreement_only():
    """The 'short' training mix (where the measured tanh RNN does learn d=30) is offered for the
    agreement task and flows into every model's TrainConfig; other tasks never see it."""
    at = open_page(TRAIN)
    assert_clean(at)
    at.selectbox(key="mix").set_value("short").run()
    assert_clean(at)
    cfg = comparison.CompareConfig(train_mix="short", archs=("lstm", "rnn", "gru")).resolved()
    assert {cfg.train_config(a).resolved().train_mix for a in cfg.archs} == {"short"}
    at.selectbox(key="mix").set_value("two-clause").run()
    assert_clean(at)
    cfg = comparison.CompareConfig(train_mix="two-clause").resolved()
    assert {cfg.train_config(a).resolved().train_mix for a in cfg.archs} == {"two-clause"}
    at.selectbox(key="task").set_value("adding").run()
    assert_clean(at)
    assert not [s for s in at.selectbox if s.key == "mix"]
    cfg = comparison.CompareConfig(task="adding", distance=50, train_mix="short").resolved()
    assert cfg.train_config("rnn").resolved().train_mix == "uniform"


def test_curriculum_rnn_source_shows_an_rnn_that_learned():
    """The shipped curriculum RNN is a real, different model: its verdict on the page is the
    core's verdict for that model, and on the default example it gets the number right."""
    at = open_page(GATES)
    at.selectbox(key="models").set_value("curriculum").run()
    assert_clean(at)
    shown = texts(at)
    models = {a: m for a, (m, _) in registry.pretrained_models(registry.PRETRAINED_CURRICULUM).items()}
    ins = insp.inspect_sentence(models, insp.sentence_from_text(insp.EXAMPLES[0]))
    assert ins.verdict("rnn") in shown and "trained with half its batches short" in shown
    plain = registry.pretrained_models()["rnn"][0]
    assert any((p1 != p2).any() for p1, p2 in zip(models["rnn"].parameters(), plain.parameters()))
    assert [m.value for m in at.metric] == ["plural", "plural"]      # 'the keys ... are'


def test_learning_curve_verdict_with_several_seeds_is_shown_and_true():
    """Issue 12 item 1: the verdict over seeds on the page, each claim checked against the runs' arrays."""
    at = open_page(TRAIN)
    res = train_tiny(at, seeds=3, steps=60, d=4, train_seed=2)
    assert [len(res.seed_runs[a]) for a in ("lstm", "rnn")] == [3, 3]
    assert [r.config.seed for r in res.seed_runs["rnn"]] == [2, 3, 4]
    shown = texts(at)
    lines = comparison_text.verdict(res)
    assert lines and all(line in shown for line in lines)
    assert "Learning curves over 3 seeds (2, 3, 4), 60 training steps" in lines[0]
    for a in ("lstm", "rnn"):
        p = comparison.param_count(a, "agreement", res.runs[a].config.hidden)
        assert f"{a.upper()} {res.runs[a].config.hidden} units, {p:,} parameters" in lines[0]
        w = 5                                             # 60 steps: the smallest window
        assert f"last {w} batches" in lines[1]
        reach = []
        for r in res.seed_runs[a]:                        # first step whose trailing mean over w batches >= 95%
            acc = np.array([h["accuracy"] for h in r.history])
            means = np.convolve(acc, np.ones(w) / w, mode="valid")
            hit = np.flatnonzero(means >= 0.95)
            reach.append(int(hit[0]) + w if hit.size else None)
        k = sum(x is not None for x in reach)
        line = next(s for s in lines if s.startswith(f"{a.upper()} reached"))
        assert (f"in {k} of 3 seeds" in line or f"in only {k} of 3 seeds" in line) if k else \
            "in none of 3 seeds: not within 60 steps" in line
        assert "cannot learn" not in line                  # 60 steps is far below 3x the default
        med = float(np.median([np.inf if x is None else x for x in reach]))
        if np.isfinite(med):
            assert f"median step {med:g}" in line
    spec = charts(at)["tc_learning"]
    names = [t.get("name") for t in spec["data"]]
    assert "LSTM min–max over 3 seeds" in names and "RNN median" in names
