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
from lstm_core.narration import comparison as text
from lstm_core.training import checkpoint, queue
from lstm_core.training.queue import TrainingSlots
from lstm_core.training.trainer import TrainConfig, TrainResult, build_model

TINY = dict(steps=30, hidden=8, test_size=200, seeds=1, match_params=False)


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
    assert CompareConfig(hidden=32, match_params=False).hidden_for("rnn") == 32
    assert CompareConfig().match_params and CompareConfig().seeds >= 3      # the page default


def test_sweep_and_summary_are_the_numbers(result):
    res, _ = result
    for arch, d in res.by_distance.items():
        assert d["x"] == comparison.span_grid("agreement", 12) == [3, 6, 12, 18, 24]
        assert len(d["y"]) == 5 and all(0 <= y <= 1 for y in d["y"]) and d["n"] == 200
        # same examples as the test set at the trained distance: the very same number
        assert d["y"][2] == res.runs[arch].test["test_accuracy"]
    s = text.summary(res)
    for a in res.runs:
        assert f"{a.upper()} {100 * res.runs[a].test['test_accuracy']:.1f}%" in s
    best = max(res.runs, key=lambda a: res.runs[a].test["test_accuracy"])
    assert f"highest: {best.upper()}." in s and "chance is 50.0%" in s
    near = [a for a, r in res.runs.items() if abs(r.test["test_accuracy"] - 0.5) < 0.05]
    assert text.near_chance(res) == near
    assert ("within 5 points of chance" in s) == bool(near)
    for a in near:
        assert a.upper() in s.split("highest:")[1]
    assert text.status_lines(res)[0].startswith("LSTM: trained 30 steps in ")


def test_exports(result):
    res, _ = result
    hist = res.history_csv().splitlines()
    assert hist[0] == "arch,seed,step,loss,accuracy,elapsed_s" and len(hist) == 1 + 60
    lstm_row = hist[1].split(",")
    assert lstm_row[:3] == ["lstm", "0", "1"] and float(lstm_row[3]) == pytest.approx(res.runs["lstm"].history[0]["loss"], rel=1e-5)
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
    assert text.undertrained(res, "rnn") is None
    w = text.undertrained(res, "lstm")
    (a0, a1, m0), (b0, b1, m1) = comparison.loss_drop(res.runs["lstm"].history)
    assert (a0, a1, b0, b1) == (61, 80, 81, 100)
    assert m0 == pytest.approx(np.mean(falling[60:80])) and m1 == pytest.approx(np.mean(falling[80:]))
    assert f"mean {m0:.3g} over steps 61–80, {m1:.3g} over steps 81–100" in w
    assert f"{100 * (m1 - m0) / m0:+.0f}%" in w and m1 <= 0.9 * m0
    assert "test accuracy 60.0% leaves room" in w
    assert text.warnings(res) == [w]
    solved = CompareResult(CompareConfig(), {"lstm": _fake(falling, acc=0.985)})
    assert text.undertrained(solved, "lstm") is None          # falling loss, but nothing left to gain
    short = CompareResult(CompareConfig(), {"lstm": _fake(falling[:40], steps=100)})
    assert "only 40 of 100 steps" in text.undertrained(short, "lstm")
    late = [0.69] * 90 + list(np.linspace(0.69, 0.5, 10))         # a fall in the last tenth only
    res = CompareResult(CompareConfig(), {"lstm": _fake(late)})
    (_, _, m0), (_, _, m1) = comparison.loss_drop(res.runs["lstm"].history, 5)
    assert m1 > 0.9 * m0                                          # fifths miss it ...
    (a0, a1, m0), (b0, b1, m1) = comparison.loss_drop(res.runs["lstm"].history, 10)
    assert (a0, a1, b0, b1) == (81, 90, 91, 100) and m1 <= 0.9 * m0
    assert f"mean {m0:.3g} over steps 81–90, {m1:.3g} over steps 91–100" in text.undertrained(res, "lstm")


# ---------------------------------------------------------------------------- divergence, stops, caps

