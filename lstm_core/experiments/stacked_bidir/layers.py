"""Where a 2-layer LSTM holds the subject's number: per layer, a cross-validated logistic probe of the
subject's number at every position from the subject to the verb, and the units that separate singular
from plural subjects (the Number units method: AUC per unit and position, ranked by mean |2 AUC - 1|).

    a = analyse_layers(model, seed=0)        # LayerAnalysis: probe (L, P) per state, unit scores (L, H)
    units(a, "cell", 1)                      # layer 2's number units (score > STRONG_SCORE), best first
    s = sentence_states(model, tokens)       # one sentence's states per layer, for the heatmap

Every number comes from the glass core (model.glass() is a GlassStack) reading held-out sentences of the
Number units page's streams: the "find" sentences train and test the probes (5-fold cross-validation) and
rank the units; the "eval" sentences measure the model's accuracy.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from lstm_core.data import lexicon as lx
from lstm_core.experiments.number_units.sentences import _FIND, _rng, agreement_set, eval_set
from lstm_core.experiments.number_units.stats import STRONG_SCORE, auc, probe_accuracy, unit_scores

FIELDS = ("cell", "hidden")
CHUNK = 250                        # sentences per glass-core call
MIN_N = 20


@dataclass
class LayerAnalysis:
    """One stacked model's analysis. positions (P,): -1 .. distance relative to the subject (k = 0 the
    subject, k = distance the last token before the verb, where the model answers). probe_mean /
    probe_std: field -> (L, P) held-out probe accuracy (mean and spread over the folds); auc: field ->
    (L, P, H); score: field -> (L, H) mean |2 AUC - 1| over 0 .. distance. accuracy: the model's agreement
    accuracy on n_eval held-out sentences (0..4 attractors)."""
    seed: int
    model_seed: int
    distance: int
    n_find: int
    n_eval: int
    positions: np.ndarray
    probe_mean: dict
    probe_std: dict
    auc: dict
    score: dict
    accuracy: float

    @property
    def num_layers(self) -> int:
        return int(self.score[FIELDS[0]].shape[0])


def _check_stacked(model) -> int:
    if getattr(model, "arch", None) != "lstm_2layer" or model.n_out != 2 or model.n_in != len(lx.VOCAB):
        raise ValueError("this analysis reads a 2-layer LSTM trained on agreement (arch 'lstm_2layer')")
    return 2


@torch.no_grad()
def stack_states(model, x: np.ndarray) -> dict:
    """Glass core on token ids x (B, T): field -> (L, B, T, H) float32 for FIELDS (forward direction)."""
    stack = model.glass()
    out = {f: [] for f in FIELDS}
    for i in range(0, len(x), CHUNK):
        e = model.embed(torch.from_numpy(np.asarray(x[i:i + CHUNK], dtype=np.int64))).to(stack.dtype)
        tr = stack.trace(e)
        for f in FIELDS:
            out[f].append(np.stack([tr.layer(layer, f) for layer in range(tr.num_layers)]).astype(np.float32))
    return {f: np.concatenate(v, axis=1) for f, v in out.items()}


def analyse_layers(model, seed: int = 0, distance: int = 30, n_find: int = 500, n_eval: int = 100,
                   model_seed: int = 0) -> LayerAnalysis:
    """Probe and unit scores per layer on n_find held-out sentences at `distance`; accuracy on n_eval
    sentences per attractor count 0..4. model_seed: recorded (which training seed the model is)."""
    L = _check_stacked(model)
    for name, n in (("n_find", n_find), ("n_eval", n_eval)):
        if not MIN_N <= int(n) <= 2000:
            raise ValueError(f"{name} must be between {MIN_N} and 2000, got {n}")
    find = agreement_set(_rng(seed, _FIND), n_find, distance)
    states = stack_states(model, find.x)
    cols = slice(find.subject_col - 1, find.x.shape[1])
    probe_mean, probe_std, auc_, score = {}, {}, {}, {}
    for f in FIELDS:
        pm, ps, au, sc = [], [], [], []
        for layer in range(L):
            v = states[f][layer][:, cols]                                 # (B, P, H)
            m, s = probe_accuracy(v, find.y, seed=seed)
            a = auc(v, find.y).astype(np.float32)
            pm.append(m)
            ps.append(s)
            au.append(a)
            sc.append(unit_scores(a))
        probe_mean[f], probe_std[f] = np.stack(pm), np.stack(ps)
        auc_[f], score[f] = np.stack(au), np.stack(sc)
    ev = eval_set(seed, distance, n_eval)
    with torch.no_grad():
        logits = model(torch.from_numpy(ev.x))[:, -1]
    accuracy = float((logits.argmax(-1).numpy() == ev.y).mean())
    return LayerAnalysis(int(seed), int(model_seed), int(distance), int(n_find), int(len(ev.y)),
                         np.arange(-1, distance + 1), probe_mean, probe_std, auc_, score, accuracy)


def probe_bands(layers: list, field: str) -> dict:
    """{'layer 1': (mean (P,), std (P,)), ...}: each layer's probe accuracy over the seeds' analyses."""
    return {f"layer {i + 1}": (np.mean([a.probe_mean[field][i] for a in layers], 0),
                               np.std([a.probe_mean[field][i] for a in layers], 0))
            for i in range(layers[0].num_layers)}


def ranked(a: LayerAnalysis, field: str, layer: int, k: int) -> list[int]:
    """Layer `layer`'s (0-based) k best units by `field`'s score, best first (number units or not)."""
    return [int(u) for u in np.argsort(-a.score[field][layer], kind="stable")[:int(k)]]


def units(a: LayerAnalysis, field: str, layer: int) -> list[int]:
    """Layer `layer`'s (0-based) number units by `field`: score > STRONG_SCORE, best first."""
    s = a.score[field][layer]
    return [int(u) for u in np.argsort(-s, kind="stable") if s[u] > STRONG_SCORE]


@dataclass
class SentenceStates:
    """One sentence through the stacked model. tokens: the words before the verb; values: field ->
    (L, T, H); p_plural (T,): the readout's P(plural) if the verb came after token t."""
    tokens: list
    subject_pos: int
    attractor_positions: list
    label: int
    values: dict
    p_plural: np.ndarray


@torch.no_grad()
def sentence_states(model, example) -> SentenceStates:
    """The stacked model's states on one AgreementExample (the words before its verb)."""
    _check_stacked(model)
    x = np.array([example.ids], dtype=np.int64)
    states = stack_states(model, x)
    h = torch.from_numpy(states["hidden"][-1]).to(model.readout.weight.dtype)     # last layer, (1, T, H)
    p = torch.softmax(model.readout(h), -1)[0, :, lx.PLURAL].numpy()
    return SentenceStates(list(example.tokens[:example.verb_pos]), int(example.subject_pos),
                          list(example.attractor_positions), int(example.label),
                          {f: v[:, 0] for f, v in states.items()}, p.astype(np.float32))


def show_sentences(seed: int = 0, distance: int = 30, per_count: int = 2) -> list:
    """The sentences the page offers: `per_count` held-out eval sentences for each attractor count 0..4."""
    ev = eval_set(seed, distance, 100)
    counts = ev.attractors
    picked = []
    for c in sorted(set(counts.tolist())):
        idx = np.nonzero(counts == c)[0][:per_count]
        picked += [ev.examples[i] for i in idx]
    return picked
