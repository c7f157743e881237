"""Checkpoints uploaded by a user: pair NAME.safetensors with NAME.json, validate both (never unpickle),
keep the agreement LSTM, RNN and GRU, and say why every other file was not used."""
from __future__ import annotations

import hashlib

from lstm_core import limits
from lstm_core.training import checkpoint
from lstm_core.training.registry import INSPECTABLE, check_agreement_model, describe
from lstm_core.training.trainer import evaluate

UPLOAD_TEST_N, UPLOAD_TEST_SEED = 200, 7919   # fresh sentences an upload is re-measured on


def _safe_name(name: str, limit: int = 60) -> str:
    """A user's file name made safe to print: no markdown or control characters, short."""
    kept = "".join(ch for ch in str(name) if ch.isalnum() or ch in "._- ()")
    return (kept[:limit] + "…") if len(kept) > limit else (kept or "file")


def load_uploads(files) -> tuple[dict, list[str]]:
    """Uploaded checkpoints -> (arch -> (SeqModel, description), problems).

    files: [(file name, bytes)]. A checkpoint is NAME.safetensors + NAME.json (as Train and compare and
    the CLI write them); lstm_core.training.checkpoint validates both (never unpickles). Every file
    that is not used gets one problem sentence naming it; nothing raises."""
    problems, pairs = [], {}
    for name, data in files:
        name = _safe_name(name)
        stem, dot, ext = name.rpartition(".")
        ext = ext.lower()
        if not dot or ext not in ("safetensors", "json"):
            problems.append(f"{name}: only checkpoints are accepted, as NAME.safetensors "
                            "(weights) + NAME.json (metadata); this file was ignored")
            continue
        cap = limits.MAX_CHECKPOINT_BYTES if ext == "safetensors" else limits.MAX_META_BYTES
        if len(data) > cap:
            problems.append(f"{name}: {len(data):,} bytes is over the {cap:,}-byte limit")
            continue
        pairs.setdefault(stem, {})[ext] = bytes(data)
    loaded = {}
    for stem, pair in pairs.items():
        if set(pair) != {"safetensors", "json"}:
            have, need = next(iter(pair)), ({"safetensors", "json"} - set(pair)).pop()
            problems.append(f"{stem}.{have}: its {stem}.{need} did not arrive; upload both files "
                            f"of the checkpoint (same name), each at most "
                            f"{limits.MAX_UPLOAD_MB} MB")
            continue
        try:
            model, meta = checkpoint.load_checkpoint_bytes(pair["safetensors"], pair["json"])
            check_agreement_model(model)
        except ValueError as e:
            problems.append(f"{stem}: rejected: {e}")
            continue
        if model.arch not in INSPECTABLE:
            problems.append(f"{stem}: a {model.arch.upper()}; this page compares "
                            f"{', '.join(a.upper() for a in INSPECTABLE)}, so it was not used")
            continue
        if model.arch in loaded:
            problems.append(f"{stem}: a second {model.arch.upper()} checkpoint; the first one "
                            "is used")
            continue
        measured = evaluate(model, checkpoint.train_config(meta), n=UPLOAD_TEST_N, seed=UPLOAD_TEST_SEED)
        loaded[model.arch] = (model, describe(meta, f"uploaded {stem}", measured))
    return loaded, problems


def digest(files) -> str:
    """A short name for a set of uploaded files [(file name, bytes)]: the same files, the same name."""
    return hashlib.sha256(b"".join(n.encode() + b"\0" + hashlib.sha256(b).digest() for n, b in files)).hexdigest()[:16]


def load_once(files, cache: dict) -> tuple[str, dict, list[str]]:
    """(digest, loaded, problems) of load_uploads(files), through `cache` (a dict the caller keeps per
    session): the same files are loaded and measured once; a new set replaces the old (one kept)."""
    key = digest(files)
    if key not in cache:
        cache.clear()
        cache[key] = load_uploads(files)
    loaded, problems = cache[key]
    return key, loaded, problems
