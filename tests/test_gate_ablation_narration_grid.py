"""Which gate matters: every sentence the page writes, over fabricated results in every branch (all solved,
none solved, some seeds, ties, never, agree / disagree / cannot tell, a re-run that matches or not)."""
import itertools
import re

import pytest
from gate_ablation_fakes import fake_grid, fake_run

from lstm_core.experiments import gate_ablation as ga
from lstm_core.experiments import gate_ablation_stats as gs
from lstm_core.narration import gate_ablation as say

NUM = re.compile(r"\d")


def summary(finals=None, reached=None, tasks=("agreement", "adding"), drop=()):
    runs = [r for r in fake_grid(finals, reached, tasks=tasks) if r.arch not in drop]
    return gs.summarize(runs)


def test_all_solved_says_final_metric_cannot_tell_them_apart():
    s = summary()
    t = say.task_summary(s, "agreement")
    assert "every variant reached 95% accuracy" in t and "does not tell the variants apart" in t
    assert "99.0%" in t                                           # the worst run, from the arrays
    t = say.task_summary(s, "adding")
    assert "every variant reached MSE ≤ 0.01" in t and "0.0010" in t
    sp = say.speed_summary(s, "agreement")
    assert "took the same median number of steps" in sp and "never" not in sp      # a tie everywhere


def test_none_solved():
    finals = {(a, "adding"): [0.1, 0.12, 0.15] for a in ga.ARCHS}
    reached = {(a, "adding"): [None] * 3 for a in ga.ARCHS}
    s = summary(finals, reached, tasks=("adding",))
    assert "no variant reached MSE ≤ 0.01" in say.task_summary(s, "adding")
    assert say.speed_summary(s, "adding").startswith("No variant reached the threshold")
    assert say.task_summary(s, "agreement") == "No results for Subject-verb agreement, distance 30."
    lines = say.claim_lines(s, "adding")
    assert all("neither solves it" in x for x in lines)
    assert "about as good as V (vanilla) (1.00× its MSE)" in lines[0]


def test_mixed_solved_some_seeds_and_slowest():
    finals = {("lstm_nfg", "adding"): [0.2, 0.15, 0.18], ("lstm_noaf", "adding"): [0.001, 0.1, 0.002]}
    reached = {("lstm_nfg", "adding"): [None] * 3, ("lstm_noaf", "adding"): [600, None, 1400],
               ("lstm_cifg", "adding"): [1400, 1300, 1450]}
    s = summary(finals, reached, tasks=("adding",))
    t = say.task_summary(s, "adding")
    assert "NFG with none" in t and "NOAF with some seeds only (NOAF 2 of 3)" in t
    sp = say.speed_summary(s, "adding")
    assert "slowest: CIFG and NOAF (median 1400 steps, 2.0× as many)" in sp
    assert "never in most seeds: NFG" in sp
    row = s.rows["adding"]["lstm_noaf"]
    assert say.reach_text(row) == "median 1400 steps (600–1400, 2 of 3 seeds)"
    row = s.rows["adding"]["lstm_nfg"]
    assert say.reach_text(row) == "not solved by most seeds within 1500 steps"
    assert say.final_text(row) == "0.1800 (0.1500–0.2000)"


def test_one_seed_reached_of_many_and_equal_spread():
    s = summary(reached={("lstm_nfg", "agreement"): [None, 1000, None]}, tasks=("agreement",))
    assert say.reach_text(s.rows["agreement"]["lstm_nfg"]) == \
        "not solved by most seeds within 1200 steps; 1 of 3 seeds did, at 1000"
    assert say.reach_text(s.rows["agreement"]["lstm_v"]) == "median 500 steps (500, 3 of 3 seeds)"
    assert say.final_text(s.rows["agreement"]["lstm_v"]) == "99.0% (99.0%)"


@pytest.mark.parametrize("nfg_reached,noaf_final,expect", [
    ([900] * 3, [0.99] * 3, {"forget": "agree", "output_activation": "disagree"}),      # slower; solved
    ([500] * 3, [0.5] * 3, {"forget": "disagree", "output_activation": "agree"}),       # tie; fails
    ([200] * 3, [0.99] * 3, {"forget": "disagree", "output_activation": "disagree"}),   # faster
])
def test_claim_lines_agree_and_disagree(nfg_reached, noaf_final, expect):
    reached = {("lstm_nfg", "agreement"): nfg_reached}
    if noaf_final[0] < 0.95:
        reached[("lstm_noaf", "agreement")] = [None] * 3
    s = summary({("lstm_noaf", "agreement"): noaf_final}, reached, tasks=("agreement",))
    lines = say.claim_lines(s, "agreement")
    assert len(lines) == len(gs.CLAIMS)
    got = {c.key: ("agree" if "we agree" in line else "disagree" if "we disagree" in line else "unknown")
           for c, line in zip(gs.CLAIMS, lines)}
    assert {k: got[k] for k in expect} == expect
    assert all(line.startswith("*Greff et al.:*") and "*Ours (agreement):*" in line for line in lines)
    tally = say.claims_tally(s)
    n_agree = list(got.values()).count("agree")
    assert f"agree with {gs.CITATION} on {n_agree} and disagree on {4 - n_agree}." in tally