def test_divergence_keeps_the_last_good_model():
    cfg = CompareConfig(task="adding", distance=20, steps=40, hidden=8, lr=10.0, optimizer="sgd",
                        clip=None, test_size=100, seeds=1)
    res = run_comparison(cfg, slots=TrainingSlots(1), sweep_n=50)
    bad = [a for a, r in res.runs.items() if r.diverged]
    assert bad, "lr=10 with SGD and no clipping should diverge on the adding problem"
    for a in bad:
        r = res.runs[a]
        assert r.steps_done < 40 and len(r.history) == r.steps_done
        assert all(torch.isfinite(p).all() for p in r.model.parameters())
        line = next(s for s in text.status_lines(res) if s.startswith(a.upper()))
        assert r.status in line and f"after step {r.steps_done}" in line
        assert f"only {r.steps_done} of 40 steps" in text.undertrained(res, a)


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
    res = run_comparison(CompareConfig(steps=10, hidden=4, test_size=50, archs=("lstm",), seeds=1),
                         progress=events.append, slots=slots, sweep_n=20)
    t.join()
    queued = [e for e in events if e["event"] == "queued"]
    assert queued and queued[0]["position"] == 1 and queued[0]["running"] == 1
    assert [e["event"] for e in events].index("start") > events.index(queued[-1])
    assert res.queued_seconds >= 0.3 and res.runs["lstm"].status == "ok"


def test_sweep_and_gradient_stories_are_the_numbers(result):
    res, _ = result
    story = text.sweep_story(res)
    for a, d in res.by_distance.items():
        for x in (12, 24):
            assert f"{a.upper()} {100 * d['y'][d['x'].index(x)]:.1f}%" in story
    assert story.startswith("Test accuracy (seed 0's models) at distance 12: ") and "; at distance 24: " in story
    g = text.grad_story(res)
    for a, r in res.runs.items():
        for q, G in (("h", r.grad_hidden), ("c", r.grad_cell)):
            if G is not None:
                assert f"{a.upper()} ‖∂L/∂{q}_t‖ 10^{np.log10(G[-1, 0] / G[-1, -1]):+.1f}" in g
    assert f"training step {res.runs['lstm'].grad_steps[-1]})" in g


def test_page_defaults_are_the_shipped_models_settings():
    from lstm_core.training.checkpoint import load_pretrained
    page, equal_hidden = CompareConfig().resolved(), CompareConfig(match_params=False).resolved()
    for arch, cfg in (("lstm", page), ("lstm", equal_hidden), ("rnn", equal_hidden)):
        _, meta = load_pretrained(f"agreement_d30_{arch}")
        mine = cfg.train_config(arch).resolved()
        shipped = checkpoint.train_config(meta)          # the checkpoint's settings, resolved as the trainer does
        for k in ("task", "arch", "distance", "hidden", "embed_dim", "steps", "batch", "lr", "optimizer",
                  "clip", "forget_bias", "init", "seed", "attractors", "grad_every", "test_size",
                  "probe_size", "train_mix", "schedule", "nonlinearity"):
            assert getattr(shipped, k) == getattr(mine, k), k
    note = comparison.pretrained_note()
    for arch in ("lstm", "rnn"):
        _, meta = load_pretrained(f"agreement_d30_{arch}")
        assert f"{arch.upper()} {100 * meta['metrics']['test_accuracy']:.1f}%" in note


# ---------------------------------------------------------------------------- the learning-curve verdict
# (issue 12 items 1 and 5): seeds, equal parameters, steps to 95%, plateaus, "cannot" only with >= 3x budget

from lstm_core.experiments import learning_curves as lc  # noqa: E402
from lstm_core.training.trainer import DEFAULT_STEPS, train  # noqa: E402


def test_page_defaults_reproduce_the_cli_run_bit_for_bit():
    """Item 5: the same seed at the page's defaults gives the CLI's weights. The same deterministic CPU
    computation in one process, so equality is exact (that is the claim under test)."""
    res = run_comparison(CompareConfig(steps=6, seeds=2, test_size=50), slots=TrainingSlots(1), sweep_n=20)
    assert res.config.grad_every == TrainConfig.grad_every and res.config.match_params
    for k, seed in enumerate((0, 1)):
        cli = train(TrainConfig(steps=6, seed=seed, test_size=50))
        for (n, p), q in zip(res.seed_runs["lstm"][k].model.named_parameters(), cli.model.parameters()):
            assert torch.equal(p, q), (seed, n)
    equal = run_comparison(CompareConfig(steps=6, seeds=1, test_size=50, match_params=False,
                                         archs=("rnn",)), slots=TrainingSlots(1), sweep_n=20)
    cli = train(TrainConfig(arch="rnn", steps=6, test_size=50))
    assert all(torch.equal(p, q) for p, q in zip(equal.runs["rnn"].model.parameters(), cli.model.parameters()))


