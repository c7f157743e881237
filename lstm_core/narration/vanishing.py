"""The sentences of *Vanishing gradients*, each number read off the measured arrays
(lstm_core.experiments.vanishing's ModelGradients, vanishing_trained's TrainedView)."""
from __future__ import annotations

import math

import numpy as np

VANISH_DECADES = 2.0  # "vanished" / "exploded" = changed by more than 10^2 over the sequence
HIGH_FORGET = 0.9     # mean forget gate at or above which the advice "raise the forget-gate bias" is not given


def decades(curve: np.ndarray) -> float:
    """log10(curve[last] / curve[0]): how many powers of ten the curve changed over its length.

    -inf when it reached exactly 0, +inf / nan when it overflowed.
    """
    a, b = float(curve[0]), float(curve[-1])
    if not (math.isfinite(a) and math.isfinite(b)) or a <= 0:
        return float("nan")
    if b == 0:
        return float("-inf")
    return math.log10(b / a)


def decades_after_first(curve: np.ndarray) -> float:
    """log10(curve[last] / curve[1]): the change with distance, leaving out the first step back from the loss
    (d = 0 -> 1, where the error first passes through the readout and the gates). Same conventions as
    ``decades``; nan when the curve has fewer than 3 points."""
    return decades(curve[1:]) if len(curve) >= 3 else float("nan")


def _change(d: float) -> str:
    """Words for a change to 10^d of the starting value (d rounded to 1 decimal, as printed)."""
    if math.isnan(d):
        return "could not be measured (it overflowed)"
    if d == float("-inf"):
        return "fell to exactly 0 (below the smallest float64)"
    r = round(d, 1)
    if r < 0:
        return f"fell to 10^{r:.1f} of its value"
    if r > 0:
        return f"grew to 10^+{r:.1f} times its value"
    return "stayed within a factor of 10^0.1"


def _split(label: str, curve: np.ndarray) -> str | None:
    """"<label>: 10^a in the first step back, then 10^b over the next n steps (10^r per step)", or None when it
    cannot be measured (fewer than 3 points, underflow or overflow)."""
    n = len(curve) - 2
    first = decades(curve[:2]) if len(curve) >= 3 else float("nan")
    rest = decades_after_first(curve)
    if not (math.isfinite(first) and math.isfinite(rest)):
        return None
    return (f"{label} was multiplied by 10^{round(first, 1) + 0.0:+.1f} in the first step back, then by "
            f"10^{round(rest, 1) + 0.0:+.1f} over the next {n} steps (10^{round(rest / n, 2) + 0.0:+.2f} per step)")


