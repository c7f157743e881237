"""A bounded server-side store of finished trainings, so a reload or a shared link gets the same run
without training again. Never pickles: weights and arrays are safetensors, everything else JSON.

    store = default_store()                       # directory from $LSTM_LAB_RUN_STORE, cap $LSTM_LAB_RUN_STORE_MB
    rid = make_id({"config": {...}})              # short hash of canonical JSON (+ this format's version)
    store.put(rid, StoredRun(runs={"lstm": [train_result, ...]}, info={...}))
    store.get(rid)                                # StoredRun, None when absent, ValueError when corrupt
    value, trained = store.get_or_compute(rid, compute, encode, decode)   # one computation per id

One directory per run, ``<store>/<id>/``:
    run.json                     format, id, info (the caller's JSON), and per arch and seed: TrainConfig,
                                 status, steps done, timings, test metrics, history (columns), probe steps
    arrays.safetensors           per arch and seed: the probe-batch gradient norms grad_hidden / grad_cell
    <arch>_<k>.safetensors/.json each model as a checkpoint (lstm_core.training.checkpoint's format and
                                 validation: the file a *Download weights* button gives)

The store holds at most max_bytes (default 300 MB); adding a run evicts the least recently used ones
(a run's last use is its run.json's modification time, touched on every get). Writes go to a temporary
directory renamed into place, so a reader never sees half a run. Clearing: delete the directory.
"""
from __future__ import annotations

import json
import logging
import math
import os
import re
import shutil
import threading
import time
import uuid
from dataclasses import asdict, dataclass, field, fields
from hashlib import sha256
from pathlib import Path
from typing import Annotated, Literal, Union

import numpy as np
import safetensors.numpy
from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictInt, StrictStr, ValidationError

from lstm_core.training import checkpoint
from lstm_core.training.trainer import TrainConfig, TrainResult

ENV_DIR, ENV_MB = "LSTM_LAB_RUN_STORE", "LSTM_LAB_RUN_STORE_MB"
DEFAULT_MB = 300
FORMAT, VERSION = "lstm-lab-run", 1
ID_LENGTH = 12
ID_RE = re.compile(rf"[0-9a-f]{{{ID_LENGTH}}}")
MAX_JSON_BYTES = 64 * 2**20          # run.json: 5000 steps x 15 runs of history is ~10 MB
APP_ROOT = Path(__file__).resolve().parents[2]
_LOG = logging.getLogger("lstm_lab")


def default_dir() -> Path:
    """$LSTM_LAB_RUN_STORE, else the per-user cache: $XDG_CACHE_HOME/lstm-lab/runs (~/.cache/lstm-lab/runs)."""
    env = os.environ.get(ENV_DIR)
    if env:
        return Path(env).expanduser()
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "lstm-lab" / "runs"


def default_max_bytes() -> int:
    """$LSTM_LAB_RUN_STORE_MB (a positive number of MB), else 300 MB."""
    raw = os.environ.get(ENV_MB)
    if not raw:
        return DEFAULT_MB * 10**6
    try:
        mb = float(raw)
    except ValueError:
        raise ValueError(f"{ENV_MB} must be a number of megabytes, got {raw!r}") from None
    if not (math.isfinite(mb) and mb > 0):
        raise ValueError(f"{ENV_MB} must be a positive number of megabytes, got {raw!r}")
    return int(mb * 10**6)


def make_id(payload: dict) -> str:
    """The first 12 hex digits of sha256 over the canonical JSON of payload and this format's version."""
    text = json.dumps({"format": FORMAT, "version": VERSION, **payload}, sort_keys=True,
                      separators=(",", ":"), allow_nan=False)
    return sha256(text.encode()).hexdigest()[:ID_LENGTH]


def check_id(run_id) -> str:
    """run_id if it is 12 lowercase hex digits (so it can never name a path outside the store)."""
    if not isinstance(run_id, str) or not ID_RE.fullmatch(run_id):
        raise ValueError("a run id is 12 characters 0-9 / a-f")
    return run_id


@dataclass
class StoredRun:
    """runs: name (arch) -> its TrainResults (one per seed); info: the caller's JSON-able dict."""
    runs: dict
    info: dict = field(default_factory=dict)


# ----------------------------------------------------------------------------------------
# run.json schema

NONFINITE = {"nan": math.nan, "inf": math.inf, "-inf": -math.inf}
Num = Union[Annotated[float, Field(allow_inf_nan=False)], Literal["nan", "inf", "-inf"]]
Count = Annotated[StrictInt, Field(ge=0, le=10**9)]


