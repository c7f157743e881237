"""Live analyses of the shipped models that are not in the precomputed files, cached per process.

    ablation_check(arch, seed, rank, target, k, sentences)   reliability.ablation_check on the shipped model
    patching(arch, seed, rank, k, where)                     patching.patching on the shipped model
    default_view() -> dict                                   the Number units page's opening settings
    warm()                                                   computes what the opening view shows (lstm_core.warmup)

The page's first visitor otherwise waited ~3 s for the two large ablation checks (2,000 sentences each
through the glass core). Results are shared by every session: treat them as read-only.
"""

from __future__ import annotations

from lstm_core.experiments.number_units import patching as pm
from lstm_core.experiments.number_units import reliability
from lstm_core.experiments.number_units.interventions import default_k
from lstm_core.experiments.number_units.models import has_pretrained, pretrained
from lstm_core.experiments.number_units.precomputed import shipped_summary
from lstm_core.experiments.number_units.summary import fields_of
from lstm_core.once import once

PAGE_ARCHS = ("lstm", "gru", "rnn")   # the page's model choices, first available = the opening one


@once(maxsize=32)
def ablation_check(arch: str, seed: int, rank: str, target: str, k: int, sentences: str) -> reliability.AblationCheck:
    return reliability.ablation_check(pretrained(arch)[0], shipped_summary(arch, seed), k=k, sentences=sentences,
                                      target=target, rank_field=rank)


@once(maxsize=32)
def patching(arch: str, seed: int, rank: str, k: int, where: str) -> pm.Patching:
    return pm.patching(pretrained(arch)[0], shipped_summary(arch, seed), k=k, where=where, rank_field=rank)


def default_view() -> dict | None:
    """arch, seed, rank, target, k of the page's opening view; None when no model is shipped."""
    available = [a for a in PAGE_ARCHS if has_pretrained(a)]
    if not available:
        return None
    arch = available[0]
    fields = fields_of(arch)
    k = default_k(shipped_summary(arch, 0).hidden_size)
    return dict(arch=arch, seed=0, rank=fields[0], target=fields[0], k=k)


def warm() -> None:
    """Compute the opening view's live analyses (both sentence sets of the check, patching at the subject)."""
    v = default_view()
    if v is None:
        return
    for sentences in reliability.SENTENCES:
        ablation_check(v["arch"], v["seed"], v["rank"], v["target"], v["k"], sentences)
    patching(v["arch"], v["seed"], v["rank"], v["k"], pm.WHERE[0])
