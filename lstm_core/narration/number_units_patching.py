"""What the Number units page says about activation patching (lstm_core.experiments.number_units.
patching), generated from the flip counts and their 95% Wilson intervals.

    describe_patching(pt) -> str                 markdown
    patching_verdict(pt) -> 'clear' | 'none' | 'unclear'
"""
from __future__ import annotations

from lstm_core.experiments.number_units.patching import Patching

WHERE_TEXT = {"subject": "at the subject only",
              "subject_to_verb": "at every step from the subject to the last word before the verb"}


def _pct(x: float) -> str:
    return f"{100 * x:.0f}%"


def _interval(lo_hi) -> str:
    return f"95% interval {_pct(lo_hi[0])}–{_pct(lo_hi[1])}"


def patching_verdict(pt: Patching) -> str:
    """'clear': the top units' interval lies wholly above every random draw's; 'none': the top
    units flip no more often than the random draw that flips most (their rate is at or below it);
    'unclear' otherwise (the intervals overlap)."""
    if pt.n_pairs == 0:
        return "unclear"
    if pt.interval_top[0] > pt.interval_random[:, 1].max():
        return "clear"
    if pt.flip_top <= pt.flip_random.max():
        return "none"
    return "unclear"


def describe_patching(pt: Patching) -> str:
    """The flip rates of the top-k and of k random units, with n and the intervals."""
    s = "s" if pt.k > 1 else ""
    draws = len(pt.flip_random)
    head = (f"Copying the top {pt.k} unit{s}' {pt.target} values ({', '.join(map(str, pt.units))}) from the same "
            f"sentence with the subject in the other number, {WHERE_TEXT[pt.where]}, ")
    if pt.n_pairs == 0:
        return head + (f"could not be judged: the intact {pt.arch.upper()} answered none of the {pt.n_sentences} "
                       "sentence pairs correctly both ways.")
    lo_r, hi_r = pt.interval_random[:, 0].min(), pt.interval_random[:, 1].max()
    said = (head + f"flips the verb's predicted number in {_pct(pt.flip_top)} of {pt.n_pairs} pairs "
            f"({_interval(pt.interval_top)}); {pt.k} random unit{s}: {_pct(pt.flip_random.min())}–"
            f"{_pct(pt.flip_random.max())} over {draws} draw{'s' if draws > 1 else ''} (their intervals span "
            f"{_pct(lo_r)}–{_pct(hi_r)}). ")
    verdict = patching_verdict(pt)
    if verdict == "clear":
        said += "The top units carry the number causally: their interval lies wholly above every random draw's."
    elif verdict == "none":
        said += "The top units flip the verb no more often than random units do."
    else:
        said += "The top units flip the verb more often than random units, but the intervals overlap."
    skipped = pt.n_sentences - pt.n_pairs
    if skipped:
        said += (f" Counted: the {pt.n_pairs} of {pt.n_sentences} pairs the intact model answers correctly both "
                 f"ways ({skipped} left out).")
    else:
        said += f" All {pt.n_sentences} pairs counted (the intact model answers every one correctly both ways)."
    return said
