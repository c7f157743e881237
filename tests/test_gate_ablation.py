"""Which gate matters: the experiment (real training on a tiny budget), steps to solve and the statistics over
fabricated curves and grids, the match of a re-run, and the shipped JSON (loads, matches the page's recipe)."""
import json
import math

import numpy as np
import pytest
from gate_ablation_fakes import fake_grid, fake_run

from lstm_core.experiments import gate_ablation as ga
from lstm_core.experiments import gate_ablation_stats as gs
from lstm_core.experiments.learning_curves import THRESHOLD
from lstm_core.training.queue import TrainingSlots


# ----------------------------------------------------------------------------- the experiment, for real

@pytest.mark.parametrize("arch,task", [("lstm_nfg", "adding"), ("lstm", "agreement"), ("lstm_cifg", "adding")])
def test_run_cell_tiny_budget_is_well_formed(arch, task):
    r = ga.run_cell(arch, task, seed=1, steps=30)
    assert (r.arch, r.task, r.seed, r.steps, r.steps_done, r.status) == (arch, task, 1, 30, 30, "ok")
    assert math.isfinite(r.final)
    if task == "agreement":
        assert 0.0 <= r.final <= 1.0
    else:
        assert 0.0 < r.final < 2.0
    assert r.reached is None or 1 <= r.reached <= 30
    assert len(r.curve) == 30 // ga.CURVE_EVERY and all(math.isfinite(v) for v in r.curve)
    assert r.params > r.recurrent_params > 0 and r.seconds > 0


def test_run_cell_is_deterministic_and_matches_itself():
    a = ga.run_cell("lstm_noaf", "adding", seed=3, steps=20)
    b = ga.run_cell("lstm_noaf", "adding", seed=3, steps=20)
    assert ga.match(a, b)["ok"]
    assert a.curve == pytest.approx(b.curve, rel=1e-5, abs=1e-7)


def test_parameter_counts_differ_as_the_variants_say():
    counts = {a: ga.run_cell(a, "adding", 0, steps=1).recurrent_params for a in ("lstm_v", "lstm_np", "lstm_cifg", "lstm_fgr")}
    H, I = 32, 2
    assert counts["lstm_v"] - counts["lstm_np"] == 3 * H                # peepholes p_i, p_f, p_o
    assert counts["lstm_np"] - counts["lstm_cifg"] == H * (I + H + 2) - 2 * H     # no forget rows; CIFG keeps 2 peepholes
    assert counts["lstm_fgr"] - counts["lstm_v"] == 9 * H * H


def test_run_cell_queued_goes_through_the_queue():
    slots = TrainingSlots(1)
    events = []
    r = ga.run_cell_queued("lstm_np", "adding", 0, progress=events.append, slots=slots,
                           should_stop=lambda: len(events) >= 5)       # the recipe's budget, stopped early
    assert r.steps == ga.RECIPE["adding"]["steps"] and r.steps_done == 5 and r.status == "stopped at step 5"
    assert [e["event"] for e in events] == ["step"] * 5 and events[-1]["steps"] == r.steps
    assert slots.state() == dict(running=0, waiting=0)


def test_run_cell_queued_rejects_bad_settings_before_queueing():
    slots = TrainingSlots(1)
    for bad in (dict(arch="<script>", task="adding", seed=0), dict(arch="lstm", task="copy", seed=0),
                dict(arch="lstm", task="adding", seed=-1), dict(arch="lstm", task="adding", seed=10**12)):
        with pytest.raises(ValueError):
            ga.run_cell_queued(slots=slots, **bad)
    assert slots.state() == dict(running=0, waiting=0)


# ----------------------------------------------------------------------------- steps to solve, match

def history(values, key):
    return [{"step": i + 1, key: v, "loss" if key != "loss" else "accuracy": 0.0} for i, v in enumerate(values)]


def test_steps_to_solve_on_fabricated_curves():
    steps = 400                                  # window 20
    acc = [0.5] * 200 + [1.0] * 200              # trailing mean of 20 reaches 0.95 with 18 ones: step 218
    reached, sm = ga.steps_to_solve(history(acc, "accuracy"), "agreement", steps)
    assert reached == 218 and sm.shape == (400,) and sm[-1] == pytest.approx(1.0)
    mse = [0.2] * 100 + [0.0] * 300               # mean <= 0.01 once 19 of 20 are 0 -> step 100 + 19
    reached, _ = ga.steps_to_solve(history(mse, "loss"), "adding", steps)
    assert reached == 119
    reached, _ = ga.steps_to_solve(history([0.9] * 400, "accuracy"), "agreement", steps)
    assert reached is None
    # one good batch is not "solved": the window must be full and its mean at the threshold
    reached, _ = ga.steps_to_solve(history([1.0] + [0.5] * 399, "accuracy"), "agreement", steps)
    assert reached is None


