"""What the Stacked and bidirectional page says: every sentence generated from the computed arrays
(lstm_core.experiments.stacked_bidir), judged on the digits it shows.

    describe_layers(layers, field)         where the 2-layer LSTM holds the subject's number (probes, units)
    describe_layer_sentence(s, top)        one sentence: the readout's answer and the shown units
    describe_tasks(tasks)                  bidirectional vs unidirectional accuracy at the masked subject
    describe_directions(run)               which direction's states tell the number, where
    describe_task_sentence(s)              one masked-subject sentence, both models' answers
"""
from __future__ import annotations

import numpy as np

from lstm_core.data import lexicon as lx
from lstm_core.experiments.number_units.stats import STRONG_SCORE

NUMBER = {lx.SINGULAR: "singular", lx.PLURAL: "plural"}
STATE = {"cell": "cell state", "hidden": "hidden state"}
HOLD = 0.9            # a probe at or above this at the last token before the verb: the layer holds the number
CLEAR_GAP = 0.03      # probe accuracies closer than this are called equal
CHANCE_BAND = 0.1     # accuracy within this of chance is "at chance"


def _pct(x: float) -> str:
    return f"{100 * x:.0f}%"


def _pct1(x: float) -> str:
    return f"{100 * x:.1f}%"


def _spread(values) -> str:
    """'99.5% (3 seeds: 99.0–100.0%)' or '99.5% (1 seed)'."""
    v = np.asarray(values, dtype=float)
    if len(v) == 1:
        return f"{_pct1(v[0])} (1 seed)"
    return f"{_pct1(v.mean())} (mean of {len(v)} seeds, range {_pct1(v.min())}–{_pct1(v.max())})"


def layer_numbers(layers, field: str) -> dict:
    """Per layer, over seeds: probe at the subject (k = 0), at the last token before the verb (k = distance),
    its lowest from 0 to distance, and the number of number units (score > STRONG_SCORE)."""
    out = []
    L = layers[0].score[field].shape[0]
    for layer in range(L):
        probe = np.stack([a.probe_mean[field][layer] for a in layers])          # (S, P); column 1 is k = 0
        counts = np.array([int((a.score[field][layer] > STRONG_SCORE).sum()) for a in layers])
        out.append(dict(at_subject=float(probe[:, 1].mean()), at_end=float(probe[:, -1].mean()), ends=probe[:, -1],
                        lowest=float(probe[:, 1:].mean(0).min()), units=counts,
                        hidden=int(layers[0].score[field].shape[1])))
    return {"layers": out, "accuracy": np.array([a.accuracy for a in layers]), "n_find": layers[0].n_find,
            "distance": layers[0].distance, "n_eval": layers[0].n_eval}


def verdict(numbers: dict) -> str:
    """'both', 'layer 1', 'layer 2', 'neither': which layers' probes read the number at the last token."""
    held = [x["at_end"] >= HOLD for x in numbers["layers"]]
    if all(held):
        return "both"
    if not any(held):
        return "neither"
    return f"layer {held.index(True) + 1}"


def describe_layers(layers, field: str = "cell") -> str:
    """Where the subject's number is held, from every seed's LayerAnalysis."""
    n = layer_numbers(layers, field)
    state, d = STATE[field], n["distance"]
    parts = [f"Measured on {n['n_find']} held-out sentences at distance {d} (5-fold cross-validated logistic "
             f"probes on all units of one layer's {state}), over {len(layers)} trained 2-layer LSTM"
             f"{'s' if len(layers) > 1 else ''} whose agreement accuracy is {_spread(n['accuracy'])}."]
    for i, x in enumerate(n["layers"]):
        units = x["units"]
        count = (f"{int(units[0])}" if len(set(units.tolist())) == 1
                 else f"{units.mean():.0f} (per seed {', '.join(str(int(u)) for u in units)})")
        parts.append(f"Layer {i + 1}: the probe reads the number at {_pct(x['at_subject'])} at the subject and "
                     f"{_pct(x['at_end'])} at the last token before the verb (lowest {_pct(x['lowest'])}); "
                     f"{count} of its {x['hidden']} units are number units (mean |2AUC−1| > {STRONG_SCORE}).")
    v = verdict(n)
    one, two = n["layers"][0], n["layers"][1] if len(n["layers"]) > 1 else n["layers"][0]
    if v == "both":
        text = "So both layers hold the number all the way to the verb"
        if two["at_end"] - one["at_end"] >= CLEAR_GAP:
            text += f", layer 2 more firmly ({_pct(two['at_end'])} against {_pct(one['at_end'])} at the verb)"
        elif one["at_end"] - two["at_end"] >= CLEAR_GAP:
            text += f", layer 1 more firmly ({_pct(one['at_end'])} against {_pct(two['at_end'])} at the verb)"
        text += "."
    elif v == "neither":
        text = (f"So neither layer's {state} holds the number linearly until the verb (both probes below "
                f"{_pct(HOLD)} there).")
    else:
        k = int(v[-1])
        lost = n["layers"][2 - k]
        seeds = f"; per seed {', '.join(_pct(e) for e in lost['ends'])}" if len(lost["ends"]) > 1 else ""
        text = (f"So {v} holds the number until the verb; layer {3 - k}'s probe falls on the way "
                f"({_pct(lost['at_end'])} at the last token before the verb{seeds}).")
    u1, u2 = one["units"].mean(), two["units"].mean()
    if u1 == 0 and u2 == 0:
        text += " No single unit holds it: the number is spread over many units."
    elif u2 > u1:
        text += f" Layer 2 spreads it over more units ({u2:.0f} against {u1:.0f})."
    elif u1 > u2:
        text += f" Layer 1 spreads it over more units ({u1:.0f} against {u2:.0f})."
    else:
        text += f" Both layers have {u1:.0f} number units."
    return " ".join(parts + [text])