def test_every_seed_is_trained_and_the_curves_are_its_history():
    events = []
    res = run_comparison(CompareConfig(distance=6, steps=25, hidden=6, test_size=60, seeds=3, seed=4),
                         progress=events.append, slots=TrainingSlots(1), sweep_n=20)
    starts = [(e["seed"], e["arch"]) for e in events if e["event"] == "start"]
    assert starts == [(s, a) for s in (4, 5, 6) for a in ("lstm", "rnn")]
    assert [e["index"] for e in events if e["event"] == "start"] == list(range(6))
    cv = res.curves()
    for a in ("lstm", "rnn"):
        runs = res.seed_runs[a]
        assert [r.config.seed for r in runs] == [4, 5, 6] and res.runs[a] is runs[0]
        assert cv[a].params == runs[0].model.n_params()["total"] and cv[a].hidden == runs[0].config.hidden
        acc = np.array([[h["accuracy"] for h in r.history] for r in runs])
        w = cv[a].window
        for k in range(3):       # the smoothed curve is the trailing mean of the batch accuracies
            ref = [acc[k, max(0, i - w + 1):i + 1].mean() for i in range(25)]
            np.testing.assert_allclose(cv[a].values[k], ref, rtol=1e-12, atol=1e-12)
        med, lo, hi = cv[a].band()
        np.testing.assert_allclose(med, np.median(cv[a].values, 0), rtol=1e-12)
        assert np.all(lo <= med) and np.all(med <= hi)
    assert res.params()["rnn"] == cv["rnn"].params and cv["rnn"].hidden > cv["lstm"].hidden  # matched
    assert comparison.param_count("rnn", "agreement", cv["rnn"].hidden) == pytest.approx(
        comparison.param_count("lstm", "agreement", 6), rel=0.15)


def test_seeds_count_in_the_time_estimate():
    one, three = (comparison.estimate_seconds(CompareConfig(seeds=n)) for n in (1, 3))
    assert 2.5 * one < three < 3 * one
    assert comparison.check_budget(CompareConfig()) < comparison.MAX_TRAIN_SECONDS        # page defaults are allowed
    with pytest.raises(ValueError, match="seeds"):
        CompareConfig(seeds=0).resolved()


# -- a grid over fabricated histories: every claim of the verdict checked against the arrays

def _oracle_smooth(v, w):
    return [sum(v[max(0, i - w + 1):i + 1]) / len(v[max(0, i - w + 1):i + 1]) for i in range(len(v))]


def _oracle_reach(hist, metric, w):
    v = [h["accuracy"] if metric == "accuracy" else h["loss"] for h in hist]
    s = _oracle_smooth(v, w)
    for i in range(w - 1, len(s)):
        if (s[i] >= 0.95) if metric == "accuracy" else (s[i] <= 0.01):
            return hist[i]["step"]
    return None


def _oracle_plateau(hist, level, min_len, w):
    s = _oracle_smooth([h["loss"] for h in hist], w)
    best, run = None, None
    for i, x in enumerate(s + [None]):
        if x is not None and abs(x - level) <= 0.05 * level:
            run = (run[0], i) if run else (i, i)
        elif run:
            if run[1] - run[0] + 1 >= min_len and (best is None or run[1] - run[0] > best[1] - best[0]):
                best = run
            run = None
    if best is None:
        return None
    dropped = any(x < 0.9 * level for x in s[best[1] + 1:])
    return hist[best[0]]["step"], hist[best[1]]["step"], dropped


def _fabricate(rng, task, arch, seed, budget, level):
    """A history: loss on a chance plateau, then (maybe) a fall at a random onset; accuracy to match."""
    onset = int(rng.integers(1, 2 * budget))        # often beyond the budget: never learns
    speed = float(rng.uniform(0.005, 0.2))
    hist = []
    for t in range(1, budget + 1):
        p = 1 / (1 + np.exp(-speed * (t - onset)))   # 0 .. 1: how much it has learned
        loss = level * (1 - 0.999 * p) * float(rng.uniform(0.97, 1.03))
        acc = None if task == "adding" else min(1.0, 0.5 + 0.5 * p + float(rng.normal(0, 0.03)))
        hist.append(dict(step=t, loss=loss, accuracy=acc, elapsed=0.0))
    cfg = TrainConfig(task=task, arch=arch, seed=seed, steps=budget).resolved()
    r = TrainResult(model=None, config=cfg, steps_done=budget, history=hist)
    r.test = {"test_mse": hist[-1]["loss"]} if task == "adding" else {"test_accuracy": hist[-1]["accuracy"]}
    return r