def test_match_tolerances():
    base = fake_run("lstm", "agreement", 0, 0.990, 500)
    assert ga.match(fake_run("lstm", "agreement", 0, 0.991, 500), base)["ok"]        # one sentence of 1000
    m = ga.match(fake_run("lstm", "agreement", 0, 0.995, 500), base)
    assert not m["final_ok"] and m["reached_ok"] and not m["ok"]
    assert not ga.match(fake_run("lstm", "agreement", 0, 0.990, 510), base)["ok"]
    a = fake_run("lstm", "adding", 0, 0.002, 700)
    assert ga.match(fake_run("lstm", "adding", 0, 0.002 * (1 + 5e-4), 700), a)["ok"]
    assert not ga.match(fake_run("lstm", "adding", 0, 0.0021, 700), a)["ok"]
    with pytest.raises(ValueError):
        ga.match(fake_run("lstm_v", "adding", 0, 0.002, 700), a)


# ----------------------------------------------------------------------------- statistics

def test_rows_median_spread_and_never():
    runs = [fake_run("lstm_nfg", "adding", s, f, r) for s, f, r in
            ((0, 0.001, 900), (1, 0.05, None), (2, 0.002, 1100), (3, 0.1, None), (4, 0.003, 1000))]
    row = gs.rows_from_runs(runs)["adding"]["lstm_nfg"]
    assert row.final_median == pytest.approx(0.003) and row.final_range == (0.001, 0.1)
    assert row.n_final_solved == 3 and row.n_reached == 3
    assert row.reach_median == 1100 and row.reach_range == (900, 1100)     # never counted as infinite
    runs[2] = fake_run("lstm_nfg", "adding", 2, 0.2, None)
    row = gs.rows_from_runs(runs)["adding"]["lstm_nfg"]
    assert row.reach_median is None and row.reach_range == (900, 1000) and not row.median_solved


def rows_pair(task, var, ref, var_reached, ref_reached):
    runs = ([fake_run("lstm_nfg", task, s, v, r) for s, (v, r) in enumerate(zip(var, var_reached))]
            + [fake_run("lstm_v", task, s, v, r) for s, (v, r) in enumerate(zip(ref, ref_reached))])
    rows = gs.rows_from_runs(runs)[task]
    return rows["lstm_nfg"], rows["lstm_v"]


@pytest.mark.parametrize("task,var,ref,vr,rr,kind,basis", [
    ("agreement", [0.5] * 3, [0.99] * 3, [None] * 3, [500] * 3, "worse", "solved"),
    ("agreement", [0.99] * 3, [0.5] * 3, [500] * 3, [None] * 3, "better", "solved"),
    ("agreement", [0.99] * 3, [0.99] * 3, [800] * 3, [500] * 3, "worse", "speed"),
    ("agreement", [0.99] * 3, [0.99] * 3, [300] * 3, [500] * 3, "better", "speed"),
    ("agreement", [0.99] * 3, [0.99] * 3, [500] * 3, [500] * 3, "similar", "speed"),        # a tie
    ("agreement", [0.99] * 3, [0.99] * 3, [None] * 3, [500] * 3, "worse", "speed"),
    ("agreement", [0.99] * 3, [0.99] * 3, [None] * 3, [None] * 3, "similar", "speed"),
    ("agreement", [0.6] * 3, [0.7] * 3, [None] * 3, [None] * 3, "worse", "final"),
    ("agreement", [0.7] * 3, [0.71] * 3, [None] * 3, [None] * 3, "similar", "final"),
    ("adding", [0.1] * 3, [0.04] * 3, [None] * 3, [None] * 3, "worse", "final"),
    ("adding", [0.02] * 3, [0.05] * 3, [None] * 3, [None] * 3, "better", "final"),
    ("adding", [0.001] * 3, [0.002] * 3, [700] * 3, [700] * 3, "similar", "speed"),
])
def test_compare_every_branch(task, var, ref, vr, rr, kind, basis):
    c = gs.compare(*rows_pair(task, var, ref, vr, rr))
    assert (c.kind, c.basis) == (kind, basis)


