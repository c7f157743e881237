"""Stacked and bidirectional, precomputed: every seed's analysis (the 2-layer LSTM's probes and unit
scores, the bidirectional and unidirectional LSTMs' accuracies and probes) is computed ahead of time into
lstm_core/precomputed/ by

    python -m lstm_core.experiments.stacked_bidir --precompute [--checkpoints DIR] [--dir DIR]

Seed 0 reads the shipped checkpoints; seeds 1 and 2 read DIR/<name>_seed<N> when given, else are trained
with the shipped recipe (deterministic on one thread, about 10 minutes on 2 cores). The file records the
sha256 of the shipped checkpoints it was made from; the page computes seed 0 live when they differ.
"""
from __future__ import annotations

import argparse
import functools
import hashlib
import logging
from pathlib import Path

import torch

from lstm_core import results_io
from lstm_core.training import checkpoint
from lstm_core.experiments.stacked_bidir.directions import KINDS, TaskRun, task_run, unit_order
from lstm_core.experiments.stacked_bidir.layers import LayerAnalysis, analyse_layers
from lstm_core.experiments.stacked_bidir.models import SEEDS, SHIPPED, checkpoint_name, model_for

PRECOMPUTED_DIR = Path(__file__).resolve().parents[2] / "precomputed"
PRECOMPUTE_COMMAND = "python -m lstm_core.experiments.stacked_bidir --precompute"
FILE_NAME = "stacked_bidir.safetensors"
_LOG = logging.getLogger(__name__)


def shipped_sha256() -> str:
    """sha256 over every shipped seed-0 checkpoint this lesson reads (weights and metadata)."""
    digest = hashlib.sha256()
    for kind in SHIPPED:
        for suffix in (".safetensors", ".json"):
            digest.update((checkpoint.PRETRAINED_DIR / f"{checkpoint_name(kind, 0)}{suffix}").read_bytes())
    return digest.hexdigest()


def compute(seeds=SEEDS, checkpoints: Path | None = None, progress=None) -> dict:
    """{'layers': [LayerAnalysis per seed], 'tasks': {kind: [TaskRun per seed]}, 'order': {direction: units}}."""
    report = progress or (lambda text: None)
    out = {"layers": [], "tasks": {k: [] for k in KINDS}}
    for seed in seeds:
        report(f"seed {seed}: 2-layer LSTM")
        out["layers"].append(analyse_layers(model_for("stacked", seed, checkpoints), model_seed=seed))
        for kind in KINDS:
            report(f"seed {seed}: {kind} on the masked-subject task")
            out["tasks"][kind].append(task_run(model_for(kind, seed, checkpoints), kind, model_seed=seed))
    out["order"] = unit_order(model_for("bidir", 0))
    return out


def precompute(seeds=SEEDS, checkpoints: Path | None = None, directory: Path | None = None, progress=None) -> Path:
    data = compute(seeds, checkpoints, progress)
    meta = dict(seeds=[int(s) for s in seeds], checkpoints_sha256=shipped_sha256(), command=PRECOMPUTE_COMMAND)
    return results_io.save(Path(directory or PRECOMPUTED_DIR) / FILE_NAME, data, meta)


@functools.lru_cache(maxsize=2)
def load(directory: Path | None = None) -> dict | None:
    """The precomputed results, or None if the file is missing, unreadable or made from other checkpoints."""
    path = Path(directory or PRECOMPUTED_DIR) / FILE_NAME
    if not path.is_file():
        return None
    try:
        if results_io.read_meta(path).get("checkpoints_sha256") != shipped_sha256():
            _LOG.warning("%s was made from other checkpoints; run %s", path.name, PRECOMPUTE_COMMAND)
            return None
        data, meta = results_io.load(path, {"LayerAnalysis": LayerAnalysis, "TaskRun": TaskRun})
    except Exception as exc:  # noqa: BLE001 - a broken file must not break the page: compute instead
        _LOG.warning("cannot read %s (%s)", path.name, exc)
        return None
    data["seeds"] = list(meta["seeds"])
    return data


def results() -> dict:
    """What the page shows: the precomputed results, or (no valid file) seed 0 computed now."""
    data = load()
    if data is None:
        data = compute(seeds=(0,))
        data["seeds"] = [0]
    return data


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog=PRECOMPUTE_COMMAND.removesuffix(" --precompute"),
                                 description="Precompute the Stacked and bidirectional analyses.")
    ap.add_argument("--precompute", action="store_true", required=True)
    ap.add_argument("--checkpoints", type=Path, default=None,
                    help="directory holding <name>_seed<N> checkpoints for seeds > 0 (default: train them)")
    ap.add_argument("--dir", type=Path, default=PRECOMPUTED_DIR)
    args = ap.parse_args(argv)
    torch.set_num_threads(1)
    path = precompute(SEEDS, args.checkpoints, args.dir, progress=lambda t: print(" ", t, flush=True))
    print(f"wrote {path} ({path.stat().st_size / 1e3:.0f} kB)")
    return 0
