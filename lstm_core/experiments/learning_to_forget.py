"""Learning to forget (Gers, Schmidhuber & Cummins 2000): the 1997 LSTM cell (no forget gate)
against the forget-gate LSTM on a continual stream of agreement sentences, never reset.

Three models, one recipe (lstm_core.training.stream_trainer; both cells are Greff et al.'s, with
peepholes, so the forget gate is the only difference between the first two):
    forget      "lstm_v"   the forget-gate LSTM, trained on unbroken streams
    nfg         "lstm_nfg" the 1997 cell, trained on unbroken streams
    nfg_reset   "lstm_nfg" the 1997 cell trained with its state reset at every sentence (the
                           control: can the cell learn the task at all when its state cannot grow?)
Every model is read on a long test stream by the glass core (every gate and state, float64), whose
hidden states give the answers at the verbs with the state carried across sentences, and by torch
with the state reset at each sentence.

Shipped: lstm_core/precomputed/learning_to_forget_<key>_seed0.{safetensors,json} (checkpoints) and
learning_to_forget_summary.json (the numbers of every seed). Regenerate (about 30 s a model on one
thread):  python -m lstm_core.experiments.learning_to_forget
"""
from __future__ import annotations

import functools
import json
import sys
import threading
import time
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import torch

from lstm_core.data import stream as st
from lstm_core.training import stream_trainer as stt
from lstm_core.training.checkpoint import load_checkpoint, save_checkpoint
from lstm_core.training.models import SeqModel

MODELS = {
    "forget": stt.StreamConfig(arch="lstm_v"),
    "nfg": stt.StreamConfig(arch="lstm_nfg"),
    "nfg_reset": stt.StreamConfig(arch="lstm_nfg", reset=True),
}
MODEL_LABELS = {"forget": "forget-gate LSTM", "nfg": "1997 cell (no forget gate)",
                "nfg_reset": "1997 cell, trained with resets"}
SEEDS = (0, 1, 2)
TEST_SEED = 2026
DEFAULT_SENTENCES, MIN_SENTENCES, MAX_SENTENCES = 150, 20, 400
SUMMARY_SENTENCES = 300
WINDOW = 8            # event-locked averages: offsets -WINDOW..WINDOW around each boundary / verb
DIR = Path(__file__).resolve().parent.parent / "precomputed"
SUMMARY_PATH = DIR / "learning_to_forget_summary.json"


def checkpoint_path(key: str, seed: int = 0, root: Path | None = None) -> Path:
    return (root or DIR) / f"learning_to_forget_{key}_seed{int(seed)}"


def test_stream(n_sentences: int = DEFAULT_SENTENCES) -> st.Stream:
    """The test stream: the first n sentences of one fixed stream of fresh sentences (rng [TEST_SEED,
    SUMMARY_SENTENCES], MAX_SENTENCES long, distances as in training). A shorter stream is a prefix of a
    longer one, so one trace of the whole serves every length (run)."""
    n = int(n_sentences)
    if not MIN_SENTENCES <= n <= MAX_SENTENCES:
        raise ValueError(f"the test stream holds {MIN_SENTENCES} to {MAX_SENTENCES} sentences, got {n}")
    return _whole_stream().head(n)


@functools.lru_cache(maxsize=1)
def _whole_stream() -> st.Stream:
    cfg = MODELS["forget"]
    return st.make_stream(np.random.default_rng([TEST_SEED, SUMMARY_SENTENCES]), MAX_SENTENCES, (cfg.lo, cfg.hi))


def load_model(key: str, seed: int = 0, root: Path | None = None) -> tuple[SeqModel, dict]:
    """A shipped model and its metadata; ValueError if it is missing or not MODELS[key]'s recipe."""
    if key not in MODELS:
        raise ValueError(f"model must be one of {tuple(MODELS)}, got {key!r}")
    model, meta = load_checkpoint(checkpoint_path(key, seed, root))
    if stt.StreamConfig.from_checkpoint_train(meta["train"]) != replace(MODELS[key], seed=int(seed)):
        raise ValueError(f"{checkpoint_path(key, seed, root).name} was not trained with the {key} recipe")
    return model, meta


