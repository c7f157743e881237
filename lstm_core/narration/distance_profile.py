"""The sentence that says what a shipped model is, from its accuracy at each distance measured on that one
model (lstm_core.experiments.distance_profile): competent at every distance, competent at short distances
and failing at long ones, or never competent (near or at chance)."""
from __future__ import annotations

import math

COMPETENT = 0.9      # "answers the task": at least this accuracy
Z95 = 1.96


def at_chance(acc: float, n: int) -> bool:
    """acc is within the 95% interval of a coin flip on n sentences (50% ± 1.96·sqrt(0.25/n))."""
    return abs(acc - 0.5) <= Z95 * math.sqrt(0.25 / n)


def _pct(a: float) -> str:
    return f"{100 * a:.1f}%"


def distance_sentence(name: str, accs: dict, n: int) -> str:
    """name: e.g. 'RNN'; accs: {distance: accuracy} measured on n fresh sentences per distance. One
    sentence with every figure, then what they make the model: 'competent at every distance', 'learned
    short dependencies only', or 'never competent'."""
    ds = sorted(accs)
    d0, d1 = ds[0], ds[-1]
    table = ", ".join(f"{_pct(accs[d])} at {d}" for d in ds)
    head = f"{name}, measured here on {n} fresh sentences per distance: {table} (chance 50%)."
    best = max(ds, key=lambda d: accs[d])
    if accs[best] < COMPETENT:
        if all(at_chance(accs[d], n) for d in ds):
            what = f"It is at chance at every distance from {d0} to {d1}: it learned nothing usable"
        else:
            what = (f"It never reaches {100 * COMPETENT:.0f}% (at best {_pct(accs[best])}, at distance "
                    f"{best}): it learned only a weak cue")
        if d0 == 0:
            what += (f"; even at distance 0, where the subject is the last word read, it is wrong "
                     f"{_pct(1 - accs[0])} of the time. It is not a model that remembers short "
                     "dependencies and forgets long ones")
        return f"{head} {what}."
    if accs[d0] >= COMPETENT and accs[d1] >= COMPETENT:
        low = min(ds, key=lambda d: accs[d])
        weak = [d for d in ds if accs[d] < COMPETENT]
        what = (f"It answers at least {100 * COMPETENT:.0f}% at every distance measured but "
                + ", ".join(map(str, weak)) if weak else
                f"It is competent at every distance from {d0} to {d1} (lowest {_pct(accs[low])}, at "
                f"distance {low})")
        return f"{head} {what}."
    if accs[d0] >= COMPETENT:
        first = next(d for d in ds if accs[d] < COMPETENT)
        what = (f"It answers {_pct(accs[d0])} at distance {d0} but {_pct(accs[d1])} at {d1} (under "
                f"{100 * COMPETENT:.0f}% first at distance {first}): it learned short dependencies, "
                "and they fade with distance")
        if at_chance(accs[d1], n):
            what += f"; at distance {d1} it is at chance"
        return f"{head} {what}."
    first = next(d for d in ds if accs[d] >= COMPETENT)
    return (f"{head} It is under {100 * COMPETENT:.0f}% at distance {d0} and first reaches it at "
            f"distance {first}.")
