"""The words and equations of *Cell anatomy*, every number read off one traced step
(lstm_core.experiments.anatomy.Step)."""
from __future__ import annotations

import numpy as np

GATES = ("i", "f", "g", "o")


def _fmt(v: float) -> str:
    return f"{v:.3f}"


def rnn_verdict(s, tol: float = 1e-6) -> list[str]:
    """Sentences comparing the LSTM step with the RNN step, generated from the numbers in ``s``.

    Says exactly what holds: whether c_t and h_t equal the RNN's new state, unit by unit, and what the held
    gates make of the step. With i = 1, f = 0, o = 1 the LSTM step IS an Elman RNN step structurally,
    h_t = tanh(tanh(W_g x_t + U_g h_(t-1) + b_g)): the activation is squashed twice, so for the same
    weights it is not the same function as the RNN's tanh. "scaled by o" is said exactly when o is not
    held at 1.
    """
    out = []
    c_same = np.abs(s.c - s.rnn_h) <= tol
    h_same = np.abs(s.h - s.rnn_h) <= tol
    o_held = s.clamped.get("o") == 1.0
    for u in range(s.H):
        unit = f"unit {u}: " if s.H > 1 else ""
        rnn = f"the RNN's h_t = tanh({_fmt(s.rnn_pre[u])}) = {_fmt(s.rnn_h[u])}"
        c_word = "equals" if c_same[u] else "differs from"
        h_word = "equals" if h_same[u] else "differs from"
        out_text = (f"h_t = tanh(c_t) (o held at 1) = tanh({_fmt(s.c[u])})" if o_held else
                    f"h_t = o·tanh(c_t) = {_fmt(s.gate['o'][u])} × tanh({_fmt(s.c[u])})")
        sentence = (f"{unit}the LSTM's cell state c_t = {_fmt(s.c[u])} {c_word} {rnn}; "
                    f"its output {out_text} = {_fmt(s.h[u])} {h_word} it (difference {s.h[u] - s.rnn_h[u]:+.3f}).")
        out.append(sentence[0].upper() + sentence[1:])
    i1f0 = s.forget_gate and s.clamped.get("i") == 1.0 and s.clamped.get("f") == 0.0
    gap = float(np.max(np.abs(s.h - s.rnn_h)))
    if i1f0 and c_same.all() and o_held:
        phi_max = _fmt(float(np.tanh(1.0)))
        text = ("So the answer is: yes, structurally, with a squashed activation. With i = 1, f = 0 and o = 1 the old "
                "cell is dropped and c_t = g_t = tanh(W_g x_t + U_g h_(t-1) + b_g) is the simple RNN's new state, so "
                "the LSTM hands on h_t = φ(W_g x_t + U_g h_(t-1) + b_g) with φ = tanh∘tanh: an Elman RNN whose "
                f"activation is squashed twice (its range is ±{phi_max} instead of ±1).")
        if h_same.all():
            text += (" Here its h_t also equals the RNN's, because tanh(tanh(p)) = tanh(p) only at p = 0: "
                     "in general the same weights give a different function.")
        else:
            text += (" So it is not the same function for the same weights: here h_t differs from the RNN's by up "
                     f"to {gap:.3f}.")
        out.append(text)
    elif i1f0 and c_same.all():
        o_vals = ", ".join(_fmt(v) for v in s.gate["o"])
        text = ("So the answer is: not yet. With i = 1 and f = 0 the cell state c_t = g_t = tanh(pre_g) IS the simple "
                "RNN's new state, but the LSTM hands on h_t = o_t·tanh(c_t): the state is squashed a second time and "
                f"scaled by o_t = {o_vals}, a gate with weights of its own.")
        text += (" Here h_t equals the RNN's anyway (c_t = 0, and o_t·tanh(0) = 0)." if h_same.all() else
                 f" h_t differs from the RNN's by up to {gap:.3f}.")
        text += (" Hold o = 1 as well (\"i=1, f=0, o=1\") and the step becomes an Elman RNN with the activation "
                 "tanh∘tanh.")
        out.append(text)
    elif not s.clamped:
        out.append("The gates are free here, so c_t mixes the old cell and the candidate, and h_t is scaled by o_t; "
                   "choose the preset \"is i=1, f=0 really a simple RNN?\" to hold the gates.")
    elif not s.forget_gate:
        scaled = "" if o_held else ", and h_t is scaled by o_t"
        out.append("The 1997 cell has no forget gate to set to 0 (f = 1), so c_t = c_(t-1) + i·g keeps the old "
                   f"cell{scaled}: with a nonzero c_(t-1) this is not an RNN step.")
    return out


