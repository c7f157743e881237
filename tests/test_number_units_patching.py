"""lstm_core.experiments.number_units.patching: minimal pairs differ in the subject only, the
patch copies the pair's values into the original run, and on the shipped LSTM patching the top
units flips the verb far more often than patching random units (both measured, with intervals)."""
import numpy as np
import pytest

from lstm_core.cells import Clamp
from lstm_core.experiments import number_units as nu
from lstm_core.experiments.number_units import patching as pm


def test_minimal_pairs_differ_in_the_subject_only():
    orig, pair = pm.pair_sets(3, 20, 6)
    assert orig.x.shape == pair.x.shape and np.all(pair.y == 1 - orig.y)
    diff = orig.x != pair.x
    assert np.all(diff.sum(1) == 1) and np.all(diff[:, orig.subject_col])
    for a, b in zip(orig.examples, pair.examples):
        assert set(a.attractor_positions) | set(b.attractor_positions) == set(a.noun_positions)
        assert not set(a.attractor_positions) & set(b.attractor_positions)


def test_patching_every_unit_everywhere_reproduces_the_pair(lstm, lstm_summary):
    """Copying all H cell values at every step from the subject on makes the original run carry
    the pair's cell. Its hidden state still differs at the subject (the output gate read the other
    word), and that difference dies out over the later, identical words: the clamp reached the run."""
    model, _ = lstm
    orig, pair = pm.pair_sets(0, lstm_summary.distance, 3)
    src = nu.run(model, pair.x, ("cell", "hidden"))[0]
    H, T, s = lstm_summary.hidden_size, orig.x.shape[1], orig.subject_col
    ivs = [Clamp("cell", src["cell"][:, t], list(range(H)), [t]) for t in range(s, T)]
    patched = nu.run(model, orig.x, ("cell", "hidden"), ivs)[0]
    np.testing.assert_allclose(patched["cell"][:, s:], src["cell"][:, s:], atol=1e-6)
    assert np.abs(patched["hidden"][:, s] - src["hidden"][:, s]).max() > 0.1
    np.testing.assert_allclose(patched["hidden"][:, -1], src["hidden"][:, -1], atol=1e-4)


def test_top_units_flip_the_verb_random_units_do_not(lstm, lstm_summary):
    model, _ = lstm
    k = nu.default_k(lstm_summary.hidden_size)
    pt = pm.patching(model, lstm_summary, k=k, where="subject", n_per_count=40, draws=5)
    lo, hi = pt.interval_top
    print(f"\npatching at the subject, k={k}: top {pt.flip_top:.3f} [{lo:.3f}, {hi:.3f}] of {pt.n_pairs}; "
          f"random {pt.flip_random}")
    assert pt.n_pairs >= 0.9 * pt.n_sentences
    assert lo <= pt.flip_top <= hi
    assert lo > pt.interval_random[:, 1].max()          # the intervals do not overlap
    assert pt.steps == [pm.pair_sets(0, lstm_summary.distance, 1)[0].subject_col]


def test_refused_settings(lstm, lstm_summary):
    model, _ = lstm
    with pytest.raises(ValueError, match="where"):
        pm.patching(model, lstm_summary, where="verb")
    with pytest.raises(ValueError, match="k must be"):
        pm.patching(model, lstm_summary, k=0)
    with pytest.raises(ValueError, match="sentences per attractor count"):
        pm.pair_sets(0, 30, pm.MAX_PATCH_N + 1)
