"""Analyses of the shipped models beyond their summary and sweeps, cached per process: the precomputed ones
(the page's opening view, lstm_core/precomputed) when the file has them, else computed live.

    ablation_check(arch, seed, rank, target, k, sentences)   reliability.ablation_check on the shipped model
    patching(arch, seed, rank, k, where)                     patching.patching on the shipped model
    default_view() -> dict                                   the Number units page's opening settings
    warm()                                                   computes what the opening view shows (lstm_core.warmup)

Computed, the two large ablation checks (2,000 sentences each through the glass core) and patching take ~2 s:
a first visitor right after a server start waited for them. Results are shared by every session: treat them as
read-only.
"""

from __future__ import annotations

from lstm_core.experiments.number_units import patching as pm
from lstm_core.experiments.number_units import reliability
from lstm_core.experiments.number_units.models import has_pretrained, pretrained
from lstm_core.experiments.number_units.precomputed import opening, shipped_summary, stored_check, stored_patching
from lstm_core.once import once

PAGE_ARCHS = ("lstm", "gru", "rnn")   # the page's model choices, first available = the opening one


@once(maxsize=32)
def ablation_check(arch: str, seed: int, rank: str, target: str, k: int, sentences: str) -> reliability.AblationCheck:
    stored = stored_check(arch, seed, rank, target, k, sentences)
    if stored is not None:
        return stored
    return reliability.ablation_check(pretrained(arch)[0], shipped_summary(arch, seed), k=k, sentences=sentences,
                                      target=target, rank_field=rank)


@once(maxsize=32)
def patching(arch: str, seed: int, rank: str, k: int, where: str) -> pm.Patching:
    stored = stored_patching(arch, seed, rank, k, where)
    if stored is not None:
        return stored
    return pm.patching(pretrained(arch)[0], shipped_summary(arch, seed), k=k, where=where, rank_field=rank)


def default_view() -> dict | None:
    """arch, seed, rank, target, k of the page's opening view; None when no model is shipped."""
    available = [a for a in PAGE_ARCHS if has_pretrained(a)]
    if not available:
        return None
    arch = available[0]
    return dict(arch=arch, seed=0, **opening(arch, shipped_summary(arch, 0).hidden_size))


def warm() -> None:
    """Compute the opening view's live analyses (both sentence sets of the check, patching at the subject)."""
    v = default_view()
    if v is None:
        return
    for sentences in reliability.SENTENCES:
        ablation_check(v["arch"], v["seed"], v["rank"], v["target"], v["k"], sentences)
    patching(v["arch"], v["seed"], v["rank"], v["k"], pm.WHERE[0])
