"""Stacked and bidirectional: the probe and unit measures on fabricated data, every sentence the page writes
over a grid of fabricated results (each branch), and the figures' shapes."""
import itertools

import numpy as np
import pytest

from lstm_core.data import lexicon as lx
from lstm_core.experiments.number_units.stats import STRONG_SCORE, auc, probe_accuracy, unit_scores
from lstm_core.experiments.stacked_bidir import (LayerAnalysis, SentenceDirections, SentenceStates, TaskRun,
                                                 direction_bands, probe_bands, ranked, units)
from lstm_core.figures import stacked_bidir as sf
from lstm_core.narration import stacked_bidir as say

D, H = 10, 6
POS = np.arange(-1, D + 1)


def fabricated_states(separable: bool, n=300, seed=0):
    """(B, P, H) states and labels: unit 0 carries the label at every position from the subject on (separable),
    or every unit is noise (inseparable)."""
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 2, n)
    v = rng.normal(size=(n, len(POS), H))
    if separable:
        v[:, 1:, 0] += 4 * (2 * y[:, None] - 1)
    return v, y


@pytest.mark.parametrize("separable", [True, False])
def test_probe_and_unit_scores_on_fabricated_data(separable):
    v, y = fabricated_states(separable)
    mean, std = probe_accuracy(v, y, seed=0)
    score = unit_scores(auc(v, y))
    if separable:
        assert mean[0] < 0.65 and (mean[1:] > 0.97).all()             # before the subject: nothing to read
        assert score[0] > STRONG_SCORE and (score[1:] < 0.3).all()
    else:
        assert (np.abs(mean - 0.5) < 0.15).all() and (score < 0.3).all()


def layer_analysis(end1, end2, units1, units2, accuracy=0.99, seed=0):
    """A fabricated LayerAnalysis: layer probes rise to 1 at the subject and end at end1 / end2; units1 / units2
    units per layer score above STRONG_SCORE."""
    probe, score = {}, {}
    for f in ("cell", "hidden"):
        rows = []
        for end in (end1, end2):
            p = np.full(len(POS), 0.5, np.float32)
            p[1:] = np.linspace(1.0, end, D + 1)
            rows.append(p)
        probe[f] = np.stack(rows)
        sc = np.full((2, H), 0.2, np.float32)
        sc[0, :units1] = 0.95
        sc[1, :units2] = 0.99
        score[f] = sc
    return LayerAnalysis(seed, seed, D, 500, 500, POS, probe, {f: np.zeros_like(p) for f, p in probe.items()},
                         {f: np.full((2, len(POS), H), 0.5, np.float32) for f in probe}, score, accuracy)


GRID = list(itertools.product([0.98, 0.7], [0.99, 0.95, 0.6], [0, 2], [0, 2, 5], [1, 3], ["cell", "hidden"]))


@pytest.mark.parametrize("end1,end2,u1,u2,seeds,field", GRID)
def test_describe_layers_over_the_grid(end1, end2, u1, u2, seeds, field):
    layers = [layer_analysis(end1, end2, u1, u2, accuracy=0.97 + 0.01 * s, seed=s) for s in range(seeds)]
    text = say.describe_layers(layers, field)
    assert say.STATE[field] in text and f"{len(layers)} trained 2-layer LSTM" in text
    assert f"{100 * end1:.0f}% at the last token" in text and f"{100 * end2:.0f}% at the last token" in text
    assert f"{u1} of its {H} units" in text and f"{u2} of its {H} units" in text
    held = (end1 >= say.HOLD, end2 >= say.HOLD)
    v = say.verdict(say.layer_numbers(layers, field))
    assert v == {(True, True): "both", (True, False): "layer 1", (False, True): "layer 2", (False, False): "neither"}[held]
    if v == "both":
        assert "both layers hold" in text
        assert ("layer 2 more firmly" in text) == (end2 - end1 >= say.CLEAR_GAP)
    elif v == "neither":
        assert "neither layer" in text
    else:
        assert f"So {v} holds the number until the verb" in text
        lost = end2 if v == "layer 1" else end1
        assert f"probe falls on the way ({100 * lost:.0f}% at the last token before the verb" in text
        assert (f"per seed {', '.join([f'{100 * lost:.0f}%'] * seeds)}" in text) == (seeds > 1)
    if u1 == u2 == 0:
        assert "No single unit" in text
    elif u1 == u2:
        assert f"Both layers have {u1} number units" in text
    else:
        assert f"Layer {1 if u1 > u2 else 2} spreads it over more units" in text
    assert ("range" in text) == (seeds > 1)


def test_units_ranked_and_bands():
    layers = [layer_analysis(0.9, 1.0, 2, 4, seed=s) for s in range(3)]
    assert units(layers[0], "cell", 1) == [0, 1, 2, 3] and units(layers[0], "cell", 0) == [0, 1]
    assert ranked(layers[0], "cell", 1, 5) == [0, 1, 2, 3, 4]
    bands = probe_bands(layers, "cell")
    assert list(bands) == ["layer 1", "layer 2"] and np.allclose(bands["layer 2"][0][1:], np.linspace(1, 1.0, D + 1))
    assert np.allclose(bands["layer 1"][1], 0, atol=1e-6)


def task_run(kind, acc, fw_end=0.95, bw_low=1.0, seed=0):
    fw = np.full(D + 3, 0.5, np.float32)
    fw[-1] = fw_end
    bw = np.full(D + 3, bw_low, np.float32)
    probe = {"forward": fw} if kind == "uni" else {"forward": fw, "backward": bw}
    return TaskRun(kind, seed, 98000 + (370 if kind == "bidir" else 246), 32 if kind == "bidir" else 50, D, acc,
                   np.full(5, acc, np.float32), 0.1 * seed, 1000, 500, np.arange(-1, D + 2), probe,
                   {d: np.zeros_like(p) for d, p in probe.items()})