class _Strict(BaseModel):
    model_config = ConfigDict(strict=True, extra="forbid")


class History(_Strict):
    step: list[Count]
    loss: list[Annotated[float, Field(allow_inf_nan=False)]]
    accuracy: list[Annotated[float, Field(ge=0, le=1)] | None]
    elapsed: list[Annotated[float, Field(ge=0, allow_inf_nan=False)]]


class RunEntry(_Strict):
    train: dict[StrictStr, Union[StrictBool, StrictInt, float, StrictStr, None]]
    status: Annotated[StrictStr, Field(max_length=500)]
    steps_done: Count
    train_seconds: Num
    eval_seconds: Num
    test: dict[Annotated[StrictStr, Field(max_length=64)], Union[Num, StrictInt, None]]
    history: History
    grad_steps: list[Count]
    grad_cell: StrictBool


class RunFile(_Strict):
    format: Literal[FORMAT]
    version: Literal[VERSION]
    id: StrictStr
    info: dict
    runs: dict[Annotated[StrictStr, Field(pattern=r"^[a-z]{1,8}$")], Annotated[list[RunEntry], Field(min_length=1)]]


def json_float(v):
    """A float for JSON: finite as is, else 'nan' / 'inf' / '-inf'."""
    if isinstance(v, float) and not math.isfinite(v):
        return "nan" if math.isnan(v) else ("inf" if v > 0 else "-inf")
    return v


def float_from_json(v):
    return NONFINITE[v] if isinstance(v, str) else v


def _entry(r: TrainResult) -> dict:
    h = r.history
    return dict(train=asdict(r.config), status=r.status, steps_done=int(r.steps_done),
                train_seconds=json_float(float(r.train_seconds)), eval_seconds=json_float(float(r.eval_seconds)),
                test={k: json_float(v) for k, v in r.test.items()},
                history=dict(step=[int(x["step"]) for x in h], loss=[float(x["loss"]) for x in h],
                             accuracy=[None if x["accuracy"] is None else float(x["accuracy"]) for x in h],
                             elapsed=[float(x["elapsed"]) for x in h]),
                grad_steps=[int(s) for s in r.grad_steps], grad_cell=r.grad_cell is not None)


def _train_config(d: dict) -> TrainConfig:
    names = {f.name for f in fields(TrainConfig)}
    if set(d) != names:
        raise ValueError("a run's training settings do not list exactly TrainConfig's fields")
    try:
        cfg = TrainConfig(**d).resolved()
    except (TypeError, ValueError) as e:
        raise ValueError(f"a run's training settings are invalid: {e}") from None
    if asdict(cfg) != d:
        raise ValueError("a run's training settings are not in resolved form")
    return cfg


# ----------------------------------------------------------------------------------------
# Encoding one run

def _encode(run_id: str, run: StoredRun) -> dict[str, bytes]:
    """file name -> bytes of every file of the run."""
    files, arrays, runs = {}, {}, {}
    for name, results in run.runs.items():
        runs[name] = []
        for k, r in enumerate(results):
            runs[name].append(_entry(r))
            arrays[f"{name}/{k}/grad_hidden"] = np.ascontiguousarray(r.grad_hidden, dtype=np.float32)
            if r.grad_cell is not None:
                arrays[f"{name}/{k}/grad_cell"] = np.ascontiguousarray(r.grad_cell, dtype=np.float32)
            w, m = checkpoint.to_bytes(r.model, r.config, r.test, status=r.status,
                                       steps_done=r.steps_done, comparison=run_id)
            files[f"{name}_{k}.safetensors"], files[f"{name}_{k}.json"] = w, m
    files["arrays.safetensors"] = safetensors.numpy.save(arrays, metadata={"format": FORMAT})
    doc = dict(format=FORMAT, version=VERSION, id=run_id, info=run.info, runs=runs)
    files["run.json"] = json.dumps(doc, allow_nan=False, separators=(",", ":")).encode()
    return files


def _reject_constant(name: str):
    raise ValueError(f"{name} is not allowed")


