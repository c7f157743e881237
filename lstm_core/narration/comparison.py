"""The sentences of *Train and compare*, each number read off a CompareResult
(lstm_core.experiments.comparison) and its learning curves (lstm_core.experiments.learning_curves).

    verdict(res)       # the learning-curve verdict: per arch the median step to 95%, seeds, plateaus
    summary(res)       # the test metric of every arch over its seeds, with chance
    warnings(res)      # under-trained warnings from the loss curves
"""
from __future__ import annotations

import numpy as np

from lstm_core.experiments import learning_curves as lc
from lstm_core.experiments.comparison import CHANCE, SOLVED, SPAN_SHORT, loss_drop

_LEVEL = {"agreement": "ln 2 = 0.693", "temporal": "ln 4 = 1.39"}


def _fmt(metric: str, v: float) -> str:
    return f"{v:.3g}" if metric == "mse" else f"{100 * v:.1f}%"


def _seeds(seeds) -> str:
    return ", ".join(str(s) for s in seeds)


def threshold_text(metric: str) -> str:
    return (f"{100 * lc.THRESHOLD['accuracy']:.0f}% accuracy" if metric == "accuracy"
            else f"MSE ≤ {lc.THRESHOLD['mse']:g}")


def status_lines(res) -> list[str]:
    """Per arch: how many steps every seed trained, or what stopped a run."""
    out = []
    for a in res.runs:
        runs = res.all_runs(a)
        if all(r.status == "ok" for r in runs):
            secs = sum(r.train_seconds for r in runs)
            if len(runs) == 1:
                out.append(f"{a.upper()}: trained {runs[0].steps_done} steps in {secs:.1f} s.")
            else:
                out.append(f"{a.upper()}: trained {runs[0].steps_done} steps for each of "
                           f"{len(runs)} seeds ({_seeds(r.config.seed for r in runs)}) in {secs:.1f} s.")
            continue
        for r in runs:
            if r.status == "ok":
                continue
            who = a.upper() if len(runs) == 1 else f"{a.upper()} seed {r.config.seed}"
            if r.status.startswith("stopped") and "time limit" in r.status:
                out.append(f"{who}: {r.status}, of {r.config.steps} steps; the weights "
                           f"after step {r.steps_done} are kept and tested below.")
            elif r.diverged:
                out.append(f"{who}: {r.status}; the weights after step {r.steps_done}, "
                           f"the last finite ones, are kept.")
            else:
                out.append(f"{who}: {r.status}, of {r.config.steps} steps.")
    return out


def near_chance(res) -> list[str]:
    """Archs whose median test accuracy over seeds is within 5 points of chance (not for adding)."""
    if res.metric == "mse":
        return []
    return [a for a in res.runs
            if abs(float(np.median(res.test_values(a))) - CHANCE[res.config.task]) < 0.05]


def summary(res) -> str:
    """One sentence comparing the test metric of every model (median and range over seeds), with chance."""
    c = res.config
    where = (f"held-out sentences at distance {c.distance}" if c.task == "agreement"
             else f"held-out sequences with {SPAN_SHORT[c.task]} {c.distance}")
    m = res.metric

    def one(a):
        v = res.test_values(a)
        if v.size == 1:
            return f"{a.upper()} {_fmt(m, v[0])}"
        return (f"{a.upper()} median {_fmt(m, float(np.median(v)))} (range {_fmt(m, v.min())}–"
                f"{_fmt(m, v.max())}, {v.size} seeds)")
    vals = ", ".join(one(a) for a in res.runs)
    med = {a: float(np.median(res.test_values(a))) for a in res.runs}
    if m == "mse":
        best = min(med, key=med.get)
        return (f"Test MSE on {where}: {vals} (always answering 1 gives "
                f"{CHANCE['adding']:.3f}); lowest{' median' if len(res.all_runs(best)) > 1 else ''}: "
                f"{best.upper()}.")
    best = max(med, key=med.get)
    near = near_chance(res)
    tail = ""
    if near:
        who = " and ".join(a.upper() for a in near)
        tail = f" {who} {'is' if len(near) == 1 else 'are'} within 5 points of chance."
    return (f"Test accuracy on {where}: {vals} (chance is {100 * CHANCE[c.task]:.1f}%); "
            f"highest{' median' if len(res.all_runs(best)) > 1 else ''}: {best.upper()}.{tail}")


