"""Training on a continual stream (lstm_core.data.stream) by truncated backpropagation through time.

`lanes` unbroken streams are read side by side in chunks of `chunk` tokens; the state (h, c) at
the end of a chunk is the start of the next chunk of the same lane (detached: gradients flow
back at most `chunk` steps), and it is never reset, from the first token of training to the last.
The loss is the cross-entropy of the verb's number at each sentence's answer step (the token
before the verb); every other token has no target. The model is the trainer's own SeqModel,
built by lstm_core.training.trainer.build_model from a TrainConfig (same init, same forget-gate
bias of 1 where a forget gate exists, same Adam and clipping), so the only difference between
the forget-gate LSTM and the 1997 cell is the forget gate.
"""
from __future__ import annotations

import math
import time
from dataclasses import asdict, dataclass, replace

import numpy as np
import torch
import torch.nn.functional as F

from lstm_core.data import stream as st
from lstm_core.training.models import SeqModel
from lstm_core.training.trainer import TrainConfig, build_model, make_optimizer, upgrade_keys


@dataclass(frozen=True)
class StreamConfig:
    """One stream-training run. The TrainConfig fields (arch, hidden, embed_dim, lr, clip,
    forget_bias, seed) mean what they mean to the trainer."""
    arch: str = "lstm_v"
    hidden: int = 32
    embed_dim: int = 32
    lanes: int = 32               # streams read side by side (the batch)
    chunk: int = 40               # truncated BPTT: tokens per chunk
    steps: int = 1200             # chunks read per lane = optimizer steps
    lo: int = 0                   # subject-verb distance of each sentence: uniform in lo..hi
    hi: int = 12
    lr: float = 5e-3
    clip: float = 1.0
    forget_bias: float = 1.0      # applied only where there is a forget gate (not lstm_nfg)
    seed: int = 0
    reset: bool = False           # the control: each sentence read alone from a zero state
                                  # (batches of whole sentences, as many tokens per step)

    def train_config(self) -> TrainConfig:
        """The TrainConfig that builds the model and optimizer (and that checkpoints store)."""
        return TrainConfig(task="agreement", arch=self.arch, distance=self.hi, hidden=self.hidden,
                           embed_dim=self.embed_dim, steps=self.steps, batch=self.lanes, lr=self.lr,
                           clip=self.clip, forget_bias=self.forget_bias, seed=self.seed,
                           word_dropout=0.0, grad_every=0).resolved()

    def stream_fields(self) -> dict:
        """The settings that TrainConfig does not have, prefixed 'stream_' for the checkpoint."""
        return {"stream_lanes": self.lanes, "stream_chunk": self.chunk, "stream_lo": self.lo,
                "stream_hi": self.hi, "stream_reset": self.reset}

    @classmethod
    def from_checkpoint_train(cls, train: dict) -> "StreamConfig":
        """Back from a checkpoint's train section (TrainConfig fields + stream_ fields)."""
        train = upgrade_keys(train)
        return cls(arch=train["arch"], hidden=train["hidden"], embed_dim=train["embed_dim"],
                   lanes=train["stream_lanes"], chunk=train["stream_chunk"], steps=train["steps"],
                   lo=train["stream_lo"], hi=train["stream_hi"], lr=train["lr"], clip=train["clip"],
                   forget_bias=1.0 if train["forget_bias"] is None else train["forget_bias"],
                   seed=train["seed"], reset=train["stream_reset"])


@dataclass
class StreamRun:
    model: SeqModel
    config: StreamConfig
    losses: np.ndarray            # (steps,) mean loss of each chunk
    train_seconds: float
    status: str = "ok"


def _state(model: SeqModel, lanes: int):
    z = torch.zeros(1, lanes, model.hidden)
    return (z, z.clone())


def train_stream(cfg: StreamConfig, progress=None) -> StreamRun:
    """Train a fresh model on `cfg.lanes` unbroken streams (data rng default_rng([seed, 0])).
    A non-finite loss stops training (status 'diverged at chunk k')."""
    tc = cfg.train_config()
    model = build_model(tc)
    params = list(model.parameters())
    opt = make_optimizer(tc, params)
    rng = np.random.default_rng([cfg.seed, 0])
    if cfg.reset:
        batches = [tuple(map(torch.from_numpy, b)) for b in
                   st.sentence_batches(rng, cfg.steps, cfg.lanes * cfg.chunk, (cfg.lo, cfg.hi))]
    else:
        x, y = map(torch.from_numpy, st.stream_lanes(rng, cfg.lanes, cfg.steps * cfg.chunk, (cfg.lo, cfg.hi)))
        batches = [(x[:, k * cfg.chunk:(k + 1) * cfg.chunk], y[:, k * cfg.chunk:(k + 1) * cfg.chunk])
                   for k in range(cfg.steps)]
    state = _state(model, cfg.lanes)
    losses, status = [], "ok"
    t0 = time.perf_counter()
    for k, (xs, ys) in enumerate(batches):
        h, (hn, cn) = model.rnn(model.embed(xs), None if cfg.reset else state)
        state = (hn.detach(), cn.detach())
        if not (ys != st.IGNORE).any():
            continue
        loss = F.cross_entropy(model.readout(h).reshape(-1, 2), ys.reshape(-1), ignore_index=st.IGNORE)
        if not math.isfinite(loss.item()):
            status = f"diverged at chunk {k}"
            break
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(params, cfg.clip)
        opt.step()
        losses.append(loss.item())
        if progress is not None:
            progress(dict(step=k + 1, steps=cfg.steps, loss=losses[-1]))
    model.eval()
    return StreamRun(model, cfg, np.asarray(losses, dtype=np.float64), time.perf_counter() - t0, status)


@torch.no_grad()
def stream_logits(model: SeqModel, s: st.Stream, reset: bool) -> np.ndarray:
    """(n, 2) the readout at each sentence's answer step. reset=False: one pass over the whole
    stream from a zero state; reset=True: each sentence read alone from a zero state (the
    control: what the same weights do when nothing is carried over)."""
    if not reset:
        h, _ = model.rnn(model.embed(torch.from_numpy(s.ids)[None]))
        return answer_logits(model, h[0], s)
    ends = np.append(s.starts[1:], len(s))
    T = int((ends - s.starts).max())
    x = torch.zeros(s.n_sentences, T, dtype=torch.int64)       # right-padded: the answer step
    for j, (a, b) in enumerate(zip(s.starts, ends)):           # never sees the padding
        x[j, :b - a] = torch.from_numpy(s.ids[a:b])
    h, _ = model.rnn(model.embed(x))
    return model.readout(h[torch.arange(s.n_sentences), torch.from_numpy(s.answer_steps - s.starts)]).double().numpy()


@torch.no_grad()
def answer_logits(model: SeqModel, hidden: torch.Tensor, s: st.Stream) -> np.ndarray:
    """(n, 2) the readout at each sentence's answer step, from the hidden states (T, H) of one pass over
    the whole stream (torch's, or the glass core's in float64)."""
    return model.readout(hidden[s.answer_steps].to(model.readout.weight.dtype)).double().numpy()


def stream_accuracy(model: SeqModel, s: st.Stream, reset: bool) -> np.ndarray:
    """(n,) bool: the predicted number at each sentence's answer step is the subject's."""
    return stream_logits(model, s, reset).argmax(-1) == s.labels


def checkpoint_train_section(cfg: StreamConfig) -> dict:
    return {**asdict(cfg.train_config()), **cfg.stream_fields()}


def with_seed(cfg: StreamConfig, seed: int) -> StreamConfig:
    return replace(cfg, seed=int(seed))
