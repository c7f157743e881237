"""Save and load analysis results (dataclasses of NumPy arrays) as one safetensors file. No pickle.

    arrays, skeleton = pack(summary)            # every array (and NumPy scalar) -> a named tensor
    obj = unpack(arrays, skeleton, CLASSES)     # the same object back, only the allowed classes

The skeleton is the object's structure as JSON: dataclasses by class name, dicts (string keys),
lists, tuples, str / int / float / bool / None, and references to the arrays. It travels in the
file's safetensors metadata next to a caller's own `meta` dict.
"""

from __future__ import annotations

import dataclasses
import json
import math
from pathlib import Path

import numpy as np

FORMAT = "lstm-lab-results/1"


def pack(obj) -> tuple[dict[str, np.ndarray], object]:
    """(arrays, skeleton): every ndarray / NumPy scalar of `obj` as a named array, the rest as JSON."""
    arrays: dict[str, np.ndarray] = {}

    def walk(x):
        if isinstance(x, np.ndarray) or isinstance(x, np.generic):
            if x.dtype.kind not in "biuf":
                raise TypeError(f"cannot store a {x.dtype} array")
            name = f"a{len(arrays)}"
            arrays[name] = np.ascontiguousarray(x)
            return {"__array__": name} if isinstance(x, np.ndarray) else {"__scalar__": name}
        if dataclasses.is_dataclass(x) and not isinstance(x, type):
            return {"__dataclass__": type(x).__name__,
                    "fields": {f.name: walk(getattr(x, f.name)) for f in dataclasses.fields(x)}}
        if isinstance(x, dict):
            if not all(isinstance(k, str) for k in x):
                raise TypeError("only dicts with string keys can be stored")
            return {"__dict__": {k: walk(v) for k, v in x.items()}}
        if isinstance(x, tuple):
            return {"__tuple__": [walk(v) for v in x]}
        if isinstance(x, list):
            return [walk(v) for v in x]
        if x is None or isinstance(x, (str, bool, int)):
            return x
        if isinstance(x, float):
            return x if math.isfinite(x) else {"__float__": repr(x)}
        raise TypeError(f"cannot store a {type(x).__name__}")

    return arrays, walk(obj)


def unpack(arrays: dict[str, np.ndarray], skeleton, classes: dict[str, type]):
    """Rebuild what pack() took apart; dataclasses only from `classes` (name -> class)."""

    def walk(x):
        if isinstance(x, list):
            return [walk(v) for v in x]
        if not isinstance(x, dict):
            return x
        if "__array__" in x:
            return arrays[x["__array__"]]
        if "__scalar__" in x:
            return arrays[x["__scalar__"]].reshape(())[()]      # safetensors may hand back shape (1,)
        if "__float__" in x:
            return float(x["__float__"])
        if "__tuple__" in x:
            return tuple(walk(v) for v in x["__tuple__"])
        if "__dict__" in x:
            return {k: walk(v) for k, v in x["__dict__"].items()}
        if "__dataclass__" in x:
            cls = classes.get(x["__dataclass__"])
            if cls is None:
                raise ValueError(f"unexpected class {x['__dataclass__']!r} in the file")
            names = {f.name for f in dataclasses.fields(cls)}
            if set(x["fields"]) != names:
                raise ValueError(f"{cls.__name__}: the file's fields differ from the code's")
            return cls(**{k: walk(v) for k, v in x["fields"].items()})
        raise ValueError("malformed skeleton")

    try:
        return walk(skeleton)
    except KeyError as e:
        raise ValueError(f"the file lacks array {e}") from None


def save(path, obj, meta: dict) -> Path:
    """Write obj (see pack) and a JSON-able meta dict to one .safetensors file."""
    from safetensors.numpy import save_file

    path = Path(path)
    arrays, skeleton = pack(obj)
    path.parent.mkdir(parents=True, exist_ok=True)
    save_file(arrays, str(path), metadata={"format": FORMAT, "skeleton": json.dumps(skeleton),
                                            "meta": json.dumps(meta, sort_keys=True)})
    return path


def _header(f, path) -> dict:
    """The file's safetensors metadata, checked to be ours."""
    header = f.metadata() or {}
    if header.get("format") != FORMAT:
        raise ValueError(f"{Path(path).name} is not an LSTM Lab results file ({FORMAT})")
    return header


def read_meta(path) -> dict:
    """The meta dict of a file written by save(), without reading its arrays."""
    from safetensors import safe_open

    with safe_open(str(path), framework="numpy") as f:
        return json.loads(_header(f, path)["meta"])


def load(path, classes: dict[str, type]) -> tuple[object, dict]:
    """(obj, meta) from a file written by save()."""
    from safetensors import safe_open

    with safe_open(str(path), framework="numpy") as f:
        header = _header(f, path)
        arrays = {k: f.get_tensor(k) for k in f.keys()}
    return unpack(arrays, json.loads(header["skeleton"]), classes), json.loads(header["meta"])
