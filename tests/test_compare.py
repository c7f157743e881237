"""lstm_core.experiments.comparison: Train and compare's single call. Same data and seed for every model, honest
parameter counts, the training-slot queue, divergence and interruption leaving things
consistent, sentences generated from the numbers, exports that load back."""
import threading
import time

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from lstm_core.experiments import comparison
from lstm_core.experiments.comparison import CompareConfig, CompareResult, run_comparison
from lstm_core.training import checkpoint, queue
from lstm_core.training.queue import TrainingSlots
from lstm_core.training.trainer import TrainConfig, TrainResult, build_model

TINY = dict(steps=30, hidden=8, test_size=200)


@pytest.fixture(scope="module")
def result():
    events = []
    res = run_comparison(CompareConfig(distance=12, **TINY), progress=events.append,
                         slots=TrainingSlots(1))
    return res, events


def test_same_task_data_and_seed_for_every_model(result):
    res, events = result
    assert list(res.runs) == ["lstm", "rnn"]
    cfgs = {a: r.config for a, r in res.runs.items()}
    for field in ("task", "distance", "steps", "lr", "optimizer", "clip", "seed", "batch", "hidden"):
        assert getattr(cfgs["lstm"], field) == getattr(cfgs["rnn"], field), field
    for r in res.runs.values():
        assert r.status == "ok" and r.steps_done == 30 and len(r.history) == 30
        assert r.grad_hidden.shape[0] == len(r.grad_steps) >= 2
    assert res.runs["lstm"].grad_cell is not None and res.runs["rnn"].grad_cell is None
    kinds = [e["event"] for e in events]
    assert kinds[0] == "start" and kinds.count("start") == 2 and kinds.count("done") == 2
    assert kinds.count("sweep") == 2 and "queued" not in kinds
    steps = [e for e in events if e["event"] == "step" and e["arch"] == "lstm"]
    assert steps[-1]["step"] == 30 and all(0 < e["step"] <= 30 for e in steps)


def test_parameter_counts_are_the_models(result):
    res, events = result
    starts = {e["arch"]: e["params"] for e in events if e["event"] == "start"}
    assert starts == res.params() == {a: r.model.n_params()["total"] for a, r in res.runs.items()}
    for task in comparison.TASK_LABELS:
        for arch in ("lstm", "rnn", "gru"):
            for h in (1, 7, 64):
                assert comparison.param_count(arch, task, h) == \
                    build_model(TrainConfig(task=task, arch=arch, hidden=h)).n_params()["total"]


def test_matched_parameter_counts_are_closest():
    cfg = CompareConfig(hidden=32, match_params=True, archs=("lstm", "rnn", "gru"))
    target = comparison.param_count("lstm", "agreement", 32)
    for arch in ("rnn", "gru"):
        h = cfg.hidden_for(arch)
        best = min(range(1, 257), key=lambda k: abs(comparison.param_count(arch, "agreement", k) - target))
        assert h == best and h > 32
    assert CompareConfig(hidden=32).hidden_for("rnn") == 32


def test_sweep_and_summary_are_the_numbers(result):
    res, _ = result
    for arch, d in res.by_distance.items():
        assert d["x"] == comparison.span_grid("agreement", 12) == [3, 6, 12, 18, 24]
        assert len(d["y"]) == 5 and all(0 <= y <= 1 for y in d["y"]) and d["n"] == 200
        # same examples as the test set at the trained distance: the very same number
        assert d["y"][2] == res.runs[arch].test["test_accuracy"]
    s = res.summary()
    for a in res.runs:
        assert f"{a.upper()} {100 * res.runs[a].test['test_accuracy']:.1f}%" in s
    best = max(res.runs, key=lambda a: res.runs[a].test["test_accuracy"])
    assert f"highest: {best.upper()}." in s and "chance is 50.0%" in s
    near = [a for a, r in res.runs.items() if abs(r.test["test_accuracy"] - 0.5) < 0.05]
    assert res.near_chance() == near
    assert ("within 5 points of chance" in s) == bool(near)
    for a in near:
        assert a.upper() in s.split("highest:")[1]
    assert res.status_lines()[0].startswith("LSTM: trained 30 steps in ")


