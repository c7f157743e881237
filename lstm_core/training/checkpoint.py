"""Checkpoints: weights as safetensors + a small JSON of metadata. Never unpickles.

    NAME.safetensors   the model's state_dict (float32 tensors)
    NAME.json          {"format": "lstm-lab-checkpoint", "version": 1, "model": {...},
                        "train": {...}, "metrics": {...}, "command": "...", "tensors": {...}, ...}

Loading validates everything against the metadata before building the model: JSON shape
(a pydantic schema, lstm_core.checkpoint_schema), sizes within lstm_core.limits, vocabulary, tensor names / shapes / dtypes, finiteness.
Any problem is a ValueError with a message naming it.
"""
from __future__ import annotations

import hashlib
import json
import math
import struct
from dataclasses import asdict, fields, is_dataclass
from pathlib import Path

import safetensors.torch
import torch

from lstm_core import limits
from lstm_core.training import checkpoint_schema
from lstm_core.training.checkpoint_schema import FORMAT, VERSION
from lstm_core.data import lexicon as lx
from lstm_core.training.models import ARCHS, INPUT_KINDS, SeqModel
from lstm_core.training.trainer import SENTENCE_TASKS, Task, TrainConfig, upgrade_keys

PRETRAINED_DIR = Path(__file__).resolve().parent / "pretrained"


def pretrained_sha256(name: str) -> str:
    """sha256 over a shipped checkpoint's weights and metadata files: what an analysis stored ahead of time
    was made from (lstm_core/precomputed)."""
    digest = hashlib.sha256()
    for suffix in (".safetensors", ".json"):
        digest.update((PRETRAINED_DIR / f"{name}{suffix}").read_bytes())
    return digest.hexdigest()


def _stem(path) -> Path:
    p = Path(path)
    return p.with_suffix("") if p.suffix in (".safetensors", ".json") else p


def build_metadata(model: SeqModel, cfg=None, metrics: dict | None = None,
                   command: str | None = None, **extra) -> dict:
    """The JSON metadata for a model (cfg: the TrainConfig it was trained with)."""
    meta = dict(format=FORMAT, version=VERSION, model=model.config(),
                train=asdict(cfg) if is_dataclass(cfg) else dict(cfg or {}),
                metrics=dict(metrics or {}), command=command,
                params=model.n_params(), torch=torch.__version__.split("+")[0])
    if model.input_kind == "ids" and (meta["train"].get("task") in SENTENCE_TASKS):
        meta["vocab"] = list(lx.VOCAB)
    meta.update(extra)
    meta["tensors"] = {k: dict(shape=list(v.shape), dtype=str(v.dtype).replace("torch.", ""))
                       for k, v in model.state_dict().items()}
    return meta


def to_bytes(model: SeqModel, cfg=None, metrics: dict | None = None,
             command: str | None = None, **extra) -> tuple[bytes, bytes]:
    """(safetensors bytes, JSON bytes) e.g. for a download button."""
    meta = build_metadata(model, cfg, metrics, command, **extra)
    state = {k: v.detach().contiguous().clone() for k, v in model.state_dict().items()}
    weights = safetensors.torch.save(state, metadata={"format": FORMAT})
    return weights, json.dumps(_clean(meta), indent=1, allow_nan=False).encode()


def save_checkpoint(path, model: SeqModel, cfg=None, metrics: dict | None = None,
                    command: str | None = None, **extra) -> tuple[Path, Path]:
    """Write PATH.safetensors and PATH.json (a .safetensors/.json suffix on PATH is
    dropped). Returns the two paths."""
    stem = _stem(path)
    stem.parent.mkdir(parents=True, exist_ok=True)
    weights, meta = to_bytes(model, cfg, metrics, command, **extra)
    wp, mp = stem.with_suffix(".safetensors"), stem.with_suffix(".json")
    wp.write_bytes(weights)
    mp.write_bytes(meta)
    return wp, mp


