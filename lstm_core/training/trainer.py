"""Trainer for SeqModel on the long-dependency tasks (its CLI: lstm_core.training.cli).

Defaults are identical for every architecture (data, optimizer, learning rate, steps, hidden
size). The forget-gate bias init exists only in the LSTM, so --forget-bias has no effect on
the RNN or the GRU.

Agreement data: each training batch has one distance drawn uniformly from 0..d; the test uses
exactly d. What the RNN's failure at d=30 means: with --train-mix short (half the batches at
distance 0..5) the same tanh RNN, same budget, gets well above chance at d=30 (shipped: 80% vs 49%; see bench/bench_train.py). Its
failure under the default mix is a failure to *learn* the dependency from long examples
(vanishing gradients during training), not an inability to *hold* a number for 30 steps.
With --train-mix two-clause half the batches are two-subject sentences ("the keys ... are old
and the dog ... [is]"): a model must also learn to let go of the first subject.
Sentences come from lstm_core.data.grammar (the subject must be found: fronted phrases and
clauses, relative clauses, coordination); uniform-mix training batches without forced
attractors are drawn from a per-process cached pool (lstm_core.data.pool), test sentences are
always fresh. Word dropout replaces a share of the read words by their unknown-word class, so
the models learn what an unknown word of each shape means.
The masked-subject task (lstm_core.data.masked_subject) reads the same sentences through their verb
with the subject masked and asks for the subject's number at the subject: the answer lies in the
future, for a bidirectional LSTM ("lstm_bidir"). Its label is per token (IGNORE elsewhere).
"""
from __future__ import annotations

import math
import sys
import time
from dataclasses import dataclass, field, replace

import numpy as np
import torch
import torch.nn.functional as F

from lstm_core import limits
from lstm_core.data import grammar, masked_subject, pool, sequences
from lstm_core.data import lexicon as lx
from lstm_core.training import inits
from lstm_core.training.inits import INITS
from lstm_core.cells import StackTrace
from lstm_core.training.models import ARCHS, SeqModel, has_forget_gate

TASKS = ("agreement", "adding", "copy", "temporal", "masked-subject")
SENTENCE_TASKS = ("agreement", "masked-subject")     # read the agreement vocabulary; `distance` applies
OPTIMIZERS = ("adam", "sgd", "rmsprop")
TRAIN_MIXES = ("uniform", "short", "two-clause")
TWO_CLAUSE_MAX_D1 = 12          # "two-clause" mix: clause 1's subject-verb distance is drawn from 0..12
SCHEDULES = ("constant", "cosine")
# per-task defaults for the steps (same for every architecture)
DEFAULT_STEPS = {"agreement": 1200, "adding": 2000, "copy": 1000, "temporal": 1000, "masked-subject": 1200}