def _reach_sentence(cv: lc.ArchCurves, thr: str) -> str:
    A, n, k = cv.arch.upper(), len(cv.reached), cv.n_reached
    hits = sorted(r for r in cv.reached if r is not None)
    med = cv.median_reach()
    miss_done = sorted({d for r, d in zip(cv.reached, cv.steps_done) if r is None})
    within = (f"{cv.budget} steps" if miss_done == [cv.budget]
              else "the steps trained (" + ", ".join(str(d) for d in miss_done) + ")")
    if k == n:
        rng = f" (range {hits[0]}–{hits[-1]})" if n > 1 else ""
        return f"{A} reached {thr} in {k} of {n} seeds: median step {med:g}{rng}."
    if k and med is not None:
        return (f"{A} reached {thr} in {k} of {n} seeds (at steps {', '.join(map(str, hits))}), "
                f"not within {within} in the other {n - k}: median step {med:g}.")
    if k:
        return (f"{A} reached {thr} in only {k} of {n} seeds (at steps {', '.join(map(str, hits))}), "
                f"not within {within} in the other {n - k}: the median is not within {within}.")
    if cv.cannot_allowed and miss_done == [cv.budget]:
        verdict = (f" With {cv.budget} steps, at least {lc.CANNOT_FACTOR}× the default of "
                   f"{cv.default_budget}, it cannot learn this task at these settings.")
    else:
        verdict = (f" It did not learn within this budget; that does not show it cannot (saying so would "
                   f"need a measured budget of at least {lc.CANNOT_FACTOR}× the default, {lc.CANNOT_FACTOR * cv.default_budget} "
                   "steps).")
    return f"{A} reached {thr} in none of {n} seeds: not within {within}.{verdict}"


def _plateau_sentence(cv: lc.ArchCurves, task: str) -> str | None:
    found = [(s, p) for s, p in zip(cv.seeds, cv.plateaus) if p is not None]
    if not found:
        return None
    level = found[0][1].level
    name = _LEVEL.get(task, f"{level:.3g}")
    parts = []
    for s, p in found:
        after = (f"then it fell to {p.final:.3g} by the end" if p.dropped
                 else "then it left the band without falling below 90% of it")
        if p.end == cv.steps_done[cv.seeds.index(s)] and not p.dropped:
            after = "still there at the end"
        parts.append(f"seed {s}: steps {p.start}–{p.end}, {after}")
    return (f"{cv.arch.upper()}'s training loss sat on a plateau at the chance level ({name}, ± "
            f"{100 * lc.PLATEAU_TOL:.0f}%, mean of the last {cv.window} batches, for {lc.plateau_min(cv.budget)} "
            f"steps or more) in {len(found)} of "
            f"{len(cv.seeds)} seeds ({'; '.join(parts)}). A plateau is not the end of learning: "
            "the loss can still drop after it.")


def verdict(res) -> list[str]:
    """The learning-curve verdict: the settings (seeds, budget, parameter counts), the measure,
    then per arch the median step to the threshold and how many seeds reached it, who was faster,
    and the plateaus."""
    c, curves = res.config, res.curves()
    any_cv = next(iter(curves.values()))
    thr = threshold_text(res.metric)
    seeds = sorted({s for cv in curves.values() for s in cv.seeds})
    budget = any_cv.budget
    default = ("the default for this task" if budget == any_cv.default_budget
               else f"the default for this task is {any_cv.default_budget}")
    sizes = "; ".join(f"{a.upper()} {cv.hidden} units, {cv.params:,} parameters" for a, cv in curves.items())
    lines = [f"Learning curves over {len(seeds)} seed{'s' if len(seeds) > 1 else ''} "
             f"({_seeds(seeds)}), {budget} training steps of {c.batch} examples each ({default}), at "
             f"{'equal parameter count' if c.match_params else 'equal hidden size'}: {sizes}."]
    batches = (f" (each batch at one distance drawn from 0..{c.distance}, so not the test distance alone)"
               if c.task == "agreement" else "")
    what = "accuracy" if res.metric == "accuracy" else "MSE"
    lines.append(f"The step to {thr} is the first step at which the training-batch {what}, averaged "
                 f"over the last {any_cv.window} batches{batches}, reached it.")
    lines += [_reach_sentence(cv, thr) for cv in curves.values()]
    med = {a: cv.median_reach() for a, cv in curves.items() if cv.median_reach() is not None}
    if len(med) >= 2:
        fast = min(med, key=med.get)
        for a, m in med.items():
            if a != fast:
                lines.append(f"By the median, {fast.upper()} reached it {m / med[fast]:.1f}× sooner "
                             f"than {a.upper()} (step {med[fast]:g} vs {m:g}).")
    lines += [s for s in (_plateau_sentence(cv, c.task) for cv in curves.values()) if s]
    return lines