def test_compare_missing_is_unknown_and_claims_judged():
    assert gs.compare(None, None).kind == "unknown"
    s = gs.summarize(fake_grid(tasks=("adding",)))
    assert set(s.claims) == {"adding"}
    v = {c.claim.key: c.verdict for c in s.claims["adding"]}
    # every variant ties with V: 'costs little' agrees, 'hurts' disagrees
    assert v == {"forget": "disagree", "output_activation": "disagree", "coupled": "agree", "peepholes": "agree"}
    s = gs.summarize([r for r in fake_grid(tasks=("adding",)) if r.arch != "lstm_v"])
    assert all(c.verdict == "unknown" for c in s.claims["adding"])


def test_claim_judge_table():
    hurts, little = gs.CLAIMS[0], gs.CLAIMS[2]
    for kind, h, li in (("worse", "agree", "disagree"), ("similar", "disagree", "agree"),
                        ("better", "disagree", "agree"), ("unknown", "unknown", "unknown")):
        c = gs.Comparison(kind, "speed")
        assert (gs.judge(hurts, c), gs.judge(little, c)) == (h, li)


# ----------------------------------------------------------------------------- files

def test_save_load_roundtrip_and_malformed_files(tmp_path):
    shipped = ga.Shipped(recipe={"adding": dict(ga.RECIPE["adding"])}, seeds=[0, 1, 2], test_size=ga.TEST_SIZE,
                         threshold=dict(THRESHOLD), torch="2.13.0", machine="test", created="2026-11-30",
                         total_seconds=1.0, baselines={"adding": {"predict_the_mean": 1 / 6}},
                         runs=fake_grid(tasks=("adding",)))
    p = ga.save(shipped, tmp_path / "g.json")
    back = ga.load(p)
    assert back.seeds == [0, 1, 2] and len(back.runs) == len(shipped.runs)
    assert back.cell("lstm_nfg", "adding", 2).final == pytest.approx(0.001)
    assert back.cell("lstm_nfg", "agreement", 2) is None
    data = json.loads(p.read_text())
    for breaks in (lambda d: d["runs"][0].update(arch="<script>"), lambda d: d["runs"][0].update(seed=-1),
                   lambda d: d.update(extra=1), lambda d: d.pop("runs")):
        bad = json.loads(json.dumps(data))
        breaks(bad)
        (tmp_path / "bad.json").write_text(json.dumps(bad))
        with pytest.raises(ValueError):
            ga.load(tmp_path / "bad.json")
    (tmp_path / "junk.json").write_text("not json")
    with pytest.raises(ValueError):
        ga.load(tmp_path / "junk.json")
    other = ga.Shipped(**{**shipped.__dict__, "seeds": [3], "runs": fake_grid(tasks=("adding",), seeds=(3,))})
    merged = ga.merge([shipped, other])
    assert merged.seeds == [0, 1, 2, 3] and len(merged.runs) == 4 * len(ga.ARCHS)
    with pytest.raises(ValueError):
        ga.merge([shipped, shipped])


def test_shipped_results_load_and_match_the_recipe():
    shipped = ga.load_shipped()
    assert len(shipped.seeds) >= 3 and shipped.test_size == ga.TEST_SIZE
    assert shipped.threshold == pytest.approx(THRESHOLD)
    for task in ga.TASKS:
        assert shipped.recipe[task] == ga.RECIPE[task]
        for arch in ga.ARCHS:
            for seed in shipped.seeds:
                r = shipped.cell(arch, task, seed)
                assert r is not None, (arch, task, seed)
                assert r.steps == ga.RECIPE[task]["steps"] and r.status == "ok" and r.seconds > 0
                assert len(r.curve) == r.steps // ga.CURVE_EVERY
                if r.reached is not None:       # the shipped curve agrees with the shipped step to solve
                    assert r.reached <= r.steps
    assert shipped.baselines["adding"]["predict_the_mean"] == pytest.approx(1 / 6)
    assert set(shipped.baselines["agreement"]) == {"first_noun", "last_noun", "majority", "bow_logreg"}
    assert shipped.torch.split("+")[0] == __import__("torch").__version__.split("+")[0]
    # what the page will say comes from these numbers: the reference solves both tasks
    s = gs.summarize(shipped.runs)
    for task in ga.TASKS:
        assert s.rows[task][ga.REFERENCE].median_solved
    assert np.isfinite([r.final for r in shipped.runs]).all()