def _cell_path(lstm, rnn, forget_bias, untrained: bool) -> list[str]:
    """Whether the LSTM's error fades along the cell path with distance (‖∂L/∂c‖ after the first step back,
    by more than 10^VANISH_DECADES), and only then, with low forget gates on an untrained model, the advice to
    raise the forget-gate bias. When the cell path carries the error but ‖∂L/∂h‖ still fell, say why."""
    d_lstm, d_rnn = decades(lstm.grad_h), decades(rnn.grad_h)
    c_rest = decades_after_first(lstm.grad_c) if lstm.grad_c is not None else float("nan")
    n = len(lstm.grad_h) - 2
    f = lstm.mean_forget
    who = "untrained" if untrained else "trained"
    more = (f" Still, its ‖∂L/∂h‖ fell {round(d_lstm, 1) - round(d_rnn, 1):.1f} powers of ten less than the RNN's."
            if not untrained and math.isfinite(d_rnn) and math.isfinite(d_lstm) and round(d_lstm, 1) > round(d_rnn, 1)
            else "")
    if c_rest <= -VANISH_DECADES:          # (true for -inf as well; false for nan)
        fades = (f"So the error fades along this {who} LSTM's cell path too: after the first step back from the loss, "
                 f"‖∂L/∂c‖ {_change(c_rest)} over the next {n} steps")
        if f >= HIGH_FORGET:
            return [fades + f", although its forget gates average f = {f:.2f}: over {n} steps even gates this close "
                    "to 1 multiply up (∏ f_k above)." + more]
        if untrained:
            bias = f" (forget-gate bias shift {forget_bias:+.1f})" if forget_bias is not None else ""
            return [fades + f", with forget gates averaging f = {f:.2f}{bias}: the carousel only carries the error "
                    "when f is close to 1. Raise the forget-gate bias and watch ∏ f_k and ‖∂L/∂c‖ lift."]
        return [fades + f": its forget gates average f = {f:.2f}, not 1, and the carousel only carries the error "
                "undiminished when f is close to 1." + more]
    if math.isfinite(c_rest) and d_lstm <= -VANISH_DECADES and math.isfinite(decades(lstm.grad_h[:2])):
        first = round(decades(lstm.grad_h[:2]), 1) + 0.0
        return [f"Here the {who} LSTM's cell path carries the error: after the first step back from the loss, "
                f"‖∂L/∂c‖ {_change(c_rest)} over the next {n} steps (forget gates average f = {f:.2f}). Its ‖∂L/∂h‖ "
                f"{_change(d_lstm)} in all, 10^{first:+.1f} of that in the first step back: h_t is not on the "
                "carousel, the error reaches it only from the next step's gates, through the recurrent weights."
                + more]
    return []


def summary(lstm, rnn, forget_bias: float | None = None,
            untrained: bool = True) -> list[str]:
    """The page's sentences about the two curves; every number in them is read off the arrays.

    untrained=False (trained or pretrained models): no advice about the forget-gate bias slider."""
    out = []
    for m in (rnn, lstm):
        if m.problem:
            out.append(f"⚠ {m.problem}.")
    steps = len(rnn.grad_h) - 1
    d_rnn, d_lstm = decades(rnn.grad_h), decades(lstm.grad_h)
    d_c = decades(lstm.grad_c) if lstm.grad_c is not None else float("nan")
    out.append(f"Over {steps} steps the RNN's ‖∂L/∂h‖ {_change(d_rnn)}; the LSTM's ‖∂L/∂h‖ {_change(d_lstm)} "
               f"and its ‖∂L/∂c‖ {_change(d_c)}.")
    if math.isfinite(d_rnn) and math.isfinite(d_lstm):
        r_rnn, r_lstm = round(d_rnn, 1), round(d_lstm, 1)
        if r_lstm > r_rnn:
            out.append("Here the LSTM's gradient reaches further back than the RNN's.")
        elif r_lstm < r_rnn:
            out.append("Here the RNN's gradient reaches further back than the LSTM's: the LSTM's advantage is "
                       "not automatic, it depends on its forget gates.")
        else:
            out.append("Here both gradients change by the same power of ten.")
    elif d_rnn == float("-inf") and d_lstm == float("-inf"):
        out.append("Both gradients fell below float64's range, so this view cannot rank them: shorten the "
                   "sequence to compare them.")
    elif d_rnn == float("-inf") and math.isfinite(d_lstm):
        out.append("Here the LSTM's gradient reaches further back than the RNN's.")
    elif d_lstm == float("-inf") and math.isfinite(d_rnn):
        out.append("Here the RNN's gradient reaches further back than the LSTM's: the LSTM's advantage is "
                   "not automatic, it depends on its forget gates.")
    splits = [t for t in (_split("the RNN's ‖∂L/∂h‖", rnn.grad_h), _split("the LSTM's ‖∂L/∂h‖", lstm.grad_h),
                          _split("its ‖∂L/∂c‖", lstm.grad_c) if lstm.grad_c is not None else None) if t]
    if splits and not (lstm.problem or rnn.problem):
        out.append("Step by step: " + "; ".join(splits) + ".")
    # the why: LSTM
    if lstm.gain is not None and lstm.mean_forget is not None and not lstm.problem:
        g = decades(lstm.gain)
        gain_text = ("0 (underflow)" if g == float("-inf") else f"10^{round(g, 1):.1f}") if not math.isnan(g) \
            else "not measurable"
        out.append(f"Why (LSTM): along the cell path the error is multiplied only by the forget gates. They "
                   f"average f = {lstm.mean_forget:.2f}, and ∏ f_k over the {steps} steps is {gain_text} "
                   "(mean over units).")
        out += _cell_path(lstm, rnn, forget_bias, untrained)
    # the why: RNN
    if rnn.gain is None and not rnn.problem:
        size = (steps + 1) * rnn.hidden_size ** 3
        out.append(f"Why (RNN): the per-step Jacobian norms are not computed at this size ({steps + 1} steps × "
                   f"{rnn.hidden_size}³ = {size:.1e} > {rnn.jacobian_budget:.1e}, one SVD per step); lower T or H "
                   "to see them.")
    if rnn.gain is not None and rnn.step_factor is not None and not rnn.problem:
        s = rnn.step_factor[:-1] if len(rnn.step_factor) > 1 else rnn.step_factor    # factors k = t+1..end
        s = s[np.isfinite(s) & (s > 0)]
        geo = float(np.exp(np.log(s).mean())) if s.size else float("nan")
        g = decades(rnn.gain)
        gain_text = ("0 (underflow)" if g == float("-inf") else f"10^{round(g, 1):.1f}") if not math.isnan(g) \
            else "not measurable"
        loose = math.isfinite(g) and math.isfinite(d_rnn) and g - d_rnn > VANISH_DECADES
        out.append(f"Why (RNN): each step back multiplies the error by diag(act′)·W_hh, whose norm is "
                   f"{geo:.2f} per step (geometric mean); the running product over {steps} steps is {gain_text}, "
                   "an upper bound on the measured change"
                   + (" — a loose one here: each norm is the stretch in the worst direction, and those "
                      "directions do not line up from step to step" if loose else "")
                   + f" (spectral radius of W_hh: {rnn.spectral_radius:.2f}).")
    return out


