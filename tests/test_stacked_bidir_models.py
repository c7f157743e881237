"""The trainer's stacked and bidirectional LSTMs (arch lstm_2layer / lstm_bidir): the shipped trained models'
glass traces against torch, checkpoints round trip, the per-step gradient norms of a stack, and the
masked-subject task through the trainer."""
import copy

import numpy as np
import pytest
import torch

from lstm_core.cells import GlassStack
from lstm_core.data import lexicon as lx
from lstm_core.data.masked_subject import IGNORE
from lstm_core.experiments.stacked_bidir import SHIPPED, shipped
from lstm_core.training import checkpoint as ck
from lstm_core.training import trainer as T
from lstm_core.training.models import STACKED_ARCHS, SeqModel

SENTENCE = "near the doors , the <unk> of the old cabinets that the guards like are"


@pytest.mark.parametrize("kind", ["stacked", "bidir"])
def test_trained_glass_trace_equals_torch_in_float64(kind):
    model, _ = shipped(kind)
    ids = torch.tensor([lx.read(SENTENCE).ids])
    rnn64 = copy.deepcopy(model.rnn).double()
    with torch.no_grad():
        x = model.embed(ids).double()
        want, (h_n, c_n) = rnn64(x)
    stack = model.glass(torch.float64)
    assert isinstance(stack, GlassStack)
    layers, bidi = STACKED_ARCHS[model.arch]
    assert (stack.num_layers, stack.bidirectional) == (layers, bidi)
    tr = stack.trace(x)
    np.testing.assert_allclose(tr.output, want.numpy(), atol=1e-6, rtol=0)
    np.testing.assert_allclose(tr.h_n, h_n.numpy(), atol=1e-6, rtol=0)
    np.testing.assert_allclose(tr.c_n, c_n.numpy(), atol=1e-6, rtol=0)
    # the float32 model the page reads: the same output as the model's own forward pass
    with torch.no_grad():
        h32 = model.hidden_states(ids).numpy()
        tr32 = model.glass().trace(model.embed(ids))
    np.testing.assert_allclose(tr32.output, h32, atol=1e-5, rtol=0)


@pytest.mark.parametrize("arch", list(STACKED_ARCHS))
@pytest.mark.parametrize("task", ["agreement", "masked-subject"])
def test_checkpoint_round_trip(arch, task):
    cfg = T.TrainConfig(task=task, arch=arch, distance=6, hidden=5, embed_dim=4, steps=3, batch=8, grad_every=2,
                        test_size=20, seed=3)
    res = T.train(cfg)
    assert res.status == "ok" and res.grad_hidden.shape[0] == 2 and np.isfinite(res.grad_hidden).all()
    assert res.grad_cell is not None and np.isfinite(res.grad_cell).all()
    weights, meta = ck.to_bytes(res.model, res.config, res.test, command="python -m lstm_core.training")
    model, m = ck.load_checkpoint_bytes(weights, meta)
    assert model.config() == res.model.config() and m["train"]["task"] == task
    for (k, a), (k2, b) in zip(res.model.state_dict().items(), model.state_dict().items()):
        assert k == k2 and torch.equal(a, b)
    x, _ = T.Task(res.config).batch(np.random.default_rng(1), 4, test=True)
    with torch.no_grad():
        np.testing.assert_allclose(model(x).numpy(), res.model(x).numpy(), atol=1e-6)
    assert T.evaluate(model, res.config, n=20) == T.evaluate(res.model, res.config, n=20)


def test_readout_reads_both_directions_and_counts_parameters():
    m = SeqModel("lstm_bidir", 10, 7, 2, embed_dim=3)
    assert m.readout.in_features == 14 and m.hidden_states(torch.zeros(2, 5, dtype=torch.long)).shape == (2, 5, 14)
    n = m.n_params()
    assert n["recurrent"] == 2 * 4 * 7 * (3 + 7 + 2) and n["readout"] == 15 * 2
    two = SeqModel("lstm_2layer", 10, 7, 2, embed_dim=3)
    assert two.n_params()["recurrent"] == 4 * 7 * (3 + 7 + 2) + 4 * 7 * (7 + 7 + 2)
    assert two.readout.in_features == 7


def test_stack_loss_on_every_step_matches_autograd():
    """loss_step='all' on a GlassStack (what the trainer's gradient norms use) equals torch's loss and its
    gradient with respect to the input's embedding-free first layer states."""
    torch.manual_seed(0)
    m = torch.nn.LSTM(3, 4, num_layers=2, batch_first=True, dtype=torch.float64)
    x = torch.randn(2, 6, 3, dtype=torch.float64)
    w = torch.randn(4, dtype=torch.float64)
    tr = GlassStack.from_torch(m).trace(x, loss_fn=lambda out: (out @ w).pow(2).sum(), loss_step="all")
    out, _ = m(x)
    assert abs(tr.loss - (out @ w).pow(2).sum().item()) < 1e-9
    # dL/dh of the top layer's last step has no path through later steps: the loss's own gradient there
    np.testing.assert_allclose(tr[1, 0].grad_hidden[:, -1], (2 * (out[:, -1] @ w)[:, None] * w).detach().numpy(),
                               atol=1e-9)
    assert tr.layer(0, "grad_hidden").shape == (2, 6, 4)


def test_masked_subject_loss_and_accuracy_read_only_the_subject():
    cfg = T.TrainConfig(task="masked-subject", arch="lstm_bidir", distance=5, hidden=4, embed_dim=4).resolved()
    task = T.Task(cfg)
    x, y = task.batch(np.random.default_rng(0), 16, test=True)
    assert x.shape == y.shape and ((y != IGNORE).sum(1) == 1).all()
    out = torch.zeros(*x.shape, 2)
    col = int((y[0] != IGNORE).nonzero()[0, 0])
    out[:, col, 1] = 10.0 * (y[:, col] == 1).float() - 5.0          # right at the subject ...
    out[:, :col, 0] = 50.0                                          # ... and confidently "wrong" elsewhere
    assert task.accuracy(out, y) == 1.0 and task.loss(out, y).item() < 0.01


def test_shipped_checkpoints_state_their_recipe():
    for kind, name in SHIPPED.items():
        _, meta = ck.load_pretrained(name)
        assert meta["command"].startswith("python -m lstm_core.training ") and meta["status"] == "ok"
        assert meta["train"]["seed"] == 0 and meta["train"]["distance"] == 30


def test_safetensors_whose_header_length_starts_with_0x80_is_not_taken_for_a_pickle():
    """A safetensors file starts with its header's length (8 bytes, little-endian); when the low byte is 0x80
    it looks like a pickle's first byte. Such a file (found by a 2-layer checkpoint) must load."""
    import pickle
    import struct

    from safetensors.torch import save

    state = {"w": torch.zeros(3)}
    for pad in range(300):
        raw = save(state, metadata={"pad": "x" * pad})
        if raw[0] == 0x80:
            break
    assert raw[0] == 0x80 and struct.unpack("<Q", raw[:8])[0] % 256 == 0x80
    assert torch.equal(ck._read_safetensors(raw)["w"], state["w"])
    with pytest.raises(ValueError, match="pickle"):
        ck._read_safetensors(pickle.dumps({"w": [0.0] * 3}, protocol=4))
