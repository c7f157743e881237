"""What the Number units page says: every sentence generated from the computed arrays
(lstm_core.experiments.number_units), judged on the digits it shows.

    describe_ablation(a)      # "Ablating the top 2 number units (3, 7; cell state held at 0) drops ..."
    clearly_worse(top, random, n)   # the judgement behind "the top units matter far more than random ones"
"""
from __future__ import annotations

import numpy as np

from lstm_core.data import lexicon as lx
from lstm_core.experiments.number_units.interventions import Ablation, Sweep
from lstm_core.experiments.number_units.models import MODEL_LABEL, PRETRAINED
from lstm_core.experiments.number_units.reliability import AblationCheck, KSweepCheck
from lstm_core.experiments.number_units.precomputed import PRECOMPUTE_COMMAND, checkpoint_sha256, load_precomputed
from lstm_core.experiments.number_units.sentences import COUNTS
from lstm_core.experiments.number_units.stats import STRONG_SCORE
from lstm_core.experiments.number_units.summary import (ErrorCase, Summary, Template, TwoClause, _check_seed,
                                                        fields_of, gate_stats)

NUMBER = {lx.SINGULAR: "singular", lx.PLURAL: "plural"}
GATE_NAMES = {"cell": "cell state", "hidden": "hidden state", "forget_gate": "forget gate",
              "update_gate": "update gate"}


def _pct(x: float) -> str:
    return f"{100 * x:.0f}%"


def _pct1(x: float) -> str:
    """One decimal, for rates measured on thousands of sentences (beside a 95% interval)."""
    return f"{100 * x:.1f}%"


def _random_range(c: AblationCheck) -> str:
    """'93.2%–95.1% over 5 draws', or, when only one k-set lies outside the top k (k = H/2), that set."""
    if len(np.unique(c.random_units, axis=0)) == 1:
        return f"{_pct1(c.acc_random[0])} (the only {c.k} units outside the top {c.k})"
    return f"{_pct1(c.acc_random.min())}–{_pct1(c.acc_random.max())}"


def _change(before: float, after: float) -> str:
    """'drops ... from 99% to 61%' / 'raises ...' / 'leaves ... at 99%', judged on the shown digits."""
    b, a = round(100 * before), round(100 * after)
    if a < b:
        return f"drops {{what}} from {b}% to {a}%"
    if a > b:
        return f"raises {{what}} from {b}% to {a}%"
    return f"leaves {{what}} at {b}%"


def clearly_worse(top: float, random, n: int) -> bool:
    """Is accuracy `top` clearly below the random draws' accuracies (random (draws,)), each
    measured on n sentences? Clearly = the gap exceeds 5 points, twice the draws' spread and three
    binomial standard errors of the difference."""
    random = np.asarray(random, dtype=np.float64)
    r = float(random.mean())
    se = np.sqrt(top * (1 - top) / n + r * (1 - r) / (n * len(random)))
    return r - top > max(0.05, 2 * float(random.std()), 3 * float(se))


def clearly_more_harmful(a: Ablation) -> bool:
    """True when ablating the top units costs clearly more accuracy than random units (clearly_worse)."""
    _, top, rand = a.overall
    return clearly_worse(top, rand, a.n_per_count * len(COUNTS))


def near_chance(acc: float) -> bool:
    """Accuracy this close to 50% leaves nothing for an ablation to break."""
    return acc < 0.6