@dataclass
class TrainConfig:
    """Every setting of a run. The defaults are the CLI's defaults."""
    task: str = "agreement"
    arch: str = "lstm"
    distance: int = 30            # agreement: test distance; training batches draw 0..distance
    length: int = 100             # adding / temporal: sequence length; copy: blank length
    attractors: int | None = None  # agreement: None = random intervening nouns
    train_mix: str = "uniform"    # agreement: batch distance uniform in 0..d, or "short":
                                  # half the batches from 0..5 (a fixed mix, not a curriculum), or
                                  # "two-clause": half the batches are two-subject sentences
    word_dropout: float = 0.1     # agreement: share of read words replaced by their unknown class
    hidden: int = 32
    embed_dim: int = 32          # token embedding width (ids tasks), the recurrent layer's input size
    steps: int | None = None      # None -> DEFAULT_STEPS[task]
    batch: int = 64
    lr: float = 5e-3
    optimizer: str = "adam"
    schedule: str = "constant"    # learning rate: constant, or cosine decay to 0 (per step)
    clip: float | None = 1.0      # max gradient norm; None = no clipping
    forget_bias: float | None = 1.0   # LSTM only: b_f = forget_bias (Jozefowicz 2015)
    init: str = "default"         # recurrent weights: default / orthogonal / identity
    nonlinearity: str = "tanh"    # RNN only
    seed: int = 0
    grad_every: int = 25          # per-timestep ||dL/dh_t|| on the probe batch every k steps
    probe_size: int = 32
    test_size: int = 1000

    def resolved(self) -> "TrainConfig":
        """Validated copy with steps filled in; ValueError names any bad setting."""
        for name, allowed in (("task", TASKS), ("arch", ARCHS), ("init", INITS), ("optimizer", OPTIMIZERS),
                              ("train_mix", TRAIN_MIXES), ("schedule", SCHEDULES), ("nonlinearity", ("tanh", "relu"))):
            if getattr(self, name) not in allowed:
                raise ValueError(f"{name} must be one of {allowed}, got {getattr(self, name)!r}")
        c = replace(self, steps=DEFAULT_STEPS[self.task] if self.steps is None else self.steps)
        if not has_forget_gate(c.arch):
            c.forget_bias = None          # no forget gate (RNN, GRU, the 1997 cell, CIFG): recorded as not applied
        c.steps = limits.check_int("steps", c.steps, 1, limits.MAX_STEPS)
        c.hidden = limits.check_int("hidden", c.hidden, 1, limits.MAX_HIDDEN)
        c.embed_dim = limits.check_int("embed_dim", c.embed_dim, 1, limits.MAX_EMBED)
        c.batch = limits.check_int("batch", c.batch, 1, limits.MAX_BATCH)
        c.test_size = limits.check_int("test_size", c.test_size, 1, limits.MAX_TEST)
        c.probe_size = limits.check_int("probe_size", c.probe_size, 1, limits.MAX_BATCH)
        c.grad_every = limits.check_int("grad_every", c.grad_every, 0, limits.MAX_STEPS)
        c.seed = limits.check_int("seed", c.seed, 0, 2**31 - 1)
        if c.task in SENTENCE_TASKS:
            c.distance = limits.check_int("distance", c.distance, 0, limits.MAX_T - 10)
            if c.attractors is not None:
                c.attractors = limits.check_int("attractors", c.attractors, 0,
                                                grammar.max_attractors(c.distance))
            if not (isinstance(c.word_dropout, (int, float)) and 0 <= c.word_dropout < 0.5):
                raise ValueError(f"word_dropout must be in [0, 0.5), got {c.word_dropout!r}")
        else:
            lo = {"adding": 2, "copy": 1, "temporal": 10}[c.task]
            c.length = limits.check_int("length", c.length, lo, limits.MAX_T - 20)
        if not (isinstance(c.lr, (int, float)) and math.isfinite(c.lr) and 0 < c.lr <= 10):
            raise ValueError(f"lr must be a number in (0, 10], got {c.lr!r}")
        if c.clip is not None and not (math.isfinite(c.clip) and c.clip > 0):
            raise ValueError(f"clip must be a positive number or None, got {c.clip!r}")
        if c.forget_bias is not None and not (math.isfinite(c.forget_bias)
                                              and abs(c.forget_bias) <= 20):
            raise ValueError(f"forget_bias must be in [-20, 20] or None, got {c.forget_bias!r}")
        return c


LEGACY_KEYS = {"embed": "embed_dim"}     # settings files (checkpoints, stored runs) written before a rename


def upgrade_keys(settings: dict) -> dict:
    """A stored TrainConfig dict with its keys under today's names (the values untouched)."""
    return {LEGACY_KEYS.get(k, k): v for k, v in settings.items()}


# ----------------------------------------------------------------------------------------
# Tasks as (data, model shape, loss, metric)

