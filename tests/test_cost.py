"""The time estimate's cost model (lstm_core.training.cost) and how Train and compare uses it. Whether the
estimate is within ±15% of measured wall time is bench/bench_estimate.py's question (timing is never asserted
here); these tests check the model's structure: the shipped fit covers every arch the page offers, costs grow
with the work, the pool is counted once."""
import json

import pytest

from lstm_core.data import pool
from lstm_core.experiments import comparison
from lstm_core.experiments.comparison import CompareConfig
from lstm_core.training import cost
from lstm_core.training.models import ARCHS


def test_shipped_fit_has_every_part_and_positive_coefficients():
    data = json.loads(cost.FIT_FILE.read_text())
    coef = data["coefficients"]
    assert set(coef) == set(cost.PARTS)
    assert all(v > 0 for part in coef.values() for v in part.values())
    for arch in ("lstm", "rnn", "gru"):
        assert any(k.startswith(f"arch:{arch}:") for k in coef["step"]), arch


@pytest.mark.parametrize("arch", ARCHS)
@pytest.mark.parametrize("task", sorted(comparison.TASK_LABELS))
def test_every_arch_and_task_costs_something_and_more_with_more_work(arch, task):
    for part in ("step", "probe", "example"):
        small = cost.unit_seconds(part, task, arch, 20, 16)
        assert small > 0, (part, task, arch)
        assert cost.unit_seconds(part, task, arch, 200, 16) > small
        assert cost.unit_seconds(part, task, arch, 20, 256) > small


def test_an_arch_without_its_own_fit_is_the_lstm_scaled_by_its_gate_blocks():
    coef = {"step": {"task:adding": 1e-3, "arch:lstm:THH": 4e-9}}
    lstm = cost.unit_seconds("step", "adding", "lstm", 100, 64, coef)
    cifg = cost.unit_seconds("step", "adding", "lstm_cifg", 100, 64, coef)      # 3 gate blocks: i, g, o
    assert cost.gate_blocks("lstm_cifg") == 3
    assert cifg == pytest.approx(1e-3 + 0.75 * (lstm - 1e-3), rel=1e-12)


def test_unknown_part_is_refused():
    with pytest.raises(ValueError, match="part must be one of"):
        cost.features("nap", "adding", "lstm", 10, 10)


def test_lengths_follow_the_generators():
    from lstm_core.data import grammar, sequences
    import numpy as np
    rng = np.random.default_rng(0)
    for d in (0, 30, 120):
        x, _, _ = grammar.agreement_batch(rng, 64, d)
        assert abs(x.shape[1] - cost.span_length("agreement", d)) <= 3, d
    x, _ = sequences.copy_batch(rng, 4, 30)
    assert x.shape[1] == cost.span_length("copy", 30)
    assert cost.train_length("agreement", 30) == pytest.approx((0 + 30) / 2 + 19)


def test_estimate_grows_with_steps_seeds_hidden_distance_and_models():
    base = comparison.estimate_seconds(CompareConfig(steps=300, seeds=1))
    for more in (dict(steps=600, seeds=1), dict(steps=300, seeds=2), dict(steps=300, seeds=1, hidden=128),
                 dict(steps=300, seeds=1, distance=60), dict(steps=300, seeds=1, archs=("lstm", "rnn", "gru"))):
        assert comparison.estimate_seconds(CompareConfig(**more)) > base, more


def test_the_agreement_pool_is_counted_until_built(monkeypatch):
    cfg = CompareConfig(distance=17, steps=10, seeds=1)
    monkeypatch.setattr(pool, "_BUILT", set())
    before = comparison.estimate_seconds(cfg)
    pool.training_pool(0, 17)
    assert pool.is_built(0, 17) and not pool.is_built(0, 18)
    after = comparison.estimate_seconds(cfg)
    assert before - after == pytest.approx(cost.pool_tokens(0, 17) * cost.unit_seconds("pool", "agreement", "lstm", 0, 0),
                                           rel=1e-9)
    assert cost.pool_tokens(0, 17) == pool.sentences_per_distance(0, 17) * sum(d + 19 for d in range(18))


def test_overhead_multiplies_the_parts_and_the_pool_is_added_once(monkeypatch):
    cfg = CompareConfig(distance=23, steps=50, seeds=1)
    monkeypatch.setattr(pool, "_BUILT", set())
    parts = comparison.parts_seconds(cfg)
    pool_s = cost.pool_tokens(0, 23) * cost.unit_seconds("pool", "agreement", "lstm", 0, 0)
    assert 0.8 < cost.overhead() < 1.5                      # a whole comparison costs a little more than its parts
    assert comparison.estimate_seconds(cfg) == pytest.approx(parts * cost.overhead() + pool_s, rel=1e-12)