def _decode(run_id: str, folder: Path) -> StoredRun:
    """The run in folder; ValueError naming the first problem."""
    path = folder / "run.json"
    if path.stat().st_size > MAX_JSON_BYTES:
        raise ValueError("run.json is larger than a run can be")
    try:
        doc = json.loads(path.read_bytes().decode("utf-8"), parse_constant=_reject_constant)
        parsed = RunFile.model_validate(doc)
    except ValidationError as e:
        errs = e.errors(include_url=False, include_input=False)
        where = "; ".join(f"{'.'.join(map(str, x['loc']))}: {x['msg']}" for x in errs[:3])
        raise ValueError(f"run.json does not fit the run format: {where}") from None
    except (UnicodeDecodeError, ValueError, RecursionError) as e:
        raise ValueError(f"run.json is not valid JSON ({str(e)[:120]})") from None
    if parsed.id != run_id:
        raise ValueError(f"run.json belongs to run {parsed.id[:ID_LENGTH]!r}, not {run_id!r}")
    try:
        arrays = safetensors.numpy.load((folder / "arrays.safetensors").read_bytes())
    except FileNotFoundError:
        raise
    except Exception as e:  # noqa: BLE001 - SafetensorError and friends: a message, never a crash
        raise ValueError(f"arrays.safetensors is corrupted ({e})") from None
    runs = {}
    for name, entries in parsed.runs.items():
        runs[name] = []
        for k, e in enumerate(entries):
            cfg = _train_config(e.train)
            base = folder / f"{name}_{k}"
            model, meta = checkpoint.load_checkpoint_bytes(base.with_suffix(".safetensors").read_bytes(),
                                                           base.with_suffix(".json").read_bytes())
            if checkpoint.train_config(meta) != cfg:
                raise ValueError(f"{name}_{k}: the model's checkpoint was trained with other settings")
            h = e.history
            if not len(h.step) == len(h.loss) == len(h.accuracy) == len(h.elapsed):
                raise ValueError(f"{name}_{k}: the history's columns differ in length")
            gh = arrays.get(f"{name}/{k}/grad_hidden")
            gc = arrays.get(f"{name}/{k}/grad_cell")
            if gh is None or (gc is None) == e.grad_cell or gh.ndim != 2 or gh.dtype != np.float32 \
                    or (gh.size and gh.shape[0] != len(e.grad_steps)) \
                    or (gc is not None and (gc.shape != gh.shape or gc.dtype != np.float32)):
                raise ValueError(f"{name}_{k}: the gradient-norm arrays do not match the run")
            runs[name].append(TrainResult(
                model=model, config=cfg,
                history=[dict(step=s, loss=lo, accuracy=a, elapsed=t)
                         for s, lo, a, t in zip(h.step, h.loss, h.accuracy, h.elapsed)],
                grad_steps=list(e.grad_steps), grad_hidden=gh, grad_cell=gc, status=e.status,
                steps_done=e.steps_done, train_seconds=float_from_json(e.train_seconds),
                eval_seconds=float_from_json(e.eval_seconds), test={k2: float_from_json(v) for k2, v in e.test.items()}))
    return StoredRun(runs=runs, info=parsed.info)


# ----------------------------------------------------------------------------------------
# The store

