"""The sentence that shows what shortcut rules score on the agreement task (from
lstm_core.data.baselines), so a student sees the task needs memory and structure."""
from __future__ import annotations

NAMES = {"first_noun": "the first noun's number", "last_noun": "the last noun's number",
         "majority": "the majority number of the nouns",
         "bow_logreg": "a bag-of-words logistic regression"}


def baselines_sentence(accs: dict, distance: int, n: int) -> str:
    """'On 2000 fresh sentences at distance 30, rules that need neither memory of order nor
    syntax score: ... (chance 50%). The best of them, ..., is N points above chance.'"""
    parts = [f"{NAMES.get(k, k)} {100 * v:.1f}%" for k, v in accs.items()]
    best = max(accs, key=accs.get)
    return (f"Shortcuts that need no syntax, on {n} fresh sentences at distance {distance}: "
            + ", ".join(parts) + " (chance 50%). The best of them, "
            f"{NAMES.get(best, best)}, is right {100 * accs[best]:.1f}% of the time: to do "
            "better a model must remember the subject and find it among the other nouns.")
