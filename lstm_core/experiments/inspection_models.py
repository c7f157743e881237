"""Where *Gates over time*'s models come from: the shipped checkpoints (or the shipped set with the RNN
trained on a mix of short sentences), the session's Train and compare result, or an uploaded checkpoint;
for the two or three architectures the user chose to compare.

    got = model_sources("trained", ("lstm", "rnn", "gru"), trained_result=res)
    got.models        # arch -> SeqModel, in the order of ARCHS
    got.descriptions  # arch -> "trained on Train and compare, agreement, ..."
    got.key           # names this set of models (a cache key): the same key, the same models
    got.messages      # [(level, plain text)], level "info" / "error" / "caption" (escape when shown)

An architecture the chosen source does not provide (a trained result without a GRU, an upload of one
LSTM) is the shipped one, and its description says so. Loading the shipped models is the caller's
(cached) `load`, registry.pretrained_models by default."""
from __future__ import annotations

from typing import Callable, NamedTuple

from lstm_core.training import registry

ARCHS = ("lstm", "rnn", "gru")          # the models the page can compare, in display order
DEFAULT_ARCHS = ("lstm", "rnn")          # the page's view before GRU was offered (old links)
SOURCES = {"pretrained": "shipped pretrained",
           "curriculum": "shipped pretrained, RNN trained with half its batches short",
           "trained": "my trained models (Train and compare)",
           "uploaded": "uploaded checkpoint"}
SHIPPED_SOURCES = ("pretrained", "curriculum")


class ModelChoice(NamedTuple):
    models: dict
    descriptions: dict
    key: str
    messages: list
    shipped: dict | None        # the registry table of the shipped models shown, when all are shipped


def shipped_table(curriculum: bool, archs=DEFAULT_ARCHS) -> dict:
    """arch -> shipped checkpoint name for the chosen archs (the curriculum RNN when `curriculum`)."""
    table = registry.PRETRAINED_CURRICULUM if curriculum else registry.PRETRAINED
    return {a: table.get(a, registry.SHIPPED[a]) for a in archs}


def clean_archs(chosen) -> tuple[tuple[str, ...], str | None]:
    """The chosen architectures in ARCHS order (unknown / repeated ones dropped); none -> the defaults,
    with a plain-text note saying so."""
    kept = tuple(a for a in ARCHS if a in set(chosen or ()))
    if not kept:
        return DEFAULT_ARCHS, ("no model was chosen: showing the "
                               + " and ".join(a.upper() for a in DEFAULT_ARCHS))
    return kept, None


def model_sources(source: str, archs=DEFAULT_ARCHS, *, trained_result=None, upload=None,
                  load: Callable[[dict], dict] | None = None) -> ModelChoice:
    """The models of `source` (one of SOURCES) for `archs`.

    trained_result: the session's CompareResult (or None). upload: None (no files yet) or
    (digest, loaded, problems) from lstm_core.training.uploads.load_once. load: table -> arch ->
    (SeqModel, description), e.g. a cached registry.pretrained_models. ValueError for an unknown
    source; whatever `load` raises for a broken install."""
    if source not in SOURCES:
        raise ValueError(f"unknown model source {source!r}; one of {', '.join(SOURCES)}")
    archs = tuple(archs)
    table = shipped_table(source == "curriculum", archs)
    base = (load or registry.pretrained_models)(table)
    models = {a: base[a][0] for a in archs}
    descs = {a: base[a][1] for a in archs}
    messages, key, own = [], ("curriculum" if source == "curriculum" else "pretrained"), {}
    if source == "trained":
        res = trained_result
        if res is None:
            messages.append(("info", "No trained models in this session yet: train some on **Train and "
                                     "compare**. Showing the shipped pretrained models."))
        elif res.config.task != "agreement":
            messages.append(("info", f"Your trained models learned the '{res.config.task}' task, not "
                                     "sentences. Train on 'agreement' to read them here. Showing the "
                                     "shipped pretrained models."))
        else:
            own, key = registry.trained_models(res), f"trained:{res.id}"
            missing = [a.upper() for a in archs if a not in own]
            if missing:
                messages.append(("info", f"Your trained models include no {' or '.join(missing)}: "
                                         "the shipped one is shown in its place."))
    elif source == "uploaded":
        if upload is None:
            messages.append(("caption", "Uploads stay in this session only (they cannot be part of a "
                                        "shared link). Until then: the shipped pretrained models."))
        else:
            digest, own, problems = upload
            messages.extend(("error", p) for p in problems)
            if own:
                key = f"upload:{digest}"
    for a in archs:
        if a in own:
            models[a], descs[a] = own[a]
    if archs != DEFAULT_ARCHS:
        key += ":" + "+".join(archs)
    shipped = table if key in SHIPPED_SOURCES or key.split(":")[0] in SHIPPED_SOURCES else None
    return ModelChoice(models, descs, key, messages, shipped)
