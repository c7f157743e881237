"""Stacked and bidirectional, the models: the shipped seed-0 checkpoints (a small table) and the
same recipes at other seeds, trained on demand by the trainer (or read from a directory of them).

    model = model_for("stacked", 0)          # the shipped 2-layer agreement LSTM, eval mode
    model_for("uni", 2, directory=d)         # d/masked_subject_d30_lstm_h50_seed2, else trained here
"""
from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from lstm_core.training import checkpoint
from lstm_core.training.trainer import train

# kind -> shipped checkpoint (seed 0). "stacked": a 2-layer LSTM on agreement; "bidir" / "uni": a
# bidirectional LSTM and a unidirectional one with about as many parameters (hidden 50 against 2 x 32)
# on the masked-subject task (lstm_core.data.masked_subject).
SHIPPED = {"stacked": "agreement_d30_lstm_2layer", "bidir": "masked_subject_d30_lstm_bidir",
           "uni": "masked_subject_d30_lstm_h50"}
LABEL = {"stacked": "2-layer LSTM", "bidir": "bidirectional LSTM", "uni": "unidirectional LSTM"}
SEEDS = (0, 1, 2)                 # seed 0 is shipped; 1 and 2 are trained by the precompute command


def checkpoint_name(kind: str, seed: int) -> str:
    """File name of kind's checkpoint at seed: the shipped name, + _seedN for N > 0."""
    if kind not in SHIPPED:
        raise ValueError(f"kind must be one of {list(SHIPPED)}, got {kind!r}")
    return SHIPPED[kind] + ("" if int(seed) == 0 else f"_seed{int(seed)}")


def shipped(kind: str):
    """(SeqModel in eval mode, metadata) of kind's shipped seed-0 checkpoint."""
    model, meta = checkpoint.load_pretrained(checkpoint_name(kind, 0))
    return model.eval(), meta


def has_shipped(kind: str) -> bool:
    return checkpoint_name(kind, 0) in checkpoint.list_pretrained()


def model_for(kind: str, seed: int, directory: Path | None = None):
    """kind's model at seed: the shipped one for seed 0; else DIRECTORY/<name>_seed<seed> if it is there,
    else trained now with the shipped recipe at that seed (deterministic on one thread; minutes)."""
    if int(seed) == 0:
        return shipped(kind)[0]
    stem = Path(directory) / checkpoint_name(kind, seed) if directory is not None else None
    if stem is not None and stem.with_suffix(".safetensors").is_file():
        return checkpoint.load_checkpoint(stem)[0].eval()
    cfg = replace(checkpoint.train_config(shipped(kind)[1]), seed=int(seed))
    return train(cfg).model.eval()
