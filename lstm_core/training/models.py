"""SeqModel: input layer -> one fused recurrent module (nn.LSTM / nn.RNN / nn.GRU, or a stacked or
bidirectional nn.LSTM) -> linear readout. Training uses this fused model; inspection loads the very
same recurrent weights into the glass core with `model.glass()` and feeds it `model.embed(x)`."""
from __future__ import annotations

import copy

import torch
from torch import nn

from lstm_core.cells import GLASS_CELLS, GlassStack
from lstm_core.cells.variants import VARIANT_ARCHS, GlassVariant, make_recurrent, spec_for_arch

# stacked / bidirectional LSTMs: arch -> (num_layers, bidirectional); hidden is per layer and direction
STACKED_ARCHS = {"lstm_2layer": (2, False), "lstm_bidir": (1, True)}
ARCHS = ("lstm", "rnn", "gru") + VARIANT_ARCHS + tuple(STACKED_ARCHS)   # + Greff et al. 2017's variants
INPUT_KINDS = ("ids", "features")


class SeqModel(nn.Module):
    """x -> embed -> rnn -> readout.

    input_kind="ids":      x (B, T) int64 token ids -> nn.Embedding(n_in, embed_dim)
    input_kind="features": x (B, T, n_in) float, fed to the recurrent layer as it is
    rnn: batch_first, hidden (B, T, H) (one layer), or for STACKED_ARCHS the last layer's output
    (B, T, D*H) (D = 2 directions for a bidirectional LSTM); readout: nn.Linear(D*H, n_out) at every step.
    """

    def __init__(self, arch: str, n_in: int, hidden: int, n_out: int, *,
                 input_kind: str = "ids", embed_dim: int = 32, nonlinearity: str = "tanh"):
        super().__init__()
        if arch not in ARCHS:
            raise ValueError(f"arch must be one of {ARCHS}, got {arch!r}")
        if input_kind not in INPUT_KINDS:
            raise ValueError(f"input_kind must be one of {INPUT_KINDS}, got {input_kind!r}")
        if nonlinearity not in ("tanh", "relu"):
            raise ValueError(f"nonlinearity must be 'tanh' or 'relu', got {nonlinearity!r}")
        self.arch, self.n_in, self.hidden, self.n_out = arch, int(n_in), int(hidden), int(n_out)
        self.input_kind, self.nonlinearity = input_kind, nonlinearity
        self.embed_dim = int(embed_dim) if input_kind == "ids" else int(n_in)
        if input_kind == "ids":
            self.embedding = nn.Embedding(self.n_in, self.embed_dim)
        I, H = self.embed_dim, self.hidden
        if arch == "lstm":
            self.rnn = nn.LSTM(I, H, batch_first=True)
        elif arch in STACKED_ARCHS:
            layers, bidirectional = STACKED_ARCHS[arch]
            self.rnn = nn.LSTM(I, H, num_layers=layers, bidirectional=bidirectional, batch_first=True)
        elif arch == "gru":
            self.rnn = nn.GRU(I, H, batch_first=True)
        elif arch in VARIANT_ARCHS:
            self.rnn = make_recurrent(arch, I, H)
        else:
            self.rnn = nn.RNN(I, H, nonlinearity=nonlinearity, batch_first=True)
        self.readout = nn.Linear(self.out_width, self.n_out)

    @property
    def out_width(self) -> int:
        """Width of the recurrent output the readout reads: hidden, times 2 if bidirectional."""
        return self.hidden * (2 if STACKED_ARCHS.get(self.arch, (1, False))[1] else 1)

    def config(self) -> dict:
        """Everything needed to rebuild the same architecture (see from_config)."""
        return dict(arch=self.arch, n_in=self.n_in, hidden=self.hidden, n_out=self.n_out,
                    input_kind=self.input_kind, embed_dim=self.embed_dim,
                    nonlinearity=self.nonlinearity)

    @classmethod
    def from_config(cls, cfg: dict) -> "SeqModel":
        return cls(cfg["arch"], cfg["n_in"], cfg["hidden"], cfg["n_out"],
                   input_kind=cfg.get("input_kind", "ids"),
                   embed_dim=cfg.get("embed_dim", 32),
                   nonlinearity=cfg.get("nonlinearity", "tanh"))

    def embed(self, x) -> torch.Tensor:
        """The recurrent layer's input: (B, T) ids or (B, T, n_in) features -> (B, T, I) float.
        Also accepts a single sequence (T,) / (T, n_in) -> (1, T, I)."""
        x = torch.as_tensor(x)
        if self.input_kind == "ids":
            if x.dim() == 1:
                x = x[None]
            return self.embedding(x.long())
        if x.dim() == 2:
            x = x[None]
        return x.to(self.readout.weight.dtype)

    def hidden_states(self, x) -> torch.Tensor:
        """(B, T, H) (or (B, T, D*H) for a bidirectional LSTM): h_t for every step, the fused module's output."""
        h, _ = self.rnn(self.embed(x))
        return h

    def forward(self, x) -> torch.Tensor:
        """(B, T, n_out): readout at every step; tasks with one answer use [:, -1]."""
        return self.readout(self.hidden_states(x))

    def glass(self, dtype: torch.dtype | None = None):
        """The glass-box cell holding these exact recurrent weights (lstm_core.cells; a GlassStack for
        STACKED_ARCHS); dtype=torch.float64 gives a float64 copy (no underflow at 10^-38 when gradients vanish)."""
        rnn = self.rnn if dtype is None else copy.deepcopy(self.rnn).to(dtype)
        if self.arch in STACKED_ARCHS:
            return GlassStack.from_torch(rnn)
        return (GlassVariant if self.arch in VARIANT_ARCHS else GLASS_CELLS[self.arch]).from_torch(rnn)

    def n_params(self) -> dict:
        """Parameter counts: {'input', 'recurrent', 'readout', 'total'}."""
        count = lambda m: sum(p.numel() for p in m.parameters()) if m is not None else 0
        parts = dict(input=count(getattr(self, "embedding", None)), recurrent=count(self.rnn),
                     readout=count(self.readout))
        parts["total"] = sum(parts.values())
        return parts


def has_forget_gate(arch: str) -> bool:
    """Whether an architecture has a forget gate of its own (the forget-bias init applies to it)."""
    return arch == "lstm" or arch in STACKED_ARCHS or (arch in VARIANT_ARCHS and "f" in spec_for_arch(arch).rows)