def load_checkpoint(path) -> tuple[SeqModel, dict]:
    """(model in eval mode, metadata) from PATH(.safetensors|.json)."""
    stem = _stem(path)
    wp, mp = stem.with_suffix(".safetensors"), stem.with_suffix(".json")
    for p in (wp, mp):
        if not p.is_file():
            raise ValueError(f"checkpoint file not found: {p}")
    if wp.stat().st_size > limits.MAX_CHECKPOINT_BYTES:
        raise ValueError(f"{wp.name} is larger than {limits.MAX_CHECKPOINT_BYTES} bytes")
    if mp.stat().st_size > limits.MAX_META_BYTES:
        raise ValueError(f"{mp.name} is larger than {limits.MAX_META_BYTES} bytes")
    return load_checkpoint_bytes(wp.read_bytes(), mp.read_bytes())


def _clean(v):
    """JSON-safe copy: non-finite floats -> None (JSON has no NaN)."""
    if isinstance(v, float) and not math.isfinite(v):
        return None
    if isinstance(v, dict):
        return {str(k): _clean(x) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return [_clean(x) for x in v]
    return v


def _parse_meta(meta_bytes) -> dict:
    """JSON -> dict, validated by the pydantic schema in lstm_core.checkpoint_schema."""
    return checkpoint_schema.parse_metadata(meta_bytes)


def _check_model_config(cfg) -> dict:
    if not isinstance(cfg, dict):
        raise ValueError("metadata has no \"model\" section")
    out = {}
    try:
        out["arch"] = cfg["arch"]
        out["input_kind"] = cfg.get("input_kind", "ids")
        out["nonlinearity"] = cfg.get("nonlinearity", "tanh")
        if out["arch"] not in ARCHS:
            raise ValueError(f"model.arch must be one of {ARCHS}, got {out['arch']!r}")
        if out["input_kind"] not in INPUT_KINDS:
            raise ValueError(f"model.input_kind must be one of {INPUT_KINDS}")
        if out["nonlinearity"] not in ("tanh", "relu"):
            raise ValueError("model.nonlinearity must be tanh or relu")
        out["n_in"] = limits.check_int("model.n_in", cfg["n_in"], 1, 100_000)
        out["hidden"] = limits.check_int("model.hidden", cfg["hidden"], 1, limits.MAX_HIDDEN)
        out["n_out"] = limits.check_int("model.n_out", cfg["n_out"], 1, 100_000)
        out["embed_dim"] = limits.check_int("model.embed_dim", cfg.get("embed_dim", 32), 1,
                                            max(limits.MAX_EMBED, out["n_in"]))
    except KeyError as e:
        raise ValueError(f"metadata model section lacks {e}") from None
    return out


def _check_train_config(train: dict, model_cfg: dict):
    """The TrainConfig stored in the metadata must be valid and match the model."""
    if not isinstance(train, dict) or not train:
        raise ValueError("metadata has no \"train\" section (task and settings)")
    names = {f.name for f in fields(TrainConfig)}
    try:
        cfg = TrainConfig(**{k: v for k, v in upgrade_keys(train).items() if k in names}).resolved()
    except (TypeError, ValueError) as e:
        raise ValueError(f"metadata train section is invalid: {e}") from None
    task = Task(cfg)
    want = dict(arch=cfg.arch, hidden=cfg.hidden, n_in=task.n_in, n_out=task.n_out,
                input_kind=task.input_kind)
    for k, v in want.items():
        if model_cfg[k] != v:
            raise ValueError(f"metadata mismatch: model.{k} = {model_cfg[k]!r} but the "
                             f"{cfg.task} task with these settings needs {v!r}")
    return cfg


def _read_safetensors(weights_bytes) -> dict:
    if not isinstance(weights_bytes, (bytes, bytearray)):
        raise ValueError("weights must be the bytes of a .safetensors file")
    b = bytes(weights_bytes)
    if len(b) > limits.MAX_CHECKPOINT_BYTES:
        raise ValueError(f"weights file is {len(b)} bytes, more than the limit "
                         f"{limits.MAX_CHECKPOINT_BYTES}")
    # a pickle starts with 0x80 (protocol 2+); a safetensors file's header length may too (its low byte),
    # but its JSON header then opens with "{" at byte 8
    if (b[:1] == b"\x80" and b[8:9] != b"{") or b[:4] == b"PK\x03\x04":
        raise ValueError("this is a pickle / torch.save file, not safetensors; pickles can "
                         "run code, so they are never loaded. Save with safetensors.")
    if len(b) < 8:
        raise ValueError("weights file is truncated (shorter than a safetensors header)")
    (n,) = struct.unpack("<Q", b[:8])
    if n > len(b) - 8 or n > limits.MAX_META_BYTES * 10:
        raise ValueError("weights file is corrupted (safetensors header length is wrong)")
    try:
        return safetensors.torch.load(b)
    except Exception as e:   # SafetensorError and friends: report, never crash
        raise ValueError(f"weights file is corrupted or not safetensors ({e})") from None


def load_checkpoint_bytes(weights_bytes: bytes, meta_bytes: bytes) -> tuple[SeqModel, dict]:
    """(model in eval mode, metadata) from the raw bytes of NAME.safetensors and NAME.json,
    e.g. an upload. Raises ValueError naming the first problem found."""
    meta = _parse_meta(meta_bytes)
    model_cfg = _check_model_config(meta.get("model"))
    train_cfg = _check_train_config(meta.get("train"), model_cfg)
    if train_cfg.task in SENTENCE_TASKS and meta.get("vocab") != lx.VOCAB:
        raise ValueError("the checkpoint's vocabulary differs from this app's agreement "
                         "vocabulary, so its token ids would mean different words")
    state = _read_safetensors(weights_bytes)
    model = SeqModel.from_config(model_cfg)
    expected = model.state_dict()
    missing = sorted(set(expected) - set(state))
    unexpected = sorted(set(state) - set(expected))
    if missing or unexpected:
        raise ValueError("tensor names do not match the model: "
                         + (f"missing {missing} " if missing else "")
                         + (f"unexpected {unexpected}" if unexpected else ""))
    spec = meta.get("tensors")
    if not isinstance(spec, dict) or set(spec) != set(expected):
        raise ValueError("metadata \"tensors\" does not list exactly the model's tensors")
    for name, ref in expected.items():
        t = state[name]
        if t.dtype != torch.float32:
            raise ValueError(f"tensor {name} has dtype {t.dtype}, expected float32")
        if tuple(t.shape) != tuple(ref.shape):
            raise ValueError(f"tensor {name} has shape {tuple(t.shape)}, the model "
                             f"described in the metadata needs {tuple(ref.shape)}")
        s = spec[name]
        if not isinstance(s, dict) or list(s.get("shape", [])) != list(t.shape) \
                or s.get("dtype") != "float32":
            raise ValueError(f"tensor {name}: file and metadata disagree on shape/dtype")
        if not torch.isfinite(t).all():
            raise ValueError(f"tensor {name} contains NaN or infinite values")
    model.load_state_dict(state, strict=True)
    model.eval()
    meta["model"] = model_cfg
    return model, meta


def train_config(meta: dict):
    """The TrainConfig stored in a checkpoint's metadata (validated)."""
    return _check_train_config(meta.get("train"), _check_model_config(meta.get("model")))


# ----------------------------------------------------------------------------------------
# Shipped pretrained models

def list_pretrained() -> list[str]:
    """Names of the shipped checkpoints, e.g. ['adding_T100_lstm', 'agreement_d30_lstm', ...]."""
    return sorted(p.stem for p in PRETRAINED_DIR.glob("*.safetensors")
                  if p.with_suffix(".json").is_file())


def load_pretrained(name: str) -> tuple[SeqModel, dict]:
    """(model, metadata) of a shipped checkpoint; metadata['command'] reproduces it and
    metadata['metrics'] holds its measured test accuracy / MSE."""
    names = list_pretrained()
    if name not in names:
        raise ValueError(f"no pretrained model {name!r}; available: {', '.join(names)}")
    return load_checkpoint(PRETRAINED_DIR / name)
