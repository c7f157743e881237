"""Issue 16 item 2 on *Train and compare*: the LSTM variants of Greff et al. as choices. They flow through
CompareConfig (parameter matching, seeds), the time estimate, the run store (old run ids unchanged, a
variant run stored and read back), the learning-curve figures and the page (bound ?variants=, tiny
training, hostile links)."""
import json
import re

import numpy as np
import pytest
import torch
from app_harness import assert_clean, chart_elements, main_texts, open_app_page

from lstm_core.cells.variants import VARIANT_ARCHS, spec_for_arch
from lstm_core.experiments import comparison, comparison_runs
from lstm_core.experiments.comparison import CompareConfig
from lstm_core.figures import comparison as figures
from lstm_core.figures.style import ARCH_COLORS, ARCH_DASHES
from lstm_core.narration import comparison as comparison_text
from lstm_core.training.run_store import RunStore
from lstm_core.training.trainer import TrainConfig, build_model

torch.set_num_threads(1)
TRAIN = "pages/train_compare.py"


def test_parameter_counts_of_every_variant_are_the_models():
    for task in comparison.TASK_LABELS:
        for arch in VARIANT_ARCHS + ("lstm_2layer", "lstm_bidir"):
            for h in (1, 7, 33):
                assert comparison.param_count(arch, task, h) == \
                    build_model(TrainConfig(task=task, arch=arch, hidden=h)).n_params()["total"], (task, arch, h)


def test_variants_are_parameter_matched_and_ordered_after_the_base_models():
    cfg = CompareConfig(hidden=32, archs=("lstm_fgr", "rnn", "lstm", "lstm_cifg")).resolved()
    assert cfg.archs == ("lstm", "rnn", "lstm_cifg", "lstm_fgr")
    target = comparison.param_count("lstm", "agreement", 32)
    for arch in ("lstm_cifg", "lstm_fgr"):
        best = min(range(1, 257), key=lambda k: abs(comparison.param_count(arch, "agreement", k) - target))
        assert cfg.hidden_for(arch) == best
    assert cfg.hidden_for("lstm_cifg") > 32 > cfg.hidden_for("lstm_fgr")    # fewer / more weights per unit
    assert CompareConfig(hidden=32, match_params=False, archs=("lstm", "lstm_fgr")).hidden_for("lstm_fgr") == 32
    with pytest.raises(ValueError, match="archs"):
        CompareConfig(archs=("lstm", "lstm_xyz")).resolved()