@dataclass
class StreamTrace:
    """One model read over one test stream. hidden, cell, forget, input_gate, output_gate (T, H) from the
    glass core; acc_carry / acc_reset (n,) bool, the answer at each sentence's verb with the state
    carried over the whole stream / reset at each sentence."""
    key: str
    stream: st.Stream
    hidden: np.ndarray
    cell: np.ndarray
    forget: np.ndarray
    input_gate: np.ndarray
    output_gate: np.ndarray
    acc_carry: np.ndarray
    acc_reset: np.ndarray

    def head(self, n: int) -> "StreamTrace":
        """The trace of the stream's first n sentences (slices: no copy)."""
        s = self.stream.head(n)
        T = len(s)
        return StreamTrace(self.key, s, self.hidden[:T], self.cell[:T], self.forget[:T], self.input_gate[:T],
                           self.output_gate[:T], self.acc_carry[:n], self.acc_reset[:n])


_STATES = ("hidden", "cell", "forget", "input_gate", "output_gate")


def trace_stream(model: SeqModel, s: st.Stream, key: str = "", prefix: StreamTrace | None = None) -> StreamTrace:
    """Glass-core trace (float64) of the model over the whole stream from a zero state; the answers with
    the state carried read from its hidden states, those with the state reset from torch.
    prefix: the trace of the stream's first sentences, continued from its last state instead of read again
    (the state is carried, never reset, so the trace of a longer prefix continues that of a shorter one)."""
    T0 = len(prefix.stream) if prefix is not None else 0
    glass = model.glass(torch.float64)
    with torch.no_grad():
        x = model.embed(torch.from_numpy(s.ids[T0:])[None]).double()
    start = (prefix.hidden[-1], prefix.cell[-1]) if prefix is not None else (None, None)
    tr = glass.trace(x, *start)
    new = dict(hidden=tr.hidden[0], cell=tr.cell[0], forget=tr.forget_gate[0], input_gate=tr.input_gate[0],
               output_gate=tr.output_gate[0])
    if prefix is not None:
        new = {name: np.concatenate([getattr(prefix, name), new[name]]) for name in _STATES}
    carried = stt.answer_logits(model, torch.from_numpy(new["hidden"]), s).argmax(-1) == s.labels
    return StreamTrace(key, s, **new, acc_carry=carried, acc_reset=stt.stream_accuracy(model, s, reset=True))


def run(key: str, n_sentences: int = DEFAULT_SENTENCES, seed: int = 0) -> StreamTrace:
    """The page's one call: the shipped model `key` read over the test stream of n_sentences: the first
    n_sentences of the longest trace read so far in this process, continued first if it is shorter.
    A first visit reads the default length only; the warm-up continues it to the whole stream."""
    n = test_stream(n_sentences).n_sentences             # validates n
    if key not in MODELS:
        raise ValueError(f"model must be one of {tuple(MODELS)}, got {key!r}")
    with _reading:
        tr = _read.get((key, int(seed)))
        if tr is None or tr.stream.n_sentences < n:
            model, _ = load_model(key, seed)
            tr = _read[(key, int(seed))] = trace_stream(model, test_stream(n), key, prefix=tr)
    return tr.head(n)


_read: dict = {}                     # (key, seed) -> the longest StreamTrace read so far (read-only)
_reading = threading.Lock()          # one reader at a time: two sessions never read the same stream twice


# ----------------------------------------------------------------------------- the quantities


def event_locked(values: np.ndarray, events: np.ndarray, window: int = WINDOW) -> np.ndarray:
    """(2 window + 1, H): values (T, H) averaged over the events at offsets -window..window
    (events too near either end of the stream are left out; NaN if none is left)."""
    T = values.shape[0]
    ev = events[(events - window >= 0) & (events + window < T)]
    if len(ev) == 0:
        return np.full((2 * window + 1, values.shape[1]), np.nan)
    idx = ev[:, None] + np.arange(-window, window + 1)[None]
    return values[idx].mean(0)


def binned(acc: np.ndarray, n_bins: int = 10) -> tuple[np.ndarray, np.ndarray]:
    """(centres (k,), accuracy (k,)): accuracy over consecutive blocks of sentences."""
    edges = np.linspace(0, len(acc), min(int(n_bins), len(acc)) + 1).astype(int)
    centres = (edges[:-1] + edges[1:] - 1) / 2
    return centres, np.array([acc[a:b].mean() for a, b in zip(edges[:-1], edges[1:])])