class Task:
    """Wraps the generators of lstm_core.data. batch(rng, n, test) -> (x, y) tensors;
    loss(out, y) with out = model(x) (B, T, n_out); accuracy(out, y) or None."""

    def __init__(self, cfg: TrainConfig):
        self.cfg = cfg
        self.name = cfg.task
        if cfg.task in SENTENCE_TASKS:
            self.input_kind, self.n_in, self.n_out = "ids", len(lx.VOCAB), 2
        elif cfg.task == "adding":
            self.input_kind, self.n_in, self.n_out = "features", 2, 1
        elif cfg.task == "copy":
            self.input_kind, self.n_in, self.n_out = "ids", 10, 9   # symbols 1..8, 0, 9
        else:
            self.input_kind, self.n_in, self.n_out = "ids", len(sequences.TEMPORAL_SYMBOLS), 4

    def batch(self, rng: np.random.Generator, n: int, test: bool = False, **kw):
        """Agreement: each training batch has one distance drawn uniformly from
        0..distance (over a run the mix is uniform; a batch needs almost no padding; with
        attractors=N the draw starts at 3N, the least distance that holds N nouns;
        train_mix="short" draws half the batches from 0..5 instead; train_mix="two-clause" makes
        half the batches two-subject sentences, clause 1 at a distance in 0..TWO_CLAUSE_MAX_D1,
        clause 2 in 0..distance, the answer clause 2's subject number);
        test batches use exactly `distance` (or kw distance / attractors)."""
        c = self.cfg
        if self.name == "masked-subject":        # no word dropout: see lstm_core.data.masked_subject
            lo = 3 * (c.attractors or 0)
            d = kw.get("distance", c.distance if test else int(rng.integers(lo, c.distance + 1)))
            x, y, _ = masked_subject.masked_subject_batch(rng, n, d, kw.get("attractors", c.attractors))
            return torch.from_numpy(x), torch.from_numpy(y)
        if self.name == "agreement":
            lo = 3 * (c.attractors or 0)   # room for the forced attractors
            hi = c.distance
            wd = 0.0 if test else c.word_dropout
            if not test and c.train_mix == "two-clause" and rng.random() < 0.5:
                d1, d2 = int(rng.integers(0, TWO_CLAUSE_MAX_D1 + 1)), int(rng.integers(lo, hi + 1))
                x, y, _ = grammar.two_clause_batch(rng, n, d1, d2, word_dropout=wd)
                return torch.from_numpy(x), torch.from_numpy(y)
            if not test and c.train_mix == "short" and rng.random() < 0.5:
                hi = min(max(lo, 5), c.distance)
            d = kw.get("distance", c.distance if test else int(rng.integers(lo, hi + 1)))
            attractors = kw.get("attractors", c.attractors)
            if not test and attractors is None:
                x, y = pool.pool_batch(rng, n, d, 0, c.distance, word_dropout=wd)
            else:
                x, y, _ = grammar.agreement_batch(rng, n, d, attractors, word_dropout=wd)
            return torch.from_numpy(x), torch.from_numpy(y)
        if self.name == "adding":
            x, y = sequences.adding_batch(rng, n, c.length)
        elif self.name == "copy":
            x, y = sequences.copy_batch(rng, n, c.length)
        else:
            x, y = sequences.temporal_order_batch(rng, n, c.length)
        return torch.from_numpy(x), torch.from_numpy(y)

    def loss(self, out: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        if self.name == "adding":
            return F.mse_loss(out[:, -1, 0], y)
        if self.name == "copy":
            return F.cross_entropy(out.reshape(-1, self.n_out), y.reshape(-1))
        if self.name == "masked-subject":
            return F.cross_entropy(out.reshape(-1, self.n_out), y.reshape(-1), ignore_index=masked_subject.IGNORE)
        return F.cross_entropy(out[:, -1], y)

    def accuracy(self, out: torch.Tensor, y: torch.Tensor) -> float | None:
        if self.name == "adding":
            return None
        if self.name == "copy":   # accuracy on the symbols to recall
            return (out[:, -10:].argmax(-1) == y[:, -10:]).float().mean().item()
        if self.name == "masked-subject":        # at the labelled (subject) positions
            keep = y != masked_subject.IGNORE
            return (out.argmax(-1)[keep] == y[keep]).float().mean().item()
        return (out[:, -1].argmax(-1) == y).float().mean().item()


def build_model(cfg: TrainConfig) -> SeqModel:
    """Fresh model for cfg, initialised from torch.manual_seed(cfg.seed) (global torch RNG
    state is left untouched)."""
    task = Task(cfg)
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(cfg.seed)
        model = SeqModel(cfg.arch, task.n_in, cfg.hidden, task.n_out,
                         input_kind=task.input_kind, embed_dim=cfg.embed_dim,
                         nonlinearity=cfg.nonlinearity)
        inits.init_recurrent(model.rnn, cfg.init, cfg.forget_bias)     # draws from the seeded global RNG
    return model


def make_optimizer(cfg: TrainConfig, params):
    if cfg.optimizer == "adam":
        return torch.optim.Adam(params, lr=cfg.lr)
    if cfg.optimizer == "rmsprop":
        return torch.optim.RMSprop(params, lr=cfg.lr)
    return torch.optim.SGD(params, lr=cfg.lr, momentum=0.9)


# ----------------------------------------------------------------------------------------
# Gradient norms through time

def preload() -> int:
    """Take one step of every optimizer we offer on a 1-element parameter, once per process.

    torch imports torch._dynamo (with sympy and mpmath: ~800 modules, ~1 s) on an optimizer's first
    step. lstm_core.warmup calls this at a server's start so that cost is not paid inside a user's
    first training, and so that those modules exist before it freezes everything loaded out of the
    garbage collector. Returns how many modules are loaded."""
    weight = torch.nn.Parameter(torch.zeros(1))
    for name in OPTIMIZERS:
        opt = make_optimizer(TrainConfig(optimizer=name), [weight])
        weight.grad = torch.zeros(1)
        opt.step()
    torch.optim.lr_scheduler.CosineAnnealingLR(make_optimizer(TrainConfig(), [weight]), T_max=1)
    return len(sys.modules)


def timestep_grad_norms(model: SeqModel, task: Task, x, y) -> dict:
    """Per-timestep gradient norms on one batch, from the glass core's trace of the model's own weights:
    {'hidden': (T,) mean_b ||dL/dh_t||, 'cell': (T,) mean_b ||dL/dc_t|| (LSTM; else None), 'loss': float}.
    Total derivatives (through all later steps), so for a loss at the last step entry t shows how much h_t
    still matters. A stacked or bidirectional LSTM: the first layer's states (both directions side by side),
    the ones farthest from the loss."""
    with torch.no_grad():
        inp = model.embed(x)
    tr = model.glass().trace(inp, loss_fn=lambda hs: task.loss(model.readout(hs), y), loss_step="all")
    if isinstance(tr, StackTrace):
        return dict(hidden=np.linalg.norm(tr.layer(0, "grad_hidden"), axis=-1).mean(0).astype(np.float32),
                    cell=np.linalg.norm(tr.layer(0, "grad_cell"), axis=-1).mean(0).astype(np.float32),
                    loss=float(tr.loss))
    norm = lambda g: np.linalg.norm(g, axis=-1).mean(0).astype(np.float32)   # noqa: E731  (B, T, H) -> (T,)
    return dict(hidden=norm(tr.grad_hidden), cell=norm(tr.grad_cell) if "grad_cell" in tr.names() else None,
                loss=float(tr.loss))


# ----------------------------------------------------------------------------------------
# Training

@dataclass
class TrainResult:
    """model holds the last good weights. history: one dict per step (step, loss, accuracy,
    elapsed). grad_steps (K,), grad_hidden (K, T) and grad_cell (K, T) (LSTM) are the
    probe-batch gradient norms. status 'ok' or e.g. 'diverged at step 412 (loss = inf)'."""
    model: SeqModel
    config: TrainConfig
    history: list = field(default_factory=list)
    grad_steps: list = field(default_factory=list)
    grad_hidden: np.ndarray | None = None
    grad_cell: np.ndarray | None = None
    status: str = "ok"
    steps_done: int = 0
    train_seconds: float = 0.0
    eval_seconds: float = 0.0
    test: dict = field(default_factory=dict)

    @property
    def diverged(self) -> bool:
        return self.status.startswith("diverged")


def _fmt(v: float) -> str:
    return "nan" if math.isnan(v) else ("inf" if v > 0 else "-inf") if math.isinf(v) else f"{v:.4g}"


def train(cfg: TrainConfig = TrainConfig(), progress=None, should_stop=None,
          evaluate_after: bool = True) -> TrainResult:
    """Train a fresh model. progress(dict) is called after every step with keys step, steps,
    loss, accuracy (None for adding), elapsed (s) and, on probe steps, grad_hidden (T,) /
    grad_cell (T,). should_stop() -> True ends training early (status 'stopped at step s').
    Divergence (non-finite loss, gradient or weights) stops training and restores the
    weights of the last finite step. Data: train stream default_rng([seed, 0]), probe
    [seed, 2], test [seed, 1] (fresh held-out examples)."""
    cfg = cfg.resolved()
    task = Task(cfg)
    model = build_model(cfg)
    params = list(model.parameters())
    opt = make_optimizer(cfg, params)
    sched = (torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=cfg.steps)
             if cfg.schedule == "cosine" else None)
    rng = np.random.default_rng([cfg.seed, 0])
    probe = task.batch(np.random.default_rng([cfg.seed, 2]), cfg.probe_size, test=True)
    good = [p.detach().clone() for p in params]     # last weights that gave a finite loss
    res = TrainResult(model=model, config=cfg)
    grads_h, grads_c = [], []
    t0 = time.perf_counter()
    for step in range(1, cfg.steps + 1):
        if cfg.grad_every and (step == 1 or step % cfg.grad_every == 0):
            g = timestep_grad_norms(model, task, *probe)
            res.grad_steps.append(step - 1)          # measured before this step's update
            grads_h.append(g["hidden"])
            if g["cell"] is not None:
                grads_c.append(g["cell"])
        else:
            g = None
        x, y = task.batch(rng, cfg.batch)
        out = model(x)
        loss = task.loss(out, y)
        loss_v = loss.item()
        if not math.isfinite(loss_v):
            res.status = f"diverged at step {step} (loss = {_fmt(loss_v)})"
            break
        for p, q in zip(good, params):
            p.copy_(q.detach())
        opt.zero_grad(set_to_none=True)
        loss.backward()
        if cfg.clip is not None:
            gnorm = torch.nn.utils.clip_grad_norm_(params, cfg.clip)
            if not torch.isfinite(gnorm):
                res.status = f"diverged at step {step} (gradient norm = {_fmt(gnorm.item())})"
                break
        opt.step()
        if sched is not None:
            sched.step()
        with torch.no_grad():
            if not torch.isfinite(torch.stack([p.sum() for p in params]).sum()):
                res.status = f"diverged at step {step} (weights not finite)"
                break
        res.steps_done = step
        acc = task.accuracy(out, y)
        rec = dict(step=step, loss=loss_v, accuracy=acc, elapsed=time.perf_counter() - t0)
        res.history.append(rec)
        if progress is not None:
            info = dict(rec, steps=cfg.steps)
            if g is not None:
                info.update(grad_hidden=g["hidden"], grad_cell=g["cell"])
            progress(info)
        if should_stop is not None and should_stop():
            res.status = f"stopped at step {step}"
            break
    if res.diverged:   # keep the last good weights
        with torch.no_grad():
            for p, q in zip(params, good):
                p.copy_(q)
    res.train_seconds = time.perf_counter() - t0
    res.grad_hidden = np.stack(grads_h) if grads_h else np.zeros((0, 0), np.float32)
    res.grad_cell = np.stack(grads_c) if grads_c else None
    if evaluate_after:
        t1 = time.perf_counter()
        res.test = evaluate(model, cfg, n=cfg.test_size)
        res.eval_seconds = time.perf_counter() - t1
    return res


