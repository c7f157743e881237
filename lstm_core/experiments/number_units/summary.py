"""Number units, the analysis of one model that no slider changes: its units ranked by how well
they tell the subject's number, the probes, accuracy by attractors, trajectories over template
sentences, one error up close and the two-subject sentences.

    s = summarize(model, seed=0)                # Summary
    s.order["cell"][:3]                         # the three best number units (by their cell state)
    s.probe["cell"]                             # diagnostic-classifier accuracy per position

Every number comes from the glass core (``model.glass().trace``, see run) reading freshly
generated, held-out sentences (sentences.py). Positions are counted from the subject: k = 0 is the
subject noun, k = distance is the last token before the verb (where the model answers), k = -1 the
token before the subject.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from lstm_core.data import grammar
from lstm_core.data import lexicon as lx
from lstm_core.experiments.number_units.sentences import (_CLAUSE, _FIND, _TEMPLATE, COUNTS, MAX_N, SentenceSet,
                                                          _rng, agreement_set, eval_set, resample, search_set,
                                                          two_clause_sentence, two_clause_skeleton)
from lstm_core.experiments.number_units.stats import auc, dprime, probe_accuracy, unit_scores

CHUNK = 500                       # sentences per glass-core call (the loop path's sweet spot)
GATE = {"lstm": "forget_gate", "gru": "update_gate", "rnn": None}
FIELDS = {"lstm": ("cell", "hidden"), "gru": ("hidden",), "rnn": ("hidden",)}
MIN_DISTANCE, MAX_DISTANCE = 3 * COUNTS[-1], 100      # summarize() needs room for every attractor count


def fields_of(arch: str) -> tuple[str, ...]:
    """State fields that can carry number: ('cell', 'hidden') for the LSTM, ('hidden',) else."""
    return FIELDS[arch]


def check_model(model) -> None:
    """ValueError unless model reads the agreement vocabulary and predicts 2 classes."""
    if getattr(model, "input_kind", None) != "ids" or getattr(model, "n_in", None) != len(lx.VOCAB) \
            or getattr(model, "n_out", None) != 2 or getattr(model, "arch", None) not in FIELDS:
        raise ValueError("this model was not trained on subject-verb agreement (it must read the "
                         "agreement vocabulary and predict singular/plural)")


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
        ps.append(torch.softmax(model.readout(h), -1)[..., lx.PLURAL].float().numpy())
    arrays = {f: np.concatenate(v) for f, v in outs.items()}
    return arrays, np.concatenate(ps).astype(np.float32)


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
    if not MIN_DISTANCE <= distance <= MAX_DISTANCE:
        raise ValueError(f"distance must be between {MIN_DISTANCE} and {MAX_DISTANCE}, got {distance}")
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
        score[f] = unit_scores(auc_[f])
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


def _template(model, seed, distance, attractors, n, fields) -> Template:
    rng = _rng(seed, _TEMPLATE, attractors)
    skeleton = grammar.agreement_example(rng, distance, attractors, label=0)
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


def _two_clause(model, seed, n, fields) -> TwoClause:
    rng = _rng(seed, _CLAUSE)
    c1, c2 = two_clause_skeleton(rng)
    made = [two_clause_sentence(c1, c2, rng, b % 2) for b in range(n)]
    y = np.array([b % 2 for b in range(n)])
    x = np.array([[lx.WORD_TO_ID[w] for w in m[0]] for m in made], dtype=np.int64)
    alone = np.array([[lx.WORD_TO_ID[w] for w in m[4]] for m in made], dtype=np.int64)
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


def gate_stats(two: TwoClause, units) -> dict:
    """Mean gate of `units`: 'hold' between subject 1 and its verb, 'min_hold' the lowest per-position
    mean in that span, 'at_subject2' where the second subject is read, and 'at_reset' the lowest from
    verb 1 to subject 2 (where clause 1 ends and clause 2 begins), at token 'reset_pos'."""
    g = two.gate_mean[:, list(units)].mean(1)                              # (T,)
    hold = g[two.subject1 + 1:two.verb1]
    reset_pos = two.verb1 + int(np.argmin(g[two.verb1:two.subject2 + 1]))
    return dict(hold=float(hold.mean()), min_hold=float(hold.min()), at_subject1=float(g[two.subject1]),
                at_subject2=float(g[two.subject2]), at_reset=float(g[reset_pos]), reset_pos=reset_pos)
