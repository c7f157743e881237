"""Number units, the ablation at scale (reliability.py) and the intervals the page states: every
claim of describe_ablation / describe_ablation_check checked against the arrays over a grid of
fabricated results, and the measurement itself on the shipped LSTM (≥ 2,000 sentences)."""
import itertools
import re

import numpy as np
import pytest

from lstm_core.experiments import number_units as nu
from lstm_core.experiments.number_units.reliability import AblationCheck, KSweepCheck, ablation_check, k_sweep_check
from lstm_core.experiments.number_units.stats import wilson
from lstm_core.narration import number_units as say


PCT = r"(\d+\.\d)%"
CI = r"95% CI (\d+\.\d)–(\d+\.\d)%"


def _ablation(intact, top, random, n_per_count, k, mode):
    C = len(nu.COUNTS)
    return nu.Ablation("lstm", k, mode, "cell", 30, n_per_count, list(range(k)), np.zeros((len(random), k), int),
                       np.full(C, intact, np.float32), np.full(C, top, np.float32),
                       np.repeat(np.array(random, np.float32)[:, None], C, 1),
                       np.array([0.01, 0.99], np.float32), np.array([0.3, 0.99], np.float32),
                       np.tile(np.array([0.02, 0.98], np.float32), (len(random), 1)))


def _ci(acc, n):
    lo, hi = wilson(round(acc * n), n)
    return float(lo), float(hi)


def _same_pct(text, x):
    assert abs(float(text) - 100 * float(x)) <= 0.051, (text, x)


def _close_ci(found, expected):
    assert abs(float(found[0]) - 100 * expected[0]) <= 0.051 and abs(float(found[1]) - 100 * expected[1]) <= 0.051


GRID = list(itertools.product((0.52, 0.9, 0.998), (0.43, 0.8, 0.97), ((0.99, 0.97, 0.96), (0.6, 0.99), (0.8,)),
                              (20, 400), (1, 8), nu.MODES))


@pytest.mark.parametrize("intact,top,random,n_per_count,k,mode", GRID)
def test_describe_ablation_states_n_and_every_interval(intact, top, random, n_per_count, k, mode):
    a = _ablation(intact, top, random, n_per_count, k, mode)
    said = say.describe_ablation(a)
    n = n_per_count * len(nu.COUNTS)
    intact, top, rand = a.overall                  # the arrays the sentence is about
    m = re.search(rf"Measured on (\d+) sentences \((\d+) per attractor count\): intact {PCT} \({CI}\), "
                  rf"top (\d+) {PCT} \({CI}\), random (\d+) {PCT} \({CI} pooled over the draws; "
                  rf"the draws range {PCT}–{PCT}\)", said)
    assert m, said
    g = m.groups()
    assert (int(g[0]), int(g[1]), int(g[5]), int(g[9])) == (n, n_per_count, k, k)
    _same_pct(g[2], intact), _same_pct(g[6], top), _same_pct(g[10], rand.mean())
    _same_pct(g[13], rand.min()), _same_pct(g[14], rand.max())
    _close_ci(g[3:5], _ci(intact, n))
    _close_ci(g[7:9], _ci(top, n))
    _close_ci(g[11:13], _ci(float(rand.mean()), n * len(rand)))
    assert a.interval_intact[0] <= intact <= a.interval_intact[1] and a.interval_top[0] <= top <= a.interval_top[1]
    if mode == "ablate" and not say.near_chance(intact):
        assert ("far more than random" in said) == say.clearly_more_harmful(a)
        verb = "drops" if round(100 * top) < round(100 * intact) else (
            "raises" if round(100 * top) > round(100 * intact) else "leaves")
        assert f"{verb} agreement accuracy" in said


def _check(intact, top, random, n=2000, k=8, sentences="training", seed=0):
    rng = np.random.default_rng(seed)
    bern = lambda p, size: rng.random(size) < p
    random_units = np.arange(len(random))[:, None] + np.arange(k) + k      # distinct sets, none in the top k
    return AblationCheck("lstm", k, "cell", sentences, 30, list(range(k)), random_units,
                         rng.integers(0, 31, n), bern(intact, n), bern(top, n),
                         np.stack([bern(r, n) for r in random]))


