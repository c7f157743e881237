"""*Train and compare*'s runs by id: a finished comparison is stored (lstm_core.training.run_store) under
an id derived from its settings, so a reload or a shared link gets the same run, and a second request
for the same settings reuses it instead of training again.

    rid = run_id(cfg)                             # 12 hex digits: a hash of the resolved settings
    res = comparison_for(cfg, progress=print)     # the stored run, or a training (stored when complete)
    res = load_comparison(rid)                    # the stored run, None when the store does not have it

Training is deterministic given CompareConfig (seeded data streams, init and optimizer), so the id
names the run. A comparison stopped early (the caller's stop, the time cap) is not stored and keeps a
random id: it is not what those settings give.
"""
from __future__ import annotations

import uuid
from dataclasses import asdict, fields

from pydantic import BaseModel, ConfigDict, Field, StrictInt, StrictStr, ValidationError
from typing import Annotated, Literal

from lstm_core.experiments import comparison
from lstm_core.experiments.comparison import CompareConfig, CompareResult
from lstm_core.training import run_format, run_store
from lstm_core.training.run_format import StoredRun
from lstm_core.training.run_store import RunStore

Finite = Annotated[float, Field(allow_inf_nan=False)]


class _Sweep(BaseModel):
    model_config = ConfigDict(strict=True, extra="forbid")
    x: list[StrictInt]
    y: list[Finite | Literal["nan", "inf", "-inf"]]
    metric: Literal["accuracy", "mse"]
    n: Annotated[StrictInt, Field(ge=1)]


class _Info(BaseModel):
    model_config = ConfigDict(strict=True, extra="forbid")
    kind: Literal["comparison"]
    config: dict
    sweep_n: Annotated[StrictInt, Field(ge=1)] | None
    seconds: Annotated[float, Field(ge=0, allow_inf_nan=False)]
    queued_seconds: Annotated[float, Field(ge=0, allow_inf_nan=False)]
    by_distance: dict[StrictStr, _Sweep]


def _config_json(cfg: CompareConfig) -> dict:
    d = asdict(cfg)
    d["archs"] = list(d["archs"])
    return d


def run_id(cfg: CompareConfig, sweep_n: int | None = None) -> str:
    """The id of the run these settings give: a hash of the resolved settings (and sweep_n)."""
    return run_format.make_id({"kind": "comparison", "config": _config_json(cfg.resolved()),
                              "sweep_n": sweep_n})


def complete(res: CompareResult) -> bool:
    """True when every model of every seed ran to its end (finished or diverged), i.e. the run is what
    its settings give, not one stopped early."""
    want = res.config.seeds
    return (set(res.seed_runs) == set(res.config.archs)
            and all(len(rs) == want and not any(r.status.startswith("stopped") for r in rs)
                    for rs in res.seed_runs.values()))


def to_stored(res: CompareResult, sweep_n: int | None = None) -> StoredRun:
    """The comparison as a StoredRun (its TrainResults and the rest as JSON)."""
    info = dict(kind="comparison", config=_config_json(res.config), sweep_n=sweep_n,
                seconds=float(res.seconds), queued_seconds=float(res.queued_seconds),
                by_distance={a: dict(x=[int(v) for v in d["x"]], y=[run_format.json_float(float(v)) for v in d["y"]],
                                     metric=d["metric"], n=int(d["n"]))
                             for a, d in res.by_distance.items()})
    return StoredRun(runs={a: list(res.all_runs(a)) for a in res.runs}, info=info)


def from_stored(rid: str, stored: StoredRun) -> CompareResult:
    """The CompareResult a StoredRun holds; ValueError when it is not the run `rid` names."""
    try:
        info = _Info.model_validate(stored.info)
    except ValidationError as e:
        errs = e.errors(include_url=False, include_input=False)
        raise ValueError("the stored comparison's settings do not fit: "
                         + "; ".join(f"{'.'.join(map(str, x['loc']))}: {x['msg']}" for x in errs[:3])) from None
    names = {f.name for f in fields(CompareConfig)}
    if set(info.config) != names:
        raise ValueError("the stored comparison's settings do not list exactly CompareConfig's fields")
    try:
        cfg = CompareConfig(**{**info.config, "archs": tuple(info.config["archs"])}).resolved()
    except (TypeError, ValueError) as e:
        raise ValueError(f"the stored comparison's settings are invalid: {e}") from None
    if run_id(cfg, info.sweep_n) != rid:
        raise ValueError(f"the stored run's settings are not those of run {rid}")
    if set(stored.runs) != set(cfg.archs) or set(info.by_distance) != set(cfg.archs):
        raise ValueError("the stored run's models are not the ones its settings train")
    for a, rs in stored.runs.items():
        if [r.config for r in rs] != [cfg.train_config(a, s).resolved() for s in cfg.seed_list()]:
            raise ValueError(f"the stored {a.upper()} runs were not trained with the run's settings")
    by_distance = {a: dict(x=s.x, y=[run_format.float_from_json(v) for v in s.y], metric=s.metric, n=s.n)
                   for a, s in info.by_distance.items()}
    return CompareResult(cfg, {a: rs[0] for a, rs in stored.runs.items()}, by_distance=by_distance, id=rid,
                         seconds=info.seconds, queued_seconds=info.queued_seconds,
                         seed_runs={a: list(rs) for a, rs in stored.runs.items()})


def load_comparison(rid: str, store: RunStore | None = None) -> CompareResult | None:
    """The stored comparison `rid`; None when the store does not have it (never trained here, or
    evicted); ValueError for a malformed id or a corrupt entry."""
    store = store or run_store.default_store()
    stored = store.get(run_format.check_id(rid))
    if stored is None:
        return None
    try:
        return from_stored(rid, stored)
    except ValueError as e:
        raise ValueError(f"stored run {rid} cannot be used: {e}") from None


def comparison_for(cfg: CompareConfig, store: RunStore | None = None, progress=None, **kw) -> CompareResult:
    """The comparison cfg gives: from the store when it has the run (progress gets
    {'event': 'stored', 'id'}), else comparison.run_comparison(cfg, progress, **kw), stored when complete
    (its id is then run_id(cfg); a run that is not stored keeps a random id). While another session of
    this server trains the same settings, waits for it (progress gets {'event': 'same', 'id', 'waited'}) and returns its run. Raises what
    run_comparison raises."""
    cfg = cfg.resolved()
    store = store or run_store.default_store()
    sweep_n = kw.get("sweep_n")
    rid = run_id(cfg, sweep_n)
    emit = progress or (lambda e: None)

    def compute() -> CompareResult:
        res = comparison.run_comparison(cfg, progress=progress, **kw)
        if complete(res):
            res.id = rid
        return res

    def decode(stored: StoredRun) -> CompareResult:
        res = from_stored(rid, stored)
        emit(dict(event="stored", id=rid))
        return res

    res, _ = store.get_or_compute(
        rid, compute, encode=lambda r: to_stored(r, sweep_n) if r.id == rid else None, decode=decode,
        on_wait=lambda waited: emit(dict(event="same", id=rid, waited=waited)))
    if res.id == rid and not store.has(rid):      # could not be stored (a full disk): no id to link to
        res.id = uuid.uuid4().hex[:12]
    return res
