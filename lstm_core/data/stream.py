"""A continual stream of agreement sentences (Gers, Schmidhuber & Cummins 2000, "Learning to
forget"): sentences of lstm_core.data.grammar concatenated one after another, the recurrent state
never reset. The model reads the stream token by token; at the token just before each sentence's
target verb it predicts the verb's number, which is the number of THAT sentence's subject.

The vocabulary (lstm_core.data.lexicon) has no sentence-final token (no "."), and adding one would
change every shipped checkpoint's embedding, so the sentences follow each other with no separator:
a sentence's last tail word is followed by the next sentence's first word. A model has to find the
boundary from the words themselves (after the verb and its short tail a new sentence begins).

    s = make_stream(rng, n_sentences=120, distance=(0, 12))
    s.ids (T,)  s.starts (n,)  s.verbs (n,)  s.labels (n,)  s.targets() (T,) -100 except at s.verbs - 1
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from lstm_core.data import grammar
from lstm_core.data import lexicon as lx

IGNORE = -100          # torch.nn.functional.cross_entropy's ignore_index: no answer at this token
SEPARATOR = None       # the vocabulary has no sentence-final token; see the module docstring


@dataclass(frozen=True)
class Stream:
    """ids (T,) int64: the whole stream; starts (n,): index of each sentence's first token;
    verbs (n,): index of each sentence's target verb (the answer is read at verbs - 1, from
    everything before the verb); subjects (n,): index of each sentence's subject; labels (n,):
    its number (0 singular, 1 plural); distances (n,): subject-verb distances."""
    ids: np.ndarray
    starts: np.ndarray
    verbs: np.ndarray
    subjects: np.ndarray
    labels: np.ndarray
    distances: np.ndarray

    @property
    def n_sentences(self) -> int:
        return int(len(self.starts))

    def head(self, n: int) -> "Stream":
        """The first n sentences (the stream is read in order: a prefix is itself a stream)."""
        n = int(n)
        if not 1 <= n <= self.n_sentences:
            raise ValueError(f"a stream of {self.n_sentences} sentences has no first {n}")
        end = int(self.starts[n]) if n < self.n_sentences else len(self.ids)
        return Stream(self.ids[:end], self.starts[:n], self.verbs[:n], self.subjects[:n], self.labels[:n],
                      self.distances[:n])

    def __len__(self) -> int:
        return int(len(self.ids))

    @property
    def tokens(self) -> list[str]:
        return lx.decode(self.ids)

    @property
    def answer_steps(self) -> np.ndarray:
        """(n,) the step at which each sentence's verb number is predicted: verbs - 1."""
        return self.verbs - 1

    def sentence_of(self) -> np.ndarray:
        """(T,) the index of the sentence each token belongs to."""
        return np.searchsorted(self.starts, np.arange(len(self.ids)), side="right") - 1

    def targets(self) -> np.ndarray:
        """(T,) int64: the label at each answer step, IGNORE elsewhere."""
        y = np.full(len(self.ids), IGNORE, dtype=np.int64)
        y[self.answer_steps] = self.labels
        return y


def make_stream(rng: np.random.Generator, n_sentences: int,
                distance: int | tuple[int, int] = (0, 12)) -> Stream:
    """n_sentences grammar sentences, each drawn with a subject-verb distance uniform in
    distance = (lo, hi) (or exactly an int), concatenated with no separator and no reset."""
    n = int(n_sentences)
    if n < 1:
        raise ValueError(f"a stream needs at least one sentence, got {n_sentences!r}")
    lo, hi = (int(distance), int(distance)) if np.ndim(distance) == 0 else map(int, distance)
    if not 0 <= lo <= hi:
        raise ValueError(f"distance range ({lo}, {hi}) must have 0 <= lo <= hi")
    ids, starts, verbs, subjects, labels, dists = [], [], [], [], [], []
    for _ in range(n):
        d = lo + int(rng.integers(0, hi - lo + 1))
        ex = grammar.agreement_example(rng, d)
        offset = len(ids)
        starts.append(offset)
        verbs.append(offset + ex.verb_pos)
        subjects.append(offset + ex.subject_pos)
        labels.append(ex.label)
        dists.append(ex.distance)
        ids.extend(lx.WORD_TO_ID[w] for w in ex.tokens)
    arr = lambda v: np.asarray(v, dtype=np.int64)   # noqa: E731
    return Stream(arr(ids), arr(starts), arr(verbs), arr(subjects), arr(labels), arr(dists))


def stream_lanes(rng: np.random.Generator, n_lanes: int, n_tokens: int,
                 distance: int | tuple[int, int] = (0, 12)) -> tuple[np.ndarray, np.ndarray]:
    """Training data for truncated BPTT: n_lanes independent streams, each cut to exactly
    n_tokens. Returns (x (n_lanes, n_tokens) int64 ids, y (n_lanes, n_tokens) int64 targets,
    IGNORE where there is no answer). Every lane is one unbroken stream."""
    n_lanes, n_tokens = int(n_lanes), int(n_tokens)
    if n_lanes < 1 or n_tokens < 1:
        raise ValueError("stream_lanes needs at least one lane and one token")
    xs, ys = [], []
    for _ in range(n_lanes):
        parts, targets, total = [], [], 0
        while total < n_tokens:
            s = make_stream(rng, 64, distance)
            parts.append(s.ids)
            targets.append(s.targets())
            total += len(s)
        xs.append(np.concatenate(parts)[:n_tokens])
        ys.append(np.concatenate(targets)[:n_tokens])
    return np.stack(xs), np.stack(ys)


def sentence_batches(rng: np.random.Generator, n_batches: int, n_tokens: int,
                     distance: int | tuple[int, int] = (0, 12)) -> list[tuple[np.ndarray, np.ndarray]]:
    """The reset control's training data, the same sentences one per row: each batch holds
    whole sentences, about n_tokens of them (as many tokens as a stream batch), right-padded
    with <pad> = 0 after the sentence's end, so a row starts from a fresh state and its answer
    step never sees the padding. Returns [(x (b, T) int64, y (b, T) int64 targets)]."""
    out = []
    for _ in range(int(n_batches)):
        rows, total = [], 0
        while total < n_tokens:
            s = make_stream(rng, 1, distance)
            rows.append(s)
            total += len(s)
        T = max(len(s) for s in rows)
        x = np.zeros((len(rows), T), dtype=np.int64)
        y = np.full((len(rows), T), IGNORE, dtype=np.int64)
        for j, s in enumerate(rows):
            x[j, :len(s)] = s.ids
            y[j, :len(s)] = s.targets()
        out.append((x, y))
    return out
