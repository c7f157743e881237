"""An independent reference for the glass core's gradients: torch's own nn.LSTMCell / nn.RNNCell / nn.GRUCell
unrolled step by step with the weights of a SeqModel, so autograd gives the total dL/dh_t (and dL/dc_t)."""
import torch


def torch_cell_unroll(model, inp: torch.Tensor):
    """inp (B, T, I) -> (hs, cs): lists of T tensors (B, H), graph nodes of one unrolled torch cell; cs is None
    unless the model is an LSTM. Same dtype as inp."""
    cls = {"lstm": torch.nn.LSTMCell, "rnn": torch.nn.RNNCell, "gru": torch.nn.GRUCell}[model.arch]
    kw = {"nonlinearity": model.nonlinearity} if model.arch == "rnn" else {}
    cell = cls(model.rnn.input_size, model.hidden, dtype=inp.dtype, **kw)
    with torch.no_grad():
        for name in ("weight_ih", "weight_hh", "bias_ih", "bias_hh"):
            getattr(cell, name).copy_(getattr(model.rnn, name + "_l0"))
    h = inp.new_zeros(inp.shape[0], model.hidden)
    c = h.clone()
    hs, cs = [], []
    for t in range(inp.shape[1]):
        if model.arch == "lstm":
            h, c = cell(inp[:, t], (h, c))
            cs.append(c)
        else:
            h = cell(inp[:, t], h)
        hs.append(h)
    return hs, (cs if model.arch == "lstm" else None)