class RunStore:
    """Runs on disk under `directory` (default default_dir()), at most max_bytes (default
    default_max_bytes()) in all, least recently used evicted first. Thread-safe; get_or_compute makes
    concurrent requests for one id in this process compute once."""

    def __init__(self, directory=None, max_bytes: int | None = None):
        self.directory = Path(directory).expanduser() if directory is not None else default_dir()
        root = self.directory.resolve()
        if root == APP_ROOT or APP_ROOT in root.parents:
            raise ValueError(f"the run store must live outside the app's folder ({APP_ROOT}), not in {root}")
        self.max_bytes = default_max_bytes() if max_bytes is None else int(max_bytes)
        self._lock = threading.Lock()
        self._inflight: dict[str, threading.Event] = {}
        self._clock, self._last_ns = threading.Lock(), 0

    def _touch(self, path: Path) -> None:
        """Mark as just used: the modification time set to now in ns (the file system's own clock may be
        coarser than the interval between two uses), strictly after the last mark of this process."""
        with self._clock:
            self._last_ns = max(time.time_ns(), self._last_ns + 1)
            os.utime(path, ns=(self._last_ns, self._last_ns))

    def _folder(self, run_id: str) -> Path:
        return self.directory / check_id(run_id)

    def has(self, run_id: str) -> bool:
        return (self._folder(run_id) / "run.json").is_file()

    def get(self, run_id: str) -> StoredRun | None:
        """The stored run, None when the store does not have it (never stored, or evicted), ValueError
        when its files are corrupt or incomplete. Marks it as just used."""
        folder = self._folder(run_id)
        if not (folder / "run.json").is_file():
            return None
        try:
            run = _decode(run_id, folder)
            self._touch(folder / "run.json")
        except FileNotFoundError as e:
            if not folder.exists():           # evicted while we read it
                return None
            raise ValueError(f"stored run {run_id} is incomplete: {Path(e.filename or '?').name} "
                             "is missing") from None
        except ValueError as e:
            raise ValueError(f"stored run {run_id} cannot be used: {e}") from None
        return run

    def put(self, run_id: str, run: StoredRun) -> None:
        """Store run under run_id (an existing entry is kept: ids are settings, so it is the same run),
        then evict the least recently used others until the store fits max_bytes."""
        folder = self._folder(run_id)
        files = _encode(run_id, run)
        self.directory.mkdir(parents=True, exist_ok=True)
        tmp = self.directory / f".{run_id}.tmp-{uuid.uuid4().hex[:8]}"
        tmp.mkdir()
        try:
            for name, data in files.items():
                (tmp / name).write_bytes(data)
            with self._lock:
                if folder.exists():
                    return
                os.rename(tmp, folder)
                self._touch(folder / "run.json")
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
        self.evict(keep=run_id)

    def remove(self, run_id: str) -> None:
        shutil.rmtree(self._folder(run_id), ignore_errors=True)

    def entries(self) -> list[tuple[str, int, float]]:
        """(id, bytes, last used as a UNIX time) of every stored run, least recently used first."""
        out = []
        if not self.directory.is_dir():
            return out
        for folder in self.directory.iterdir():
            try:
                if ID_RE.fullmatch(folder.name) and folder.is_dir():
                    size = sum(p.stat().st_size for p in folder.iterdir())
                    out.append((folder.name, size, (folder / "run.json").stat().st_mtime))
            except FileNotFoundError:         # removed meanwhile (another process evicting)
                continue
        return sorted(out, key=lambda e: e[2])

    def total_bytes(self) -> int:
        return sum(size for _, size, _ in self.entries())

    def evict(self, keep: str | None = None) -> list[str]:
        """Remove least recently used runs (never `keep`) until the store fits; returns the ids removed."""
        with self._lock:
            entries = self.entries()
            total, gone = sum(size for _, size, _ in entries), []
            for run_id, size, _ in entries:
                if total <= self.max_bytes:
                    break
                if run_id != keep:
                    self.remove(run_id)
                    total -= size
                    gone.append(run_id)
        return gone

    def clear(self) -> None:
        """Remove every stored run."""
        for run_id, _, _ in self.entries():
            self.remove(run_id)

    def get_or_compute(self, run_id: str, compute, encode, decode, on_wait=None, poll: float = 0.5):
        """(value, computed): decode(stored run) when the store has run_id; else value = compute(), stored
        as encode(value) unless that is None (e.g. a training stopped early), computed=True. While another
        thread of this process computes the same id, wait for it (on_wait(seconds waited) at once and every
        `poll` seconds; it may raise to give up) and use its stored run; if it stored nothing, compute. A stored
        entry that get() or decode() rejects (ValueError) is logged, removed and computed again."""
        check_id(run_id)
        t0 = time.monotonic()
        while True:
            with self._lock:
                event = self._inflight.get(run_id)
                mine = event is None
                if mine:
                    event = self._inflight[run_id] = threading.Event()
            if not mine:
                while True:
                    if on_wait is not None:
                        on_wait(time.monotonic() - t0)
                    if event.wait(poll):
                        break
                continue
            try:
                try:
                    stored = self.get(run_id)
                    value = None if stored is None else decode(stored)
                except ValueError as e:
                    _LOG.warning("run store: %s; computing it again", e)
                    self.remove(run_id)
                    stored = None
                if stored is not None:
                    return value, False
                value = compute()
                keep = encode(value)
                if keep is not None:
                    self.put(run_id, keep)
                return value, True
            finally:
                with self._lock:
                    self._inflight.pop(run_id, None)
                event.set()


_STORES: dict[tuple, RunStore] = {}
_STORES_LOCK = threading.Lock()


def default_store() -> RunStore:
    """The process's store for the current $LSTM_LAB_RUN_STORE / $LSTM_LAB_RUN_STORE_MB (one object per
    setting, so every session of a server shares its in-flight registry)."""
    key = (str(default_dir()), default_max_bytes())
    with _STORES_LOCK:
        if key not in _STORES:
            _STORES[key] = RunStore(Path(key[0]), key[1])
        return _STORES[key]
