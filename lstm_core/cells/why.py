"""The "why" behind vanishing gradients, computed from a trace.

LSTM — the constant error carousel. Along the cell path c_{t} -> c_{t+1} -> ... -> c_end the
error is multiplied by the forget gates only: dc_end/dc_t (cell path) = prod_{k=t+1..end} f_k,
elementwise per unit. Forget gates near 1 keep this gain near 1 for many steps, so the error
signal survives. (The full dL/dc_t also has paths through the gates; grad_cell in the trace is
that exact total.)

RNN — the Jacobian chain. dh_t/dh_{t-1} = diag(act'(pre_t)) W_hh, so dh_end/dh_t is a product of
end - t such matrices and its norm is at most the product of their spectral norms. Norms below
1 make the bound fall geometrically with distance: the vanishing gradient.
"""

from __future__ import annotations

import numpy as np
import torch


def running_product_back(factors: np.ndarray, end: int | None = None) -> np.ndarray:
    """prod_{k=t+1..end} factors[:, k] for every t: (batch, time, ...) in, same shape out, float64.

    1 at t = end (the empty product), 0 for t > end (a later step cannot influence an earlier end)."""
    factors = np.asarray(factors, dtype=np.float64)
    T = factors.shape[1]
    end = T - 1 if end is None else int(end) % T
    out = np.zeros_like(factors)
    acc = np.ones_like(factors[:, 0])
    for t in range(end, -1, -1):
        out[:, t] = acc
        acc = acc * factors[:, t]
    return out


def forget_gain(trace, end: int | None = None) -> np.ndarray:
    """Cell-path gain prod_{k=t+1..end} f_k for every t. (batch, time, hidden).

    1 at t = end (empty product); 0 for t > end (c_t cannot influence an earlier c_end).
    """
    return running_product_back(trace.forget_gate, end)


def rnn_jacobian_norms(cell, trace, end: int | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Per-step Jacobian norm and its running product back from ``end``.

    step_norm[b, t] = ||diag(act'(pre_t)) W_hh||_2 (spectral norm; how much dh_t/dh_{t-1} can stretch).
    running[b, t] = prod_{k=t+1..end} step_norm[b, k]  (an upper bound on ||dh_end/dh_t||; 1 at end,
    0 after end). Both (batch, time), float64.
    """
    pre = torch.as_tensor(np.asarray(trace.pre_hidden, dtype=np.float64))
    if cell.nonlinearity == "tanh":
        slope = 1 - torch.tanh(pre) ** 2
    else:
        slope = (pre > 0).to(pre.dtype)
    W = cell.weight_hh.to(torch.float64)
    jac = slope[..., :, None] * W                                   # (B, T, H, H) = diag(act') W_hh
    step_norm = torch.linalg.matrix_norm(jac, ord=2).numpy()        # (B, T)
    return step_norm, running_product_back(step_norm, end)


def grad_norms(trace, name: str = "grad_hidden") -> np.ndarray:
    """||dL/dh_t|| (or another grad field) per sequence and step. (batch, time)."""
    return np.linalg.norm(np.asarray(getattr(trace, name), dtype=np.float64), axis=-1)