def describe_sweep(sw: Sweep) -> str:
    """Where (if anywhere) the top units start to matter more than random ones."""
    a0 = sw.first
    n = a0.n_per_count * len(COUNTS)
    draws = sw.acc_random.shape[1]
    how = "ablating" if a0.mode == "ablate" else f"clamping (at the {a0.mode} value)"
    span = f"k = {sw.ks[0]}…{sw.ks[-1]}, {n} sentences, {draws} random draws per k"
    if near_chance(sw.acc_intact):
        return (f"The intact {a0.arch.upper()} is at {_pct(sw.acc_intact)}, near chance: it carries no usable number "
                f"at distance {a0.distance}, so there is nothing for an intervention to break ({span}).")
    clear = [k for k, top, rand in zip(sw.ks, sw.acc_top, sw.acc_random) if clearly_worse(float(top), rand, n)]
    if not clear:
        gap = (sw.acc_random.mean(1) - sw.acc_top).max()
        return (f"Over {span}, {how} the top units never hurts clearly more than {how} random ones "
                f"(largest gap {100 * gap:.0f} points): the number is not concentrated in a few units here.")
    k = clear[0]
    i = sw.ks.index(k)
    when = (f"From k = {k} on" if clear == sw.ks[i:] else
            f"At k = {', '.join(str(c) for c in clear)} (not at every k from {k})")
    return (f"{when}, {how} the top units hurts clearly more than random ones: {_pct(sw.acc_top[i])} vs "
            f"{_pct(sw.acc_random[i].mean())} at k = {k} (intact {_pct(sw.acc_intact)}; {span}).")


def _interval(iv) -> str:
    """'95% CI 97.3–98.6%' (one decimal: the intervals on 2,000 sentences are a point or two wide)."""
    return f"95% CI {100 * iv[0]:.1f}–{100 * iv[1]:.1f}%"


def describe_ablation(a: Ablation) -> str:
    """What the intervention did, as the page states it (markdown)."""
    intact, top, rand = a.overall
    units = ", ".join(str(u) for u in a.units)
    n_total = a.n_total
    spread = f"{_pct(rand.mean())} ± {_pct(rand.std())} over {len(rand)} draws"
    stats = (f" Measured on {n_total} sentences ({a.n_per_count} per attractor count): intact {_pct1(intact)} "
             f"({_interval(a.interval_intact)}), top {a.k} {_pct1(top)} ({_interval(a.interval_top)}), random {a.k} "
             f"{_pct1(rand.mean())} ({_interval(a.interval_random)} pooled over the draws; the draws range "
             f"{_pct1(rand.min())}–{_pct1(rand.max())}).")
    what = f"{a.target} state"
    if a.mode == "ablate" and near_chance(intact):
        return (f"The intact {a.arch.upper()} answers correctly on only {_pct(intact)} of these sentences at distance "
                f"{a.distance}, near chance: there is no number to destroy. Ablating its top {a.k} units gives "
                f"{_pct(top)}; {a.k} random units: {spread}." + stats)
    if a.mode == "ablate":
        head = (f"Ablating the top {a.k} number unit{'s' if a.k > 1 else ''} ({units}; {what} held at 0) "
                + _change(intact, top).format(what=f"agreement accuracy at distance {a.distance}")
                + f"; {a.k} random unit{'s' if a.k > 1 else ''}: {spread}.")
        if clearly_more_harmful(a):
            tail = (f" The top units matter far more than random ones: "
                    f"{100 * ((intact - top) - (intact - rand.mean())):.0f} percentage points more damage.")
        elif top >= rand.mean() - 0.005:
            tail = " Here the top units are no more important than random ones."
        else:
            tail = " The top units do a little more damage than random ones, but not clearly more."
        hard = a.acc_top[-1], a.acc_intact[-1], a.acc_random[:, -1].mean()
        tail += (f" With {COUNTS[-1]} attractors: {_pct(hard[1])} intact, {_pct(hard[0])} with the top units "
                 f"ablated, {_pct(hard[2])} with random ones ({a.n_per_count} sentences).")
        return head + tail + stats
    # clamping: does holding the units at one number's value make the model say that number?
    forced = 1 if a.mode == "plural" else 0
    other = 1 - forced
    said = lambda pl: pl[other] if forced == 1 else 1 - pl[other]     # wrong-number answers on the other subjects
    word = NUMBER[forced]
    return (f"Clamping the top {a.k} unit{'s' if a.k > 1 else ''} ({units}) at their {word} value makes the "
            f"{a.arch.upper()} answer '{word}' for {_pct(said(a.said_plural_top))} of {NUMBER[other]} subjects "
            f"(intact: {_pct(said(a.said_plural_intact))}); {a.k} random units clamped the same way: "
            f"{_pct(np.mean([said(r) for r in a.said_plural_random]))} ± "
            f"{_pct(np.std([said(r) for r in a.said_plural_random]))} over {len(a.said_plural_random)} draws. "
            f"Accuracy: {_pct(intact)} intact, {_pct(top)} clamped, {_pct(rand.mean())} random." + stats)