def _n(v: float) -> str:
    """A number for LaTeX: 3 decimals, negatives in parentheses (inside a sum or product)."""
    return f"{v:.3f}" if v >= 0 else f"({v:.3f})"


def _a(v: float) -> str:
    """A number as a function argument: 3 decimals, no parentheses."""
    return f"{v:.3f}"


_SYM = {"i": "i_t", "f": "f_t", "g": "g_t", "o": "o_t"}
_ACT = {"i": r"\sigma", "f": r"\sigma", "g": r"\tanh", "o": r"\sigma"}


def equations(s, unit: int = 0) -> list[str]:
    """LaTeX blocks for one unit (one per gate, then c_t and h_t): every intermediate with the numbers
    substituted; every result is the traced value."""
    if not 0 <= unit < s.H:
        raise ValueError(f"unit {unit} out of range: the cell has {s.H} unit(s)")
    u = unit
    blocks = []
    h_sym = "h_{t-1}" if s.H == 1 else r"\mathbf{h}_{t-1}"
    for j, k in enumerate(GATES):
        if k == "f" and not s.forget_gate:
            blocks.append(r"f_t = 1 \quad \text{(the 1997 LSTM has no forget gate)}")
            continue
        w_x = f"{_n(s.W[j][u])} \\cdot {_n(s.x)}"
        u_h = " + ".join(f"{_n(s.U[j][u][v])} \\cdot {_n(s.h_prev[v])}" for v in range(s.H))
        if k in s.clamped:
            gate = f"{_SYM[k]} &= {_a(s.gate[k][u])} \\quad \\text{{(held by an intervention)}}"
        else:
            gate = f"{_SYM[k]} &= {_ACT[k]}(\\tilde{{{k}}}_t) = {_ACT[k]}({_a(s.pre[k][u])}) = {_a(s.gate[k][u])}"
        blocks.append(
            "\\begin{aligned}"
            f"\\tilde{{{k}}}_t &= W_{k} x_t + U_{k} {h_sym} + b_{k} \\\\ "
            + f"&= {w_x} \\\\ &\\quad + {u_h} + {_n(s.bias[k][u])} \\\\ "     # two lines: one was cut on a phone
            + f"&= {_a(s.pre[k][u])} \\\\ "
            f"{gate}"
            "\\end{aligned}")
    blocks.append(
        "\\begin{aligned}"
        "c_t &= f_t\\,c_{t-1} + i_t\\,g_t \\\\ "
        f"&= {_n(s.gate['f'][u])} \\cdot {_n(s.c_prev[u])} + {_n(s.gate['i'][u])} \\cdot {_n(s.gate['g'][u])} \\\\ "
        f"&= {_n(s.forget_part[u])} + {_n(s.input_part[u])} = {_a(s.c[u])}"
        "\\end{aligned}")
    blocks.append(
        "\\begin{aligned}"
        "h_t &= o_t \\tanh(c_t) \\\\ "
        f"&= {_n(s.gate['o'][u])} \\cdot \\tanh({_a(s.c[u])}) \\\\ &= {_n(s.gate['o'][u])} \\cdot {_n(s.tanh_c[u])} "
        f"= {_a(s.h[u])}"
        "\\end{aligned}")
    return blocks


def rnn_equations(s, unit: int = 0) -> list[str]:
    """LaTeX for the RNN step with the candidate's weights (same x_t, same h_{t-1})."""
    u = unit
    return ["\\begin{aligned}"
            f"h^{{RNN}}_t &= \\tanh(W_g x_t + U_g h_{{t-1}} + b_g) \\\\ "
            f"&= \\tanh({_a(s.rnn_pre[u])}) = {_a(s.rnn_h[u])}"
            "\\end{aligned}"]