def clip_summary(lstm, rnn) -> list[str]:
    """What clipping did to each model's parameter gradient, from the measured norms."""
    out = []
    for m in (rnn, lstm):
        if m.problem or m.max_norm is None:
            continue
        top = int(np.nanargmax(m.contrib)) if np.isfinite(m.contrib).any() else 0
        if m.clip_factor < 1.0:
            out.append(f"{m.label}: the whole parameter gradient had norm {m.total_norm:.3g} > {m.max_norm:g}, so "
                       f"clipping scaled it by {m.clip_factor:.3g} (to {m.total_norm * m.clip_factor:.3g}). Every "
                       f"step's contribution to ∂L/∂W_hh shrank by that same factor: the largest still comes from "
                       f"distance {top}, and ∂L/∂h_t itself is unchanged.")
        else:
            out.append(f"{m.label}: the parameter gradient's norm {m.total_norm:.3g} is within the max norm "
                       f"{m.max_norm:g}: clipping changed nothing.")
    out.append("Clipping bounds the size of an update; it keeps its direction, it never changes which steps "
               "dominate, and it can only shrink: it cannot bring back a gradient that vanished.")
    return out


def probability_text(loss: float) -> str:
    """P(true answer) = exp(-cross-entropy) in words: "0.451", or "1 − 1.0e-04" when it rounds to 1."""
    p = math.exp(-loss)
    return f"1 − {-math.expm1(-loss):.1e}" if p >= 0.995 else f"{p:.3g}"


