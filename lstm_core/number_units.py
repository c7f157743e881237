"""Number units (Lakretz et al. 2019): find, plot, ablate and clamp the few units of a trained
agreement model that carry the subject's number from the subject to the verb.

    s = summarize(model, seed=0)                # everything that does not depend on a slider
    s.order["cell"][:3]                         # the three best number units (by their cell state)
    s.probe["cell"]                             # diagnostic-classifier accuracy per position
    a = ablation(model, s, k=2, mode="ablate")  # top-2 vs 2 random units, through the glass core
    describe_ablation(a)                        # "Ablating the top 2 units drops ... from 99% to 61%"

Every number comes from the glass core (``model.glass().trace``) reading freshly generated,
held-out sentences of the agreement grammar (lstm_core.data.agreement). Interventions are Clamp objects
applied at every step. Sentences for finding the units (the "find" set) and for measuring the
effect of ablating them (the "eval" set) are drawn from different random streams, so the units
are never chosen on the sentences that judge them.

Positions are counted from the subject: k = 0 is the subject noun, k = distance is the last
token before the verb (where the model answers), k = -1 the token before the subject.

The shipped models' analysis for seed 0 (their summary and every sweep) is precomputed in
lstm_core/precomputed/ by `python -m lstm_core.number_units --precompute`, so the page opens at
once; shipped_summary / shipped_sweep read it when it matches the checkpoint and compute otherwise.
tests/test_precomputed.py recomputes it and checks that it matches.
"""
from __future__ import annotations

import argparse
import functools
import hashlib
import logging
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from lstm_core.data import agreement
from lstm_core.cells import Clamp

COUNTS = (0, 1, 2, 3, 4)          # numbers of attractors the ablation and attractor views use
MODES = ("ablate", "plural", "singular")   # zero the units / hold each at its plural / singular value
MAX_K = 32                        # most units one can ablate at once
SWEEP_DRAWS = 4                   # random unit sets per k in a sweep (the page's default)
MAX_N = 2000                      # cap on sentences per set
CHUNK = 500                       # sentences per glass-core call (the loop path's sweet spot)
NUMBER = {agreement.SINGULAR: "singular", agreement.PLURAL: "plural"}
GATE = {"lstm": "forget_gate", "gru": "update_gate", "rnn": None}
FIELDS = {"lstm": ("cell", "hidden"), "gru": ("hidden",), "rnn": ("hidden",)}
# random streams (seed, stream): the trainer uses 0 (train), 1 (test), 2 (probe batch)
_FIND, _EVAL, _TEMPLATE, _CLAUSE, _RANDOM, _PROBE, _SEARCH = 101, 102, 103, 104, 105, 106, 107


def _rng(seed: int, stream: int, *more: int) -> np.random.Generator:
    return np.random.default_rng([int(seed), stream, *map(int, more)])


def fields_of(arch: str) -> tuple[str, ...]:
    """State fields that can carry number: ('cell', 'hidden') for the LSTM, ('hidden',) else."""
    return FIELDS[arch]


def check_model(model) -> None:
    """ValueError unless model reads the agreement vocabulary and predicts 2 classes."""
    if getattr(model, "input_kind", None) != "ids" or getattr(model, "n_in", None) != len(agreement.VOCAB) \
            or getattr(model, "n_out", None) != 2 or getattr(model, "arch", None) not in FIELDS:
        raise ValueError("this model was not trained on subject-verb agreement (it must read the "
                         "agreement vocabulary and predict singular/plural)")


# ----------------------------------------------------------------------------------------
# The shipped models

# model key -> shipped checkpoint. "lstm_two_clause" is the same LSTM recipe trained with
# --train-mix two-clause (and 1200 steps): the forget-gate view compares it with the plain LSTM.
PRETRAINED = {"lstm": "agreement_d30_lstm", "gru": "agreement_d30_gru", "rnn": "agreement_d30_rnn",
              "lstm_two_clause": "agreement_d30_lstm_two_clause"}
KEY_ARCH = {"lstm": "lstm", "gru": "gru", "rnn": "rnn", "lstm_two_clause": "lstm"}
MODEL_LABEL = {"lstm": "LSTM", "gru": "GRU", "rnn": "RNN", "lstm_two_clause": "LSTM trained on two-subject sentences too"}
SUMMARY_ONLY = {"lstm_two_clause"}      # no ablation sweeps precomputed (the page does not offer them)


def has_pretrained(arch: str) -> bool:
    """Is the shipped agreement checkpoint for arch (a key of PRETRAINED) there?"""
    from lstm_core.training import checkpoint
    return PRETRAINED.get(arch) in checkpoint.list_pretrained()


def pretrained(arch: str):
    """The shipped agreement model for arch (a key of PRETRAINED) and the distance it was tested at:
    (SeqModel, distance)."""
    from lstm_core.training import checkpoint
    if arch not in PRETRAINED:
        raise ValueError(f"arch must be one of {list(PRETRAINED)}, got {arch!r}")
    model, meta = checkpoint.load_pretrained(PRETRAINED[arch])
    check_model(model)
    return model.eval(), int(meta.get("train", {}).get("distance", 30))


# ----------------------------------------------------------------------------------------
# Running the glass core on many sentences

@torch.no_grad()
def run(model, x: np.ndarray, fields=("hidden",), interventions=(), last_only: bool = False):
    """Glass core on token ids x (B, T), CHUNK sentences per call.

    Returns (arrays, p_plural): arrays {field: (B, T, H) float32}; p_plural (B, T) float32 is the
    model's readout of h_t at every step, or (B,) at the last step only with last_only=True.
    """
    cell = model.glass()
    outs = {f: [] for f in fields}
    ps = []
    for i in range(0, len(x), CHUNK):
        e = model.embed(torch.from_numpy(np.asarray(x[i:i + CHUNK], dtype=np.int64))).to(cell.dtype)
        tr = cell.trace(e, interventions=interventions)
        for f in fields:
            outs[f].append(np.asarray(getattr(tr, f), dtype=np.float32))
        h = torch.from_numpy(tr.hidden[:, -1] if last_only else tr.hidden).to(model.readout.weight.dtype)
        ps.append(torch.softmax(model.readout(h), -1)[..., agreement.PLURAL].float().numpy())
    arrays = {f: np.concatenate(v) for f, v in outs.items()}
    return arrays, np.concatenate(ps).astype(np.float32)


# ----------------------------------------------------------------------------------------
# Sentence sets

@dataclass
class SentenceSet:
    """Sentences at one fixed distance, left-padded so the verb slot lines up at the end.

    x (B, T) int64 ids of the words before the verb, y (B,) subject number, examples.
    Because the distance is fixed, the subject of every sentence sits in column subject_col.
    """
    x: np.ndarray
    y: np.ndarray
    examples: list
    distance: int

    @property
    def subject_col(self) -> int:
        return self.x.shape[1] - 1 - self.distance

    def offset(self, b: int) -> int:
        """Column of word 0 of sentence b."""
        return self.x.shape[1] - self.examples[b].verb_pos

    @property
    def attractors(self) -> np.ndarray:
        """(B,) number of attractors of each sentence."""
        return np.array([e.n_attractors for e in self.examples])


