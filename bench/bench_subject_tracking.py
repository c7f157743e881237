"""Do the shipped models' number units track the SUBJECT when it is not the first noun (issue 11)?

    python bench/bench_subject_tracking.py

On 3000 fresh sentences at the shipped distance, keep those with a fronted noun before the subject
whose number differs from the subject's; rank units as *Number units* does (shipped seed-0
analysis) and print, for the top 3, the AUC at the verb slot for the subject's number and for the
first noun's (1.0 or 0.0 = perfect separation, 0.5 = none), beside the model's accuracy there.
"""
import numpy as np
import torch

from lstm_core.data import grammar
from lstm_core.data import lexicon as lx
from lstm_core.experiments import number_units as nu
from lstm_core.experiments.number_units.stats import auc
from lstm_core.experiments.number_units.summary import run


def main() -> None:
    torch.set_num_threads(1)
    for arch in ("lstm", "lstm_two_clause", "gru"):
        s = nu.shipped_summary(arch, 0)
        model, d = nu.pretrained(arch)
        field = "cell" if "lstm" in arch else "hidden"
        units = s.top(field, 3)
        ex = [e for e in grammar.agreement_batch(np.random.default_rng([555, 1]), 3000, d)[2]
              if e.prefix_noun_positions]
        first = np.array([lx.NOUN_NUMBER[e.tokens[e.prefix_noun_positions[0]]] for e in ex])
        y = np.array([e.label for e in ex])
        diff = first != y
        arrays, p = run(model, grammar.pad_left([e.ids for e in ex]), (field,), last_only=True)
        v = arrays[field][:, -1][:, units]
        acc = (p >= 0.5) == (y == 1)
        print(f"{arch}: top {field} units {units}; {int(diff.sum())} sentences whose first noun is "
              f"not the subject and has the other number; AUC at the verb slot for the subject's "
              f"number {np.round(auc(v[diff], y[diff]), 3)}, for the first noun's "
              f"{np.round(auc(v[diff], first[diff]), 3)}; model accuracy on them "
              f"{100 * acc[diff].mean():.1f}%")


if __name__ == "__main__":
    main()