def trained_summary(view) -> list[str]:
    """The sentences for trained models, every number read off the measured arrays: the loss each model pays,
    the two curves (summary), and for agreement how much of the error signal reaches the subject."""
    lstm, rnn = view.lstm, view.rnn
    out = []
    if view.task == "adding":
        out.append(f"The loss is each model's squared error on the true sum ({view.answer}) at the last step: "
                   f"LSTM L = {lstm.loss:.3g}, RNN L = {rnn.loss:.3g}.")
    else:
        what = "number" if view.task == "agreement" else "answer"
        out.append(f"The loss is each model's cross-entropy on the true {what} ({view.answer}) at the last step: "
                   f"LSTM L = {lstm.loss:.3g} (it gives the true {what} probability {probability_text(lstm.loss)}), "
                   f"RNN L = {rnn.loss:.3g} (probability {probability_text(rnn.loss)}).")
    out += summary(lstm, rnn, untrained=False)
    k = view.subject_distance
    if view.tokens is not None and k is not None and 0 < k < len(lstm.grad_h) and not (lstm.problem or rnn.problem):
        def rel(curve):
            a, b = float(curve[0]), float(curve[k])
            if not (a > 0 and math.isfinite(a) and math.isfinite(b)):
                return "not measurable"
            return "exactly 0 (underflow)" if b == 0 else f"10^{round(math.log10(b / a), 1):.1f}"
        word = view.tokens[len(view.tokens) - 1 - k]
        out.append(f"At the subject '{word}', {k} steps back from the loss, the LSTM's ‖∂L/∂h‖ is {rel(lstm.grad_h)} "
                   f"of its value at the loss (‖∂L/∂c‖: {rel(lstm.grad_c)}) and the RNN's is {rel(rnn.grad_h)}. For a "
                   "trained model this says how strongly one more training step on this sentence would teach it from "
                   "the subject, not whether it remembers the subject: its answer and its accuracy say that.")
        for m in (lstm, rnn):
            a, b = float(m.grad_h[0]), float(m.grad_h[k])
            tiny = a > 0 and math.isfinite(a) and math.isfinite(b) and (b == 0 or math.log10(b / a) <= -VANISH_DECADES)
            if tiny and view.task == "agreement" and m.loss < math.log(2):      # P(true number) > 1/2: right
                out.append(f"The {m.label} answers this sentence correctly (probability {probability_text(m.loss)}) "
                           f"although only {rel(m.grad_h)} of the error signal reaches the subject: a tiny gradient "
                           "at a trained solution says how a learner would be taught, not that the model forgot.")
    if lstm.loss < rnn.loss and lstm.grad_h[0] < rnn.grad_h[0]:
        out.append(f"The LSTM's curves start lower (‖∂L/∂h‖ = {lstm.grad_h[0]:.2g} at the loss, the RNN's "
                   f"{rnn.grad_h[0]:.2g}) because its loss is smaller: a confident right answer sends back a small "
                   "gradient. Compare how fast the curves fall, not their heights.")
    return out


def number_text(v: float) -> str:
    """A norm for a metric tile: 3 significant digits, or "overflow"."""
    return f"{v:.3g}" if math.isfinite(v) else "overflow"


def decades_text(curve) -> str:
    """How many powers of ten a curve changed over its length, for a metric tile: "10^-4.2", "10^-13", "→ 0",
    "overflow". Two significant digits: from 10 decades on the exponent is whole (a tile is ~120 px wide on a
    projector; "10^-13.1" was cut there, the page's sentences give the tenths)."""
    d = decades(curve)
    if math.isnan(d):
        return "overflow"
    if d == float("-inf"):
        return "→ 0"
    return f"10^{d:+.0f}" if abs(d) >= 9.95 else f"10^{d:+.1f}"


def contrast_sentence(series: dict) -> str:
    """One sentence over carousel_contrast's curves: how far each fell over the sequence, in its own words."""
    n = len(next(iter(series.values()))) - 1           # distances 0 .. n
    parts = [f"{label} {_change(decades(curve))}" for label, curve in series.items()]
    return f"Measured on untrained models over {n} steps back from the loss: " + "; ".join(parts) + "."
