"""Number units, precomputed: the shipped models' analysis for seed 0 (their summary, every sweep and the
page's opening ablation checks and patching) is computed ahead of time into lstm_core/precomputed/ by

    python -m lstm_core.experiments.number_units --precompute [--arch lstm] [--seed 0] [--dir DIR]

so the page opens at once; shipped_summary / shipped_sweep / stored_check / stored_patching read it when it
matches the checkpoint (sha256); the callers compute otherwise. tests/test_precomputed.py recomputes it and checks that it matches.
"""
from __future__ import annotations

import argparse
import functools
import logging
from pathlib import Path

import torch

from lstm_core import results_io
from lstm_core.training import checkpoint
from lstm_core.experiments.number_units.patching import WHERE, Patching, patching
from lstm_core.experiments.number_units.reliability import SENTENCES, AblationCheck, ablation_check
from lstm_core.experiments.number_units.interventions import MODES, Ablation, Sweep, default_k, sweep
from lstm_core.experiments.number_units.models import KEY_ARCH, PRETRAINED, SUMMARY_ONLY, has_pretrained, pretrained
from lstm_core.experiments.number_units.summary import (ErrorCase, Summary, Template, TwoClause, _check_seed,
                                                        fields_of, summarize)

PRECOMPUTED_DIR = Path(__file__).resolve().parents[2] / "precomputed"     # lstm_core/precomputed
PRECOMPUTED_SEEDS = (0,)          # the page's default seed; other seeds are computed on demand
PRECOMPUTE_COMMAND = "python -m lstm_core.experiments.number_units --precompute"
_LOG = logging.getLogger(__name__)


def _classes() -> dict[str, type]:
    return {c.__name__: c for c in (Summary, Template, ErrorCase, TwoClause, Sweep, Ablation, AblationCheck, Patching)}


def sweep_settings(arch: str) -> list[tuple[str, str, str]]:
    """Every (rank_field, mode, target) the page offers for an architecture."""
    fields = fields_of(arch)
    return [(rank, mode, target) for rank in fields for mode in MODES for target in fields]


def precomputed_sweeps(key: str) -> list[tuple[str, str, str]]:
    """The sweeps precomputed for a shipped model key: every one the page offers, or none."""
    return [] if key in SUMMARY_ONLY else sweep_settings(KEY_ARCH[key])


def _sweep_key(rank: str, mode: str, target: str) -> str:
    return f"{rank}|{mode}|{target}"


def opening(arch: str, hidden_size: int) -> dict:
    """rank, target and k the Number units page opens with for an arch: its first state field, default k."""
    field = fields_of(arch)[0]
    return dict(rank=field, target=field, k=default_k(hidden_size))


def _check_key(rank: str, target: str, k: int, sentences: str) -> str:
    return f"{rank}|{target}|{int(k)}|{sentences}"


def _patching_key(rank: str, k: int, where: str) -> str:
    return f"{rank}|{int(k)}|{where}"


def opening_analyses(model, summary: Summary) -> tuple[dict, dict]:
    """({key: AblationCheck}, {key: Patching}) of the page's opening view of this model: the ablation check
    on both sentence sets and patching at the subject (the page's default settings, ~2 s of glass core)."""
    o = opening(model.arch, summary.hidden_size)
    checks = {_check_key(o["rank"], o["target"], o["k"], s):
              ablation_check(model, summary, k=o["k"], sentences=s, target=o["target"], rank_field=o["rank"])
              for s in SENTENCES}
    patched = {_patching_key(o["rank"], o["k"], WHERE[0]): patching(model, summary, k=o["k"], where=WHERE[0],
                                                                   rank_field=o["rank"])}
    return checks, patched


@functools.lru_cache(maxsize=8)
def checkpoint_sha256(arch: str) -> str:
    """sha256 over the shipped checkpoint's weights and metadata files: what an analysis was made from."""
    return checkpoint.pretrained_sha256(PRETRAINED[arch])


def precomputed_path(arch: str, seed: int, directory: Path | None = None) -> Path:
    return Path(directory or PRECOMPUTED_DIR) / f"number_units_{PRETRAINED[arch]}_seed{int(seed)}.safetensors"