def agreement_set(rng: np.random.Generator, n: int, distance: int, attractors=None) -> SentenceSet:
    """n fresh sentences at `distance`; attractors None (random nouns), an int, or a list of
    counts (n sentences for each count)."""
    n = int(n)
    if not 1 <= n <= MAX_N:
        raise ValueError(f"number of sentences must be between 1 and {MAX_N}, got {n}")
    counts = attractors if isinstance(attractors, (list, tuple)) else [attractors]
    examples = []
    for a in counts:
        examples += agreement.agreement_batch(rng, n, int(distance), a)[2]
    x = agreement.pad_left([[agreement.WORD_TO_ID[w] for w in e.tokens[:e.verb_pos]] for e in examples])
    return SentenceSet(x, np.array([e.label for e in examples], dtype=np.int64), examples, int(distance))


# word -> grammatical slot, to resample a sentence's words while keeping its structure
_SLOT = {**{w: "det" for w in agreement.DETERMINERS}, **{w: "adj" for w in agreement.ADJECTIVES},
         **{w: "prep" for w in agreement.PREPOSITIONS}, **{w: "past" for w in agreement.PAST_VERBS},
         **{w: "adv" for w in agreement.ADVERBS}}
_WORDS = {"det": agreement.DETERMINERS, "adj": agreement.ADJECTIVES, "prep": agreement.PREPOSITIONS,
          "past": agreement.PAST_VERBS, "adv": agreement.ADVERBS}


def resample(ex: agreement.AgreementExample, rng: np.random.Generator, label: int) -> agreement.AgreementExample:
    """The same sentence structure as ex with fresh words and subject number `label`:
    every noun keeps its role (an attractor stays of the opposite number), every word its slot."""
    label = int(label)
    tokens = []
    for j, w in enumerate(ex.tokens):
        if j == ex.subject_pos or j in ex.noun_positions:
            number = 1 - label if j in ex.attractor_positions else label
            w = agreement.NOUNS[rng.integers(len(agreement.NOUNS))][number]
        elif w in agreement.VERB_WORDS:
            w = agreement.VERBS[rng.integers(len(agreement.VERBS))][label]
        elif w in _SLOT:
            words = _WORDS[_SLOT[w]]
            w = words[rng.integers(len(words))]
            while tokens and w == tokens[-1]:            # no "old old"
                w = words[rng.integers(len(words))]
        tokens.append(w)
    return agreement.AgreementExample(tokens, label, ex.subject_pos, ex.verb_pos, list(ex.noun_positions),
                                  list(ex.attractor_positions))


# ----------------------------------------------------------------------------------------
# Finding: per-unit separability and the diagnostic classifier

def _average_ranks(v: np.ndarray) -> np.ndarray:
    """Ranks 1..B along axis 0, ties get their average rank. v (B, C) -> (B, C) float64."""
    B, C = v.shape
    order = np.argsort(v, axis=0, kind="stable")
    sv = np.take_along_axis(v, order, 0)
    new = np.ones((B, C), dtype=bool)
    new[1:] = sv[1:] != sv[:-1]
    group = (np.cumsum(new.ravel(order="F")) - 1).reshape(C, B).T       # unique per tie group
    pos = np.broadcast_to(np.arange(1, B + 1, dtype=np.float64)[:, None], (B, C))
    mean_rank = np.bincount(group.ravel(), pos.ravel()) / np.bincount(group.ravel())
    ranks = np.empty((B, C))
    np.put_along_axis(ranks, order, mean_rank[group], 0)
    return ranks


