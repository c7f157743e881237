"""Number units, the causal test by activation patching: run each sentence's minimal pair (the
same words, the subject in the other number), copy chosen units' cell values from that run into
the original run at chosen steps, and count how often the verb's prediction flips to the other
number. The top-k units against k random units (several draws), with 95% Wilson intervals.

    pt = patching(model, s, k=8, where="subject")   # Patching: top-8 vs 8 random units
    pt.flip_top, pt.interval_top                    # flip rate of the top units and its interval
    pt.flip_random                                  # (draws,) flip rate of each random draw

Only pairs the intact model answers correctly both ways are counted (n_pairs of n_sentences):
a flip then means the copied values alone carried the other number to the verb.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from lstm_core.cells import Clamp
from lstm_core.data import grammar
from lstm_core.experiments.number_units.interventions import _check_intervention, _random_units, k_max
from lstm_core.experiments.number_units.sentences import _PATCH, COUNTS, SentenceSet, _rng, agreement_set
from lstm_core.experiments.number_units.stats import wilson
from lstm_core.experiments.number_units.summary import Summary, run

WHERE = ("subject", "subject_to_verb")   # patch at the subject only / at every step from it to the verb
PATCH_N = 100                            # sentences per attractor count the page patches (x len(COUNTS))
MAX_PATCH_N = 400
_OTHER = {w: pair[1 - i] for pair in grammar.NOUNS + grammar.PERSON_NOUNS for i, w in enumerate(pair)}


def minimal_pair(ex: grammar.AgreementExample) -> grammar.AgreementExample:
    """ex with only its subject noun put in the other number: every other word is the same, so
    the nouns that were attractors agree with the new subject and the others become attractors."""
    tokens = list(ex.tokens[:ex.verb_pos])
    tokens[ex.subject_pos] = _OTHER[tokens[ex.subject_pos]]
    label = 1 - ex.label
    verb = ex.tokens[ex.verb_pos]
    tokens.append(next((p[label] for p in grammar.VERBS + grammar.AUX if verb in p[:2]), verb))
    attractors = [p for p in ex.noun_positions if p not in set(ex.attractor_positions)]
    return grammar.AgreementExample(tokens, label, ex.subject_pos, ex.verb_pos, list(ex.noun_positions),
                                    attractors, list(ex.prefix_noun_positions), list(ex.roles[:ex.verb_pos + 1]),
                                    list(ex.tags[:ex.verb_pos + 1]))


def pair_sets(seed: int, distance: int, n_per_count: int) -> tuple[SentenceSet, SentenceSet]:
    """(originals, their minimal pairs): n_per_count sentences for each count in COUNTS, from the
    patching stream; row b of the pairs is row b of the originals with the subject's number flipped."""
    n = int(n_per_count)
    if not 1 <= n <= MAX_PATCH_N:
        raise ValueError(f"sentences per attractor count must be between 1 and {MAX_PATCH_N}, got {n}")
    orig = agreement_set(_rng(seed, _PATCH), n, distance, list(COUNTS))
    pairs = [minimal_pair(e) for e in orig.examples]
    x = grammar.pad_left([e.ids for e in pairs])
    return orig, SentenceSet(x, np.array([e.label for e in pairs], dtype=np.int64), pairs, orig.distance)


@dataclass
class Patching:
    """Flip rates of the verb's prediction when k units' cell values come from the minimal pair.

    flip_top: fraction of the n_pairs counted pairs whose answer flipped with the top-k units
    patched; flip_random (draws,) the same for each draw of k random units; interval_* the 95%
    Wilson intervals ((2,) and (draws, 2)). steps: the columns patched."""
    arch: str
    k: int
    where: str
    target: str
    distance: int
    n_sentences: int
    n_pairs: int
    steps: list
    units: list
    random_units: np.ndarray
    flips_top: int
    flips_random: np.ndarray

    @property
    def flip_top(self) -> float:
        return self.flips_top / max(self.n_pairs, 1)

    @property
    def flip_random(self) -> np.ndarray:
        return self.flips_random / max(self.n_pairs, 1)

    @property
    def interval_top(self) -> np.ndarray:
        return np.array(wilson(self.flips_top, self.n_pairs))

    @property
    def interval_random(self) -> np.ndarray:
        lo, hi = wilson(self.flips_random, self.n_pairs)
        return np.stack([lo, hi], 1)


def _said_plural(model, x, interventions=()) -> np.ndarray:
    return run(model, x, (), interventions, last_only=True)[1] >= 0.5


def _flips(model, x, source, units, steps, keep, other) -> int:
    """How many kept rows answer the other number with units' target values copied from source."""
    ivs = [Clamp(source[0], source[1][:, t][:, units], units, [t]) for t in steps]
    return int((_said_plural(model, x, ivs)[keep] == other[keep]).sum())


def patching(model, summary: Summary, k: int = 2, where: str = "subject", n_per_count: int = PATCH_N,
             rank_field: str | None = None, draws: int = 5) -> Patching:
    """Patch the top-k units (ranked on rank_field) and, for comparison, k random other units
    (`draws` sets), copying their state (the cell for an LSTM, the hidden state otherwise) from
    each sentence's minimal pair at the subject (where='subject') or at every step from the
    subject to the last word before the verb ('subject_to_verb')."""
    target, rank_field, draws = _check_intervention(model, summary, "ablate", None, rank_field, draws)
    if where not in WHERE:
        raise ValueError(f"where must be one of {WHERE}, got {where!r}")
    k = int(k)
    if not 1 <= k <= k_max(summary.hidden_size):
        raise ValueError(f"k must be between 1 and {k_max(summary.hidden_size)}, got {k}")
    orig, pair = pair_sets(summary.seed, summary.distance, n_per_count)
    T = orig.x.shape[1]
    steps = [orig.subject_col] if where == "subject" else list(range(orig.subject_col, T))
    arrays, p_pair = run(model, pair.x, (target,))
    keep = (_said_plural(model, orig.x) == (orig.y == 1)) & ((p_pair[:, -1] >= 0.5) == (pair.y == 1))
    other = pair.y == 1
    source = (target, arrays[target])
    top = summary.top(rank_field, k)
    rand = _random_units(summary, top, k, draws)
    flips_r = np.array([_flips(model, orig.x, source, [int(u) for u in r], steps, keep, other) for r in rand])
    return Patching(model.arch, k, where, target, summary.distance, len(orig.y), int(keep.sum()), steps,
                    list(top), rand, _flips(model, orig.x, source, list(top), steps, keep, other), flips_r)