def precompute(arch: str, seed: int = 0, directory: Path | None = None, progress=None) -> Path:
    """Analyse the shipped arch model for seed (summary + every sweep of sweep_settings) and save it."""
    model, distance = pretrained(arch)
    report = progress or (lambda text: None)
    report(f"{arch}: summary")
    summary = summarize(model, seed=seed, distance=distance)
    sweeps = {}
    for rank, mode, target in precomputed_sweeps(arch):
        report(f"{arch}: sweep rank={rank} mode={mode} target={target}")
        sweeps[_sweep_key(rank, mode, target)] = sweep(model, summary, mode=mode, target=target, rank_field=rank)
    checks, patched = ({}, {}) if arch in SUMMARY_ONLY else opening_analyses(model, summary)
    meta = dict(arch=arch, seed=int(seed), checkpoint=PRETRAINED[arch], checkpoint_sha256=checkpoint_sha256(arch),
                command=f"{PRECOMPUTE_COMMAND} --arch {arch} --seed {int(seed)}")
    analysis = {"summary": summary, "sweeps": sweeps, "checks": checks, "patching": patched}
    return results_io.save(precomputed_path(arch, seed, directory), analysis, meta)


@functools.lru_cache(maxsize=8)
def load_precomputed(arch: str, seed: int, directory: Path | None = None) -> dict | None:
    """{'summary': Summary, 'sweeps': {key: Sweep}, 'checks': {key: AblationCheck}, 'patching': {key: Patching}}
    from the precomputed file of (arch, seed), or None
    if there is none, or it does not match the shipped checkpoint (then it is logged and ignored)."""
    path = precomputed_path(arch, seed, directory)
    if not path.is_file():
        return None
    try:
        if results_io.read_meta(path).get("checkpoint_sha256") != checkpoint_sha256(arch):
            _LOG.warning("%s was made from another checkpoint; recomputing (run %s)", path.name, PRECOMPUTE_COMMAND)
            return None
        data, _ = results_io.load(path, _classes())
    except Exception as exc:  # noqa: BLE001 - a broken file must not break the page: compute instead
        _LOG.warning("cannot read %s (%s); recomputing", path.name, exc)
        return None
    return data


def shipped_summary(arch: str, seed: int = 0) -> Summary:
    """summarize() of the shipped arch model: the precomputed one when it exists, else computed."""
    seed = _check_seed(seed)
    pre = load_precomputed(arch, seed)
    if pre is not None:
        return pre["summary"]
    model, distance = pretrained(arch)
    return summarize(model, seed=seed, distance=distance)


def shipped_sweep(arch: str, seed: int, rank: str, mode: str, target: str, summary: Summary | None = None) -> Sweep:
    """sweep() of the shipped arch model (default draws): the precomputed one when it exists, else computed
    (from `summary`, that model's shipped_summary for this seed, if the caller already has it)."""
    seed = _check_seed(seed)
    pre = load_precomputed(arch, seed)
    if pre is not None and _sweep_key(rank, mode, target) in pre["sweeps"]:
        return pre["sweeps"][_sweep_key(rank, mode, target)]
    model, _ = pretrained(arch)
    return sweep(model, summary or shipped_summary(arch, seed), mode=mode, target=target, rank_field=rank)


def stored_check(arch: str, seed: int, rank: str, target: str, k: int, sentences: str):
    """The precomputed reliability.ablation_check (default n and draws) of the shipped model, or None."""
    pre = load_precomputed(arch, _check_seed(seed))
    return (pre or {}).get("checks", {}).get(_check_key(rank, target, k, sentences))


def stored_patching(arch: str, seed: int, rank: str, k: int, where: str):
    """The precomputed patching.patching (default n and draws) of the shipped model, or None."""
    pre = load_precomputed(arch, _check_seed(seed))
    return (pre or {}).get("patching", {}).get(_patching_key(rank, k, where))


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog=PRECOMPUTE_COMMAND.removesuffix(" --precompute"),
                                 description="Precompute the number-unit analysis of the shipped agreement models.")
    ap.add_argument("--precompute", action="store_true", required=True)
    ap.add_argument("--arch", choices=list(PRETRAINED), action="append", help="default: every shipped model")
    ap.add_argument("--seed", type=int, action="append", help=f"default: {list(PRECOMPUTED_SEEDS)}")
    ap.add_argument("--dir", type=Path, default=PRECOMPUTED_DIR)
    args = ap.parse_args(argv)
    torch.set_num_threads(1)                # the same numbers as the app and the tests (one thread)
    for arch in args.arch or [a for a in PRETRAINED if has_pretrained(a)]:
        for seed in args.seed or PRECOMPUTED_SEEDS:
            path = precompute(arch, seed, args.dir, progress=lambda t: print(" ", t, flush=True))
            print(f"wrote {path} ({path.stat().st_size / 1e3:.0f} kB)")
    return 0