def test_exports(result):
    res, _ = result
    hist = res.history_csv().splitlines()
    assert hist[0] == "arch,step,loss,accuracy,elapsed_s" and len(hist) == 1 + 60
    lstm_row = hist[1].split(",")
    assert lstm_row[0] == "lstm" and float(lstm_row[2]) == pytest.approx(res.runs["lstm"].history[0]["loss"], rel=1e-5)
    grads = res.grad_csv().splitlines()
    r = res.runs["lstm"]
    K, T = r.grad_hidden.shape
    assert len(grads) == 1 + 2 * K * T + K * res.runs["rnn"].grad_hidden.shape[1]
    for arch, r in res.runs.items():
        w, m = res.export_weights(arch)
        model, meta = checkpoint.load_checkpoint_bytes(w, m)
        x = torch.randint(1, 100, (3, 9))
        with torch.no_grad():
            np.testing.assert_array_equal(model(x).numpy(), r.model(x).numpy())
        assert meta["train"]["arch"] == arch and meta["status"] == "ok"


def test_measure_model_uses_the_task_loss(result):
    from lstm_core.experiments import vanishing_trained
    from lstm_core.training.trainer import Task
    res, _ = result
    m = res.runs["lstm"].model
    task = Task(res.runs["lstm"].config)
    x, y = task.batch(np.random.default_rng([1, 3]), 1, test=True)
    g = vanishing_trained.measure_model(m, task, x, y)
    assert len(g.grad_h) == x.shape[1]
    with torch.no_grad():
        loss = F.cross_entropy(m(x)[:, -1].double(), y).item()
    assert g.loss == pytest.approx(loss, rel=1e-4)
    assert g.grad_c is not None
    assert vanishing_trained.measure_model(res.runs["rnn"].model, task, x, y).grad_c is None


# ---------------------------------------------------------------------------- under-trained

def _fake(losses, steps=None, status="ok", arch="lstm", acc=0.6):
    cfg = TrainConfig(arch=arch, steps=steps or len(losses)).resolved()
    r = TrainResult(model=None, config=cfg, status=status, steps_done=len(losses))
    r.history = [dict(step=i + 1, loss=l, accuracy=0.5, elapsed=0.0) for i, l in enumerate(losses)]
    r.test = {"test_accuracy": acc}
    return r


def test_undertrained_warning_is_generated_from_the_loss_curve():
    falling = list(np.linspace(1.0, 0.2, 100))
    flat = [0.69 + 0.01 * np.sin(i) for i in range(100)]
    res = CompareResult(CompareConfig(), {"lstm": _fake(falling), "rnn": _fake(flat, arch="rnn")})
    assert res.undertrained("rnn") is None
    w = res.undertrained("lstm")
    (a0, a1, m0), (b0, b1, m1) = comparison.loss_drop(res.runs["lstm"].history)
    assert (a0, a1, b0, b1) == (61, 80, 81, 100)
    assert m0 == pytest.approx(np.mean(falling[60:80])) and m1 == pytest.approx(np.mean(falling[80:]))
    assert f"mean {m0:.3g} over steps 61–80, {m1:.3g} over steps 81–100" in w
    assert f"{100 * (m1 - m0) / m0:+.0f}%" in w and m1 <= 0.9 * m0
    assert "test accuracy 60.0% leaves room" in w
    assert res.warnings() == [w]
    solved = CompareResult(CompareConfig(), {"lstm": _fake(falling, acc=0.985)})
    assert solved.undertrained("lstm") is None          # falling loss, but nothing left to gain
    short = CompareResult(CompareConfig(), {"lstm": _fake(falling[:40], steps=100)})
    assert "only 40 of 100 steps" in short.undertrained("lstm")
    late = [0.69] * 90 + list(np.linspace(0.69, 0.5, 10))         # a fall in the last tenth only
    res = CompareResult(CompareConfig(), {"lstm": _fake(late)})
    (_, _, m0), (_, _, m1) = comparison.loss_drop(res.runs["lstm"].history, 5)
    assert m1 > 0.9 * m0                                          # fifths miss it ...
    (a0, a1, m0), (b0, b1, m1) = comparison.loss_drop(res.runs["lstm"].history, 10)
    assert (a0, a1, b0, b1) == (81, 90, 91, 100) and m1 <= 0.9 * m0
    assert f"mean {m0:.3g} over steps 81–90, {m1:.3g} over steps 91–100" in res.undertrained("lstm")


