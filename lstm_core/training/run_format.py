"""The on-disk format of one stored run (lstm_core.training.run_store): files <-> StoredRun. Never pickles.

    files = encode(run_id, StoredRun(runs={"lstm": [train_result, ...]}, info={...}))   # name -> bytes
    run = decode(run_id, folder)       # StoredRun, or ValueError naming the first problem

One directory per run:
    run.json                     format, version, id, info (the caller's JSON), and per name (arch) and seed:
                                 TrainConfig, status, steps done, timings, test metrics, history (columns),
                                 probe steps; validated by a strict pydantic schema
    arrays.safetensors           per arch and seed: the probe-batch gradient norms grad_hidden / grad_cell
    <arch>_<k>.safetensors/.json each model as a checkpoint (lstm_core.training.checkpoint's format and
                                 validation: the file a *Download weights* button gives)
Non-finite floats (a diverged run's test loss) are written as "nan" / "inf" / "-inf".
"""
from __future__ import annotations

import json
import math
import re
from dataclasses import asdict, dataclass, field, fields
from hashlib import sha256
from pathlib import Path
from typing import Annotated, Literal, Union

import numpy as np
import safetensors.numpy
from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictInt, StrictStr, ValidationError

from lstm_core.training import checkpoint
from lstm_core.training.trainer import TrainConfig, TrainResult, upgrade_keys

FORMAT, VERSION = "lstm-lab-run", 1
ID_LENGTH = 12
ID_RE = re.compile(rf"[0-9a-f]{{{ID_LENGTH}}}")
MAX_JSON_BYTES = 64 * 2**20          # run.json: 5000 steps x 15 runs of history is ~10 MB


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
    runs: dict[Annotated[StrictStr, Field(pattern=r"^[a-z][a-z0-9_]{0,15}$")], Annotated[list[RunEntry], Field(min_length=1)]]


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
    d = upgrade_keys(d)
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

def encode(run_id: str, run: StoredRun) -> dict[str, bytes]:
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


def decode(run_id: str, folder: Path) -> StoredRun:
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