@pytest.mark.parametrize("intact,top,random,n,k,sentences",
                         list(itertools.product((0.99, 0.7), (0.45, 0.9, 0.97), ((0.97, 0.96, 0.98), (0.7, 0.99)),
                                                (200, 2000), (1, 8), ("training", "attractors"))))
def test_describe_ablation_check_follows_the_outcomes(intact, top, random, n, k, sentences):
    c = _check(intact, top, random, n, k, sentences)
    said = say.describe_ablation_check(c)
    assert f"On {n} sentences of the {'training distribution' if sentences == 'training' else 'attractor sets'}" \
        in said
    m = re.search(rf"intact {PCT} \({CI}\); top (\d+) units? ablated {PCT} \({CI}\); (\d+) random units? ablated "
                  rf"{PCT} ± {PCT} over (\d+) draws \(range {PCT}–{PCT}; {CI} pooled\)", said)
    assert m, said
    g = m.groups()
    _same_pct(g[0], c.acc_intact), _same_pct(g[4], c.acc_top)
    assert int(g[3]) == k == int(g[7]) and int(g[10]) == len(random)
    _same_pct(g[8], c.acc_random.mean()), _same_pct(g[9], c.acc_random.std())
    _same_pct(g[11], c.acc_random.min()), _same_pct(g[12], c.acc_random.max())
    _close_ci(g[1:3], wilson(c.correct_intact.sum(), n))
    _close_ci(g[5:7], wilson(c.correct_top.sum(), n))
    _close_ci(g[13:15], wilson(c.correct_random.sum(), n * len(random)))
    clear = say.clearly_worse(c.acc_top, c.acc_random, n)
    assert ("matter clearly more" in said) == clear
    assert ("not clearly more important" in said) == (not clear and c.interval_top[1] >= c.interval_random[0])


def test_ablation_check_on_the_shipped_lstm(lstm, lstm_summary):
    model, distance = lstm
    for sentences in ("attractors", "training"):
        c = ablation_check(model, lstm_summary, k=8, sentences=sentences, n=2000, draws=3)
        assert c.n == 2000 and c.correct_random.shape == (3, 2000) and c.units == lstm_summary.top("cell", 8)
        if sentences == "attractors":
            assert (c.distances == distance).all()
        else:                                  # distance uniform in 0..d: every distance, none favoured
            counts = np.bincount(c.distances, minlength=distance + 1)
            assert len(counts) == distance + 1 and counts.min() > 0 and counts.max() < 3 * 2000 / (distance + 1)
        assert c.acc_intact > 0.95 and c.interval_intact[0] < c.acc_intact < c.interval_intact[1]
        assert say.clearly_worse(c.acc_top, c.acc_random, c.n), say.describe_ablation_check(c)


def test_ablation_check_agrees_with_ablation_on_the_same_sentences(lstm, lstm_summary):
    model, _ = lstm
    a = nu.ablation(model, lstm_summary, k=4, draws=2)
    c = ablation_check(model, lstm_summary, k=4, sentences="attractors", n=a.n_total, draws=2)
    intact, top, rand = a.overall
    assert abs(c.acc_intact - intact) < 1e-6 and abs(c.acc_top - top) < 1e-6
    np.testing.assert_allclose(c.acc_random, rand, atol=1e-6)


def test_ablation_check_refuses_bad_settings(lstm, lstm_summary):
    model, _ = lstm
    with pytest.raises(ValueError):
        ablation_check(model, lstm_summary, k=0)
    with pytest.raises(ValueError):
        ablation_check(model, lstm_summary, sentences="wikipedia")
    with pytest.raises(ValueError):
        ablation_check(model, lstm_summary, n=1)


def _k_sweep(tops, intact=0.99, random=(0.97, 0.95, 0.98), n=2000):
    return KSweepCheck(list(range(1, len(tops) + 1)),
                       [_check(intact, t, random, n, k, seed=k) for k, t in enumerate(tops, 1)])


