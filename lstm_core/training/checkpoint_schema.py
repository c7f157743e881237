"""The schema of a checkpoint's JSON metadata (NAME.json beside NAME.safetensors), in pydantic.

    meta = parse_metadata(raw_bytes)      # dict, or ValueError naming what is wrong

Every value an uploaded file can carry is typed and bounded before any other code reads it:
JSON itself (UTF-8, size, nesting depth, no NaN/Infinity, no float that overflows to inf), then
the sections: `model` (architecture names from lstm_core.models, sizes within lstm_core.limits),
`train` (flat JSON scalars: lstm_core.train.TrainConfig validates their meaning), `metrics`
(finite numbers, accuracies in [0, 1]), `tensors` (names, shapes, dtypes), `vocab`, and every
string cut to a length. Error messages name the field and the rule, never echo the value (a
190 KB string stays out of the page). lstm_core.checkpoint calls parse_metadata first.
"""
from __future__ import annotations

import json
import math
from typing import Annotated, Literal, Union

from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictInt, StrictStr, ValidationError

from lstm_core import limits
from lstm_core.training.models import ARCHS, INPUT_KINDS

FORMAT, VERSION = "lstm-lab-checkpoint", 1
MAX_STR = 500            # any free-text field (command, status, notes)
MAX_NAME = 64            # keys, names, words
MAX_ENTRIES = 256        # entries of any dict / list but the vocabulary
MAX_VOCAB = 10_000
MAX_DEPTH = 8            # the schema's own nesting is 4 deep
MAX_ERRORS_SHOWN = 3

Name = Annotated[StrictStr, Field(max_length=MAX_NAME)]
Text = Annotated[StrictStr, Field(max_length=MAX_STR)]
Finite = Annotated[float, Field(allow_inf_nan=False)]
Size = Annotated[StrictInt, Field(ge=0, le=10**9)]
Scalar = Union[StrictBool, StrictInt, Finite, Text, None]


class _Section(BaseModel):
    model_config = ConfigDict(strict=True, allow_inf_nan=False, extra="forbid")


class ModelSection(_Section):
    arch: Literal[ARCHS]
    n_in: Annotated[StrictInt, Field(ge=1, le=100_000)]
    hidden: Annotated[StrictInt, Field(ge=1, le=limits.MAX_HIDDEN)]
    n_out: Annotated[StrictInt, Field(ge=1, le=100_000)]
    input_kind: Literal[INPUT_KINDS] = "ids"
    embed_dim: Annotated[StrictInt, Field(ge=1, le=100_000)] = 32
    nonlinearity: Literal["tanh", "relu"] = "tanh"


class Metrics(_Section):
    model_config = ConfigDict(strict=True, allow_inf_nan=False, extra="allow")
    __pydantic_extra__: dict[Name, Scalar]
    test_accuracy: Annotated[float, Field(ge=0.0, le=1.0)] | None = None
    test_loss: Annotated[float, Field(ge=0.0)] | None = None
    test_mse: Annotated[float, Field(ge=0.0)] | None = None
    n: Annotated[StrictInt, Field(ge=0, le=10**9)] | None = None


class TensorSpec(_Section):
    shape: Annotated[list[Size], Field(max_length=8)]
    dtype: Name


class Metadata(_Section):
    """The whole file. Unknown top-level keys (e.g. status, steps_done, comparison, test_data,
    train_seconds written by lstm_core.compare) are allowed but must be JSON scalars."""
    model_config = ConfigDict(strict=True, allow_inf_nan=False, extra="allow")
    __pydantic_extra__: dict[Name, Scalar]
    format: Literal[FORMAT]
    version: Literal[VERSION]
    model: ModelSection
    train: Annotated[dict[Name, Scalar], Field(min_length=1, max_length=MAX_ENTRIES)]
    metrics: Metrics = Metrics()
    command: Text | None = None
    params: Annotated[dict[Name, Size], Field(max_length=MAX_ENTRIES)] | None = None
    torch: Name | None = None
    vocab: Annotated[list[Name], Field(max_length=MAX_VOCAB)] | None = None
    tensors: Annotated[dict[Name, TensorSpec], Field(max_length=MAX_ENTRIES)]


def _finite_float(text: str) -> float:
    v = float(text)
    if not math.isfinite(v):
        raise ValueError("a number in the metadata is too large to be finite")
    return v


def _reject_constant(name: str):
    raise ValueError(f"{name} is not allowed in the metadata")


def _depth(v, level: int = 1) -> int:
    """Nesting depth of parsed JSON, stopping as soon as it passes MAX_DEPTH."""
    if level > MAX_DEPTH or not isinstance(v, (dict, list)):
        return level
    items = v.values() if isinstance(v, dict) else v
    return max((_depth(x, level + 1) for x in items), default=level)


def _where(loc) -> str:
    return ".".join(str(p)[:MAX_NAME] for p in loc) or "the file"


def parse_metadata(raw) -> dict:
    """The metadata dict from the bytes of NAME.json, validated against Metadata.
    Raises ValueError naming the first problems (never echoing a value)."""
    if isinstance(raw, str):
        raw = raw.encode()
    if not isinstance(raw, (bytes, bytearray)):
        raise ValueError("metadata must be the bytes of a JSON file")
    if len(raw) > limits.MAX_META_BYTES:
        raise ValueError(f"metadata is {len(raw):,} bytes, more than the limit "
                         f"{limits.MAX_META_BYTES:,}")
    try:
        meta = json.loads(bytes(raw).decode("utf-8"), parse_constant=_reject_constant,
                          parse_float=_finite_float)
    except RecursionError:
        raise ValueError("metadata is nested too deeply to be a checkpoint's") from None
    except UnicodeDecodeError:
        raise ValueError("metadata is not UTF-8 text") from None
    except ValueError as e:
        raise ValueError(f"metadata is not valid JSON ({str(e)[:120]})") from None
    if not isinstance(meta, dict) or meta.get("format") != FORMAT:
        raise ValueError(f"metadata is not an LSTM Lab checkpoint (expected "
                         f"\"format\": \"{FORMAT}\")")
    if meta.get("version") != VERSION:
        raise ValueError(f"unsupported checkpoint version (this app reads version {VERSION})")
    if _depth(meta) > MAX_DEPTH:
        raise ValueError("metadata is nested too deeply to be a checkpoint's")
    try:
        Metadata.model_validate(meta)
    except ValidationError as e:
        errs = e.errors(include_url=False, include_input=False)
        shown = "; ".join(f"{_where(x['loc'])}: {x['msg']}" for x in errs[:MAX_ERRORS_SHOWN])
        more = f" (and {len(errs) - MAX_ERRORS_SHOWN} more)" if len(errs) > MAX_ERRORS_SHOWN else ""
        raise ValueError(f"metadata does not fit the checkpoint format: {shown}{more}") from None
    return meta
