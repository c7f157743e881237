"""The activation-patching figure of the Number units page: the verb's flip rate with the top-k
units patched vs each draw of k random units, with 95% Wilson intervals as error bars.

    patching_bars(flip_top, interval_top (2,), flip_random (draws,), interval_random (draws, 2), *, k, n)
"""
from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from lstm_core.figures.number_units import ROLE_COLORS, _layout
from lstm_core.figures.style import f32, figure


def _bar(x, y, lo_hi, color, name):
    y, lo_hi = f32(y), f32(lo_hi).reshape(-1, 2)
    return dict(type="bar", x=x, y=y, name=name, marker=dict(color=color),
                error_y=dict(type="data", symmetric=False, array=np.maximum(lo_hi[:, 1] - y, 0),
                             arrayminus=np.maximum(y - lo_hi[:, 0], 0), visible=True),
                customdata=lo_hi, hovertemplate="%{x}: %{y:.1%} (95% interval %{customdata[0]:.1%}–"
                                                "%{customdata[1]:.1%})<extra></extra>")


def patching_bars(flip_top: float, interval_top, flip_random, interval_random, *, k: int, n: int) -> go.Figure:
    """One bar for the top-k units, one per random draw; error bars = 95% Wilson intervals over n pairs."""
    flip_random = f32(flip_random).reshape(-1)
    interval_random = f32(interval_random)
    if interval_random.shape != (len(flip_random), 2) or f32(interval_top).shape != (2,):
        raise ValueError("interval_top must be (2,) and interval_random (draws, 2)")
    data = [_bar([f"top {k}"], [flip_top], interval_top, ROLE_COLORS["top"], f"top {k} number units"),
            _bar([f"random {i + 1}" for i in range(len(flip_random))], flip_random, interval_random,
                 ROLE_COLORS["random"], f"{k} random units (each draw)")]
    layout = _layout(f"Copying {k} units from the other-number sentence: does the verb flip? ({n} pairs)", 360,
                     yaxis=dict(title=dict(text="verb prediction flipped"), range=[0, 1.05], tickformat=".0%"),
                     xaxis=dict(title=dict(text="units patched")))
    return figure(data, layout)
