"""The sentences of *Learning to forget*, every number read off the measured stats
(lstm_core.experiments.learning_to_forget.stats: one dict per model over the test stream)."""
from __future__ import annotations

import math

GROWTH = 3.0          # "grew" = mean |c| in the last tenth of the stream >= 3x the first tenth
SATURATED = 10.0      # a unit with |c| > 10 has tanh(c) = ±1 to 8 decimals: saturated
DIP = 0.05            # a forget-gate dip of at least 0.05 below its stream mean counts as a drop
CHANCE_BAND = 0.6     # accuracy below 60% on balanced labels: at chance
GOOD = 0.9
RESET_GAIN = 0.1      # reset beats carrying by >= 10 points: the carried state is what hurts

LABELS = {"forget": "the forget-gate LSTM", "nfg": "the 1997 cell (no forget gate)",
          "nfg_reset": "the 1997 cell trained with resets"}


def _pct(x: float) -> str:
    return f"{100 * x:.0f}%"


def _label(key: str) -> str:
    return LABELS.get(key, key)


def _cap(s: str) -> str:
    return s[:1].upper() + s[1:]


def _in(key: str) -> str:
    return f"In {_label(key)}, the"


def _differs(a: float, b: float, n: int) -> bool:
    """a and b (shares of n answers each) differ by at least RESET_GAIN and by two standard errors of a
    difference of two such shares, so a few sentences' noise is never called a trend."""
    p = min(max((a + b) / 2, 0.0), 1.0)
    se = math.sqrt(2 * p * (1 - p) / max(int(n), 1))
    return abs(a - b) >= max(RESET_GAIN, 2 * se)


def growth(key: str, s: dict) -> str:
    """Did |c| grow along the stream?"""
    a, b, m = s["cell_first"], s["cell_last"], s["cell_max"]
    sat = (f" {s['units_over_10']} of its {s['hidden']} units ended above |c| = {SATURATED:g}, where tanh(c) "
           f"is ±1 and the unit's output no longer changes with its state.") if s["units_over_10"] else \
        f" No unit ended above |c| = {SATURATED:g}."
    if not (math.isfinite(a) and math.isfinite(b)):
        return f"{_in(key)} cell state overflowed (not finite) on this stream."
    if a > 0 and b >= GROWTH * a:
        return (f"{_in(key)} cell state grew along the stream: mean |c| was {a:.2f} over the first "
                f"tenth of the tokens and {b:.2f} over the last tenth (largest |c| {m:.0f})." + sat)
    if b < a / GROWTH:
        return (f"{_in(key)} cell state shrank along the stream: mean |c| {a:.2f} over the first "
                f"tenth, {b:.2f} over the last." + sat)
    return (f"{_in(key)} cell state stayed bounded: mean |c| {a:.2f} over the first tenth of the "
            f"stream, {b:.2f} over the last (largest |c| {m:.1f})." + sat)


def forget(key: str, s: dict) -> str:
    """Does the forget gate drop near sentence boundaries / the verb?"""
    if s["forget_mean"] >= 1.0 - 1e-12 and s["forget_min_near_verb"] >= 1.0 - 1e-12:
        return f"{_cap(_label(key))} has no forget gate: f = 1 at every step, so c_t = c_(t-1) + i_t·g_t."
    mean, verb, start = s["forget_mean"], s["forget_min_near_verb"], s["forget_min_near_start"]
    low, where = (verb, "the target verb") if verb <= start else (start, "a sentence's first word")
    if mean - low >= DIP:
        return (f"{_in(key)} forget gate, averaged over units, is {mean:.2f} over the stream and dips "
                f"to {low:.2f} within {s['window']} tokens of {where} (at the verb itself {s['forget_at_verb']:.2f}, "
                f"at a sentence's first word {s['forget_at_start']:.2f}): it lets go of the old state where one "
                f"sentence's number stops mattering.")
    return (f"{_in(key)} forget gate, averaged over units, is {mean:.2f} over the stream and does not "
            f"drop near the boundaries (lowest {low:.2f} within {s['window']} tokens of {where}); look at single "
            f"units in the heatmap: a mean can hide a few units that do.")


