"""Initialisations of a recurrent weight matrix W_hh, one function for every place that sets one (the
trainer, the untrained models of *Vanishing gradients*).

W_hh is (rows, H) in torch's layout: one (H, H) block per gate (LSTM 4, GRU 3, RNN 1); an init applies
to each block on its own.
"""
from __future__ import annotations

import torch

INITS = ("default", "orthogonal", "identity")


def recurrent_weight(weight_hh: torch.Tensor, init: str, generator: torch.Generator | None = None) -> torch.Tensor:
    """A new W_hh (rows, H) with ``init`` applied to each (H, H) gate block.

    default: a copy (torch's U(-1/sqrt(H), 1/sqrt(H))); orthogonal: a uniform (Haar) random orthogonal
    matrix per block (Saxe et al. 2014), drawn from ``generator``; identity: I per block (Le et al. 2015).
    """
    if init not in INITS:
        raise ValueError(f"init must be one of {INITS}, got {init!r}")
    if init == "default":
        return weight_hh.detach().clone()
    rows, H = weight_hh.shape
    blocks = []
    for _ in range(rows // H):
        if init == "orthogonal":
            q, r = torch.linalg.qr(torch.randn(H, H, generator=generator, dtype=torch.float64))
            blocks.append(q * torch.sign(torch.diagonal(r)))
        else:
            blocks.append(torch.eye(H, dtype=torch.float64))
    return torch.cat(blocks, 0).to(weight_hh.dtype)