def auc(v: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Area under the ROC curve of every column as a score for y = 1 (plural).

    v (B, ...) values, y (B,) in {0, 1} -> (...) in [0, 1]: 1 = plural always higher,
    0 = singular always higher, 0.5 = no information.
    """
    y = np.asarray(y).astype(bool)
    n1, n0 = int(y.sum()), int((~y).sum())
    if n1 == 0 or n0 == 0:
        raise ValueError("need sentences with both singular and plural subjects")
    shape = v.shape[1:]
    r = _average_ranks(np.asarray(v, dtype=np.float64).reshape(len(v), -1))
    a = (r[y].sum(0) - n1 * (n1 + 1) / 2) / (n1 * n0)
    return a.reshape(shape)


def dprime(v: np.ndarray, y: np.ndarray) -> np.ndarray:
    """d' = (mean_plural - mean_singular) / sqrt((var_plural + var_singular) / 2). (B, ...) -> (...)."""
    y = np.asarray(y).astype(bool)
    v1, v0 = v[y].astype(np.float64), v[~y].astype(np.float64)
    pooled = np.sqrt((v1.var(0) + v0.var(0)) / 2)
    return (v1.mean(0) - v0.mean(0)) / np.maximum(pooled, 1e-6)


def _fit_logistic(X: np.ndarray, y: np.ndarray, l2: float, iters: int = 60, tol: float = 1e-5) -> np.ndarray:
    """L2-regularised logistic regression, one per leading index, by Böhning's bound.

    X (P, N, D) with a bias column last, y (N,) -> w (P, D). The Hessian of the logistic loss is
    bounded by X^T X / 4, so w <- w - (X^T X / 4 + l2 I)^-1 grad decreases the loss every step
    (Böhning 1992): one factorisation per position instead of one per Newton step. 60 steps
    settle the held-out accuracy (checked against 300 steps on the shipped models).
    """
    P, N, D = X.shape
    reg = l2 * np.eye(D)
    reg[-1, -1] = 1e-8                                   # the bias is not penalised
    bound = np.linalg.inv(np.einsum("pnd,pne->pde", X, X) / 4 + reg)   # (P, D, D)
    w = np.zeros((P, D))
    for _ in range(iters):
        p = 1 / (1 + np.exp(-np.clip((X @ w[..., None])[..., 0], -30, 30)))     # (P, N)
        grad = (X.transpose(0, 2, 1) @ (p - y)[..., None])[..., 0] + w @ reg     # (P, D)
        step = (bound @ grad[..., None])[..., 0]
        w -= step
        if np.abs(step).max() < tol:
            break
    return w


def probe_accuracy(v: np.ndarray, y: np.ndarray, folds: int = 5, l2: float = 1.0, seed: int = 0):
    """Diagnostic classifier: a logistic-regression probe per position, cross-validated.

    v (B, P, F) features (e.g. all cell states at P positions), y (B,) subject number.
    Sentences are split into `folds` parts; each part is predicted by a probe trained on the
    others. Returns (mean (P,), std (P,)) held-out accuracy over the folds, float32.
    """
    v = np.asarray(v, dtype=np.float64)
    B, P, F = v.shape
    folds = int(min(max(folds, 2), B))
    y = np.asarray(y, dtype=np.float64)
    fold_of = np.empty(B, dtype=np.int64)
    fold_of[np.random.default_rng([int(seed), _PROBE]).permutation(B)] = np.arange(B) % folds
    acc = np.zeros((folds, P))
    for k in range(folds):
        train, test = fold_of != k, fold_of == k
        mu, sd = v[train].mean(0), v[train].std(0) + 1e-6            # (P, F)

        def design(rows):
            z = ((v[rows] - mu) / sd).transpose(1, 0, 2)             # (P, n, F)
            return np.concatenate([z, np.ones(z.shape[:2] + (1,))], -1)

        w = _fit_logistic(design(train), y[train], l2)
        score = np.einsum("pnd,pd->pn", design(test), w)             # (P, n_test)
        acc[k] = ((score > 0) == (y[test] > 0.5)).mean(1)
    return acc.mean(0).astype(np.float32), acc.std(0).astype(np.float32)


# ----------------------------------------------------------------------------------------
# Everything about one model that no slider changes

@dataclass
class Template:
    """One sentence structure with many word choices: `n` sentences, half singular, half plural,
    the subject and the attractors at the same positions. tokens: the structure's first sentence
    (words before the verb). mean / std: field -> (2, T, H) over the sentences of each number
    (index 0 singular, 1 plural); p_mean / p_std (2, T) the readout's P(plural)."""
    attractors: int
    tokens: list
    subject_pos: int
    attractor_positions: list
    noun_positions: list
    n: int
    mean: dict
    std: dict
    p_mean: np.ndarray
    p_std: np.ndarray


@dataclass
class ErrorCase:
    """One sentence of the search set (1..MAX_SEARCH_ATTRACTORS attractors). kind: 'flip' (wrong,
    and the answer turned wrong exactly when an attractor was read), 'error' (wrong, turned wrong
    elsewhere), 'closest' (no error at all: the correct sentence whose P(correct) dipped lowest at
    an attractor). p_correct (T,): P(correct number) if the verb came after token t.
    turn_pos: token where P(correct) last crossed below 0.5 (or dipped lowest for 'closest')."""
    kind: str
    tokens: list
    verb: str
    label: int
    subject_pos: int
    attractor_positions: list
    p_correct: np.ndarray
    turn_pos: int
    values: dict                 # field -> (T, H) float32 for this sentence
    n_errors: int                # wrong answers among the sentences searched
    n_flips: int                 # of those, turned wrong exactly at an attractor
    n_sentences: int             # sentences searched (each with >= 1 attractor)
    max_attractors: int          # they have 1 .. max_attractors attractors


@dataclass
class TwoClause:
    """A sentence with two subjects: clause 1 (with its verb), an adjective, then clause 2 up to
    its verb; the two subjects always differ in number, the answer is clause 2's subject's.
    tokens: the structure's first sentence; positions index into it. gate_mean / gate_std:
    (T, H) over the n sentences (forget gate for the LSTM, update gate for the GRU, None for the
    RNN); value_mean: field -> (2, T, H) grouped by the SECOND subject's number.
    acc: fraction answering clause 2's number; acc_alone: the same clause 2s read alone."""
    tokens: list
    subject1: int
    verb1: int
    subject2: int
    n: int
    gate: str | None
    gate_mean: np.ndarray | None
    gate_std: np.ndarray | None
    value_mean: dict
    p_mean: np.ndarray
    acc: float
    acc_alone: float


@dataclass
class Summary:
    """One model's number-unit analysis (all float32, NumPy, picklable).

    positions (P,): -1 .. distance, relative to the subject.
    auc / dprime: field -> (P, H); separability = |2 AUC - 1| (0 chance, 1 perfect).
    score: field -> (H,) mean separability over positions 0..distance; order: units best first.
    probe: field -> (mean (P,), std (P,)) cross-validated probe accuracy on all H units.
    clamp_values: field -> (2, H) mean value at the last step for singular / plural subjects.
    acc_by_attractors (len(COUNTS),), acc_overall: intact accuracy on the eval set.
    """
    arch: str
    hidden_size: int
    distance: int
    seed: int
    n_find: int
    n_eval_per_count: int
    positions: np.ndarray
    auc: dict
    dprime: dict
    score: dict
    order: dict
    probe: dict
    clamp_values: dict
    acc_by_attractors: np.ndarray
    acc_overall: float
    templates: list
    error_case: ErrorCase
    two_clause: TwoClause

    def separability(self, field: str) -> np.ndarray:
        """(P, H) |2 AUC - 1|."""
        return np.abs(2 * self.auc[field] - 1)

    def top(self, field: str, k: int) -> list[int]:
        return [int(u) for u in self.order[field][:k]]

    def sign(self, field: str, unit: int) -> str:
        """Which number drives the unit up: 'plural' or 'singular' (mean AUC over 0..distance)."""
        return "plural" if self.auc[field][1:, unit].mean() >= 0.5 else "singular"


def _check_seed(seed) -> int:
    seed = int(seed)
    if not 0 <= seed < 2**31:
        raise ValueError(f"seed must be between 0 and 2^31 - 1, got {seed}")
    return seed


def summarize(model, seed: int = 0, distance: int | None = None, n_find: int = 500,
              n_eval: int = 100, n_template: int = 100, n_clause: int = 100, n_search: int = 100,
              progress=None) -> Summary:
    """The slider-independent part of the analysis of one agreement model.

    distance: subject-verb distance of every set (default 30, the shipped models' distance; at
    least 3 * max(COUNTS) so that every attractor count fits). n_find sentences (random attractors) rank the
    units and train the probes; n_eval sentences per attractor count in COUNTS measure accuracy;
    n_search sentences per attractor count 1..MAX_SEARCH_ATTRACTORS are searched for an error case;
    n_template sentences per count give the trajectories; n_clause two-subject sentences the
    forget-gate view. progress(fraction, text) is called between stages.
    """
    check_model(model)
    seed = _check_seed(seed)
    distance = 30 if distance is None else int(distance)
    if not 3 * COUNTS[-1] <= distance <= 100:
        raise ValueError(f"distance must be between {3 * COUNTS[-1]} and 100, got {distance}")
    for name, n in (("n_find", n_find), ("n_eval", n_eval), ("n_template", n_template), ("n_clause", n_clause),
                    ("n_search", n_search)):
        if not 20 <= int(n) <= MAX_N:
            raise ValueError(f"{name} must be between 20 and {MAX_N}, got {n}")
    report = progress or (lambda f, t: None)
    arch, fields = model.arch, fields_of(model.arch)

    report(0.0, "reading the find sentences")
    find = agreement_set(_rng(seed, _FIND), n_find, distance)
    arrays, _ = run(model, find.x, fields)
    cols = slice(find.subject_col - 1, find.x.shape[1])                 # positions -1 .. distance
    positions = np.arange(-1, distance + 1)
    auc_, dp, score, order, probe, clamp_values = {}, {}, {}, {}, {}, {}
    for i, f in enumerate(fields):
        report(0.1 + 0.15 * i, f"ranking units and training probes on the {f} state")
        v = arrays[f][:, cols]                                           # (B, P, H)
        auc_[f] = auc(v, find.y).astype(np.float32)
        dp[f] = dprime(v, find.y).astype(np.float32)
        score[f] = np.abs(2 * auc_[f][1:] - 1).mean(0).astype(np.float32)
        order[f] = np.argsort(-score[f], kind="stable")
        probe[f] = probe_accuracy(v, find.y, seed=seed)
        last = arrays[f][:, -1]
        clamp_values[f] = np.stack([last[find.y == c].mean(0) for c in (0, 1)]).astype(np.float32)
    del arrays

    report(0.45, "measuring accuracy by number of attractors")
    ev = eval_set(seed, distance, n_eval)
    _, p_eval = run(model, ev.x, (), last_only=True)
    correct = (p_eval >= 0.5) == (ev.y == 1)
    counts = ev.attractors
    acc_by = np.array([correct[counts == a].mean() for a in COUNTS], dtype=np.float32)

    report(0.55, "searching an error caused by an attractor")
    hard = search_set(seed, distance, n_search)
    hard_arrays, p_hard = run(model, hard.x, fields)
    error_case = _find_error_case(hard, hard_arrays, p_hard, fields)
    del hard_arrays

    report(0.65, "trajectories over template sentences")
    templates = [_template(model, seed, distance, a, n_template, fields) for a in COUNTS]

    report(0.85, "two-subject sentences")
    two = _two_clause(model, seed, n_clause, fields)
    report(1.0, "done")
    return Summary(arch=arch, hidden_size=model.hidden, distance=distance, seed=seed, n_find=int(n_find),
                   n_eval_per_count=int(n_eval), positions=positions, auc=auc_, dprime=dp, score=score,
                   order=order, probe=probe, clamp_values=clamp_values, acc_by_attractors=acc_by,
                   acc_overall=float(correct.mean()), templates=templates, error_case=error_case,
                   two_clause=two)


def eval_set(seed: int, distance: int, n_per_count: int) -> SentenceSet:
    """The held-out sentences every accuracy is measured on: n_per_count for each count in COUNTS."""
    return agreement_set(_rng(seed, _EVAL), n_per_count, distance, list(COUNTS))


def _template(model, seed, distance, attractors, n, fields) -> Template:
    rng = _rng(seed, _TEMPLATE, attractors)
    skeleton = agreement.agreement_example(rng, distance, attractors, label=0)
    examples = [resample(skeleton, rng, b % 2) for b in range(n)]
    x = np.array([e.ids for e in examples], dtype=np.int64)
    y = np.array([e.label for e in examples])
    gate = GATE[model.arch]
    arrays, p = run(model, x, fields + ((gate,) if gate else ()))
    mean = {f: np.stack([a[y == c].mean(0) for c in (0, 1)]).astype(np.float32) for f, a in arrays.items()}
    std = {f: np.stack([a[y == c].std(0) for c in (0, 1)]).astype(np.float32) for f, a in arrays.items()}
    first = examples[0]
    return Template(attractors, first.tokens[:first.verb_pos], first.subject_pos, list(first.attractor_positions),
                    list(first.noun_positions), n, mean, std,
                    np.stack([p[y == c].mean(0) for c in (0, 1)]).astype(np.float32),
                    np.stack([p[y == c].std(0) for c in (0, 1)]).astype(np.float32))


MAX_SEARCH_ATTRACTORS = 10   # the error-case search also uses sentences harder than COUNTS


def search_set(seed: int, distance: int, n_per_count: int) -> SentenceSet:
    """Sentences the error case is searched in: n_per_count for every attractor count from 1 to
    min(MAX_SEARCH_ATTRACTORS, what fits in `distance`)."""
    top = min(MAX_SEARCH_ATTRACTORS, agreement.max_attractors(distance))
    return agreement_set(_rng(seed, _SEARCH), n_per_count, distance, list(range(1, top + 1)))


def _find_error_case(ev: SentenceSet, arrays: dict, p_plural: np.ndarray, fields) -> ErrorCase:
    """The most vivid sentence where an attractor flipped the answer (see ErrorCase)."""
    T = ev.x.shape[1]
    flips, errors, closest = [], [], []
    searched = 0
    for b, ex in enumerate(ev.examples):
        if ex.n_attractors == 0:
            continue
        searched += 1
        o = T - ex.verb_pos
        p = p_plural[b, o:] if ex.label == 1 else 1 - p_plural[b, o:]      # (verb_pos,) P(correct)
        if p[-1] >= 0.5:
            dip = min(ex.attractor_positions, key=lambda j: p[j])
            closest.append((float(p[dip]), b, dip))
            continue
        above = np.nonzero(p[:-1] >= 0.5)[0]
        turn = int(above[-1]) + 1 if len(above) else 0
        drop = float(p[turn - 1] - p[turn]) if turn > 0 else 0.0
        if turn in ex.attractor_positions:
            flips.append((-drop, b, turn))
        else:                                  # prefer errors that happened after the subject was read
            errors.append((turn <= ex.subject_pos, -drop, b, turn))
    if flips:
        kind, (_, b, turn) = "flip", min(flips)
    elif errors:
        kind, (_, _, b, turn) = "error", min(errors)
    else:
        kind, (_, b, turn) = "closest", min(closest)
    ex = ev.examples[b]
    o = T - ex.verb_pos
    p = p_plural[b, o:] if ex.label == 1 else 1 - p_plural[b, o:]
    return ErrorCase(kind, ex.tokens[:ex.verb_pos], ex.tokens[ex.verb_pos], int(ex.label), ex.subject_pos,
                     list(ex.attractor_positions), p.astype(np.float32), int(turn),
                     {f: arrays[f][b, o:].astype(np.float32) for f in fields},
                     len(flips) + len(errors), len(flips), searched, int(ev.attractors.max()))


def two_clause_skeleton(rng: np.random.Generator, d1: int = 6, d2: int = 6):
    """(clause 1 example with its verb, an adjective, clause 2 example): the structure of a
    sentence with a second subject, e.g. "the keys near the door are old the dog behind the
    trees [is]". Built from the agreement grammar's own words."""
    c1 = agreement.agreement_example(rng, d1, None, label=0)
    c2 = agreement.agreement_example(rng, d2, None, label=0)
    adjective = agreement.ADJECTIVES[rng.integers(len(agreement.ADJECTIVES))]
    return c1, adjective, c2


def two_clause_sentence(c1, adjective, c2, rng, label2: int):
    """Words of one two-subject sentence with subjects of opposite number; the model reads
    everything before clause 2's verb. Returns (tokens, subject1, verb1, subject2, clause2 words)."""
    e1, e2 = resample(c1, rng, 1 - label2), resample(c2, rng, label2)
    ex = agreement.join_clauses(e1, e2, agreement.VERBS[rng.integers(2)], adjective)   # is/are or was/were
    return ex.tokens[:ex.verb_pos], ex.subject1_pos, ex.verb1_pos, ex.subject_pos, e2.tokens[:e2.verb_pos]


def _two_clause(model, seed, n, fields) -> TwoClause:
    rng = _rng(seed, _CLAUSE)
    c1, adjective, c2 = two_clause_skeleton(rng)
    made = [two_clause_sentence(c1, adjective, c2, rng, b % 2) for b in range(n)]
    y = np.array([b % 2 for b in range(n)])
    x = np.array([[agreement.WORD_TO_ID[w] for w in m[0]] for m in made], dtype=np.int64)
    alone = np.array([[agreement.WORD_TO_ID[w] for w in m[4]] for m in made], dtype=np.int64)
    gate = GATE[model.arch]
    arrays, p = run(model, x, fields + ((gate,) if gate else ()))
    _, p_alone = run(model, alone, (), last_only=True)
    tokens, s1, v1, s2, _ = made[0]
    return TwoClause(tokens, s1, v1, s2, n, gate,
                     arrays[gate].mean(0).astype(np.float32) if gate else None,
                     arrays[gate].std(0).astype(np.float32) if gate else None,
                     {f: np.stack([arrays[f][y == c].mean(0) for c in (0, 1)]).astype(np.float32) for f in fields},
                     np.stack([p[y == c].mean(0) for c in (0, 1)]).astype(np.float32),
                     float(((p[:, -1] >= 0.5) == (y == 1)).mean()),
                     float(((p_alone >= 0.5) == (y == 1)).mean()))


# ----------------------------------------------------------------------------------------
# Ablating and clamping

@dataclass
class Ablation:
    """Top-k units vs k random units (draws of them), every one intervened on at every step.

    acc_*: accuracy by number of attractors (len(COUNTS),); acc_random (draws, len(COUNTS)).
    said_plural_*: fraction answered 'plural' for singular / plural subjects (2,), random (draws, 2).
    """
    arch: str
    k: int
    mode: str
    target: str
    distance: int
    n_per_count: int
    units: list
    random_units: np.ndarray          # (draws, k)
    acc_intact: np.ndarray
    acc_top: np.ndarray
    acc_random: np.ndarray
    said_plural_intact: np.ndarray
    said_plural_top: np.ndarray
    said_plural_random: np.ndarray

    @property
    def overall(self) -> tuple[float, float, np.ndarray]:
        """(intact, top, random (draws,)) accuracy over all attractor counts (equal counts)."""
        return float(self.acc_intact.mean()), float(self.acc_top.mean()), self.acc_random.mean(1)


def interventions_for(summary: Summary, units, mode: str, target: str) -> list[Clamp]:
    """Clamps for `units` on `target` at all steps: 'ablate' holds them at 0; 'plural' /
    'singular' hold each unit at its own mean last-step value for plural / singular subjects."""
    if mode not in MODES:
        raise ValueError(f"mode must be one of {MODES}, got {mode!r}")
    if target not in summary.clamp_values:
        raise ValueError(f"a {summary.arch} has no '{target}' state to intervene on; choose from "
                         f"{list(summary.clamp_values)}")
    units = [int(u) for u in units]
    if mode == "ablate":
        return [Clamp(target, 0.0, units)]
    row = summary.clamp_values[target][1 if mode == "plural" else 0]
    return [Clamp(target, float(row[u]), [u]) for u in units]


def _check_intervention(model, summary: Summary, mode: str, target, rank_field, draws):
    check_model(model)
    if model.arch != summary.arch or model.hidden != summary.hidden_size:
        raise ValueError("the summary was computed for a different model")
    fields = fields_of(model.arch)
    target, rank_field = target or fields[0], rank_field or fields[0]
    if rank_field not in summary.order:
        raise ValueError(f"cannot rank a {model.arch}'s units by '{rank_field}'; choose from {list(summary.order)}")
    if mode not in MODES:
        raise ValueError(f"mode must be one of {MODES}, got {mode!r}")
    if target not in summary.clamp_values:
        raise ValueError(f"a {summary.arch} has no '{target}' state to intervene on; choose from "
                         f"{list(summary.clamp_values)}")
    draws = int(draws)
    if not 1 <= draws <= 20:
        raise ValueError(f"draws must be between 1 and 20, got {draws}")
    return target, rank_field, draws


def k_max(hidden_size: int) -> int:
    """Most units one may intervene on: half the units (so k random others exist), at most MAX_K."""
    return max(1, min(MAX_K, hidden_size // 2))


def _random_units(summary: Summary, top: list, k: int, draws: int) -> np.ndarray:
    """(draws, k) sorted unit sets drawn from the units not in `top` (same draws for the same k)."""
    rest = np.setdiff1d(np.arange(summary.hidden_size), top)
    rng = _rng(summary.seed, _RANDOM, k)
    return np.stack([np.sort(rng.choice(rest, size=k, replace=False)) for _ in range(draws)])


def _measure(model, ev: SentenceSet, interventions):
    """Accuracy by attractor count (len(COUNTS),) and fraction answered plural for singular /
    plural subjects (2,) on the eval set, through the glass core with `interventions`."""
    _, p = run(model, ev.x, (), interventions, last_only=True)
    said = p >= 0.5
    counts = ev.attractors
    acc = np.array([(said == (ev.y == 1))[counts == a].mean() for a in COUNTS], dtype=np.float32)
    plural = np.array([said[ev.y == c].mean() for c in (0, 1)], dtype=np.float32)
    return acc, plural


def _intervene(model, summary, ev, k, mode, target, rank_field, draws, intact):
    top = summary.top(rank_field, k)
    random_units = _random_units(summary, top, k, draws)
    acc_t, pl_t = _measure(model, ev, interventions_for(summary, top, mode, target))
    rand = [_measure(model, ev, interventions_for(summary, u, mode, target)) for u in random_units]
    return Ablation(model.arch, k, mode, target, summary.distance, len(ev.y) // len(COUNTS), top, random_units,
                    intact[0], acc_t, np.stack([a for a, _ in rand]), intact[1], pl_t,
                    np.stack([p for _, p in rand]))


def ablation(model, summary: Summary, k: int = 2, mode: str = "ablate", target: str | None = None,
             rank_field: str | None = None, draws: int = 5) -> Ablation:
    """Intervene on the top-k units (ranked on rank_field) and, for comparison, on k units drawn
    at random from the other H - k units (`draws` times), at every step, on the eval set.
    target: the state clamped (default: the cell for the LSTM, the hidden state otherwise)."""
    target, rank_field, draws = _check_intervention(model, summary, mode, target, rank_field, draws)
    k = int(k)
    if not 1 <= k <= k_max(summary.hidden_size):
        raise ValueError(f"k must be between 1 and {k_max(summary.hidden_size)}, got {k}")
    ev = eval_set(summary.seed, summary.distance, summary.n_eval_per_count)
    return _intervene(model, summary, ev, k, mode, target, rank_field, draws, _measure(model, ev, ()))


def curve_ks(hidden_size: int) -> list[int]:
    """The k values of a sweep: 1, 2, 4, 8, 16, 32, up to k_max (and k_max itself)."""
    top = k_max(hidden_size)
    return sorted({k for k in (1, 2, 4, 8, 16, 32) if k <= top} | {top})


def default_k(hidden_size: int) -> int:
    """The page's starting k: the largest sweep k up to a quarter of the units."""
    ks = curve_ks(hidden_size)
    return max([k for k in ks if k <= max(1, hidden_size // 4)] or ks[:1])


@dataclass
class Sweep:
    """ablation() for every k in ks (same draws, same sentences): sweep.at(k) is that Ablation."""
    ks: list
    ablations: list

    def at(self, k: int) -> Ablation:
        if int(k) not in self.ks:
            raise ValueError(f"k must be one of {self.ks}, got {k}")
        return self.ablations[self.ks.index(int(k))]

    @property
    def first(self) -> Ablation:
        return self.ablations[0]

    @property
    def acc_top(self) -> np.ndarray:
        """(K,) overall accuracy with the top-k units intervened on."""
        return np.array([a.overall[1] for a in self.ablations], dtype=np.float32)

    @property
    def acc_random(self) -> np.ndarray:
        """(K, draws) overall accuracy with k random units intervened on."""
        return np.stack([a.overall[2] for a in self.ablations]).astype(np.float32)

    @property
    def acc_intact(self) -> float:
        return self.first.overall[0]


def sweep(model, summary: Summary, mode: str = "ablate", target: str | None = None,
          rank_field: str | None = None, draws: int | None = None, progress=None) -> Sweep:
    """ablation() at every k in curve_ks(H), sharing the intact run; draws default SWEEP_DRAWS.
    progress(fraction, text) is called before each k."""
    draws = SWEEP_DRAWS if draws is None else draws
    target, rank_field, draws = _check_intervention(model, summary, mode, target, rank_field, draws)
    ev = eval_set(summary.seed, summary.distance, summary.n_eval_per_count)
    intact = _measure(model, ev, ())
    ks = curve_ks(summary.hidden_size)
    out = []
    for i, k in enumerate(ks):
        if progress:
            progress(i / len(ks), f"k = {k}: top {k} units and {draws} random draws")
        out.append(_intervene(model, summary, ev, k, mode, target, rank_field, draws, intact))
    return Sweep(ks, out)


def describe_sweep(sw: Sweep) -> str:
    """Where (if anywhere) the top units start to matter more than random ones."""
    a0 = sw.first
    n = a0.n_per_count * len(COUNTS)
    draws = sw.acc_random.shape[1]
    how = "ablating" if a0.mode == "ablate" else f"clamping (at the {a0.mode} value)"
    span = f"k = {sw.ks[0]}…{sw.ks[-1]}, {n} sentences, {draws} random draws per k"
    if near_chance(sw.acc_intact):
        return (f"The intact {a0.arch.upper()} is at {_pct(sw.acc_intact)}, near chance: it carries no usable number "
                f"at distance {a0.distance}, so there is nothing for an intervention to break ({span}).")
    clear = [k for k, top, rand in zip(sw.ks, sw.acc_top, sw.acc_random) if clearly_worse(float(top), rand, n)]
    if not clear:
        gap = (sw.acc_random.mean(1) - sw.acc_top).max()
        return (f"Over {span}, {how} the top units never hurts clearly more than {how} random ones "
                f"(largest gap {100 * gap:.0f} points): the number is not concentrated in a few units here.")
    k = clear[0]
    i = sw.ks.index(k)
    return (f"From k = {k} on, {how} the top units hurts clearly more than random ones: {_pct(sw.acc_top[i])} vs "
            f"{_pct(sw.acc_random[i].mean())} at k = {k} (intact {_pct(sw.acc_intact)}; {span}).")


# ----------------------------------------------------------------------------------------
# What the page says: sentences generated from the numbers

def _pct(x: float) -> str:
    return f"{100 * x:.0f}%"


def _change(before: float, after: float) -> str:
    """'drops ... from 99% to 61%' / 'raises ...' / 'leaves ... at 99%', judged on the shown digits."""
    b, a = round(100 * before), round(100 * after)
    if a < b:
        return f"drops {{what}} from {b}% to {a}%"
    if a > b:
        return f"raises {{what}} from {b}% to {a}%"
    return f"leaves {{what}} at {b}%"


def clearly_worse(top: float, random, n: int) -> bool:
    """Is accuracy `top` clearly below the random draws' accuracies (random (draws,)), each
    measured on n sentences? Clearly = the gap exceeds 5 points, twice the draws' spread and three
    binomial standard errors of the difference."""
    random = np.asarray(random, dtype=np.float64)
    r = float(random.mean())
    se = np.sqrt(top * (1 - top) / n + r * (1 - r) / (n * len(random)))
    return r - top > max(0.05, 2 * float(random.std()), 3 * float(se))


def clearly_more_harmful(a: Ablation) -> bool:
    """True when ablating the top units costs clearly more accuracy than random units (clearly_worse)."""
    _, top, rand = a.overall
    return clearly_worse(top, rand, a.n_per_count * len(COUNTS))


def near_chance(acc: float) -> bool:
    """Accuracy this close to 50% leaves nothing for an ablation to break."""
    return acc < 0.6


def describe_ablation(a: Ablation) -> str:
    """What the intervention did, as the page states it (markdown)."""
    intact, top, rand = a.overall
    units = ", ".join(str(u) for u in a.units)
    n_total = a.n_per_count * len(COUNTS)
    spread = f"{_pct(rand.mean())} ± {_pct(rand.std())} over {len(rand)} draws"
    what = f"{a.target} state"
    if a.mode == "ablate" and near_chance(intact):
        return (f"The intact {a.arch.upper()} answers correctly on only {_pct(intact)} of these sentences at distance "
                f"{a.distance}, near chance: there is no number to destroy. Ablating its top {a.k} units gives "
                f"{_pct(top)}; {a.k} random units: {spread}.")
    if a.mode == "ablate":
        head = (f"Ablating the top {a.k} number unit{'s' if a.k > 1 else ''} ({units}; {what} held at 0) "
                + _change(intact, top).format(what=f"agreement accuracy at distance {a.distance}")
                + f"; {a.k} random unit{'s' if a.k > 1 else ''}: {spread}.")
        if clearly_more_harmful(a):
            tail = (f" The top units matter far more than random ones: "
                    f"{100 * ((intact - top) - (intact - rand.mean())):.0f} percentage points more damage.")
        elif top >= rand.mean() - 0.005:
            tail = " Here the top units are no more important than random ones."
        else:
            tail = " The top units do a little more damage than random ones, but not clearly more."
        hard = a.acc_top[-1], a.acc_intact[-1], a.acc_random[:, -1].mean()
        tail += (f" With {COUNTS[-1]} attractors: {_pct(hard[1])} intact, {_pct(hard[0])} with the top units "
                 f"ablated, {_pct(hard[2])} with random ones ({n_total} sentences, {a.n_per_count} per count).")
        return head + tail
    # clamping: does holding the units at one number's value make the model say that number?
    forced = 1 if a.mode == "plural" else 0
    other = 1 - forced
    said = lambda pl: pl[other] if forced == 1 else 1 - pl[other]     # wrong-number answers on the other subjects
    word = NUMBER[forced]
    return (f"Clamping the top {a.k} unit{'s' if a.k > 1 else ''} ({units}) at their {word} value makes the "
            f"{a.arch.upper()} answer '{word}' for {_pct(said(a.said_plural_top))} of {NUMBER[other]} subjects "
            f"(intact: {_pct(said(a.said_plural_intact))}); {a.k} random units clamped the same way: "
            f"{_pct(np.mean([said(r) for r in a.said_plural_random]))} ± "
            f"{_pct(np.std([said(r) for r in a.said_plural_random]))} over {len(a.said_plural_random)} draws. "
            f"Accuracy: {_pct(intact)} intact, {_pct(top)} clamped, {_pct(rand.mean())} random.")


def describe_find(summary: Summary, field: str, k: int = 3) -> str:
    """How many units separate the numbers almost perfectly, and the top ones."""
    score = summary.score[field]
    strong = int((score > 0.9).sum())
    H = summary.hidden_size
    top = ", ".join(f"{u} ({score[u]:.2f})" for u in summary.top(field, k))
    text = (f"Ranked by their {GATE_NAMES.get(field, field)} on {summary.n_find} held-out sentences at distance "
            f"{summary.distance}, {strong} of the {summary.arch.upper()}'s {H} units tell singular from plural "
            f"almost perfectly at every position after the subject (mean |2AUC−1| > 0.9). Top: {top}.")
    if strong == 0:
        text += " No unit keeps the number all the way to the verb."
    elif strong <= 4:
        text += " The number is concentrated in a handful of units, as Lakretz et al. found in their large LSTM."
    else:
        text += " The number is spread over many units, not concentrated in two or three."
    return text


def describe_trajectory(summary: Summary, template: Template, unit: int, field: str) -> str:
    """How far apart the unit's singular and plural means are right after the subject and at the
    last token, with the spread, and its AUC on the find sentences."""
    m, sd = template.mean[field][:, :, unit], template.std[field][:, :, unit]
    s, T = template.subject_pos, m.shape[1]
    at = lambda t: (f"singular {m[0, t]:+.2f} ± {sd[0, t]:.2f}, plural {m[1, t]:+.2f} ± {sd[1, t]:.2f}")
    name = GATE_NAMES.get(field, field)
    text = (f"Unit {unit}'s {name} right after the subject: {at(s)}; at the last token before the verb: "
            f"{at(T - 1)} ({template.n} sentences).")
    if field in summary.auc:
        a = float(summary.auc[field][-1, unit])
        text += (f" On the find sentences its AUC at the last token is {a:.2f} "
                 f"({'higher for plural' if a >= 0.5 else 'higher for singular'}; 0.5 = no information).")
    if template.attractors:
        text += (f" The {template.attractors} attractor{'s' if template.attractors > 1 else ''} "
                 f"(dotted lines) move the plural-minus-singular gap by at most "
                 f"{np.max(np.abs(np.diff((m[1] - m[0])[s:])[np.array(template.attractor_positions) - s - 1])):.2f}.")
    return text


GATE_NAMES = {"cell": "cell state", "hidden": "hidden state", "forget_gate": "forget gate",
              "update_gate": "update gate"}


def describe_probe(summaries: dict, field_of: dict | None = None) -> str:
    """Probe accuracy right after the subject and just before the verb, per model."""
    parts = []
    for arch, s in summaries.items():
        f = (field_of or {}).get(arch, fields_of(arch)[0])
        mean = s.probe[f][0]
        parts.append(f"{arch.upper()} {f} state: {_pct(mean[1])} at the subject, {_pct(mean[-1])} just before "
                     f"the verb (lowest after the subject: {_pct(mean[1:].min())})")
    return ("Diagnostic classifier (held-out accuracy, chance 50%): " + "; ".join(parts) + ".")


def describe_attractors(summaries: dict) -> str:
    """Accuracy with 0 and with the most attractors, per model."""
    first, last = COUNTS[0], COUNTS[-1]
    parts = [f"{a.upper()} {_pct(s.acc_by_attractors[0])} → {_pct(s.acc_by_attractors[-1])}"
             for a, s in summaries.items()]
    n = next(iter(summaries.values())).n_eval_per_count
    return (f"Agreement accuracy with {first} → {last} attractors: " + ", ".join(parts)
            + f" ({n} sentences per count).")


def describe_error_case(e: ErrorCase, arch: str) -> str:
    name = arch.upper()
    turn = f"'{e.tokens[e.turn_pos]}' (token {e.turn_pos})"
    p_before = e.p_correct[e.turn_pos - 1] if e.turn_pos > 0 else float("nan")
    searched = f"{e.n_sentences} sentences with 1–{e.max_attractors} attractors"
    errors = f"{e.n_errors} error{'' if e.n_errors == 1 else 's'}"
    p_s = float(e.p_correct[e.subject_pos])
    if p_s < 0.5:
        after_subject = f" Right after the subject it was already {p_s:.2f}: the number never got in."
    elif p_s < 0.6:
        after_subject = f" Right after the subject it was {p_s:.2f}, barely above chance: the number was never held firmly."
    else:
        after_subject = f" Right after the subject it was {p_s:.2f}."
    answers = f"ends at {e.p_correct[-1]:.2f}: the {name} answers {NUMBER[1 - e.label]}."
    if e.kind == "flip":
        return (f"{name} made {errors} on {searched}; in {e.n_flips} the answer turned wrong exactly "
                f"at an attractor. Here P(correct '{e.verb}') falls from {p_before:.2f} to "
                f"{e.p_correct[e.turn_pos]:.2f} when it reads the attractor {turn} and " + answers + after_subject)
    if e.kind == "error":
        head = (f"{name} made {errors} on {searched}, none of them turning wrong exactly at an "
                f"attractor. ")
        if e.turn_pos <= e.subject_pos:
            return (head + f"In this one P(correct '{e.verb}') is below 0.5 from {turn} on, before any attractor, "
                    f"and " + answers + after_subject)
        before = [j for j in e.attractor_positions if j < e.turn_pos]
        where = (f", {e.turn_pos - before[-1]} token{'s' if e.turn_pos - before[-1] > 1 else ''} after the "
                 f"attractor '{e.tokens[before[-1]]}'" if before else ", before any attractor")
        return (head + f"In this one P(correct '{e.verb}') last fell below 0.5 at {turn}{where}, and "
                + answers + after_subject)
    return (f"{name} made no error on {searched}. Closest call: P(correct '{e.verb}') dips to "
            f"{e.p_correct[e.turn_pos]:.2f} at the attractor {turn} and ends at {e.p_correct[-1]:.2f} "
            f"(still correct).")


def describe_two_clause_models(summaries: dict, labels: dict | None = None) -> str:
    """How often each model (key -> Summary) answers with the second subject's number; labels: key ->
    name (default MODEL_LABEL)."""
    name = {**MODEL_LABEL, **(labels or {})}
    parts = [f"{name.get(a, a.upper())} {_pct(s.two_clause.acc)} (alone {_pct(s.two_clause.acc_alone)})"
             for a, s in summaries.items()]
    return "Answers with the second subject's number, every model on the same kind of sentence: " + ", ".join(parts) + "."


def gate_stats(two: TwoClause, units) -> dict:
    """Mean gate of `units`: 'hold' between subject 1 and its verb, 'min_hold' the lowest per-position
    mean in that span, 'at_subject2' where the second subject is read, and 'at_reset' the lowest from
    verb 1 to subject 2 (where clause 1 ends and clause 2 begins), at token 'reset_pos'."""
    g = two.gate_mean[:, list(units)].mean(1)                              # (T,)
    hold = g[two.subject1 + 1:two.verb1]
    reset_pos = two.verb1 + int(np.argmin(g[two.verb1:two.subject2 + 1]))
    return dict(hold=float(hold.mean()), min_hold=float(hold.min()), at_subject1=float(g[two.subject1]),
                at_subject2=float(g[two.subject2]), at_reset=float(g[reset_pos]), reset_pos=reset_pos)


def describe_two_clause(two: TwoClause, units, arch: str, name: str | None = None) -> str:
    name = name or arch.upper()
    us = ", ".join(str(u) for u in units)
    follows = (f"At the end the {name} answers with the second subject's number in {_pct(two.acc)} of {two.n} "
               f"sentences whose subjects differ (clause 2 read alone: {_pct(two.acc_alone)}).")
    if two.gate is None:
        return "The simple RNN has no gate that could hold or reset its state. " + follows
    g = gate_stats(two, units)
    gname = two.gate.replace("_", " ")
    near = "stays near 1" if g["hold"] >= 0.9 else ("stays high" if g["hold"] >= 0.7 else "does not stay near 1")
    hold = (f"Between the first subject and its verb the {gname} of unit{'s' if len(units) > 1 else ''} {us} "
            f"{near} (mean {g['hold']:.2f}, lowest {g['min_hold']:.2f}).")
    where = {two.verb1: "verb 1", two.subject2: "subject 2"}.get(g["reset_pos"], "between the clauses")
    at2 = (f" From verb 1 ('{two.tokens[two.verb1]}') to subject 2 ('{two.tokens[two.subject2]}') its lowest is "
           f"{g['at_reset']:.2f}, at '{two.tokens[g['reset_pos']]}' ({where})")
    drop = g["hold"] - g["at_reset"]
    if drop >= 0.2:
        at2 += (f": it resets there — that step the cell keeps only {g['at_reset']:.0%} of what it held, "
                "letting the first subject's number go.")
    elif drop > 0.05:
        at2 += ": it dips only a little."
    else:
        at2 += ": no reset."
    if two.gate == "update_gate":
        at2 += " (For the GRU, the update gate z plays the forget gate's role: h keeps z·h_prev.)"
    return hold + at2 + " " + follows


# ----------------------------------------------------------------------------------------
# Precomputed analyses of the shipped models (what the page shows first, at once)

PRECOMPUTED_DIR = Path(__file__).resolve().parent / "precomputed"
PRECOMPUTED_SEEDS = (0,)          # the page's default seed; other seeds are computed on demand
PRECOMPUTE_COMMAND = "python -m lstm_core.number_units --precompute"
_LOG = logging.getLogger(__name__)


def _classes() -> dict[str, type]:
    return {c.__name__: c for c in (Summary, Template, ErrorCase, TwoClause, Sweep, Ablation)}


def sweep_settings(arch: str) -> list[tuple[str, str, str]]:
    """Every (rank_field, mode, target) the page offers for an architecture."""
    fields = fields_of(arch)
    return [(rank, mode, target) for rank in fields for mode in MODES for target in fields]


def precomputed_sweeps(key: str) -> list[tuple[str, str, str]]:
    """The sweeps precomputed for a shipped model key: every one the page offers, or none."""
    return [] if key in SUMMARY_ONLY else sweep_settings(KEY_ARCH[key])


def _sweep_key(rank: str, mode: str, target: str) -> str:
    return f"{rank}|{mode}|{target}"


@functools.lru_cache(maxsize=8)
def checkpoint_sha256(arch: str) -> str:
    """sha256 over the shipped checkpoint's weights and metadata files: what an analysis was made from."""
    from lstm_core.training.checkpoint import PRETRAINED_DIR
    digest = hashlib.sha256()
    for suffix in (".safetensors", ".json"):
        digest.update((PRETRAINED_DIR / f"{PRETRAINED[arch]}{suffix}").read_bytes())
    return digest.hexdigest()


def precomputed_path(arch: str, seed: int, directory: Path | None = None) -> Path:
    return Path(directory or PRECOMPUTED_DIR) / f"number_units_{PRETRAINED[arch]}_seed{int(seed)}.safetensors"


def precompute(arch: str, seed: int = 0, directory: Path | None = None, progress=None) -> Path:
    """Analyse the shipped arch model for seed (summary + every sweep of sweep_settings) and save it."""
    from lstm_core import results_io
    model, distance = pretrained(arch)
    report = progress or (lambda text: None)
    report(f"{arch}: summary")
    summary = summarize(model, seed=seed, distance=distance)
    sweeps = {}
    for rank, mode, target in precomputed_sweeps(arch):
        report(f"{arch}: sweep rank={rank} mode={mode} target={target}")
        sweeps[_sweep_key(rank, mode, target)] = sweep(model, summary, mode=mode, target=target, rank_field=rank)
    meta = dict(arch=arch, seed=int(seed), checkpoint=PRETRAINED[arch], checkpoint_sha256=checkpoint_sha256(arch),
                command=f"{PRECOMPUTE_COMMAND} --arch {arch} --seed {int(seed)}")
    return results_io.save(precomputed_path(arch, seed, directory), {"summary": summary, "sweeps": sweeps}, meta)


@functools.lru_cache(maxsize=8)
def load_precomputed(arch: str, seed: int, directory: Path | None = None) -> dict | None:
    """{'summary': Summary, 'sweeps': {key: Sweep}} from the precomputed file of (arch, seed), or None
    if there is none, or it does not match the shipped checkpoint (then it is logged and ignored)."""
    from lstm_core import results_io
    path = precomputed_path(arch, seed, directory)
    if not path.is_file():
        return None
    try:
        if results_io.read_meta(path).get("checkpoint_sha256") != checkpoint_sha256(arch):
            _LOG.warning("%s was made from another checkpoint; recomputing (run %s)", path.name, PRECOMPUTE_COMMAND)
            return None
        data, _ = results_io.load(path, _classes())
    except Exception as exc:  # noqa: BLE001 - a broken file must not break the page: compute instead
        _LOG.warning("cannot read %s (%s); recomputing", path.name, exc)
        return None
    return data


def shipped_summary(arch: str, seed: int = 0) -> Summary:
    """summarize() of the shipped arch model: the precomputed one when it exists, else computed."""
    seed = _check_seed(seed)
    pre = load_precomputed(arch, seed)
    if pre is not None:
        return pre["summary"]
    model, distance = pretrained(arch)
    return summarize(model, seed=seed, distance=distance)


def shipped_sweep(arch: str, seed: int, rank: str, mode: str, target: str, summary: Summary | None = None) -> Sweep:
    """sweep() of the shipped arch model (default draws): the precomputed one when it exists, else computed
    (from `summary`, that model's shipped_summary for this seed, if the caller already has it)."""
    seed = _check_seed(seed)
    pre = load_precomputed(arch, seed)
    if pre is not None and _sweep_key(rank, mode, target) in pre["sweeps"]:
        return pre["sweeps"][_sweep_key(rank, mode, target)]
    model, _ = pretrained(arch)
    return sweep(model, summary or shipped_summary(arch, seed), mode=mode, target=target, rank_field=rank)


def describe_source(arch: str, seed: int) -> str:
    """Where the numbers shown for (arch, seed) come from."""
    if load_precomputed(arch, _check_seed(seed)) is not None:
        return (f"Seed {seed}: computed ahead of time from this exact checkpoint (`{PRETRAINED[arch]}`, sha256 "
                f"{checkpoint_sha256(arch)[:12]}…) by `{PRECOMPUTE_COMMAND}`, with the same code; the tests "
                "recompute it and require the same numbers. Any other seed is computed live.")
    return f"Seed {seed}: computed live on this server from the shipped checkpoint `{PRETRAINED[arch]}`."


# ----------------------------------------------------------------------------------------
# Your own models (trained on the Train and compare page)

MIN_DISTANCE, MAX_DISTANCE = 3 * COUNTS[-1], 100      # summarize() needs room for every attractor count


def trained_models(result) -> tuple[dict, str | None]:
    """({arch: model}, None) for the models of a Train-and-compare result (lstm_core.compare.
    CompareResult) that this analysis can read, or ({}, why not). None -> ({}, None)."""
    if result is None:
        return {}, None
    cfg = result.config
    if cfg.task != "agreement":
        return {}, f"your models on Train and compare were trained on the {cfg.task} task, not on agreement"
    if not MIN_DISTANCE <= cfg.distance <= MAX_DISTANCE:
        return {}, (f"your models on Train and compare were trained at distance {cfg.distance}; this analysis "
                    f"needs {MIN_DISTANCE}..{MAX_DISTANCE} (room for {COUNTS[-1]} attractors)")
    return {a: r.model for a, r in result.runs.items() if r.model.arch in FIELDS}, None


def describe_trained_source(result, seed: int) -> str:
    """Where the numbers come from when the models are the user's own."""
    cfg = result.config
    runs = ", ".join(f"{a.upper()} {r.steps_done} steps" for a, r in result.runs.items())
    return (f"Seed {seed}: your models from Train and compare ({runs}; agreement at distance {cfg.distance}, "
            f"hidden {cfg.hidden}, training seed {cfg.seed}), analysed live on this server at distance "
            f"{cfg.distance}: once per model and seed, then cached for this session.")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description="Precompute the number-unit analysis of the shipped agreement models.")
    ap.add_argument("--precompute", action="store_true", required=True)
    ap.add_argument("--arch", choices=list(PRETRAINED), action="append", help="default: every shipped model")
    ap.add_argument("--seed", type=int, action="append", help=f"default: {list(PRECOMPUTED_SEEDS)}")
    ap.add_argument("--dir", type=Path, default=PRECOMPUTED_DIR)
    args = ap.parse_args(argv)
    torch.set_num_threads(1)                # the same numbers as the app and the tests (one thread)
    for arch in args.arch or [a for a in PRETRAINED if has_pretrained(a)]:
        for seed in args.seed or PRECOMPUTED_SEEDS:
            path = precompute(arch, seed, args.dir, progress=lambda t: print(" ", t, flush=True))
            print(f"wrote {path} ({path.stat().st_size / 1e3:.0f} kB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