def test_claims_without_reference_cannot_be_told():
    s = summary(drop=("lstm_v",))
    lines = say.claim_lines(s, "adding")
    assert all("we cannot tell" in line for line in lines)
    assert "(8 could not be judged)" in say.claims_tally(s)
    assert say.claims_tally(gs.Summary(rows={})) == "No claims could be checked."


@pytest.mark.parametrize("kind,basis,ratio,metric", list(itertools.product(
    ("worse", "similar", "better"), ("solved", "speed", "final"), (None, 0.5, 2.0), ("accuracy", "mse"))))
def test_comparison_text_every_branch(kind, basis, ratio, metric):
    if basis == "solved" and kind == "similar":
        return                          # compare() never makes it
    text = say.comparison_text(gs.Comparison(kind, basis, ratio), "V", metric)
    assert text and "V" in text and "None" not in text
    if basis == "speed" and ratio is not None:
        assert f"{ratio:.2f}×" in text
    if basis == "final" and ratio is not None:
        assert ("points" in text) == (metric == "accuracy")
    assert say.comparison_text(gs.Comparison("unknown", "missing"), "V", metric) == "no result to compare"


def test_rerun_sentences():
    shipped = fake_run("lstm_nfg", "adding", 1, 0.0020, 900, seconds=20.0)
    same = fake_run("lstm_nfg", "adding", 1, 0.0020, 900, seconds=25.0)
    t = say.rerun_sentence(same, shipped, ga.match(same, shipped))
    assert "They match" in t and "step 900" in t and "25.0 s" in t and "20.0 s" in t
    off = fake_run("lstm_nfg", "adding", 1, 0.0030, None)
    t = say.rerun_sentence(off, shipped, ga.match(off, shipped))
    assert "do not match" in t and "differs by 0.001" in t and "step to solve differs" in t and "never" in t
    t = say.rerun_sentence(off, None, None)
    assert "no run for this cell" in t
    stopped = fake_run("lstm", "agreement", 0, 0.6, None)
    stopped.status = "diverged at step 3 (loss = nan)"
    assert "The run diverged at step 3" in say.rerun_sentence(stopped, None, None)
    acc = fake_run("lstm", "agreement", 0, 0.991, 500)
    assert "one test sentence" in say.rerun_sentence(acc, fake_run("lstm", "agreement", 0, 0.990, 500),
                                                      ga.match(acc, fake_run("lstm", "agreement", 0, 0.990, 500)))


def test_table_baselines_definition_rule():
    s = summary({("lstm_nfg", "adding"): [0.2, 0.3, 0.25]}, {("lstm_nfg", "adding"): [None] * 3})
    rows = say.table_rows(s, "adding")
    assert [r["variant"] for r in rows] == [ga.LABELS[a] for a in ga.ARCHS]
    nfg = rows[ga.ARCHS.index("lstm_nfg")]
    assert nfg["solved"] == "0/3" and nfg["vs V"] == "worse" and nfg["params"] == 1000
    assert nfg["final"] == "0.2500 (0.2000–0.3000)" and nfg["steps to solve"] == "never · 0/3"
    v = rows[ga.ARCHS.index("lstm_v")]
    assert v["steps to solve"] == "700 (700) · 3/3" and v["wall s"] == "1 (1–1)"
    agr = say.table_rows(summary({("lstm_v", "agreement"): [0.97, 0.99, 1.0]}), "agreement")
    assert agr[ga.ARCHS.index("lstm_v")]["final"] == "99.0% (97.0–100.0)"
    some = say.table_rows(summary(reached={("lstm_v", "agreement"): [None, 900, 700]}), "agreement")
    assert some[ga.ARCHS.index("lstm_v")]["steps to solve"] == "900 (700–900) · 2/3"
    one = say.table_rows(summary(reached={("lstm_v", "agreement"): [None, 900, None]}), "agreement")
    assert one[ga.ARCHS.index("lstm_v")]["steps to solve"] == "never (900) · 1/3"
    assert all(set(say.TABLE_COLUMNS) <= set(r) for r in rows)
    assert rows[ga.ARCHS.index("lstm_v")]["vs V"] == "—"
    assert say.adding_baseline({"predict_the_mean": 1 / 6}, s.rows["adding"]) == (
        "Shortcut: always answering the mean (1) scores MSE 0.1667 (1/6); 9 of 10 variants beat it with their "
        "median seed.")
    t = say.agreement_baseline({"first_noun": 0.6, "bow_logreg": 0.7}, 30, 2000)
    assert "2000 fresh sentences at distance 30" in t and "70.0%" in t
    d = say.definition({"agreement": 1200, "adding": 1500})
    assert "agreement 1200 steps, adding 1500 steps" in d and "95% accuracy" in d and "MSE ≤ 0.01" in d
    rule = say.verdict_rule()
    assert f"{gs.SLOWER:g}×" in rule and NUM.search(rule)
