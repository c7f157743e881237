"""Stacked and bidirectional networks in the glass core: torch's multi-layer nn.LSTM / nn.GRU /
nn.RNN, every layer and direction traced.

A stack is a grid of single-layer glass cells, ``cells[layer][direction]``. Layer 0 reads the
input; layer l > 0 reads layer l-1's output, the concatenation [forward h_t, backward h_t]
(torch's layout). The backward direction is its cell run on the time-reversed input, its
states re-reversed, so that every array is indexed by the input position t: ``backward.hidden[:, t]``
has read x_t ... x_{T-1}. The stack's output (B, T, D*H) is the last layer's, as torch returns it.

``trace(x, loss_fn=...)`` puts the loss on the stack's output at ``loss_step`` and gives, for
every layer and direction, the *total* gradients dL/dh_t and dL/dc_t (through every later step,
every direction and every layer above), by autograd on one graph of all the cells' steps.
"""
from __future__ import annotations

import numpy as np
import torch
from torch import nn

from lstm_core.cells.gru import GlassGRU
from lstm_core.cells.lstm import GlassLSTM
from lstm_core.cells.base import ALL_STEPS, checked_loss_step
from lstm_core.cells.rnn import GlassRNN
from lstm_core.cells.trace import Trace

Tensor = torch.Tensor
DIRECTIONS = ("forward", "backward")


class DirectionTrace(Trace):
    """A Trace of one layer and direction. Arrays are in input order; for the backward direction
    the final state (h_n, c_n) is therefore the one at position 0."""

    def __init__(self, arch, arrays, loss=None, loss_step=None, reverse=False):
        super().__init__(arch, arrays, loss=loss, loss_step=loss_step)
        self.reverse = bool(reverse)

    @property
    def h_n(self) -> np.ndarray:
        return self._arrays["hidden"][:, 0 if self.reverse else -1]

    @property
    def c_n(self) -> np.ndarray:
        return self._arrays["cell"][:, 0 if self.reverse else -1]


class StackTrace:
    """Everything a stack computed. ``traces[layer][direction]`` is a DirectionTrace (B, T, H);
    ``trace[layer, direction]`` (direction 0/1 or 'forward'/'backward') is the same.
    ``output`` (B, T, D*H), ``h_n`` / ``c_n`` (L*D, B, H) exactly as torch returns them."""

    def __init__(self, arch, traces, loss=None, loss_step=None):
        self.arch, self.traces, self.loss, self.loss_step = arch, traces, loss, loss_step

    def __getitem__(self, key) -> DirectionTrace:
        layer, direction = key
        if isinstance(direction, str):
            direction = DIRECTIONS.index(direction)
        return self.traces[layer][direction]

    @property
    def num_layers(self) -> int:
        return len(self.traces)

    def layer(self, layer: int, name: str = "hidden") -> np.ndarray:
        """(B, T, D*H): one layer's `name` array (e.g. 'hidden', 'cell', 'grad_hidden'), its
        directions side by side as in torch's output (forward units first)."""
        return np.concatenate([getattr(tr, name) for tr in self.traces[layer]], -1)

    @property
    def num_directions(self) -> int:
        return len(self.traces[0])

    @property
    def output(self) -> np.ndarray:
        return np.concatenate([tr.hidden for tr in self.traces[-1]], -1)

    @property
    def h_n(self) -> np.ndarray:
        return np.stack([tr.h_n for layer in self.traces for tr in layer])

    @property
    def c_n(self) -> np.ndarray | None:
        if self.arch != "lstm":
            return None
        return np.stack([tr.c_n for layer in self.traces for tr in layer])

    def __repr__(self):
        B, T, _ = self.output.shape
        return (f"StackTrace({self.arch}, layers={self.num_layers}, directions={self.num_directions}, "
                f"batch={B}, time={T})")


