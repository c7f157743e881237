"""The patching sentence and figure, over a grid of made-up flip counts (each claim checked against
the arrays it describes) and on the shipped LSTM."""
import itertools
import re

import numpy as np
import pytest

from lstm_core.experiments.number_units import patching as pm
from lstm_core.figures.number_units_patching import patching_bars
from lstm_core.narration.number_units_patching import describe_patching, patching_verdict


def fake(flips_top, flips_random, n_pairs, n_sentences=None, k=4, where="subject"):
    return pm.Patching("lstm", k, where, "cell", 30, n_sentences or n_pairs, n_pairs, [5], list(range(k)),
                       np.zeros((len(flips_random), k), int), int(flips_top), np.array(flips_random))


def test_sentence_over_a_grid_of_outcomes():
    rng = np.random.default_rng(0)
    for n, k, where in itertools.product((1, 7, 50, 198, 500), (1, 8), pm.WHERE):
        for _ in range(12):
            top = int(rng.integers(0, n + 1))
            rand = rng.integers(0, n + 1, size=int(rng.integers(1, 6)))
            skipped = int(rng.integers(0, 3))
            pt = fake(top, rand, n, n + skipped, k, where)
            said = describe_patching(pt)
            assert f"in {round(100 * top / n)}% of {n} pairs" in said
            lo, hi = pt.interval_top
            assert f"95% interval {round(100 * lo)}%–{round(100 * hi)}%" in said
            assert f"{round(100 * rand.min() / n)}%–{round(100 * rand.max() / n)}% over {len(rand)} draw" in said
            v = patching_verdict(pt)
            if "carry the number causally" in said:
                assert v == "clear" and lo > pt.interval_random[:, 1].max()
            elif "no more often" in said:
                assert v == "none" and top / n <= rand.max() / n
            else:
                assert "intervals overlap" in said and lo <= pt.interval_random[:, 1].max() and top > rand.max()
            assert (f"({skipped} left out)" in said) == (skipped > 0)
            assert (f"top {k} unit{'s' if k > 1 else ''}'" in said)
            assert ("at the subject only" in said) == (where == "subject")


def test_edge_cases():
    assert "could not be judged" in describe_patching(fake(0, [0], 0, 10))
    assert patching_verdict(fake(10, [10, 0], 10)) == "none"
    assert patching_verdict(fake(98, [0, 1, 0], 100)) == "clear"
    assert patching_verdict(fake(15, [5], 100)) == "unclear"


def test_on_the_shipped_lstm_and_the_figure(lstm, lstm_summary):
    model, _ = lstm
    pt = pm.patching(model, lstm_summary, k=4, where="subject_to_verb", n_per_count=20, draws=3)
    said = describe_patching(pt)
    assert re.search(rf"in \d+% of {pt.n_pairs} pairs", said)
    fig = patching_bars(pt.flip_top, pt.interval_top, pt.flip_random, pt.interval_random, k=4, n=pt.n_pairs)
    assert fig.data[0].y.dtype == np.float32 and len(fig.data[1].y) == 3
    np.testing.assert_allclose(fig.data[0].y[0] + fig.data[0].error_y.array[0], pt.interval_top[1], atol=1e-6)
    with pytest.raises(ValueError):
        patching_bars(0.5, [0.4], [0.1], [[0.0, 0.2]], k=1, n=10)