def describe_layer_sentence(s, shown: dict) -> str:
    """One sentence through the 2-layer model: its answer, and which units are drawn. shown {layer label: units}."""
    p = float(s.p_plural[-1])
    answer = lx.PLURAL if p >= 0.5 else lx.SINGULAR
    verdict_ = "right" if answer == s.label else "wrong"
    drawn = "; ".join(f"{label}: units {', '.join(str(u) for u in units)}" if units else f"{label}: no units"
                      for label, units in shown.items())
    return (f"The subject '{s.tokens[s.subject_pos]}' is {NUMBER[s.label]}, with {len(s.attractor_positions)} "
            f"attractor{'' if len(s.attractor_positions) == 1 else 's'}; before the verb the model says "
            f"P(plural) = {p:.2f}, {verdict_}. Drawn, best number units first ({drawn}).")


def describe_tasks(tasks: dict, chance: float = 0.5) -> str:
    """Bidirectional vs unidirectional accuracy at the masked subject. tasks {'bidir'|'uni': [TaskRun per seed]}."""
    b, u = tasks["bidir"], tasks["uni"]
    ab, au = np.array([r.accuracy for r in b]), np.array([r.accuracy for r in u])
    head = (f"At the masked subject, on {b[0].n_eval} held-out sentences at distance {b[0].distance} "
            f"(0–4 attractors), the bidirectional LSTM ({b[0].hidden} units per direction, {b[0].params:,} "
            f"parameters) answers {_spread(ab)}; the unidirectional LSTM ({u[0].hidden} units, {u[0].params:,} "
            f"parameters, same data, steps and optimiser) {_spread(au)}. Chance is {_pct(chance)}.")
    uni_chance = abs(au.mean() - chance) <= CHANCE_BAND
    if ab.min() - au.max() > CHANCE_BAND and uni_chance:
        plural = np.array([r.answered_plural for r in u])
        tail = (" The unidirectional network is at chance, as it must be: when it answers it has read only the "
                "words before the subject, and none of them tells the subject's number (it answers \"plural\" "
                f"for {', '.join(_pct(p) for p in plural)} of the sentences"
                f"{' in its seeds' if len(plural) > 1 else ''}). The bidirectional one answers from its backward "
                "direction, which has read the verb.")
    elif not uni_chance and au.mean() > chance:
        tail = (" The unidirectional network is above chance although the answer lies after the subject: some "
                "word before it must give the number away, a flaw of the task to look for.")
    elif ab.mean() - au.mean() <= CHANCE_BAND:
        tail = (" The bidirectional network is no better than the unidirectional one: it has not learned to "
                "carry the verb's number back to the subject in this budget.")
    else:
        tail = (" The bidirectional network is better in every seed but not in all of them by a wide margin; "
                "see the seeds above.")
    return head + tail


def describe_directions(runs) -> str:
    """Which direction's hidden states a probe reads the subject's number from, at the subject and the verb
    (means over the bidirectional LSTM's seeds: runs, a list of TaskRun)."""
    pm = {d: np.mean([r.probe_mean[d] for r in runs], 0) for d in ("forward", "backward")}
    k0 = 1                                      # positions start at -1: column 1 is the subject
    seeds = f", mean of {len(runs)} seeds" if len(runs) > 1 else ""
    parts = [f"A probe ({runs[0].n_find} held-out sentences{seeds}) reads the subject's number from the backward states at "
             f"{_pct(pm['backward'][k0])} at the subject and from the forward states at {_pct(pm['forward'][k0])}."]
    fw = pm["forward"]
    if fw[-1] >= HOLD:
        parts.append(f"The forward states learn it only at the verb ({_pct(fw[-1])}), the last token.")
    else:
        parts.append(f"Even at the verb the forward states tell it at only {_pct(fw[-1])}: the readout was trained "
                     "at the subject, so the forward direction never needed the number.")
    bw_low = float(pm["backward"][1:].min())
    parts.append(f"The backward states hold it at every position from the verb back to the subject "
                 f"(lowest {_pct(bw_low)})." if bw_low >= HOLD else
                 f"The backward states lose it on the way back (lowest {_pct(bw_low)}).")
    return " ".join(parts)


def describe_task_sentence(s) -> str:
    """One masked-subject sentence: both models' P(plural) at the subject against the answer."""
    pb, pu = float(s.p_bidir[s.subject_pos]), float(s.p_uni[s.subject_pos])
    right = lambda p: "right" if (p >= 0.5) == (s.label == lx.PLURAL) else "wrong"   # noqa: E731
    return (f"The verb '{s.tokens[-1]}' makes the masked subject {NUMBER[s.label]}. At the subject the "
            f"bidirectional LSTM says P(plural) = {pb:.2f} ({right(pb)}), the unidirectional one {pu:.2f} "
            f"({right(pu)}).")