def accuracy(key: str, s: dict) -> str:
    """Accuracy at the verbs along the stream, carrying vs resetting the state."""
    c, r, a, b = s["acc_carry"], s["acc_reset"], s["acc_carry_first"], s["acc_carry_last"]
    n, q = s["sentences"], s["quarter"]
    level = "at chance" if c < CHANCE_BAND else "high" if c >= GOOD else "above chance"
    moved = _differs(a, b, q)
    trend = (f"falling from {_pct(a)} in the first quarter of the stream to {_pct(b)} in the last"
             if moved and a > b else
             f"rising from {_pct(a)} in the first quarter to {_pct(b)} in the last" if moved else
             f"{_pct(a)} in the first quarter, {_pct(b)} in the last")
    if _differs(c, r, n) and r > c:
        ctl = f"Reset at every sentence, the same weights get {_pct(r)}: the carried state is what costs it."
    elif _differs(c, r, n):
        ctl = f"Reset at every sentence, the same weights get only {_pct(r)}: it relies on the state it carries."
    else:
        ctl = f"Reset at every sentence, the same weights get {_pct(r)}: resetting makes no real difference."
    return (f"Carrying its state over all {s['sentences']} sentences, {_label(key)} predicts the verb's number "
            f"{level}, {_pct(c)} ({trend}). " + ctl)


def verdict(stats: dict) -> str:
    """Is the 1997 cell's failure on the stream its growing state? Tested with the three models'
    numbers (keys forget, nfg, nfg_reset; any may be missing)."""
    nfg, ctl, fg = stats.get("nfg"), stats.get("nfg_reset"), stats.get("forget")
    if nfg is None:
        return "Show the 1997 cell to compare it with the forget-gate LSTM."
    grew = nfg["cell_first"] > 0 and nfg["cell_last"] >= GROWTH * nfg["cell_first"]
    failed = nfg["acc_carry"] < CHANCE_BAND
    parts = []
    if not failed:
        parts.append(f"The 1997 cell did not fail here: {_pct(nfg['acc_carry'])} at the verbs with its state "
                     f"carried" + (", although its state grew." if grew else "."))
    elif not grew:
        parts.append(f"The 1997 cell is at chance ({_pct(nfg['acc_carry'])}) but its state did not grow, so growth "
                     f"is not what explains it on this stream.")
    else:
        parts.append(f"The 1997 cell is at chance ({_pct(nfg['acc_carry'])}) and its state grew "
                     f"{nfg['cell_last'] / nfg['cell_first']:.0f}-fold along the stream.")
        if ctl is not None:
            if ctl["acc_reset"] >= GOOD:
                parts.append(f"The same cell trained with its state reset at every sentence gets "
                             f"{_pct(ctl['acc_reset'])} when reset, so the cell can learn the task; "
                             f"what it cannot do is learn it from a state that is never reset"
                             + (f" (carrying the state, that model too falls to {_pct(ctl['acc_carry'])})."
                                if ctl["acc_carry"] < CHANCE_BAND else "."))
            else:
                parts.append(f"Trained with resets it gets only {_pct(ctl['acc_reset'])}, so this recipe is "
                             f"too short for the 1997 cell even without a growing state: the growth is not "
                             f"the only cause.")
        if nfg["acc_reset"] < CHANCE_BAND:
            parts.append(f"Reset at test time only, the stream-trained 1997 cell stays at "
                         f"{_pct(nfg['acc_reset'])}: it never learned the task.")
    if fg is not None:
        parts.append(f"The forget-gate LSTM, same recipe, gets {_pct(fg['acc_carry'])} on the stream.")
    return " ".join(parts)
