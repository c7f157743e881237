"""Greff et al.'s LSTM variants: the trained TorchScript module against the glass cell, its
written-out backward against autograd, each variant's defining equation, and the trainer hook."""

import numpy as np
import pytest
import torch
from torch import nn

from lstm_core.cells.variants import (
    VARIANT_ARCHS,
    VARIANTS,
    GlassVariant,
    VariantLSTM,
    make_recurrent,
    spec_for_arch,
)
from lstm_core.training.models import SeqModel

NAMES = list(VARIANTS)
TOL = {torch.float32: 1e-5, torch.float64: 1e-6}


def pair(name, dtype=torch.float64, I=3, H=5, seed=0):
    torch.manual_seed(seed)
    m = VariantLSTM(I, H, name, dtype=dtype)
    with torch.no_grad():                       # peepholes and gate recurrence big enough to matter
        for p in (m.peephole_i, m.peephole_f, m.peephole_o, m.gate_rec_l0):
            if p is not None:
                p.mul_(3)
    return m, GlassVariant.from_torch(m)


def head(H, dtype):
    torch.manual_seed(7)
    ro = nn.Linear(H, 2, dtype=dtype)
    return lambda h: nn.functional.cross_entropy(ro(h), torch.tensor([0, 1] * (h.shape[0] // 2) + [0] * (h.shape[0] % 2)))


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
@pytest.mark.parametrize("name", NAMES)
def test_glass_matches_the_trained_module(name, dtype):
    m, g = pair(name, dtype)
    x = torch.randn(4, 13, 3, dtype=dtype)
    out, (h_n, c_n) = m(x)
    tr = g.trace(x, method="loop")
    np.testing.assert_allclose(tr.hidden, out.detach().numpy(), atol=TOL[dtype], rtol=0)
    np.testing.assert_allclose(tr.h_n, h_n[0].detach().numpy(), atol=TOL[dtype], rtol=0)
    np.testing.assert_allclose(tr.c_n, c_n[0].detach().numpy(), atol=TOL[dtype], rtol=0)
    assert np.abs(tr.hidden).max() > 1e-2


@pytest.mark.parametrize("loss_step", [None, 5])
@pytest.mark.parametrize("name", NAMES)
def test_glass_gradients_match_autograd_on_the_module(name, loss_step):
    m, g = pair(name, seed=1)
    B, T = 2, 11
    x = torch.randn(B, T, 3, dtype=torch.float64)
    loss_fn = head(5, torch.float64)
    hs, cs = m.unrolled_states(x)                         # autograd nodes of the module's own step
    s = T - 1 if loss_step is None else loss_step
    gh = torch.autograd.grad(loss_fn(hs[s]), hs + cs, allow_unused=True)
    ref = [np.stack([np.zeros((B, 5)) if v is None else v.numpy() for v in part], 1) for part in (gh[:T], gh[T:])]
    tr = g.trace(x, loss_fn=loss_fn, loss_step=loss_step)
    np.testing.assert_allclose(tr.grad_hidden, ref[0], atol=1e-8, rtol=0)
    np.testing.assert_allclose(tr.grad_cell, ref[1], atol=1e-8, rtol=0)
    assert np.abs(ref[0][:, 0]).max() > 1e-6, "the gradient should reach the first step"


@pytest.mark.parametrize("name", NAMES)
def test_written_out_backward_matches_autograd(name):
    m, _ = pair(name, seed=2)
    x = torch.randn(3, 9, 3, dtype=torch.float64, requires_grad=True)
    w = torch.randn(5, dtype=torch.float64)
    out, (h_n, c_n) = m(x)
    loss = out.sin().sum() + (h_n * w).sum() + (c_n ** 2).sum()
    params = [x] + list(m.parameters())
    fast = torch.autograd.grad(loss, params)
    hs, cs = m.unrolled_states(x)
    loss2 = torch.stack(hs, 1).sin().sum() + (hs[-1] * w).sum() + (cs[-1] ** 2).sum()
    slow = torch.autograd.grad(loss2, params)
    for a, b in zip(fast, slow):
        np.testing.assert_allclose(a.numpy(), b.numpy(), atol=1e-10, rtol=0)
        assert np.isfinite(a.numpy()).all()


def test_np_is_torch_lstm():
    m, _ = pair("NP")
    lstm = nn.LSTM(3, 5, batch_first=True, dtype=torch.float64)
    lstm.load_state_dict(m.state_dict())
    x = torch.randn(2, 8, 3, dtype=torch.float64)
    np.testing.assert_allclose(m(x)[0].detach().numpy(), lstm(x)[0].detach().numpy(), atol=1e-12)
    assert sum(p.numel() for p in m.parameters()) == sum(p.numel() for p in lstm.parameters())
    g = GlassVariant.from_torch(m)
    np.testing.assert_allclose(g.trace(x, method="fused").hidden, g.trace(x, method="loop").hidden, atol=1e-12)


def test_each_variant_obeys_its_defining_equation():
    x = torch.randn(3, 10, 3, dtype=torch.float64)
    tr = {n: pair(n)[1].trace(x) for n in NAMES}
    assert np.all(tr["NIG"].input_gate == 1)
    assert np.all(tr["NFG"].forget_gate == 1)
    assert np.all(tr["NOG"].output_gate == 1)
    np.testing.assert_allclose(tr["CIFG"].forget_gate, 1 - tr["CIFG"].input_gate, atol=1e-15)
    np.testing.assert_allclose(tr["NIAF"].candidate, tr["NIAF"].pre_candidate, atol=1e-15)
    noaf = tr["NOAF"]
    np.testing.assert_allclose(noaf.hidden, noaf.output_gate * noaf.cell, atol=1e-15)
    v = tr["V"]
    np.testing.assert_allclose(v.hidden, v.output_gate * np.tanh(v.cell), atol=1e-15)
    for n in ("V", "NP", "FGR"):
        assert 0 < tr[n].forget_gate.min() and tr[n].forget_gate.max() < 1


def test_peepholes_and_gate_recurrence_change_the_output():
    torch.manual_seed(3)
    x = torch.randn(2, 12, 3, dtype=torch.float64)
    for name, param in (("V", "peephole_f"), ("FGR", "gate_rec_l0")):
        m, _ = pair(name)
        base = m(x)[0].detach()
        with torch.no_grad():
            getattr(m, param).zero_()
        assert (m(x)[0].detach() - base).abs().max() > 1e-3


def test_parameter_counts_leave_out_absent_gates():
    I, H = 4, 6
    count = {n: sum(p.numel() for p in VariantLSTM(I, H, n).parameters()) for n in NAMES}
    lstm = 4 * H * (I + H + 2)
    assert count["NP"] == lstm
    assert count["V"] == lstm + 3 * H
    for n in ("NIG", "NOG"):
        assert count[n] == 3 * H * (I + H + 2) + 2 * H
    assert count["NFG"] == count["CIFG"] == 3 * H * (I + H + 2) + 2 * H
    assert count["FGR"] == count["V"] + (3 * H) ** 2


def test_round_trip_and_bad_inputs():
    m, g = pair("FGR")
    x = torch.randn(2, 5, 3, dtype=torch.float64)
    np.testing.assert_allclose(g.to_torch()(x)[0].detach().numpy(), m(x)[0].detach().numpy(), atol=1e-12)
    with pytest.raises(ValueError, match="VariantLSTM"):
        GlassVariant.from_torch(nn.LSTM(3, 5))
    with pytest.raises(ValueError, match="not an LSTM variant"):
        spec_for_arch("lstm_xyz")
    with pytest.raises(ValueError, match="cannot clamp"):
        g.trace(x, interventions=[__import__("lstm_core").Clamp("reset_gate", 0.0)])


def test_interventions_apply_to_variants():
    from lstm_core import Clamp
    _, g = pair("CIFG")
    x = torch.randn(1, 8, 3, dtype=torch.float64)
    tr = g.trace(x, interventions=[Clamp("input_gate", 0.0, steps=[3, 4, 5])])
    np.testing.assert_allclose(tr.cell[:, 3:6], np.repeat(tr.cell[:, 2:3], 3, 1), atol=1e-15)


@pytest.mark.parametrize("arch", VARIANT_ARCHS)
def test_seqmodel_builds_trains_and_glasses_every_variant(arch):
    torch.manual_seed(0)
    model = SeqModel(arch, 10, 6, 2, embed_dim=4)
    assert isinstance(model.rnn, VariantLSTM) and model.rnn.spec == spec_for_arch(arch)
    x = torch.randint(0, 10, (3, 7))
    out = model(x)
    assert out.shape == (3, 7, 2)
    out[:, -1].sum().backward()
    assert all(p.grad is not None and torch.isfinite(p.grad).all() for p in model.rnn.parameters())
    g = model.glass()
    np.testing.assert_allclose(g.trace(model.embed(x).detach()).hidden, model.hidden_states(x).detach().numpy(),
                               atol=1e-5)
    assert make_recurrent(arch, 4, 6).spec == model.rnn.spec


def test_trainer_trains_a_variant_with_every_init_and_checkpoints_it(tmp_path):
    from lstm_core.training.checkpoint import load_checkpoint, save_checkpoint
    from lstm_core.training.trainer import TrainConfig, build_model, train
    cfg = TrainConfig(arch="lstm_nig", steps=6, grad_every=3, test_size=20, probe_size=4, batch=8)
    model = build_model(cfg.resolved())
    f = model.rnn.spec.rows.index("f")
    assert torch.all(model.rnn.bias_ih_l0[f * 32:(f + 1) * 32] == 1.0)      # the forget bias reaches variants
    for init in ("xavier", "he"):
        res = train(TrainConfig(arch="lstm_cifg", init=init, steps=6, grad_every=3, test_size=20,
                                probe_size=4, batch=8))
        assert res.status == "ok" and 0 <= res.test["test_accuracy"] <= 1
        assert np.asarray(res.grad_cell).shape[0] == len(res.grad_steps) > 0
    save_checkpoint(tmp_path / "m", res.model, res.config)
    back, _ = load_checkpoint(tmp_path / "m")
    x = torch.randint(0, res.model.n_in, (2, 9))
    np.testing.assert_allclose(back(x).detach().numpy(), res.model(x).detach().numpy(), atol=1e-6)


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
@pytest.mark.parametrize("name", [n for n in NAMES if n != "FGR"])
def test_fused_trace_equals_the_loop_on_every_field(name, dtype):
    """Without a loss, every variant but FGR may run its recurrence by the scripted loop and recompute the
    gates in one go: the same trace as the step-by-step glass loop, from any starting state."""
    m, _ = pair(name, dtype)
    g = GlassVariant.from_torch(m)
    torch.manual_seed(1)
    x, h0, c0 = torch.randn(3, 11, 3, dtype=dtype), torch.randn(3, 5, dtype=dtype), torch.randn(3, 5, dtype=dtype)
    loop, fused = g.trace(x, h0, c0, method="loop"), g.trace(x, h0, c0, method="fused")
    assert sorted(fused.names()) == sorted(loop.names())
    for field in loop.names():
        np.testing.assert_allclose(getattr(fused, field), getattr(loop, field), rtol=0, atol=TOL[dtype] / 10,
                                   err_msg=field)
    np.testing.assert_allclose(fused.hidden, m(x, (h0[None], c0[None]))[0].detach().numpy(), rtol=0, atol=TOL[dtype])


def test_auto_takes_the_scripted_loop_only_without_a_loss(monkeypatch):
    _, g = pair("V")
    x = torch.randn(1, 6, 3, dtype=torch.float64)
    loss = head(5, torch.float64)
    with pytest.raises(ValueError, match="with a loss"):
        g.trace(x, loss_fn=loss, method="fused")
    with pytest.raises(ValueError, match="nor this cell"):
        pair("FGR")[1].trace(x, method="fused")

    def no_loop(*args, **kwargs):
        raise AssertionError("the loop ran")
    with_loop = g.trace(x, loss_fn=loss)                        # a loss: the loop, which has the gradients
    assert "grad_hidden" in with_loop.names()
    monkeypatch.setattr(GlassVariant, "_loop", no_loop)
    np.testing.assert_allclose(g.trace(x).cell, with_loop.cell, rtol=0, atol=1e-12)
