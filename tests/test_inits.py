"""lstm_core.training.inits: each initialisation has the statistics its paper gives, on every module kind."""

import numpy as np
import pytest
import torch
from torch import nn

from lstm_core import GlassGRU, GlassLSTM, GlassRNN
from lstm_core.training.inits import INITS, forget_rows, init_recurrent
from lstm_core.cells.variants import GlassVariant, VariantLSTM

I, H = 48, 64


def blocks(w, H=H):
    return [w[k * H:(k + 1) * H].detach() for k in range(w.shape[0] // H)]


def sample_sd_tolerance(var, n):
    """4 standard errors of a sample variance of n Gaussian-like draws (kurtosis <= 3)."""
    return 4 * var * np.sqrt(2 / n)


@pytest.mark.parametrize("module", [nn.LSTM(I, H), nn.GRU(I, H), nn.RNN(I, H), VariantLSTM(I, H, "CIFG")])
def test_xavier_variance_is_two_over_fan_in_plus_fan_out(module):
    init_recurrent(module, "xavier", generator=torch.Generator().manual_seed(0))
    for w, fan_in in ((module.weight_ih_l0, I), (module.weight_hh_l0, H)):
        var = 2 / (fan_in + H)
        bound = np.sqrt(6 / (fan_in + H))
        for b in blocks(w):
            assert abs(b.var().item() - var) < sample_sd_tolerance(var, b.numel())
            assert abs(b.mean().item()) < 4 * np.sqrt(var / b.numel())
            assert b.abs().max().item() <= bound + 1e-7
            assert b.abs().max().item() > 0.9 * bound         # uniform: reaches the bound
    assert module.bias_ih_l0.abs().max() == 0 and module.bias_hh_l0.abs().max() == 0


@pytest.mark.parametrize("module", [nn.LSTM(I, H), nn.GRU(I, H), VariantLSTM(I, H, "V")])
def test_he_variance_is_two_over_fan_in(module):
    init_recurrent(module, "he", generator=torch.Generator().manual_seed(1))
    for w, fan_in in ((module.weight_ih_l0, I), (module.weight_hh_l0, H)):
        var = 2 / fan_in
        for b in blocks(w):
            assert abs(b.var().item() - var) < sample_sd_tolerance(var, b.numel())
            assert b.abs().max().item() > 2.5 * np.sqrt(var)  # Gaussian tails, not a uniform bound


def test_default_keeps_torch_init_and_orthogonal_identity_touch_only_w_hh():
    torch.manual_seed(0)
    m = nn.LSTM(I, H)
    before = {k: v.clone() for k, v in m.state_dict().items()}
    init_recurrent(m, "default")
    assert all(torch.equal(before[k], v) for k, v in m.state_dict().items())
    init_recurrent(m, "orthogonal")
    assert torch.equal(before["weight_ih_l0"], m.weight_ih_l0)
    for b in blocks(m.weight_hh_l0):
        np.testing.assert_allclose((b @ b.T).numpy(), np.eye(H), atol=1e-5)
    init_recurrent(m, "identity")
    for b in blocks(m.weight_hh_l0):
        assert torch.equal(b, torch.eye(H))
    assert m.bias_ih_l0.abs().max() == 0


def test_every_layer_and_direction_of_a_stack():
    m = nn.LSTM(I, H, num_layers=2, bidirectional=True)
    init_recurrent(m, "xavier", forget_bias=2.0)
    for name in ("weight_hh_l0", "weight_hh_l1_reverse", "weight_ih_l1"):
        w = getattr(m, name)
        var = 2 / (w.shape[1] + H)
        assert abs(w[:H].var().item() - var) < sample_sd_tolerance(var, w[:H].numel())
    for name in ("bias_ih_l0", "bias_ih_l1_reverse"):
        b = getattr(m, name)
        assert torch.all(b[H:2 * H] == 2.0) and torch.all(b[:H] == 0)


def test_forget_bias_finds_the_forget_rows_of_every_lstm():
    assert forget_rows(nn.LSTM(2, 3)) == 1 and forget_rows(nn.GRU(2, 3)) is None
    assert forget_rows(VariantLSTM(2, 3, "NIG")) == 0                 # rows f, g, o
    assert forget_rows(VariantLSTM(2, 3, "NFG")) is None
    assert forget_rows(VariantLSTM(2, 3, "CIFG")) is None             # f = 1 - i has no rows
    assert forget_rows(GlassLSTM(2, 3)) == 1 and forget_rows(GlassLSTM(2, 3, forget_gate=False)) is None
    m = VariantLSTM(2, 3, "NIG")
    init_recurrent(m, forget_bias=1.5)
    assert torch.all(m.bias_ih_l0[:3] == 1.5) and torch.all(m.bias_hh_l0[:3] == 0)
    g = nn.GRU(2, 3)
    before = g.bias_ih_l0.clone()
    init_recurrent(g, forget_bias=1.5)
    assert torch.equal(before, g.bias_ih_l0)


@pytest.mark.parametrize("cell", [GlassLSTM(I, H, dtype=torch.float64), GlassRNN(I, H), GlassGRU(I, H),
                                  GlassVariant(I, H, "FGR")])
def test_glass_cells_are_initialised_in_place_and_traces_see_it(cell):
    x = torch.randn(2, 5, I)
    before = cell.trace(x).hidden
    init_recurrent(cell, "he", forget_bias=1.0, generator=torch.Generator().manual_seed(2))
    b = blocks(cell.weight_hh)[0]
    assert abs(b.var().item() - 2 / H) < sample_sd_tolerance(2 / H, b.numel())
    assert np.abs(cell.trace(x).hidden - before).max() > 1e-3


def test_generator_makes_it_reproducible_and_bad_names_raise():
    a, b = nn.LSTM(3, 4), nn.LSTM(3, 4)
    for m in (a, b):
        init_recurrent(m, "xavier", generator=torch.Generator().manual_seed(5))
    assert torch.equal(a.weight_hh_l0, b.weight_hh_l0)
    assert set(INITS) == {"default", "orthogonal", "identity", "xavier", "he"}
    with pytest.raises(ValueError, match="init must be one of"):
        init_recurrent(a, "glorot")
    with pytest.raises(ValueError, match="forget_bias"):
        init_recurrent(a, "default", forget_bias=float("nan"))
