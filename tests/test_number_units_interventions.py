"""lstm_core.experiments.number_units.interventions: clamps reach the prediction, the acceptance
measurement on the shipped LSTM (top units vs random units), sweeps, and refused settings."""
import numpy as np
import pytest
import torch

from lstm_core.cells import Clamp
from lstm_core.experiments import number_units as nu
from lstm_core.narration import number_units as say


def test_interventions_reach_the_prediction(lstm_summary, lstm):
    model, _ = lstm
    ev = nu.eval_set(0, lstm_summary.distance, 20)
    _, p = nu.run(model, ev.x, (), last_only=True)
    _, p_all = nu.run(model, ev.x, (), [Clamp("hidden", 0.0)], last_only=True)
    bias = torch.softmax(model.readout.bias.detach(), -1)[1].item()   # h = 0 leaves only the bias
    np.testing.assert_allclose(p_all, bias, atol=1e-6)
    assert not np.allclose(p, p_all)


def test_top_units_matter_more_than_random_units_on_the_shipped_lstm(lstm, lstm_summary):
    """Issue 5's acceptance: ablating the top-k number units (k = H/4) drops agreement accuracy at
    the training distance clearly more than ablating k random units (5 draws). Both are measured."""
    model, _ = lstm
    k = lstm_summary.hidden_size // 4
    a = nu.ablation(model, lstm_summary, k=k, draws=5)
    intact, top, rand = a.overall
    print(f"\nshipped LSTM, k={k}: intact {intact:.3f}, top-{k} ablated {top:.3f}, "
          f"{k} random {rand.mean():.3f} ± {rand.std():.3f}; by attractors top {a.acc_top}, "
          f"random {a.acc_random.mean(0)}")
    assert intact > 0.9
    assert say.clearly_more_harmful(a), say.describe_ablation(a)
    assert rand.mean() - top > 0.1


def test_clamping_the_top_units_at_plural_makes_the_lstm_say_plural(lstm, lstm_summary):
    model, _ = lstm
    k = lstm_summary.hidden_size // 4
    a = nu.ablation(model, lstm_summary, k=k, mode="plural", draws=2)
    print(f"\nclamp top {k} at plural: singular subjects answered plural {a.said_plural_top[0]:.3f} "
          f"(intact {a.said_plural_intact[0]:.3f}, random {a.said_plural_random[:, 0]})")
    assert a.said_plural_top[0] > a.said_plural_intact[0] + 0.2
    assert a.said_plural_top[0] > a.said_plural_random[:, 0].max()
    assert "answer 'plural' for" in say.describe_ablation(a)


def test_sweep_is_ablation_at_every_k(lstm, lstm_summary):
    model, _ = lstm
    sw = nu.sweep(model, lstm_summary, draws=1)
    assert sw.ks == nu.curve_ks(lstm_summary.hidden_size)
    for k in (sw.ks[1], sw.ks[-1]):
        a, b = sw.at(k), nu.ablation(model, lstm_summary, k=k, draws=1)
        assert a.units == b.units and len(a.units) == k
        np.testing.assert_array_equal(a.random_units, b.random_units)
        np.testing.assert_array_equal(a.acc_top, b.acc_top)
        np.testing.assert_array_equal(a.said_plural_random, b.said_plural_random)
        assert not set(a.units) & set(a.random_units.ravel().tolist())   # random units are other units
    np.testing.assert_allclose(sw.acc_top, [sw.at(k).acc_top.mean() for k in sw.ks], rtol=1e-6)


def test_bad_intervention_settings_are_refused(lstm, rnn, lstm_summary, rnn_summary):
    model, _ = lstm
    H = lstm_summary.hidden_size
    for k in (0, H):
        with pytest.raises(ValueError, match="k must be between"):
            nu.ablation(model, lstm_summary, k=k)
    with pytest.raises(ValueError, match="mode must be"):
        nu.ablation(model, lstm_summary, k=2, mode="explode")
    with pytest.raises(ValueError, match="mode must be"):
        nu.interventions_for(lstm_summary, [0], "explode", "cell")
    with pytest.raises(ValueError, match="no 'cell' state"):
        nu.ablation(rnn[0], rnn_summary, k=2, target="cell")
    with pytest.raises(ValueError, match="no 'cell' state"):
        nu.interventions_for(rnn_summary, [0], "ablate", "cell")
    with pytest.raises(ValueError, match="different model"):
        nu.ablation(rnn[0], lstm_summary, k=2)
    with pytest.raises(ValueError, match="draws must be"):
        nu.sweep(model, lstm_summary, draws=0)