# ---------------------------------------------------------------------------- divergence, stops, caps

def test_divergence_keeps_the_last_good_model():
    cfg = CompareConfig(task="adding", distance=20, steps=40, hidden=8, lr=10.0, optimizer="sgd",
                        clip=None, test_size=100)
    res = run_comparison(cfg, slots=TrainingSlots(1), sweep_n=50)
    bad = [a for a, r in res.runs.items() if r.diverged]
    assert bad, "lr=10 with SGD and no clipping should diverge on the adding problem"
    for a in bad:
        r = res.runs[a]
        assert r.steps_done < 40 and len(r.history) == r.steps_done
        assert all(torch.isfinite(p).all() for p in r.model.parameters())
        line = next(s for s in res.status_lines() if s.startswith(a.upper()))
        assert r.status in line and f"after step {r.steps_done}" in line
        assert f"only {r.steps_done} of 40 steps" in res.undertrained(a)


def test_should_stop_and_a_failing_callback_release_the_slot():
    slots = TrainingSlots(1)
    res = run_comparison(CompareConfig(**TINY), should_stop=lambda: True, slots=slots, sweep_n=20)
    assert list(res.runs) == ["lstm"] and res.runs["lstm"].status == "stopped at step 1"
    assert slots.state() == dict(running=0, waiting=0)

    class Interrupted(BaseException):
        pass

    def boom(e):
        if e["event"] == "step" and e["step"] >= 5:
            raise Interrupted
    with pytest.raises(Interrupted):
        run_comparison(CompareConfig(**TINY), progress=boom, slots=slots)
    assert slots.state() == dict(running=0, waiting=0)


def test_settings_are_validated_and_capped():
    with pytest.raises(ValueError, match="task"):
        CompareConfig(task="poetry").resolved()
    with pytest.raises(ValueError, match="hidden size"):
        CompareConfig(hidden=10_000).resolved()
    with pytest.raises(ValueError, match="distance"):
        CompareConfig(distance=comparison.PAGE_MAX_T + 1).resolved()
    with pytest.raises(ValueError, match="lr"):
        CompareConfig(lr=float("nan")).resolved()
    big = CompareConfig(task="adding", distance=200, hidden=256, steps=5000)
    assert comparison.estimate_seconds(big) > comparison.MAX_TRAIN_SECONDS
    with pytest.raises(ValueError, match="limit"):
        comparison.check_budget(big)
    with pytest.raises(ValueError, match="limit"):
        run_comparison(big, slots=TrainingSlots(1))
    assert comparison.check_budget(CompareConfig()) < comparison.MAX_TRAIN_SECONDS


# ---------------------------------------------------------------------------- the queue