def stats(tr: StreamTrace) -> dict:
    """The numbers the page and the summary report, all from the trace."""
    c = np.abs(tr.cell)
    T, tenth = c.shape[0], max(1, c.shape[0] // 10)
    n = len(tr.acc_carry)
    q = max(1, n // 4)
    f_start = event_locked(tr.forget, tr.stream.starts).mean(1)
    f_verb = event_locked(tr.forget, tr.stream.verbs).mean(1)
    return dict(
        tokens=int(T), sentences=int(n), quarter=int(q), window=WINDOW,
        cell_first=float(c[:tenth].mean()), cell_last=float(c[-tenth:].mean()), cell_max=float(c.max()),
        units_over_10=int((c[-tenth:].mean(0) > 10).sum()), hidden=int(c.shape[1]),
        forget_mean=float(tr.forget.mean()),
        forget_at_start=float(f_start[WINDOW]), forget_at_verb=float(f_verb[WINDOW]),
        forget_min_near_verb=float(np.nanmin(f_verb)), forget_min_near_start=float(np.nanmin(f_start)),
        acc_carry=float(tr.acc_carry.mean()), acc_reset=float(tr.acc_reset.mean()),
        acc_carry_first=float(tr.acc_carry[:q].mean()), acc_carry_last=float(tr.acc_carry[-q:].mean()),
    )


def load_summary(path: Path = SUMMARY_PATH) -> dict:
    """{key: {"seeds": {seed: stats + train_seconds + final_loss}}, "recipe": ..., "command": ...}."""
    return json.loads(Path(path).read_text())


def seed_spread(summary: dict, key: str, name: str) -> tuple[float, float, int]:
    """(mean, standard deviation, number of seeds) of one number over the shipped seeds."""
    v = np.array([s[name] for s in summary[key]["seeds"].values()], dtype=np.float64)
    return float(v.mean()), float(v.std(ddof=1)) if len(v) > 1 else 0.0, int(len(v))


# ----------------------------------------------------------------------------- regenerate


def regenerate(root: Path | None = None, seeds=SEEDS, keys=tuple(MODELS), log=print) -> dict:
    """Train every model and seed, ship seed 0's checkpoints and the summary of all seeds."""
    torch.set_num_threads(1)
    root = root or DIR
    s = test_stream(SUMMARY_SENTENCES)
    summary = {"command": "python -m lstm_core.experiments.learning_to_forget",
               "test_stream": dict(seed=TEST_SEED, sentences=SUMMARY_SENTENCES, tokens=len(s)),
               "machine": "timings on a 2-core machine shared with other jobs, torch.set_num_threads(1)"}
    for key in keys:
        summary[key] = {"recipe": stt.checkpoint_train_section(MODELS[key]), "seeds": {}}
        for seed in seeds:
            run_ = stt.train_stream(stt.with_seed(MODELS[key], seed))
            row = stats(trace_stream(run_.model, s, key))
            row.update(train_seconds=round(run_.train_seconds, 2), status=run_.status,
                       final_loss=float(run_.losses[-50:].mean()))
            summary[key]["seeds"][str(seed)] = row
            log(f"{key} seed {seed}: {run_.train_seconds:.1f} s, loss {row['final_loss']:.3f}, "
                f"carry {row['acc_carry']:.3f}, reset {row['acc_reset']:.3f}, "
                f"|c| {row['cell_first']:.2f} -> {row['cell_last']:.2f}")
            if seed == 0:
                save_checkpoint(checkpoint_path(key, 0, root), run_.model, stt.checkpoint_train_section(MODELS[key]),
                                metrics=dict(test_accuracy=row["acc_carry"], n=row["sentences"]),
                                command=summary["command"], train_seconds=round(run_.train_seconds, 2))
    path = root / SUMMARY_PATH.name
    path.write_text(json.dumps(summary, indent=1))
    return summary


if __name__ == "__main__":
    t0 = time.perf_counter()
    regenerate()
    print(f"done in {time.perf_counter() - t0:.0f} s", file=sys.stderr)