def describe_ablation_check(c: AblationCheck) -> str:
    """The ablation at scale (AblationCheck): n, each accuracy with its 95% interval, the random
    draws' spread, and whether the top units clearly matter more (clearly_worse)."""
    rand = c.acc_random
    where = (f"{c.n} sentences of the attractor sets (0–{COUNTS[-1]} attractors, distance {c.distance})"
             if c.sentences == "attractors" else
             f"{c.n} sentences of the training distribution (distance uniform in 0–{c.distance}, random attractors)")
    s = "s" if c.k > 1 else ""
    text = (f"On {where}: intact {_pct1(c.acc_intact)} ({_interval(c.interval_intact)}); top {c.k} unit{s} "
            f"ablated {_pct1(c.acc_top)} ({_interval(c.interval_top)}); {c.k} random unit{s} ablated "
            f"{_pct1(rand.mean())} ± {_pct1(rand.std())} over {len(rand)} draws (range "
            f"{_random_range(c)}; {_interval(c.interval_random)} pooled).")
    if clearly_worse(c.acc_top, rand, c.n):
        return text + " The top units matter clearly more than random ones."
    if c.interval_top[1] < c.interval_random[0]:
        return text + " The top units do more damage, but not clearly more than the draws' spread allows."
    return text + " The top units are not clearly more important than random ones here."


def describe_k_sweep_check(sw: KSweepCheck) -> str:
    """Every k = 1..k_max at scale: the first k where the top units hurt clearly more than random
    ones (clearly_worse), the top-k accuracy there and at the last k, and the random draws' range."""
    c0, last = sw.checks[0], sw.checks[-1]
    span = (f"k = {sw.ks[0]}…{sw.ks[-1]} (every k; past {sw.ks[-1]} = H/2 there are not k units outside the top k "
            f"to draw from), {c0.n} sentences of the "
            f"{'training distribution' if c0.sentences == 'training' else 'attractor sets'}, "
            f"{sw.acc_random.shape[1]} random draws per k")
    clear = [c.k for c in sw.checks if clearly_worse(c.acc_top, c.acc_random, c.n)]
    ends = (f"at k = {last.k}: top {_pct1(last.acc_top)} ({_interval(last.interval_top)}), random "
            f"{_random_range(last)}")
    if not clear:
        return (f"Over {span}, ablating the top units never hurts clearly more than ablating random ones "
                f"({ends}; intact {_pct1(c0.acc_intact)}).")
    c = sw.at(clear[0])
    when = (f"From k = {c.k} on" if clear == sw.ks[sw.ks.index(c.k):] else
            f"At k = {', '.join(str(k) for k in clear)} (not at every k from {c.k})")
    return (f"{when}, ablating the top units hurts clearly more than random ones: top {_pct1(c.acc_top)} "
            f"({_interval(c.interval_top)}) vs random {_random_range(c)} at "
            f"k = {c.k}; {ends} (intact {_pct1(c0.acc_intact)}, {_interval(c0.interval_intact)}; {span}).")


def describe_find(summary: Summary, field: str, k: int = 3) -> str:
    """How many units separate the numbers almost perfectly, and the top ones."""
    score = summary.score[field]
    strong = int((score > STRONG_SCORE).sum())
    H = summary.hidden_size
    top = ", ".join(f"{u} ({score[u]:.2f})" for u in summary.top(field, k))
    text = (f"Ranked by their {GATE_NAMES.get(field, field)} on {summary.n_find} held-out sentences at distance "
            f"{summary.distance}, {strong} of the {summary.arch.upper()}'s {H} units tell singular from plural "
            f"almost perfectly at every position after the subject (mean |2AUC−1| > {STRONG_SCORE}). Top: {top}.")
    if strong == 0:
        text += " No unit keeps the number all the way to the verb."
    elif strong <= 4:
        text += " The number is concentrated in a handful of units, as Lakretz et al. found in their large LSTM."
    else:
        text += " The number is spread over many units, not concentrated in two or three."
    return text


