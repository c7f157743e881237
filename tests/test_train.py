"""Trainer: determinism, progress, gradient norms through time, divergence, CLI, and the
parity of the fused model with the glass core on the same weights."""
import json
import math
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch

from lstm_core.data import grammar
from lstm_core.training import trainer as T

ROOT = Path(__file__).resolve().parents[1]
TINY = dict(task="agreement", distance=6, hidden=12, embed_dim=8, steps=25, batch=16,
            grad_every=10, probe_size=8, test_size=200)


def tiny(**kw):
    return T.TrainConfig(**{**TINY, **kw})


@pytest.mark.parametrize("arch", ["lstm", "rnn", "gru"])
def test_runs_repeat_exactly_and_report_progress(arch):
    seen = []
    a = T.train(tiny(arch=arch, seed=3), progress=seen.append)
    b = T.train(tiny(arch=arch, seed=3))
    c = T.train(tiny(arch=arch, seed=4))
    assert a.status == "ok" and a.steps_done == 25
    assert [h["loss"] for h in a.history] == [h["loss"] for h in b.history]
    for p, q in zip(a.model.parameters(), b.model.parameters()):
        assert torch.equal(p, q)
    assert [h["loss"] for h in a.history] != [h["loss"] for h in c.history]
    # one progress call per step with loss, accuracy, elapsed
    assert [p["step"] for p in seen] == list(range(1, 26))
    assert all({"loss", "accuracy", "elapsed", "steps"} <= set(p) for p in seen)
    assert all(0 <= p["accuracy"] <= 1 for p in seen)
    assert all(np.diff([p["elapsed"] for p in seen]) >= 0)
    # gradient norms through time: before step 1 and every 10 steps, (K, T) on the probe
    assert a.grad_steps == [0, 9, 19]
    assert a.grad_hidden.shape[0] == 3 and (a.grad_hidden >= 0).all()
    assert sum("grad_hidden" in p for p in seen) == 3
    assert (a.grad_cell is not None) == (arch == "lstm")
    assert 0 <= a.test["test_accuracy"] <= 1 and a.test["n"] == 200


def test_forget_bias_and_inits():
    m = T.build_model(tiny(arch="lstm", forget_bias=2.5))
    H = m.hidden
    b = m.rnn.bias_ih_l0 + m.rnn.bias_hh_l0
    assert torch.allclose(b[H:2 * H], torch.full((H,), 2.5))
    r = T.build_model(tiny(arch="rnn", init="identity"))
    assert torch.equal(r.rnn.weight_hh_l0, torch.eye(r.hidden))
    o = T.build_model(tiny(arch="rnn", init="orthogonal"))
    W = o.rnn.weight_hh_l0
    assert torch.allclose(W @ W.T, torch.eye(o.hidden), atol=1e-5)
    # forget bias has no meaning for the RNN: its weights are those of the default init
    assert torch.equal(T.build_model(tiny(arch="rnn", forget_bias=3.0)).rnn.bias_ih_l0,
                       T.build_model(tiny(arch="rnn", forget_bias=None)).rnn.bias_ih_l0)


def test_invalid_settings_are_named():
    for kw, word in [(dict(arch="transformer"), "arch"), (dict(hidden=10_000), "hidden"),
                     (dict(steps=0), "steps"), (dict(lr=float("nan")), "lr"),
                     (dict(task="chess"), "task"), (dict(attractors=5), "attractors"),
                     (dict(clip=-1.0), "clip"), (dict(init="zeros"), "init")]:
        with pytest.raises(ValueError, match=word):
            T.train(tiny(**kw))


def test_divergence_with_a_huge_learning_rate_keeps_last_good_weights():
    cfg = tiny(task="adding", length=20, optimizer="sgd", lr=10.0, clip=None, steps=200)
    seen = []
    res = T.train(cfg, progress=seen.append)
    assert res.diverged, res.status
    step = int(res.status.split("at step ")[1].split()[0])
    assert res.steps_done == step - 1 < 200
    assert "loss = inf" in res.status or "loss = nan" in res.status or "not finite" in res.status
    assert all(torch.isfinite(p).all() for p in res.model.parameters())
    assert len(seen) == step - 1                  # progress stopped at the divergence
    assert all(math.isfinite(h["loss"]) for h in res.history)
    # the kept weights are those of the last finite loss: evaluating them stays finite
    # (the next weights gave loss = inf)
    assert math.isfinite(res.test["test_mse"])


