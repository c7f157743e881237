"""The one initialisation of recurrent weights, for every recurrent module of the project.

``init_recurrent(module, init, forget_bias=None, generator=None)`` works in place on

* torch's nn.LSTM / nn.GRU / nn.RNN (every layer and direction),
* the trainable LSTM variants (lstm_core.cells.variants.VariantLSTM),
* the glass cells (GlassLSTM, GlassRNN, GlassGRU, GlassVariant: their weight tensors).

Every weight matrix is a stack of per-gate blocks of ``hidden_size`` rows; an init acts on each
block on its own, as if it were a layer of its own:

    default     leave torch's U(-1/sqrt(H), 1/sqrt(H)) as it is
    orthogonal  each (H, H) block of W_hh a random orthogonal matrix (Saxe et al. 2014)
    identity    each (H, H) block of W_hh = I and every bias 0 (Le et al. 2015, the IRNN)
    xavier      each block of W_ih and W_hh ~ U(-a, a), a = sqrt(6 / (fan_in + H)) (Glorot & Bengio
                2010): Var = 2 / (fan_in + H); biases 0
    he          each block of W_ih and W_hh ~ N(0, 2 / fan_in) (He et al. 2015, for ReLU); biases 0

fan_in is the block's column count (input size for W_ih, H for W_hh). Peephole and gate-recurrence
weights keep their default. ``forget_bias`` then sets the forget gate's bias to that value (b_ih)
+ 0 (b_hh) in every LSTM that has a forget gate (Jozefowicz et al. 2015); other modules ignore it.
Random draws come from ``generator`` (None: torch's global generator, so a ``torch.manual_seed``
before the call makes it reproducible).
"""
from __future__ import annotations

import math

import torch
from torch import nn

INITS = ("default", "orthogonal", "identity", "xavier", "he")
_ZERO_BIAS = ("identity", "xavier", "he")


def _weights(module) -> list[tuple[str, torch.Tensor]]:
    """(name, tensor) of a torch module's parameters or a glass cell's weight tensors."""
    if isinstance(module, nn.Module):
        return list(module.named_parameters())
    return list(module.parameters().items())


def forget_rows(module) -> int | None:
    """Block index of the forget gate's rows in the weights, None if the module has no forget gate."""
    spec = getattr(module, "spec", None)
    if spec is not None:                                   # an LSTM variant, torch or glass
        return spec.rows.index("f") if "f" in spec.rows else None
    if isinstance(module, nn.LSTM):
        return 1
    if getattr(module, "arch", None) == "lstm":            # GlassLSTM (order i, f, g, o)
        return 1 if getattr(module, "has_forget_gate", True) else None
    return None


def init_block(block: torch.Tensor, init: str, generator: torch.Generator | None = None) -> None:
    """Apply ``init`` in place to one (H, fan_in) gate block."""
    if init == "orthogonal":
        nn.init.orthogonal_(block, generator=generator)
    elif init == "identity":
        block.copy_(torch.eye(*block.shape, dtype=block.dtype))
    elif init == "xavier":
        nn.init.xavier_uniform_(block, generator=generator)
    elif init == "he":
        nn.init.kaiming_normal_(block, mode="fan_in", nonlinearity="relu", generator=generator)
    elif init != "default":
        raise ValueError(f"init must be one of {INITS}, got {init!r}")


@torch.no_grad()
def init_recurrent(module, init: str = "default", forget_bias: float | None = None,
                   generator: torch.Generator | None = None):
    """Initialise ``module``'s recurrent weights in place (see the module docstring); returns it."""
    if init not in INITS:
        raise ValueError(f"init must be one of {INITS}, got {init!r}")
    if forget_bias is not None and not math.isfinite(forget_bias):
        raise ValueError(f"forget_bias must be finite or None, got {forget_bias!r}")
    H = int(module.hidden_size)
    for name, w in _weights(module):
        if w.dim() == 2 and name.startswith(("weight_ih", "weight_hh")):
            if init in ("orthogonal", "identity") and not name.startswith("weight_hh"):
                continue
            for k in range(w.shape[0] // H):
                init_block(w[k * H:(k + 1) * H], init, generator)
        elif name.startswith("bias") and init in _ZERO_BIAS:
            w.zero_()
    f = forget_rows(module)
    if forget_bias is not None and f is not None:
        for name, w in _weights(module):
            if name.startswith("bias_ih"):
                w[f * H:(f + 1) * H] = forget_bias
            elif name.startswith("bias_hh"):
                w[f * H:(f + 1) * H] = 0.0
    return module