def describe_trajectory(summary: Summary, template: Template, unit: int, field: str) -> str:
    """How far apart the unit's singular and plural means are right after the subject and at the
    last token, with the spread, and its AUC on the find sentences."""
    m, sd = template.mean[field][:, :, unit], template.std[field][:, :, unit]
    s, T = template.subject_pos, m.shape[1]
    at = lambda t: (f"singular {m[0, t]:+.2f} ± {sd[0, t]:.2f}, plural {m[1, t]:+.2f} ± {sd[1, t]:.2f}")
    name = GATE_NAMES.get(field, field)
    text = (f"Unit {unit}'s {name} right after the subject: {at(s)}; at the last token before the verb: "
            f"{at(T - 1)} ({template.n} sentences).")
    if field in summary.auc:
        a = float(summary.auc[field][-1, unit])
        text += (f" On the find sentences its AUC at the last token is {a:.2f} "
                 f"({'higher for plural' if a >= 0.5 else 'higher for singular'}; 0.5 = no information).")
    if template.attractors:
        text += (f" The {template.attractors} attractor{'s' if template.attractors > 1 else ''} "
                 f"(dotted lines) move the plural-minus-singular gap by at most "
                 f"{np.max(np.abs(np.diff((m[1] - m[0])[s:])[np.array(template.attractor_positions) - s - 1])):.2f}.")
    return text


def describe_probe(summaries: dict, field_of: dict | None = None) -> str:
    """Probe accuracy right after the subject and just before the verb, per model."""
    parts = []
    for arch, s in summaries.items():
        f = (field_of or {}).get(arch, fields_of(arch)[0])
        mean = s.probe[f][0]
        parts.append(f"{arch.upper()} {f} state: {_pct(mean[1])} at the subject, {_pct(mean[-1])} just before "
                     f"the verb (lowest after the subject: {_pct(mean[1:].min())})")
    return ("Diagnostic classifier (held-out accuracy, chance 50%): " + "; ".join(parts) + ".")


def describe_attractors(summaries: dict) -> str:
    """Accuracy with 0 and with the most attractors, per model."""
    first, last = COUNTS[0], COUNTS[-1]
    parts = [f"{a.upper()} {_pct(s.acc_by_attractors[0])} → {_pct(s.acc_by_attractors[-1])}"
             for a, s in summaries.items()]
    n = next(iter(summaries.values())).n_eval_per_count
    return (f"Agreement accuracy with {first} → {last} attractors: " + ", ".join(parts)
            + f" ({n} sentences per count).")


def describe_error_case(e: ErrorCase, arch: str) -> str:
    name = arch.upper()
    turn = f"'{e.tokens[e.turn_pos]}' (token {e.turn_pos})"
    p_before = e.p_correct[e.turn_pos - 1] if e.turn_pos > 0 else float("nan")
    searched = f"{e.n_sentences} sentences with 1–{e.max_attractors} attractors"
    errors = f"{e.n_errors} error{'' if e.n_errors == 1 else 's'}"
    p_s = float(e.p_correct[e.subject_pos])
    if p_s < 0.5:
        after_subject = f" Right after the subject it was already {p_s:.2f}: the number never got in."
    elif p_s < 0.6:
        after_subject = f" Right after the subject it was {p_s:.2f}, barely above chance: the number was never held firmly."
    else:
        after_subject = f" Right after the subject it was {p_s:.2f}."
    answers = f"ends at {e.p_correct[-1]:.2f}: the {name} answers {NUMBER[1 - e.label]}."
    if e.kind == "flip":
        return (f"{name} made {errors} on {searched}; in {e.n_flips} the answer turned wrong exactly "
                f"at an attractor. Here P(correct '{e.verb}') falls from {p_before:.2f} to "
                f"{e.p_correct[e.turn_pos]:.2f} when it reads the attractor {turn} and " + answers + after_subject)
    if e.kind == "error":
        head = (f"{name} made {errors} on {searched}, none of them turning wrong exactly at an "
                f"attractor. ")
        if e.turn_pos <= e.subject_pos:
            return (head + f"In this one P(correct '{e.verb}') is below 0.5 from {turn} on, before any attractor, "
                    f"and " + answers + after_subject)
        before = [j for j in e.attractor_positions if j < e.turn_pos]
        where = (f", {e.turn_pos - before[-1]} token{'s' if e.turn_pos - before[-1] > 1 else ''} after the "
                 f"attractor '{e.tokens[before[-1]]}'" if before else ", before any attractor")
        return (head + f"In this one P(correct '{e.verb}') last fell below 0.5 at {turn}{where}, and "
                + answers + after_subject)
    return (f"{name} made no error on {searched}. Closest call: P(correct '{e.verb}') dips to "
            f"{e.p_correct[e.turn_pos]:.2f} at the attractor {turn} and ends at {e.p_correct[-1]:.2f} "
            f"(still correct).")