def test_divergence_in_the_weights_restores_the_previous_weights(monkeypatch):
    """A step that writes inf into the weights is caught and undone."""
    snapshots = []
    real = T.make_optimizer

    class Poisoned:
        def __init__(self, opt, params):
            self.opt, self.params, self.n = opt, params, 0
            self.param_groups = opt.param_groups

        def zero_grad(self, **kw):
            self.opt.zero_grad(**kw)

        def step(self):
            self.n += 1
            snapshots.append([p.detach().clone() for p in self.params])
            self.opt.step()
            if self.n == 5:
                with torch.no_grad():
                    self.params[0][0, 0] = float("inf")

    monkeypatch.setattr(T, "make_optimizer", lambda cfg, ps: Poisoned(real(cfg, ps), ps))
    res = T.train(tiny(steps=20))
    assert res.status == "diverged at step 5 (weights not finite)"
    assert res.steps_done == 4
    for p, q in zip(res.model.parameters(), snapshots[4]):
        assert torch.equal(p, q)     # the weights from before the bad step


def test_attractors_control_trains_and_tests_with_exactly_n():
    res = T.train(tiny(distance=9, attractors=2, steps=8))
    assert res.status == "ok"
    task = T.Task(res.config)
    rng = np.random.default_rng(0)
    for _ in range(30):    # training distances start at 3 * attractors, so batches fit
        task.batch(rng, 4)
    _, _, exs = grammar.agreement_batch(np.random.default_rng(1), 20, 9, attractors=2)
    assert all(e.n_attractors == 2 for e in exs)


def _record_batches(monkeypatch):
    """Record the distance of every pooled batch and the calls of two_clause_batch."""
    seen = {"pool": [], "two": 0}
    pool_batch, two_clause = T.pool.pool_batch, T.grammar.two_clause_batch

    def pooled(rng, n, d, *a, **k):
        seen["pool"].append(d)
        return pool_batch(rng, n, d, *a, **k)

    def two(*a, **k):
        seen["two"] += 1
        return two_clause(*a, **k)
    monkeypatch.setattr(T.pool, "pool_batch", pooled)
    monkeypatch.setattr(T.grammar, "two_clause_batch", two)
    return seen


def test_train_mix_short_draws_half_the_batches_from_short_distances(monkeypatch):
    def distances(mix):
        seen = _record_batches(monkeypatch)
        task = T.Task(T.TrainConfig(distance=30, train_mix=mix).resolved())
        rng = np.random.default_rng(0)
        for _ in range(400):
            task.batch(rng, 2)
        return np.array(seen["pool"])
    short_u, short_s = (distances("uniform") <= 5).mean(), (distances("short") <= 5).mean()
    assert 0.1 < short_u < 0.3 and 0.5 < short_s < 0.75, (short_u, short_s)
    with pytest.raises(ValueError, match="train_mix"):
        T.train(tiny(train_mix="backwards"))


def test_train_mix_two_clause_makes_half_the_batches_two_subject_sentences(monkeypatch):
    seen = _record_batches(monkeypatch)
    task = T.Task(T.TrainConfig(distance=30, train_mix="two-clause").resolved())
    rng = np.random.default_rng(0)
    for _ in range(300):
        task.batch(rng, 4)
    assert seen["two"] + len(seen["pool"]) == 300
    assert 0.4 < seen["two"] / 300 < 0.6
    task.batch(rng, 4, test=True)                           # tests stay one-clause
    assert seen["two"] + len(seen["pool"]) == 300


def test_should_stop():
    res = T.train(tiny(steps=50), should_stop=lambda: True)
    assert res.status == "stopped at step 1" and res.steps_done == 1


@pytest.mark.parametrize("task,kw", [("adding", dict(length=15)), ("copy", dict(length=5)),
                                     ("temporal", dict(length=20))])
def test_other_tasks_train(task, kw):
    res = T.train(tiny(task=task, steps=5, **kw))
    assert res.status == "ok" and res.grad_hidden.shape[1] > 0
    assert ("test_mse" in res.test) == (task == "adding")


