"""What the pages open with about the task and the shipped models, measured ahead of time and stored in
lstm_core/precomputed/shipped_measures.json: computed, they took a first visitor right after a server start
~4 s (the L-BFGS fit imports torch._dynamo; 2,000 sentences per distance through two models).

    reference_baselines(distance, n)   the shortcut rules' accuracies at a distance (lstm_core.data.baselines)
    shipped_profile(name)              a shipped checkpoint's accuracy at each distance (distance_profile.measure)
    shipped_profiles(names)            arch -> shipped_profile(name) for a registry table

Each is read from the file when the file holds it (a checkpoint's only when it was made from the same weights,
sha256) and computed otherwise; cached per process. tests/test_shipped_measures.py recomputes every stored
value and checks that it matches. Rebuild the file (after retraining a shipped model or changing the grammar):

    python -m lstm_core.experiments.shipped_measures
"""
from __future__ import annotations

import functools
import json
import logging
from pathlib import Path

import torch

from lstm_core.data import baselines
from lstm_core.experiments import distance_profile
from lstm_core.once import once
from lstm_core.training import registry
from lstm_core.training.checkpoint import load_pretrained, pretrained_sha256
from lstm_core.training.trainer import TrainConfig

PATH = Path(__file__).resolve().parents[1] / "precomputed" / "shipped_measures.json"
COMMAND = "python -m lstm_core.experiments.shipped_measures"
# (distance, n) of the baselines the pages open with: Gates over time's, and Train and compare's defaults
BASELINES = ((TrainConfig().distance, baselines.REFERENCE_N), (TrainConfig().distance, 1000))
_LOG = logging.getLogger(__name__)


@functools.lru_cache(maxsize=1)
def stored() -> dict:
    """The file's tables ({} when it is missing or unreadable: everything is computed then)."""
    try:
        return json.loads(PATH.read_text())
    except FileNotFoundError:
        return {}
    except (OSError, ValueError) as exc:
        _LOG.warning("cannot read %s (%s); computing instead (rebuild: %s)", PATH.name, exc, COMMAND)
        return {}


def _baselines_key(distance: int, n: int, seed: int) -> str:
    return f"{int(distance)},{int(n)},{int(seed)}"


@once(maxsize=16)
def reference_baselines(distance: int, n: int = baselines.REFERENCE_N, seed: int = 0) -> dict[str, float]:
    """baselines.reference_baselines(distance, n, seed): stored, or computed."""
    found = stored().get("reference_baselines", {}).get(_baselines_key(distance, n, seed))
    return dict(found) if found is not None else baselines.reference_baselines(distance, n, seed)


def _stored_profile(name: str, distances: tuple, n: int, seed: int) -> dict[int, float] | None:
    entry = stored().get("accuracy_by_distance", {}).get(name)
    if entry is None or [entry["distances"], entry["n"], entry["seed"]] != [list(distances), n, seed]:
        return None
    if entry["checkpoint_sha256"] != pretrained_sha256(name):
        _LOG.warning("%s: %s was measured on other weights; measuring (rebuild: %s)", PATH.name, name, COMMAND)
        return None
    return {int(d): float(a) for d, a in entry["accuracy"].items()}


@once(maxsize=8)
def shipped_profile(name: str, distances: tuple = distance_profile.DISTANCES, n: int = distance_profile.N,
                    seed: int = distance_profile.SEED) -> dict[int, float]:
    """distance_profile.measure() of the shipped checkpoint `name` (training/pretrained/): stored, or measured."""
    found = _stored_profile(name, tuple(distances), int(n), int(seed))
    if found is not None:
        return found
    model, _meta = load_pretrained(name)
    return distance_profile.measure(model, distances, n, seed)


def shipped_profiles(names: dict) -> dict[str, dict[int, float]]:
    """arch -> shipped_profile(name) for a registry table such as registry.PRETRAINED."""
    return {arch: shipped_profile(name) for arch, name in names.items()}


def build() -> dict:
    """Every table, computed now (one torch thread: the numbers the app and the tests compute)."""
    profiles = {}
    for name in sorted({*registry.SHIPPED.values(), *registry.PRETRAINED_CURRICULUM.values()}):
        model, _meta = load_pretrained(name)
        acc = distance_profile.measure(model)
        profiles[name] = dict(checkpoint_sha256=pretrained_sha256(name), distances=list(distance_profile.DISTANCES),
                              n=distance_profile.N, seed=distance_profile.SEED,
                              accuracy={str(d): a for d, a in acc.items()})
    return {"command": COMMAND,
            "reference_baselines": {_baselines_key(d, n, 0): baselines.reference_baselines(d, n, 0)
                                    for d, n in BASELINES},
            "accuracy_by_distance": profiles}


def main() -> int:
    torch.set_num_threads(1)
    PATH.write_text(json.dumps(build(), indent=1, sort_keys=True) + "\n")
    print(f"wrote {PATH}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