TASK_GRID = [  # (bidir accs, uni accs, expected phrase)
    ([1.0, 0.99, 1.0], [0.5, 0.49, 0.51], "at chance, as it must be"),
    ([1.0, 0.99, 1.0], [0.8, 0.75, 0.78], "above chance although"),
    ([0.52, 0.5, 0.55], [0.5, 0.49, 0.51], "no better than the unidirectional"),
    ([0.9, 0.55, 0.95], [0.5, 0.52, 0.48], "not in all of them by a wide margin"),
    ([1.0], [0.5], "at chance, as it must be"),
]


@pytest.mark.parametrize("bidir,uni,phrase", TASK_GRID)
def test_describe_tasks_over_the_grid(bidir, uni, phrase):
    tasks = {"bidir": [task_run("bidir", a, seed=s) for s, a in enumerate(bidir)],
             "uni": [task_run("uni", a, seed=s) for s, a in enumerate(uni)]}
    text = say.describe_tasks(tasks)
    assert phrase in text
    if "as it must be" in text:
        assert f"for {', '.join(f'{10 * s:.0f}%' for s in range(len(uni)))} of the sentences" in text
    assert f"{100 * np.mean(bidir):.1f}%" in text and f"{100 * np.mean(uni):.1f}%" in text
    assert "98,370 parameters" in text and "98,246 parameters" in text and "Chance is 50%" in text


@pytest.mark.parametrize("fw_end,bw_low", [(0.95, 1.0), (0.7, 1.0), (0.95, 0.6), (0.7, 0.6)])
@pytest.mark.parametrize("seeds", [1, 3])
def test_describe_directions_every_branch(fw_end, bw_low, seeds):
    runs = [task_run("bidir", 1.0, fw_end, bw_low, seed=s) for s in range(seeds)]
    text = say.describe_directions(runs)
    assert f"backward states at {100 * bw_low:.0f}%" in text and "forward states at 50%" in text
    assert ("only at the verb" in text) == (fw_end >= say.HOLD)
    assert ("hold it at every position" in text) == (bw_low >= say.HOLD)
    assert ("mean of 3 seeds" in text) == (seeds == 3)
    bands = direction_bands({"bidir": runs, "uni": [task_run("uni", 0.5)]})
    assert list(bands) == ["forward", "backward", "unidirectional"]


@pytest.mark.parametrize("label,p_b,p_u", [(1, 0.97, 0.5), (0, 0.1, 0.6), (1, 0.2, 0.7)])
def test_sentence_statements(label, p_b, p_u):
    T, s = 8, 2
    tokens = ["the", "old", "<unk>", "near", "the", "door", "that", "are" if label else "is"]
    pb, pu = np.full(T, 0.5, np.float32), np.full(T, 0.5, np.float32)
    pb[s], pu[s] = p_b, p_u
    sd = SentenceDirections(tokens, s, [5], label, {"forward": np.zeros((T, 3)), "backward": np.zeros((T, 3))},
                            np.zeros((T, 4)), pb, pu, {"forward": np.arange(3), "backward": np.arange(3)})
    text = say.describe_task_sentence(sd)
    right = lambda p: "right" if (p >= 0.5) == (label == 1) else "wrong"  # noqa: E731
    assert f"P(plural) = {p_b:.2f} ({right(p_b)})" in text and f"{p_u:.2f} ({right(p_u)})" in text
    assert say.NUMBER[label] in text
    ss = SentenceStates(tokens[:-1], s, [5], label, {"cell": np.zeros((2, T - 1, 3))}, np.full(T - 1, p_b, np.float32))
    text = say.describe_layer_sentence(ss, {"layer 1": [2, 0], "layer 2": []})
    assert ("right" if (p_b >= 0.5) == (label == 1) else "wrong") in text
    assert "layer 1: units 2, 0" in text and "layer 2: no units" in text and "1 attractor;" in text


def test_figures_draw_the_arrays_and_refuse_bad_shapes():
    layers = [layer_analysis(0.9, 1.0, 2, 4, seed=s) for s in range(3)]
    fig = sf.probe_by_position(probe_bands(layers, "cell"), POS, sf.LAYER_COLORS)
    assert any(np.allclose(t.y, probe_bands(layers, "cell")["layer 2"][0]) for t in fig.data if t.name == "layer 2")
    with pytest.raises(ValueError):
        sf.probe_by_position({"x": (np.zeros(3), np.zeros(3))}, POS)
    fig = sf.layer_unit_scores({"layer 1": [a.score["cell"][0] for a in layers]}, STRONG_SCORE)
    assert len(fig.data) == 3 and np.allclose(fig.data[0].y[:2], 0.95)
    tokens = ["the", "<unk>", "is"]
    fig = sf.state_rows({"forward": np.ones((3, 2)), "backward": -np.ones((3, 2))}, {"forward": [4, 1], "backward": [0, 3]},
                        tokens, marks=dict(subject=1), field="hidden")
    assert len(fig.data) == 2 and list(fig.data[1].y) == ["backward u0", "backward u3"]
    assert np.allclose(np.asarray(fig.data[0].z), 1) and fig.layout.xaxis2.matches == "x"
    with pytest.raises(ValueError):
        sf.state_rows({"forward": np.ones((2, 2))}, {"forward": [0, 1]}, tokens)
    fig = sf.task_accuracy({"bidirectional": [1.0, 0.99], "unidirectional": [0.5, 0.51]},
                           {"bidirectional": 98370, "unidirectional": 98246})
    assert np.allclose(fig.data[0].y, [0.995, 0.505]) and "98,370 parameters" in fig.data[0].x[0]
    assert lx.PLURAL == 1