@pytest.mark.parametrize("task", ["agreement", "copy"])
@pytest.mark.parametrize("arch", ["lstm", "rnn", "gru"])
def test_timestep_grad_norms_are_autograd_totals(arch, task):
    """The trainer's per-step gradient norms (glass core) equal autograd through torch's own cells unrolled with
    the same weights, also for the copy task whose loss reads every step."""
    from torch_reference import torch_cell_unroll
    cfg = tiny(arch=arch, task=task, **({"length": 4} if task == "copy" else {}))
    m = T.build_model(cfg)
    task_ = T.Task(cfg.resolved())
    x, y = task_.batch(np.random.default_rng(3), 5, test=True)
    g = T.timestep_grad_norms(m, task_, x, y)
    hs, cs = torch_cell_unroll(m, m.embed(x).detach())
    assert torch.allclose(torch.stack(hs, 1), m.hidden_states(x), atol=1e-6)
    loss = task_.loss(m.readout(torch.stack(hs, 1)), y)
    grads = torch.autograd.grad(loss, hs + (cs or []))
    ref = np.array([gr.norm(dim=1).mean().item() for gr in grads])
    T_ = len(hs)
    np.testing.assert_allclose(g["hidden"], ref[:T_], rtol=1e-4, atol=1e-9)
    if arch == "lstm":
        np.testing.assert_allclose(g["cell"], ref[T_:], rtol=1e-4, atol=1e-9)
    assert g["loss"] == pytest.approx(loss.item(), rel=1e-5)


@pytest.mark.parametrize("arch", ["lstm", "rnn", "gru"])
def test_parity_with_the_glass_core(arch):
    """The fused SeqModel and the glass trace of the same weights on model.embed(tokens)
    agree on every h_t, on the prediction, and on the gradients dL/dh_t the trainer logs."""
    res = T.train(tiny(arch=arch, steps=10, seed=1))
    m = res.model
    x, y, _ = grammar.agreement_batch(np.random.default_rng(5), 6, 6)
    x, y = torch.from_numpy(x), torch.from_numpy(y)
    inp = m.embed(x).detach()
    loss_fn = lambda h: torch.nn.functional.cross_entropy(m.readout(h), y)
    trace = m.glass().trace(inp, loss_fn=loss_fn)
    with torch.no_grad():
        h = m.hidden_states(x)
        logits = m(x)[:, -1]
    assert np.allclose(trace.hidden, h.numpy(), atol=1e-6)
    assert torch.allclose(m.readout(torch.from_numpy(trace.hidden[:, -1])), logits, atol=1e-6)
    g = T.timestep_grad_norms(m, T.Task(res.config), x, y)
    assert np.allclose(np.linalg.norm(trace.grad_hidden, axis=2).mean(0), g["hidden"],
                       rtol=1e-4, atol=1e-9)
    if arch == "lstm":
        assert np.allclose(np.linalg.norm(trace.grad_cell, axis=2).mean(0), g["cell"],
                           rtol=1e-4, atol=1e-9)


def test_accuracy_by_distance_and_attractors_on_fresh_data():
    res = T.train(tiny(steps=5))
    by_d = T.accuracy_by_distance(res.model, [0, 3, 6], n=100, seed=9)
    by_a = T.accuracy_by_attractors(res.model, 9, counts=(0, 1, 3), n=100, seed=9)
    assert set(by_d) == {0, 3, 6} and set(by_a) == {0, 1, 3}
    assert all(0 <= v <= 1 for v in [*by_d.values(), *by_a.values()])


def test_cli_last_stdout_line_is_json(tmp_path):
    cmd = [sys.executable, "-m", "lstm_core.training", "--task", "agreement", "--distance", "5",
           "--arch", "gru", "--seed", "2", "--steps", "6", "--hidden", "8", "--batch", "8",
           "--test-size", "50", "--save", str(tmp_path / "m")]
    p = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert p.returncode == 0, p.stderr
    out = json.loads(p.stdout.strip().splitlines()[-1])
    for k in ("arch", "task", "distance", "seed", "steps", "seconds", "test_accuracy"):
        assert k in out
    assert out["arch"] == "gru" and out["steps"] == 6 and out["distance"] == 5
    assert "step" in p.stderr                       # progress on stderr
    assert (tmp_path / "m.safetensors").is_file() and (tmp_path / "m.json").is_file()
    meta = json.loads((tmp_path / "m.json").read_text())
    assert meta["command"].startswith("python -m lstm_core.training --task agreement")
    bad = subprocess.run([sys.executable, "-m", "lstm_core.training", "--hidden", "100000"],
                         cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert bad.returncode == 2 and "hidden must be between" in bad.stderr
    assert "Traceback" not in bad.stderr
