"""A bounded server-side store of finished trainings, so a reload or a shared link gets the same run
without training again. Never pickles: weights and arrays are safetensors, everything else JSON.

    store = default_store()                       # directory from $LSTM_LAB_RUN_STORE, cap $LSTM_LAB_RUN_STORE_MB
    rid = make_id({"config": {...}})              # short hash of canonical JSON (+ this format's version)
    store.put(rid, StoredRun(runs={"lstm": [train_result, ...]}, info={...}))
    store.get(rid)                                # StoredRun, None when absent, ValueError when corrupt
    value, trained = store.get_or_compute(rid, compute, encode, decode)   # one computation per id

One directory per run, ``<store>/<id>/``, in lstm_core.training.run_format's format (safetensors + JSON).

The store holds at most max_bytes (default 300 MB); adding a run evicts the least recently used ones
(a run's last use is its run.json's modification time, touched on every get). Writes go to a temporary
directory renamed into place, so a reader never sees half a run. Clearing: delete the directory.
"""
from __future__ import annotations

import logging
import math
import os
import shutil
import threading
import time
import uuid
from pathlib import Path

from lstm_core.training.run_format import ID_RE, StoredRun, check_id, decode, encode

ENV_DIR, ENV_MB = "LSTM_LAB_RUN_STORE", "LSTM_LAB_RUN_STORE_MB"
DEFAULT_MB = 300
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
            run = decode(run_id, folder)
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
        files = encode(run_id, run)
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
            self._sweep_temporaries()
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

    def _sweep_temporaries(self, older_than: float = 3600.0) -> None:
        """Remove temporary directories a crashed writer left (an hour old: no write takes that long)."""
        for p in self.directory.glob(".*.tmp-*"):
            try:
                if time.time() - p.stat().st_mtime > older_than:
                    shutil.rmtree(p, ignore_errors=True)
            except FileNotFoundError:
                continue

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
                    try:
                        self.put(run_id, keep)
                    except OSError as e:      # a full or read-only disk loses the link, never the result
                        _LOG.warning("run store: could not store run %s: %s", run_id, e)
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
