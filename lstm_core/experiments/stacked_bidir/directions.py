"""A task whose answer lies in the future, read by a bidirectional and a unidirectional LSTM.

The masked-subject task (lstm_core.data.masked_subject): the sentence through its verb, the subject
masked; at the subject, say its number. Only words after the subject tell it.

    r = task_run(model, "bidir", seed=0)       # TaskRun: accuracy (overall, by attractors), per-position probes
    s = sentence_directions(bidir, uni, ex)    # one sentence: forward and backward states, P(plural)

Probes: the Number units diagnostic classifier (cross-validated logistic regression per position) of
the subject's number from one direction's hidden states at every position k = -1 .. distance + 1
relative to the subject (k = distance + 1 is the verb). The forward direction at k has read only the
words up to k; the backward direction at k only the words from k to the verb.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from lstm_core.data import lexicon as lx
from lstm_core.data.masked_subject import masked_subject_batch, masked_tokens, subject_col
from lstm_core.experiments.number_units.sentences import COUNTS
from lstm_core.experiments.number_units.stats import auc, probe_accuracy

KINDS = ("bidir", "uni")
_EVAL, _FIND, _SHOW = 201, 202, 203      # random streams (seed, stream) of this task's held-out sets
CHUNK = 250


def _rng(seed: int, stream: int, *more: int) -> np.random.Generator:
    return np.random.default_rng([int(seed), stream, *map(int, more)])


def _check(model) -> str:
    arch = getattr(model, "arch", None)
    if arch not in ("lstm", "lstm_bidir") or model.n_out != 2 or model.n_in != len(lx.VOCAB):
        raise ValueError("this analysis reads an LSTM or a bidirectional LSTM trained on the masked-subject task")
    return arch


@torch.no_grad()
def direction_states(model, x: np.ndarray) -> tuple[dict, np.ndarray]:
    """Glass core on ids x (B, T): ({direction: (B, T, H) hidden states}, P(plural) (B, T) from the readout).
    A unidirectional LSTM has only 'forward'."""
    arch = _check(model)
    glass = model.glass()
    out, ps = {}, []
    for i in range(0, len(x), CHUNK):
        e = model.embed(torch.from_numpy(np.asarray(x[i:i + CHUNK], dtype=np.int64))).to(glass.dtype)
        tr = glass.trace(e)
        if arch == "lstm_bidir":
            parts = {"forward": tr[0, "forward"].hidden, "backward": tr[0, "backward"].hidden}
            full = tr.output
        else:
            parts = {"forward": tr.hidden}
            full = tr.hidden
        for d, v in parts.items():
            out.setdefault(d, []).append(np.asarray(v, dtype=np.float32))
        h = torch.from_numpy(np.asarray(full)).to(model.readout.weight.dtype)
        ps.append(torch.softmax(model.readout(h), -1)[..., lx.PLURAL].float().numpy())
    return {d: np.concatenate(v) for d, v in out.items()}, np.concatenate(ps)


@dataclass
class TaskRun:
    """One model on the masked-subject task. accuracy: at the subject, on n_eval fresh sentences at
    `distance` (n_eval / len(COUNTS) per attractor count 0..4); acc_by_attractors (len(COUNTS),).
    positions (P,): -1 .. distance + 1 relative to the subject; probe_mean / probe_std: direction ->
    (P,) held-out probe accuracy on n_find sentences; params: the model's parameter count; answered_plural:
    the share of the n_eval sentences it answers "plural" (a constant answer gives 0 or 1)."""
    kind: str
    seed: int
    params: int
    hidden: int
    distance: int
    accuracy: float
    acc_by_attractors: np.ndarray
    answered_plural: float
    n_eval: int
    n_find: int
    positions: np.ndarray
    probe_mean: dict
    probe_std: dict


def _sets(seed: int, stream: int, n: int, distance: int, counts):
    xs, ys, cs = [], [], []
    for c in counts:
        x, y, ex = masked_subject_batch(_rng(seed, stream, 99 if c is None else c), n, distance, c)
        xs.append(x)
        ys.append(y[:, subject_col(x, distance)])
        cs += [e.n_attractors for e in ex]
    width = max(x.shape[1] for x in xs)
    x = np.concatenate([np.pad(x, ((0, 0), (width - x.shape[1], 0))) for x in xs])
    return x, np.concatenate(ys), np.array(cs)


def task_run(model, kind: str, seed: int = 0, distance: int = 30, n_eval: int = 200, n_find: int = 500,
             model_seed: int = 0) -> TaskRun:
    """Accuracy at the masked subject (n_eval sentences per attractor count) and per-direction probes."""
    _check(model)
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {KINDS}, got {kind!r}")
    x, y, counts = _sets(seed, _EVAL, n_eval, distance, COUNTS)
    col = subject_col(x, distance)
    _, p = direction_states(model, x)
    correct = (p[:, col] >= 0.5) == (y == lx.PLURAL)
    by = np.array([correct[counts == c].mean() for c in COUNTS], dtype=np.float32)
    fx, fy, _ = _sets(seed, _FIND, n_find, distance, [None])
    states, _ = direction_states(model, fx)
    cols = slice(subject_col(fx, distance) - 1, fx.shape[1])
    pm, ps = {}, {}
    for d, v in states.items():
        pm[d], ps[d] = probe_accuracy(v[:, cols], fy, seed=seed)
    return TaskRun(kind, int(model_seed), int(model.n_params()["total"]), int(model.hidden), int(distance),
                   float(correct.mean()), by, float((p[:, col] >= 0.5).mean()), int(len(y)), int(n_find), np.arange(-1, distance + 2), pm, ps)


def direction_bands(tasks: dict) -> dict:
    """{'forward', 'backward' (the bidirectional LSTM's), 'unidirectional'}: (mean (P,), std (P,)) of the
    per-position probe over the seeds. tasks {'bidir'|'uni': [TaskRun per seed]}."""
    out = {}
    for name, kind, direction in (("forward", "bidir", "forward"), ("backward", "bidir", "backward"),
                                  ("unidirectional", "uni", "forward")):
        rows = [r.probe_mean[direction] for r in tasks[kind]]
        out[name] = (np.mean(rows, 0), np.std(rows, 0))
    return out


@dataclass
class SentenceDirections:
    """One masked-subject sentence. tokens: what the models read (the verb last, the subject MASK);
    values: direction -> (T, H) hidden states of the bidirectional model; uni (T, H'): the unidirectional
    model's; p_bidir / p_uni (T,): each readout's P(plural) at every token (scored only at the subject);
    order: direction -> units by |2 AUC - 1| at the subject over the find sentences, best first."""
    tokens: list
    subject_pos: int
    attractor_positions: list
    label: int
    values: dict
    uni: np.ndarray
    p_bidir: np.ndarray
    p_uni: np.ndarray
    order: dict


def show_sentences(seed: int = 0, distance: int = 30, n: int = 8) -> list:
    """The sentences the page offers: n fresh masked-subject sentences (random attractors)."""
    return masked_subject_batch(_rng(seed, _SHOW), n, distance)[2]


@torch.no_grad()
def unit_order(model, seed: int = 0, distance: int = 30, n: int = 300) -> dict:
    """direction -> units of `model` by |2 AUC - 1| of their hidden state at the masked subject, best first."""
    x, y, _ = _sets(seed, _FIND, n, distance, [None])
    states, _ = direction_states(model, x)
    col = subject_col(x, distance)
    return {d: np.argsort(-np.abs(2 * auc(v[:, col], y) - 1), kind="stable") for d, v in states.items()}


def sentence_directions(bidir, uni, example, order: dict) -> SentenceDirections:
    """Both models on one AgreementExample read as a masked-subject sentence."""
    if _check(bidir) != "lstm_bidir" or _check(uni) != "lstm":
        raise ValueError("pass the bidirectional model first, then the unidirectional one")
    tokens = masked_tokens(example)
    x = np.array([[lx.WORD_TO_ID[w] for w in tokens]], dtype=np.int64)
    sb, pb = direction_states(bidir, x)
    su, pu = direction_states(uni, x)
    return SentenceDirections(tokens, int(example.subject_pos), list(example.attractor_positions), int(example.label),
                              {d: v[0] for d, v in sb.items()}, su["forward"][0], pb[0], pu[0],
                              {d: np.asarray(o) for d, o in order.items()})