def describe_two_clause_models(summaries: dict, labels: dict | None = None) -> str:
    """How often each model (key -> Summary) answers with the second subject's number; labels: key ->
    name (default MODEL_LABEL)."""
    name = {**MODEL_LABEL, **(labels or {})}
    parts = [f"{name.get(a, a.upper())} {_pct(s.two_clause.acc)} (alone {_pct(s.two_clause.acc_alone)})"
             for a, s in summaries.items()]
    return "Answers with the second subject's number, every model on the same kind of sentence: " + ", ".join(parts) + "."


def describe_two_clause(two: TwoClause, units, arch: str, name: str | None = None) -> str:
    name = name or arch.upper()
    us = ", ".join(str(u) for u in units)
    follows = (f"At the end the {name} answers with the second subject's number in {_pct(two.acc)} of {two.n} "
               f"sentences whose subjects differ (clause 2 read alone: {_pct(two.acc_alone)}).")
    if two.gate is None:
        return "The simple RNN has no gate that could hold or reset its state. " + follows
    g = gate_stats(two, units)
    gname = two.gate.replace("_", " ")
    near = "stays near 1" if g["hold"] >= 0.9 else ("stays high" if g["hold"] >= 0.7 else "does not stay near 1")
    hold = (f"Between the first subject and its verb the {gname} of unit{'s' if len(units) > 1 else ''} {us} "
            f"{near} (mean {g['hold']:.2f}, lowest {g['min_hold']:.2f}).")
    where = {two.verb1: "verb 1", two.subject2: "subject 2"}.get(g["reset_pos"], "between the clauses")
    at2 = (f" From verb 1 ('{two.tokens[two.verb1]}') to subject 2 ('{two.tokens[two.subject2]}') its lowest is "
           f"{g['at_reset']:.2f}, at '{two.tokens[g['reset_pos']]}' ({where})")
    drop = g["hold"] - g["at_reset"]
    if drop >= 0.2:
        at2 += (f": it resets there — that step the cell keeps only {g['at_reset']:.0%} of what it held, "
                "letting the first subject's number go.")
    elif drop > 0.05:
        at2 += ": it dips only a little."
    else:
        at2 += ": no reset."
    if two.gate == "update_gate":
        at2 += " (For the GRU, the update gate z plays the forget gate's role: h keeps z·h_prev.)"
    return hold + at2 + " " + follows


def describe_source(arch: str, seed: int) -> str:
    """Where the numbers shown for (arch, seed) come from."""
    if load_precomputed(arch, _check_seed(seed)) is not None:
        return (f"Seed {seed}: computed ahead of time from this exact checkpoint (`{PRETRAINED[arch]}`, sha256 "
                f"{checkpoint_sha256(arch)[:12]}…) by `{PRECOMPUTE_COMMAND}`, with the same code; the tests "
                "recompute it and require the same numbers. Any other seed is computed live.")
    return f"Seed {seed}: computed live on this server from the shipped checkpoint `{PRETRAINED[arch]}`."


def describe_trained_source(result, seed: int) -> str:
    """Where the numbers come from when the models are the user's own."""
    cfg = result.config
    runs = ", ".join(f"{a.upper()} {r.steps_done} steps" for a, r in result.runs.items())
    return (f"Seed {seed}: your models from Train and compare ({runs}; agreement at distance {cfg.distance}, "
            f"hidden {cfg.hidden}, training seed {cfg.seed}), analysed live on this server at distance "
            f"{cfg.distance}: once per model and seed, then cached for this session.")