# ----------------------------------------------------------------------------------------
# Evaluation on fresh data

@torch.no_grad()
def evaluate(model: SeqModel, cfg: TrainConfig, n: int | None = None, seed: int | None = None,
             **kw) -> dict:
    """Metrics on n freshly generated examples (stream default_rng([seed, 1]); seed defaults
    to cfg.seed). kw overrides distance / attractors for agreement. Returns test_loss and
    test_accuracy or test_mse (adding)."""
    cfg = cfg.resolved()
    n = limits.check_int("n", cfg.test_size if n is None else n, 1, limits.MAX_TEST)
    task = Task(cfg)
    rng = np.random.default_rng([cfg.seed if seed is None else seed, 1])
    model.eval()
    x, y = task.batch(rng, n, test=True, **kw)
    out = torch.cat([model(x[i:i + 1000]) for i in range(0, n, 1000)])
    loss = task.loss(out, y).item()
    if task.name == "adding":
        return dict(test_mse=loss, test_loss=loss, n=n)
    return dict(test_accuracy=task.accuracy(out, y), test_loss=loss, n=n)


def accuracy_by_distance(model: SeqModel, distances, n: int = 500, seed: int = 0,
                         attractors: int | None = None) -> dict:
    """{d: agreement accuracy on n fresh sentences at exactly distance d}."""
    cfg = TrainConfig(task="agreement", distance=max(distances), seed=seed)
    return {int(d): evaluate(model, replace(cfg, distance=int(d)), n=n,
                             attractors=attractors)["test_accuracy"] for d in distances}


def accuracy_by_attractors(model: SeqModel, distance: int = 30, counts=(0, 1, 2, 3, 4),
                           n: int = 500, seed: int = 0) -> dict:
    """{k: agreement accuracy on n fresh sentences at `distance` with exactly k attractors}."""
    cfg = TrainConfig(task="agreement", distance=distance, seed=seed)
    return {int(k): evaluate(model, cfg, n=n, attractors=int(k))["test_accuracy"]
            for k in counts}