def sweep_story(res) -> str:
    """The sweep's numbers at the trained distance and at the longest one tested."""
    if not res.by_distance:
        return ""
    xs = next(iter(res.by_distance.values()))["x"]
    name = "MSE" if res.metric == "mse" else "accuracy"
    parts = []
    for x in dict.fromkeys([res.config.distance, xs[-1]]):
        if x not in xs:
            continue
        k = xs.index(x)
        vals = ", ".join(f"{a.upper()} {_fmt(res.metric, d['y'][k])}" for a, d in res.by_distance.items())
        parts.append(f"at {SPAN_SHORT[res.config.task]} {x}: {vals}")
    seed = next(iter(res.runs.values())).config.seed
    return f"Test {name} (seed {seed}'s models) " + "; ".join(parts) + "."


def grad_story(res) -> str:
    """How far the gradient reaches at the last probe measurement of the first seed: log10 of the
    norm at the first time step over the norm at the last (loss) step, per model and state."""
    parts, step = [], None
    for a, r in res.runs.items():
        for q, G in (("h", r.grad_hidden), ("c", r.grad_cell)):
            if G is None or not G.size or G.shape[1] < 2:
                continue
            step = r.grad_steps[-1]
            first, last = float(G[-1, 0]), float(G[-1, -1])
            if first > 0 and last > 0 and np.isfinite(first) and np.isfinite(last):
                parts.append(f"{a.upper()} ‖∂L/∂{q}_t‖ 10^{np.log10(first / last):+.1f}")
            else:
                parts.append(f"{a.upper()} ‖∂L/∂{q}_t‖ {first:.1e} vs {last:.1e}")
    if not parts:
        return ""
    return ("At the last measurement (training step " + str(step) + "), the gradient at the "
            "first time step relative to the last one: " + ", ".join(parts) + ".")


def _undertrained_run(r, metric: str, who: str) -> str | None:
    total = r.config.steps
    if r.steps_done < total:
        return f"{who} is under-trained: it trained only {r.steps_done} of {total} steps ({r.status})."
    t = r.test
    v = float(t["test_mse"] if metric == "mse" else t["test_accuracy"])
    if (v <= SOLVED["mse"]) if metric == "mse" else (v >= SOLVED["accuracy"]):
        return None
    for parts in (5, 10):
        drop = loss_drop(r.history, parts)
        if drop is None:
            continue
        (a0, a1, m0), (b0, b1, m1) = drop
        if m1 <= 0.9 * m0:
            got = f"test MSE {v:.3g}" if metric == "mse" else f"test accuracy {100 * v:.1f}%"
            return (f"{who} looks under-trained: its training loss was still "
                    f"falling (mean {m0:.3g} over steps {a0}–{a1}, {m1:.3g} over steps "
                    f"{b0}–{b1}, {100 * (m1 - m0) / m0:+.0f}%) and its {got} leaves room. "
                    "More steps could change the comparison.")
    return None


def undertrained(res, arch: str) -> str | None:
    """A warning when a seed of arch is clearly under-trained (the first such seed), else None: it
    stopped before the last step; or it has not solved the task (test accuracy < 98%, or test MSE
    > 0.01) while its mean training loss still fell by >= 10% between the last two fifths of
    training, or between the last two tenths (a late start)."""
    runs = res.all_runs(arch)
    for r in runs:
        who = arch.upper() if len(runs) == 1 else f"{arch.upper()} (seed {r.config.seed})"
        w = _undertrained_run(r, res.metric, who)
        if w:
            return w
    return None


def warnings(res) -> list[str]:
    return [w for w in (undertrained(res, a) for a in res.runs) if w]
