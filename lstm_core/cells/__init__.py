"""Glass-box recurrent cells: LSTM (with the 1997 and peephole variants), Elman RNN and GRU, every
intermediate visible, exact to torch's fused modules. One file per cell, the shared machinery in base.py,
the Trace and interventions in trace.py, the quantities that explain vanishing gradients in why.py.

    from lstm_core.cells import GlassLSTM, Clamp
    cell = GlassLSTM.from_torch(trained_lstm)
    tr = cell.trace(x, loss_fn=lambda h: h.sum())      # tr.forget_gate, tr.grad_cell ... (batch, time, hidden)
"""

from .gru import GlassGRU
from .lstm import GlassLSTM
from .rnn import GlassRNN
from .stacked import GlassStack, StackTrace
from .trace import Clamp, Trace, ablate
from .why import forget_gain, grad_norms, rnn_jacobian_norms, running_product_back

GLASS_CELLS = {"lstm": GlassLSTM, "rnn": GlassRNN, "gru": GlassGRU}

__all__ = ["GlassLSTM", "GlassRNN", "GlassGRU", "GlassStack", "StackTrace", "GLASS_CELLS", "Clamp", "Trace", "ablate", "forget_gain",
           "grad_norms", "rnn_jacobian_norms", "running_product_back"]