class GlassStack:
    """A multi-layer and/or bidirectional recurrent network of glass cells (torch's layout)."""

    _CELLS = {nn.LSTM: GlassLSTM, nn.GRU: GlassGRU, nn.RNN: GlassRNN}

    def __init__(self, cells: list[list]):
        if not cells or len({len(layer) for layer in cells}) != 1 or len(cells[0]) not in (1, 2):
            raise ValueError("cells must be a non-empty list of layers, each with 1 or 2 directions")
        self.cells = cells
        first = cells[0][0]
        self.arch, self.hidden_size, self.input_size = first.arch, first.hidden_size, first.input_size
        self.num_layers, self.bidirectional = len(cells), len(cells[0]) == 2
        self.dtype = first.dtype
        D = len(cells[0])
        for layer, row in enumerate(cells):
            for cell in row:
                want = self.input_size if layer == 0 else D * self.hidden_size
                if cell.arch != self.arch or cell.hidden_size != self.hidden_size or cell.input_size != want:
                    raise ValueError(f"layer {layer}: every cell must be a {self.arch} with hidden size "
                                     f"{self.hidden_size} and input size {want}")

    @property
    def num_directions(self) -> int:
        return 2 if self.bidirectional else 1

    @classmethod
    def from_torch(cls, m: nn.Module) -> "GlassStack":
        """Load a batch_first nn.LSTM / nn.GRU / nn.RNN with any num_layers and bidirectional."""
        cell_cls = cls._CELLS.get(type(m))
        if cell_cls is None:
            raise ValueError(f"GlassStack.from_torch needs an nn.LSTM, nn.GRU or nn.RNN, got {type(m).__name__}")
        if getattr(m, "proj_size", 0):
            raise ValueError("LSTMs with proj_size are not supported")
        if not m.batch_first:
            raise ValueError("only batch_first=True modules can be loaded")
        D, H = 2 if m.bidirectional else 1, m.hidden_size
        dtype = m.weight_ih_l0.dtype
        kw = {"nonlinearity": m.nonlinearity} if isinstance(m, nn.RNN) else {}
        cells = []
        for layer in range(m.num_layers):
            row = []
            for d in range(D):
                sfx = f"_l{layer}" + ("_reverse" if d else "")
                cell = cell_cls(m.input_size if layer == 0 else D * H, H, dtype=dtype, **kw)
                rows = cell.n_chunks * H
                with torch.no_grad():
                    cell.weight_ih = getattr(m, "weight_ih" + sfx).detach().clone()
                    cell.weight_hh = getattr(m, "weight_hh" + sfx).detach().clone()
                    for b in ("bias_ih", "bias_hh"):
                        value = getattr(m, b + sfx).detach().clone() if m.bias else torch.zeros(rows, dtype=dtype)
                        setattr(cell, b, value)
                row.append(cell)
            cells.append(row)
        return cls(cells)

    def to_torch(self) -> nn.Module:
        """A fresh batch_first torch module holding these weights."""
        torch_cls = {v: k for k, v in self._CELLS.items()}[type(self.cells[0][0])]
        kw = {"nonlinearity": self.cells[0][0].nonlinearity} if torch_cls is nn.RNN else {}
        m = torch_cls(self.input_size, self.hidden_size, num_layers=self.num_layers,
                      bidirectional=self.bidirectional, batch_first=True, dtype=self.dtype, **kw)
        with torch.no_grad():
            for layer, row in enumerate(self.cells):
                for d, cell in enumerate(row):
                    sfx = f"_l{layer}" + ("_reverse" if d else "")
                    for name, w in cell.parameters().items():
                        getattr(m, name + sfx).copy_(w)
        return m

    def _initial(self, s, B, name) -> Tensor:
        shape = (self.num_layers * self.num_directions, B, self.hidden_size)
        if s is None:
            return torch.zeros(shape, dtype=self.dtype)
        s = torch.as_tensor(np.asarray(s) if not isinstance(s, Tensor) else s).to(self.dtype).detach()
        if tuple(s.shape) != shape:
            raise ValueError(f"{name} must be {shape} (layers * directions, batch, hidden), got {tuple(s.shape)}")
        if not torch.isfinite(s).all():
            raise ValueError(f"{name} contains NaN or inf")
        return s

    def trace(self, x, h0=None, c0=None, loss_fn=None, loss_step=None) -> StackTrace:
        """Run x (T, I) or (B, T, I). loss_fn(output (B, D*H) at loss_step, default the last step)
        -> scalar tensor; loss_step="all": loss_fn(output (B, T, D*H)) sees every step. Then every
        layer/direction trace holds grad_hidden (and grad_cell)."""
        first = self.cells[0][0]
        for row in self.cells:
            for cell in row:
                cell._check_weights()
        x = first._as_batch(x)
        B, T, _ = x.shape
        h0 = self._initial(h0, B, "h0")
        c0 = self._initial(c0, B, "c0") if self.arch == "lstm" else None
        loss_step = checked_loss_step(loss_step, T)
        want_grad = loss_fn is not None
        no_clamp = lambda name, v: v                   # noqa: E731 (the cells' step takes a clamp hook)
        runs = []                                      # [layer][direction] -> list of step dicts, input order
        with torch.set_grad_enabled(want_grad):
            inp = x
            for layer, row in enumerate(self.cells):
                runs.append([])
                for d, cell in enumerate(row):
                    k = layer * self.num_directions + d
                    state = {"hidden": h0[k].clone().requires_grad_(want_grad)}
                    if c0 is not None:
                        state["cell"] = c0[k].clone().requires_grad_(want_grad)
                    seq = inp.flip(1) if d else inp
                    x_proj = seq @ cell.weight_ih.T + cell.bias_ih
                    steps = []
                    for t in range(T):
                        state = cell.step(x_proj[:, t], state, no_clamp)
                        steps.append(state)
                    runs[-1].append(steps[::-1] if d else steps)
                inp = torch.cat([torch.stack([s["hidden"] for s in steps], 1) for steps in runs[-1]], -1)
            loss = None
            if want_grad:
                loss_t = loss_fn(inp if loss_step == ALL_STEPS else inp[:, loss_step])
                if not isinstance(loss_t, Tensor) or loss_t.numel() != 1:
                    raise ValueError("loss_fn must return a scalar tensor")
                loss_t = loss_t.reshape(())
                names = [n for n in ("hidden", "cell") if n in runs[0][0][0]]
                wrt = [s[n] for row in runs for steps in row for n in names for s in steps]
                flat = torch.autograd.grad(loss_t, wrt, allow_unused=True)
                flat = [torch.zeros_like(w) if g is None else g for g, w in zip(flat, wrt)]
                loss = float(loss_t.detach())
        traces, pos = [], 0
        for layer, row in enumerate(runs):
            traces.append([])
            for d, steps in enumerate(row):
                arrays = {n: torch.stack([s[n] for s in steps], 1).detach().numpy() for n in steps[0]}
                if want_grad:
                    for n in names:
                        arrays["grad_" + n] = torch.stack(flat[pos:pos + T], 1).numpy()
                        pos += T
                traces[-1].append(DirectionTrace(self.arch, arrays, loss=loss,
                                                 loss_step=loss_step if want_grad else None, reverse=bool(d)))
        return StackTrace(self.arch, traces, loss=loss, loss_step=loss_step if want_grad else None)