def test_the_estimate_costs_each_variant_by_its_own_measured_fit():
    """Every variant has fitted step costs of its own (bench_estimate.py --fit measures the TorchScript loop);
    the estimate of a run is the sum of its archs' parts, so adding a variant adds what the cost model says."""
    from lstm_core.training import cost
    base = dict(match_params=False, hidden=32, seeds=2, steps=400)
    for arch in VARIANT_ARCHS:
        assert any(k.startswith(f"arch:{arch}:") for k in cost.fitted()["step"]), arch
        alone = comparison.estimate_seconds(CompareConfig(archs=("lstm",), **base))
        both = comparison.estimate_seconds(CompareConfig(archs=("lstm", arch), **base))
        c = CompareConfig(archs=(arch,), **base).resolved()
        T_train, T_test = cost.train_length("agreement", 30), cost.span_length("agreement", 30)
        own = c.seeds * (cost.unit_seconds("run", "agreement", arch, 0, 32)
                         + c.steps * cost.unit_seconds("step", "agreement", arch, T_train, 32)
                         + (1 + c.steps // c.grad_every) * cost.unit_seconds("probe", "agreement", arch, T_test, 32)
                         + c.test_size * cost.unit_seconds("example", "agreement", arch, T_test, 32))
        own += sum(c.test_size * cost.unit_seconds("example", "agreement", arch, cost.span_length("agreement", x), 32)
                   for x in comparison.span_grid("agreement", 30))
        assert both - alone == pytest.approx(own * cost.overhead(), rel=1e-9), arch
    every = CompareConfig(archs=comparison.ARCH_ORDER)
    assert comparison.estimate_seconds(every) > comparison.MAX_TRAIN_SECONDS       # the cap refuses it
    with pytest.raises(ValueError, match="over this server's limit"):
        comparison.check_budget(every)


def test_old_run_ids_are_unchanged():
    """Ids computed before the variants existed (commit b4467e0): links to stored runs keep resolving."""
    assert comparison_runs.run_id(CompareConfig()) == "a6be29ba9b6f"
    assert comparison_runs.run_id(CompareConfig(archs=("lstm", "rnn", "gru"), seeds=1, steps=20, hidden=8,
                                                distance=10)) == "979714e0ca91"
    assert comparison_runs.run_id(CompareConfig(task="adding", match_params=False)) == "96e5962a42f1"
    assert comparison_runs.run_id(CompareConfig(archs=("lstm", "rnn", "lstm_nfg"))) != "a6be29ba9b6f"


def test_a_variant_run_is_stored_and_read_back(tmp_path):
    cfg = CompareConfig(steps=12, hidden=6, distance=6, seeds=2, archs=("lstm", "rnn", "lstm_nfg"), test_size=60)
    store = RunStore(tmp_path / "runs")
    res = comparison_runs.comparison_for(cfg, store=store)
    assert list(res.runs) == ["lstm", "rnn", "lstm_nfg"] and len(res.seed_runs["lstm_nfg"]) == 2
    assert res.id == comparison_runs.run_id(cfg) and res.runs["lstm_nfg"].model.arch == "lstm_nfg"
    back = comparison_runs.load_comparison(res.id, store)
    assert back is not None and list(back.runs) == list(res.runs)
    x = torch.tensor([[3, 5, 7, 11]])
    with torch.no_grad():
        torch.testing.assert_close(back.runs["lstm_nfg"].model(x), res.runs["lstm_nfg"].model(x))
    assert comparison_text.verdict(back) == comparison_text.verdict(res)
    assert any(line.startswith("LSTM_NFG reached") for line in comparison_text.verdict(res))


def test_variant_curves_get_their_own_colour_and_dash():
    assert len({(ARCH_COLORS[a], ARCH_DASHES[a]) for a in VARIANT_ARCHS}) == len(VARIANT_ARCHS)
    assert not {ARCH_COLORS[a] for a in VARIANT_ARCHS} & {ARCH_COLORS[a] for a in ("lstm", "rnn", "gru")}
    steps = np.arange(1, 11)
    curves = {a: (steps, np.linspace(0.5, 0.9, 10), np.linspace(0.4, 0.8, 10), np.linspace(0.6, 1.0, 10), 3)
              for a in ("lstm", "lstm_cifg")}
    fig = figures.learning_curves(curves).to_dict()
    med = {t["name"]: t["line"].get("dash") for t in fig["data"] if t.get("name", "").endswith("median")}
    assert med == {"LSTM median": "solid", "LSTM_CIFG median": ARCH_DASHES["lstm_cifg"]}
    lines = figures.training_curves({"lstm_cifg": (steps, np.linspace(1, 0.1, 10), None)}).to_dict()
    assert lines["data"][0]["line"]["color"] == ARCH_COLORS["lstm_cifg"]


# ---------------------------------------------------------------------------- the page

texts = main_texts


def test_page_defaults_train_no_variant():
    at = open_app_page(TRAIN, timeout=120)
    assert_clean(at)
    assert at.multiselect(key="variants").value == [] and at.button[0].label == "Train LSTM and RNN"


def test_choosing_variants_trains_them():
    at = open_app_page(TRAIN, {"variants": ["CIFG", "NFG"]}, timeout=200)
    assert_clean(at)
    assert at.multiselect(key="variants").value == ["lstm_cifg", "lstm_nfg"]     # the URL's order
    for k, v in dict(steps=20, hidden=8, d=10, seeds=1).items():
        at.slider(key=k).set_value(v)
    at.run()
    cfg = CompareConfig(steps=20, hidden=8, distance=10, seeds=1, archs=("lstm", "rnn", "lstm_nfg", "lstm_cifg"))
    assert at.button[0].label == "Train LSTM, RNN, LSTM_NFG and LSTM_CIFG"
    assert f"estimated training time ≈ {comparison.estimate_seconds(cfg):.0f} s" in texts(at)
    at.button[0].click()
    at.run()
    assert_clean(at)
    res = at.session_state["tc_result"]
    assert list(res.runs) == ["lstm", "rnn", "lstm_nfg", "lstm_cifg"] and res.id == comparison_runs.run_id(cfg)
    shown = texts(at)
    assert comparison_text.summary(res) in shown
    for line in comparison_text.verdict(res):
        assert line in shown
    spec = {c.key: json.loads(c.spec) for c in chart_elements(at)}
    names = {t.get("name") for t in spec["chart_tc_learning"]["data"]}
    assert {"LSTM_NFG", "LSTM_CIFG"} <= names
    assert spec_for_arch("lstm_cifg").description in at.multiselect(key="variants").help


@pytest.mark.parametrize("raw", [["Transformer"], ["cifg"], ["CIFG"] * 30 + ["<img src=x>"], [""]])
def test_hostile_variant_links_get_a_note(raw):
    at = open_app_page(TRAIN, {"variants": raw}, timeout=120)
    assert_clean(at)
    kept = [a for a in VARIANT_ARCHS if spec_for_arch(a).name in raw]
    assert at.multiselect(key="variants").value == kept
    notes = " ".join(w.value for w in at.warning)
    assert ("URL parameter `variants`" in notes) == (raw != [""])
    assert not re.search(r"<img", notes.replace("`<img src=x>`", ""))


def test_two_layer_and_bidirectional_lstms_train_on_the_page_and_are_stored():
    """Issue 16 item 2: the 2-layer and the bidirectional LSTM are options of Train and compare (tiny budget),
    parameter-matched to the LSTM, and their runs round-trip through the run store (names with a digit)."""
    cfg = CompareConfig(distance=6, hidden=8, steps=4, seeds=1, archs=("lstm", "lstm_2layer", "lstm_bidir"),
                        test_size=20).resolved()
    assert cfg.archs == ("lstm", "lstm_2layer", "lstm_bidir")
    assert cfg.hidden_for("lstm_2layer") < 8 and cfg.hidden_for("lstm_bidir") < 8      # more weights per unit
    from lstm_core.training.queue import TrainingSlots
    res = comparison.run_comparison(cfg, slots=TrainingSlots(1), sweep_n=10)
    assert set(res.runs) == set(cfg.archs)
    assert res.params() == {a: r.model.n_params()["total"] for a, r in res.runs.items()}
    at = open_app_page(TRAIN, {"variants": ["2-layer", "bidirectional"], "steps": "5", "d": "5", "seeds": "1"})
    assert not at.exception
    assert at.multiselect(key="variants").value == ["lstm_2layer", "lstm_bidir"]
    assert at.button[0].label == "Train LSTM, RNN, LSTM_2LAYER and LSTM_BIDIR"