@pytest.mark.parametrize("tops", [
    (0.99, 0.98, 0.97, 0.95), (0.99, 0.7, 0.5, 0.45), (0.98, 0.97, 0.6, 0.97), (0.5, 0.99, 0.5, 0.5),
    tuple(np.linspace(0.99, 0.45, 16)), (0.97,)])
@pytest.mark.parametrize("n", (300, 2000))
def test_describe_k_sweep_check_follows_every_k(tops, n):
    sw = _k_sweep(tops, n=n)
    said = say.describe_k_sweep_check(sw)
    clear = [c.k for c in sw.checks if say.clearly_worse(c.acc_top, c.acc_random, c.n)]
    assert f"k = 1…{len(tops)} (every k" in said and f"{n} sentences" in said
    if not clear:
        assert "never hurts clearly more" in said
    else:
        if clear == sw.ks[sw.ks.index(clear[0]):]:
            assert said.startswith(f"From k = {clear[0]} on")
        else:
            assert said.startswith("At k = " + ", ".join(map(str, clear)) + " (not at every k")
        c = sw.at(clear[0])
        assert (f"top {100 * c.acc_top:.1f}% " in said
                and f"random {100 * c.acc_random.min():.1f}%–{100 * c.acc_random.max():.1f}% at k = {c.k}" in said)
    last = sw.checks[-1]
    assert f"at k = {last.k}: top {100 * last.acc_top:.1f}%" in said


def test_k_sweep_check_covers_every_k_on_the_shipped_lstm(lstm, lstm_summary):
    model, _ = lstm
    sw = k_sweep_check(model, lstm_summary, "training", n=1000, draws=2)
    assert sw.ks == list(range(1, nu.k_max(model.hidden) + 1)) and sw.acc_random.shape == (len(sw.ks), 2)
    assert all(c.units == lstm_summary.top("cell", c.k) for c in sw.checks)
    assert sw.acc_top[-1] < sw.acc_top[0] and sw.acc_top[-1] < sw.acc_random[-1].min()


def test_the_one_set_outside_the_top_k_is_said_as_one_set():
    c = _check(0.99, 0.5, (0.8, 0.8, 0.8), k=16)
    c.random_units = np.tile(np.arange(16, 32), (3, 1))          # k = H/2: the complement, drawn 3 times
    said = say.describe_k_sweep_check(KSweepCheck([16], [c]))
    assert f"random {100 * c.acc_random[0]:.1f}% (the only 16 units outside the top 16)" in said
    assert "the only 16 units outside the top 16" in say.describe_ablation_check(c)


@pytest.mark.parametrize("tops", [
    (0.99, 0.98, 0.97, 0.95), (0.99, 0.7, 0.5, 0.45), (0.98, 0.97, 0.6, 0.97), (0.5, 0.99, 0.5, 0.5),
    tuple(np.linspace(0.99, 0.45, 16)), (0.97,)])
@pytest.mark.parametrize("n_per_count", (20, 400))
def test_describe_sweep_says_at_which_k_the_top_units_clearly_matter(tops, n_per_count):
    sw = nu.Sweep(list(range(1, len(tops) + 1)),
                  [_ablation(0.99, t, (0.97, 0.95, 0.98), n_per_count, k, "ablate") for k, t in enumerate(tops, 1)])
    said = say.describe_sweep(sw)
    n = n_per_count * len(nu.COUNTS)
    clear = [k for k, t, r in zip(sw.ks, sw.acc_top, sw.acc_random) if say.clearly_worse(float(t), r, n)]
    assert f"k = 1…{len(tops)}, {n} sentences, 3 random draws per k" in said
    if not clear:
        assert "never hurts clearly more" in said
    elif clear == sw.ks[sw.ks.index(clear[0]):]:
        assert said.startswith(f"From k = {clear[0]} on")
    else:
        assert said.startswith("At k = " + ", ".join(map(str, clear)) + " (not at every k")
