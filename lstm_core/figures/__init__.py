"""The plotly figures of every lesson: one style module (palette, axes, cursor) and one module of
figures per lesson. Pure functions: arrays in, ``go.Figure`` out.

Transitional (branch `nu` only, issue 10): the flat lstm_core/figures.py moved here unchanged as
style.py, because a package named ``figures`` hides a module of the same name. Until every import
reads ``lstm_core.figures.style``, the package serves the names the rest of the tree imports from
it. When merging, keep the lead's figures/__init__.py and style.py instead of these.
"""
from lstm_core.figures.style import (ARCH_COLORS, GATE_COLORS, GATE_LABELS, GATE_SCALES,  # noqa: F401
                                     MAX_TICKS, OKABE_ITO, add_time_cursor, grad_norm_vs_distance,
                                     log_curves_vs_distance, lstm_cell_diagram, probability_bars,
                                     token_labels, trajectories, unit_token_heatmap)