@pytest.mark.parametrize("case", range(90))
def test_verdict_claims_match_the_arrays_over_a_grid(case):
    """Cases 60..89 add 1-3 LSTM variants (Train and compare's "Also train variants")."""
    rng = np.random.default_rng([12, case])
    task = ["agreement", "temporal", "adding", "copy"][case % 4]
    default = DEFAULT_STEPS[task]
    budget = int(default * [0.25, 0.5, 1, 3, 3.5][int(rng.integers(5))])
    budget = min(budget, 1200)
    default_budget = default
    n = int(rng.integers(1, 6))
    archs = ("lstm", "rnn", "gru")[:int(rng.integers(1, 4))]
    if case >= 60:
        variants = comparison.ARCH_ORDER[3:]
        archs += tuple(variants[k] for k in sorted(rng.choice(len(variants), int(rng.integers(1, 4)), replace=False)))
    match = bool(rng.integers(2))
    cfg = CompareConfig(task=task, seeds=n, steps=budget, archs=archs, match_params=match,
                        distance=comparison.default_span(task)).resolved()
    level = lc.chance_loss(task, cfg.distance)
    seed_runs = {a: [_fabricate(rng, task, a, s, budget, level) for s in cfg.seed_list()] for a in archs}
    for a in archs:
        for r in seed_runs[a]:
            r.config = cfg.train_config(a, r.config.seed).resolved()
    res = CompareResult(cfg, {a: rs[0] for a, rs in seed_runs.items()}, seed_runs=seed_runs)
    lines = text.verdict(res)
    whole = " ".join(lines)
    metric = "mse" if task == "adding" else "accuracy"
    w = lc.window_for(budget)
    assert f"over {n} seed" in lines[0] and f"{budget} training steps" in lines[0]
    assert ("equal parameter count" if match else "equal hidden size") in lines[0]
    assert f"last {w} batches" in lines[1]
    meds = {}
    for a in archs:
        H = cfg.hidden_for(a)
        assert f"{a.upper()} {H} units, {comparison.param_count(a, task, H):,} parameters" in lines[0]
        reach = [_oracle_reach(r.history, metric, w) for r in seed_runs[a]]
        k = sum(x is not None for x in reach)
        line = next(s for s in lines if s.startswith(f"{a.upper()} reached"))
        med = float(np.median([np.inf if x is None else x for x in reach]))
        if k == n:
            assert f"in {k} of {n} seeds: median step {med:g}" in line
            meds[a] = med
        elif k == 0:
            assert f"in none of {n} seeds: not within {budget} steps" in line
        else:
            assert f"in {'only ' if not np.isfinite(med) else ''}{k} of {n} seeds (at steps " in line
            assert ", ".join(str(x) for x in sorted(x for x in reach if x is not None)) in line
            if np.isfinite(med):
                assert f"median step {med:g}." in line
                meds[a] = med
            else:
                assert f"the median is not within {budget} steps" in line
        cannot = "cannot learn this task" in line
        assert cannot == (k == 0 and budget >= 3 * default_budget), line
        assert ("did not learn within this budget" in line) == (k == 0 and not cannot)
        plateaus = [_oracle_plateau(r.history, level, min(40, max(10, budget // 10)), w) for r in seed_runs[a]]
        pl = [s for s in lines if s.startswith(f"{a.upper()}'s training loss sat on a plateau")]
        found = [(r.config.seed, p) for r, p in zip(seed_runs[a], plateaus) if p is not None]
        assert bool(pl) == bool(found)
        if found:
            assert f"in {len(found)} of {n} seeds" in pl[0]
            for s, (start, end, dropped) in found:
                assert f"seed {s}: steps {start}–{end}, " in pl[0]
                part = pl[0].split(f"seed {s}: steps {start}–{end}, ")[1]
                assert part.startswith("then it fell") == dropped
    ratios = [s for s in lines if s.startswith("By the median")]
    assert len(ratios) == (len(meds) - 1 if len(meds) >= 2 else 0)
    if ratios:
        fast = min(meds, key=meds.get)
        for a, m in meds.items():
            if a != fast:
                assert f"{fast.upper()} reached it {m / meds[fast]:.1f}× sooner than {a.upper()}" in whole


def test_learning_curve_figure_draws_the_median_and_the_band():
    from lstm_core.figures import comparison as figures
    rng = np.random.default_rng(0)
    vals = rng.uniform(0.4, 1.0, (3, 50))
    fig = figures.learning_curves({"lstm": (np.arange(1, 51), np.median(vals, 0), vals.min(0), vals.max(0), 3)},
                                  threshold=0.95, chance=0.5)
    hi, lo, med = fig.data
    np.testing.assert_allclose(med.y, np.median(vals, 0), rtol=1e-6)
    np.testing.assert_allclose(lo.y, vals.min(0), rtol=1e-6)
    np.testing.assert_allclose(hi.y, vals.max(0), rtol=1e-6)
    assert lo.fill == "tonexty" and lo.name == "LSTM min–max over 3 seeds" and med.name == "LSTM median"
    assert sorted(s.y0 for s in fig.layout.shapes) == [0.5, 0.95]
