"""What a glass cell hands back: the Trace of every gate and state, and the interventions (Clamp)
that hold a gate or state at a value."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


# ----------------------------------------------------------------------------- interventions


@dataclass(frozen=True)
class Clamp:
    """Hold ``target`` (a gate or state name) at ``value`` for ``units`` at ``steps``.

    ``units`` / ``steps`` are lists of ints, or None for all. Examples:
    ``Clamp("forget_gate", 1.0)`` (never forget), ``Clamp("cell", 0.0, units=[7])`` (ablate unit 7).
    ``value`` may also be an array broadcastable to (batch, len(units)) — one value per sentence
    and unit, e.g. the cell values of another run (activation patching); then ``units`` is required.
    An array value is stored as nested tuples (the Clamp stays hashable); ``array`` gives it back.
    """

    target: str
    value: float | tuple
    units: tuple | None = None
    steps: tuple | None = None

    def __post_init__(self):
        for name in ("units", "steps"):
            v = getattr(self, name)
            if v is not None:
                object.__setattr__(self, name, tuple(int(i) for i in np.atleast_1d(v)))
        if np.ndim(self.value) == 0:
            value = float(self.value)
            if not np.isfinite(value):
                raise ValueError(f"clamp value for {self.target} must be finite, got {self.value}")
            object.__setattr__(self, "value", value)
            return
        arr = np.array(self.value, dtype=np.float64)
        if not np.isfinite(arr).all():
            raise ValueError(f"clamp values for {self.target} must be finite")
        if self.units is None:
            raise ValueError("an array clamp value needs its units")
        if arr.ndim > 2 or arr.shape[-1] not in (1, len(self.units)):
            raise ValueError(f"an array clamp value must broadcast to (batch, {len(self.units)}), got {arr.shape}")
        object.__setattr__(self, "value", tuple(map(tuple, np.atleast_2d(arr).tolist())))

    @property
    def array(self) -> np.ndarray:
        """The value as an array: () for a scalar, else (1 or batch, 1 or len(units))."""
        return np.asarray(self.value, dtype=np.float64)


def ablate(units, steps=None, target: str = "cell") -> Clamp:
    """Zero ``units`` of ``target`` (default the cell state) at ``steps`` (None = all)."""
    return Clamp(target, 0.0, units, steps)


# ----------------------------------------------------------------------------- the trace


class Trace:
    """Everything a cell computed on one input. Arrays are NumPy, shaped (batch, time, hidden).

    Attribute access: ``trace.forget_gate``, ``trace.grad_hidden`` ... ``trace.names()`` lists them.
    ``loss`` (float or None), ``h_n`` / ``c_n`` (batch, hidden) final states, ``arch`` ("lstm", "rnn", "gru" or a variant).
    """

    def __init__(self, arch: str, arrays: dict, loss=None, loss_step=None):
        self.arch = arch
        self._arrays = arrays
        self.loss = loss
        self.loss_step = loss_step

    def __getattr__(self, name):
        arrays = self.__dict__.get("_arrays", {})
        if name in arrays:
            return arrays[name]
        raise AttributeError(f"{self.__dict__.get('arch', '?')} trace has no '{name}' (has: {sorted(arrays)})")

    def names(self) -> list[str]:
        return list(self._arrays)

    @property
    def h_n(self) -> np.ndarray:
        return self._arrays["hidden"][:, -1]

    @property
    def c_n(self) -> np.ndarray:
        return self._arrays["cell"][:, -1]

    @property
    def batch(self) -> int:
        return self._arrays["hidden"].shape[0]

    @property
    def steps(self) -> int:
        return self._arrays["hidden"].shape[1]

    def __repr__(self):
        shape = self._arrays["hidden"].shape
        return f"Trace({self.arch}, (batch, time, hidden)={shape}, fields={self.names()})"