def test_slots_queue_first_come_first_served():
    slots = TrainingSlots(1)
    order, seen = [], {}
    release = threading.Event()

    def holder():
        with slots.hold():
            order.append("holder")
            release.wait(5)

    def waiter(name):
        def on_wait(info):
            seen.setdefault(name, []).append(info)
        with slots.hold(on_wait=on_wait, poll=0.02):
            order.append(name)

    t0 = threading.Thread(target=holder)
    t0.start()
    while slots.state()["running"] == 0:
        time.sleep(0.01)
    t1 = threading.Thread(target=waiter, args=("first",))
    t1.start()
    while slots.state()["waiting"] < 1:
        time.sleep(0.01)
    t2 = threading.Thread(target=waiter, args=("second",))
    t2.start()
    while slots.state()["waiting"] < 2:
        time.sleep(0.01)
    time.sleep(0.1)
    assert slots.state() == dict(running=1, waiting=2)
    release.set()
    for t in (t0, t1, t2):
        t.join(5)
    assert order == ["holder", "first", "second"]
    assert seen["first"][0] == dict(event="queued", position=1, running=1, waited=pytest.approx(0, abs=0.5))
    assert seen["second"][0]["position"] == 2 and seen["second"][0]["running"] == 1
    assert slots.state() == dict(running=0, waiting=0)


def test_queue_timeout_and_leaving_the_line():
    slots = TrainingSlots(1)
    with slots.hold():
        with pytest.raises(queue.QueueTimeout, match="busy"):
            with slots.hold(poll=0.02, timeout=0.1):
                pass
        assert slots.state() == dict(running=1, waiting=0)

        class Rerun(BaseException):
            pass

        def leave(info):
            raise Rerun
        with pytest.raises(Rerun):
            with slots.hold(on_wait=leave):
                pass
        assert slots.state() == dict(running=1, waiting=0)
    assert slots.state() == dict(running=0, waiting=0)


def test_a_queued_comparison_reports_then_runs():
    slots = TrainingSlots(1)
    events = []
    entered = threading.Event()

    def hold_for_a_moment():
        with slots.hold():
            entered.set()
            time.sleep(0.6)
    t = threading.Thread(target=hold_for_a_moment)
    t.start()
    entered.wait(5)
    res = run_comparison(CompareConfig(steps=10, hidden=4, test_size=50, archs=("lstm",)),
                         progress=events.append, slots=slots, sweep_n=20)
    t.join()
    queued = [e for e in events if e["event"] == "queued"]
    assert queued and queued[0]["position"] == 1 and queued[0]["running"] == 1
    assert [e["event"] for e in events].index("start") > events.index(queued[-1])
    assert res.queued_seconds >= 0.3 and res.runs["lstm"].status == "ok"


def test_sweep_and_gradient_stories_are_the_numbers(result):
    res, _ = result
    story = res.sweep_story()
    for a, d in res.by_distance.items():
        for x in (12, 24):
            assert f"{a.upper()} {100 * d['y'][d['x'].index(x)]:.1f}%" in story
    assert story.startswith("Test accuracy at distance 12: ") and "; at distance 24: " in story
    g = res.grad_story()
    for a, r in res.runs.items():
        for q, G in (("h", r.grad_hidden), ("c", r.grad_cell)):
            if G is not None:
                assert f"{a.upper()} ‖∂L/∂{q}_t‖ 10^{np.log10(G[-1, 0] / G[-1, -1]):+.1f}" in g
    assert f"training step {res.runs['lstm'].grad_steps[-1]})" in g


def test_page_defaults_are_the_shipped_models_settings():
    from lstm_core.training.checkpoint import load_pretrained
    cfg = CompareConfig().resolved()
    for arch in ("lstm", "rnn"):
        _, meta = load_pretrained(f"agreement_d30_{arch}")
        mine = cfg.train_config(arch).resolved()
        for k in ("task", "arch", "distance", "hidden", "embed", "steps", "batch", "lr", "optimizer",
                  "clip", "forget_bias", "init", "seed", "attractors"):
            assert meta["train"][k] == getattr(mine, k), k
    note = comparison.pretrained_note()
    for arch in ("lstm", "rnn"):
        _, meta = load_pretrained(f"agreement_d30_{arch}")
        assert f"{arch.upper()} {100 * meta['metrics']['test_accuracy']:.1f}%" in note
