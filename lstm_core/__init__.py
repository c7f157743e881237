"""LSTM Lab's glass-box recurrent core: exact, fully traced LSTM / RNN / GRU.

    from lstm_core import GlassLSTM, GlassRNN, GlassGRU, Clamp, ablate
"""

from .cells import Clamp, GlassGRU, GlassLSTM, GlassRNN, Trace, ablate

__all__ = ["GlassLSTM", "GlassRNN", "GlassGRU", "Clamp", "ablate", "Trace"]
