"""The sentences of *Which gate matters?*, generated from the numbers of
lstm_core.experiments.gate_ablation_stats (tested over fabricated results in every branch)."""
from __future__ import annotations

from lstm_core.experiments.gate_ablation import LABELS, TASK_LABELS, CellRun
from lstm_core.experiments.gate_ablation_stats import (ACC_MARGIN, CITATION, MSE_FACTOR, SLOWER, Comparison, Row,
                                                      Summary)
from lstm_core.experiments.learning_curves import THRESHOLD
from lstm_core.narration.baselines import baselines_sentence

METRIC_NAME = {"accuracy": "test accuracy", "mse": "test MSE"}


def fmt(value: float, metric: str) -> str:
    return f"{100 * value:.1f}%" if metric == "accuracy" else f"{value:.4f}"


def threshold_text(metric: str) -> str:
    return f"{100 * THRESHOLD[metric]:.0f}% accuracy" if metric == "accuracy" else f"MSE ≤ {THRESHOLD[metric]:g}"


def definition(budget: dict) -> str:
    """The one definition of 'steps to solve' the page uses."""
    return ("**Steps to solve** = the first training step at which the training-batch metric, averaged over "
            f"the last 20 batches, reaches {threshold_text('accuracy')} (agreement) or "
            f"{threshold_text('mse')} (adding) — the threshold of *Train and compare*. A seed that never gets "
            "there within its budget (" + ", ".join(f"{t} {s} steps" for t, s in budget.items())
            + ") counts as never; the median is then over 'never' too.")


def _names(archs) -> str:
    names = [LABELS.get(a, a) for a in archs]
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def reach_text(row: Row) -> str:
    """'median 640 steps (520–900, 5 of 5 seeds)' or 'never within 1500 steps (1 of 5 seeds: 1420)'."""
    n, k = len(row.reached), row.n_reached
    rng = row.reach_range
    if row.reach_median is None:
        got = "" if rng is None else (f"; {k} of {n} seeds did, at {rng[0]}" if rng[0] == rng[1]
                                      else f"; {k} of {n} seeds did, at {rng[0]}–{rng[1]}")
        return f"not solved by most seeds within {row.budget} steps{got}"
    spread = f"{rng[0]}" if rng[0] == rng[1] else f"{rng[0]}–{rng[1]}"
    return f"median {row.reach_median:.0f} steps ({spread}, {k} of {n} seeds)"


def final_text(row: Row) -> str:
    lo, hi = row.final_range
    spread = fmt(lo, row.metric) if lo == hi else f"{fmt(lo, row.metric)}–{fmt(hi, row.metric)}"
    return f"{fmt(row.final_median, row.metric)} ({spread})"


def task_summary(s: Summary, task: str) -> str:
    """What the final metric shows on one task, and whether it separates the variants at all."""
    rows = s.rows.get(task)
    if not rows:
        return f"No results for {TASK_LABELS.get(task, task)}."
    any_row = next(iter(rows.values()))
    metric, n = any_row.metric, len(any_row.seeds)
    thr = threshold_text(metric)
    all_solved = [a for a, r in rows.items() if r.n_final_solved == len(r.finals)]
    none_solved = [a for a, r in rows.items() if r.n_final_solved == 0]
    head = f"{TASK_LABELS.get(task, task)}, {n} seed{'s' if n != 1 else ''} per variant: "
    if len(all_solved) == len(rows):
        lo = min(min(r.finals) for r in rows.values()) if metric == "accuracy" else None
        hi = max(max(r.finals) for r in rows.values()) if metric == "mse" else None
        worst = fmt(lo, metric) if lo is not None else fmt(hi, metric)
        return (head + f"every variant reached {thr} on the test with every seed (the worst run: {worst}). "
                "The final metric does not tell the variants apart here; the steps to solve can.")
    if len(none_solved) == len(rows):
        return (head + f"no variant reached {thr} on the test with any seed: within this budget the task "
                "separates nothing but how far each got.")
    parts = []
    if all_solved:
        parts.append(f"{_names(all_solved)} reached {thr} with every seed")
    if none_solved:
        parts.append(f"{_names(none_solved)} with none")
    some = [a for a in rows if a not in all_solved and a not in none_solved]
    if some:
        parts.append(_names(some) + " with some seeds only ("
                     + ", ".join(f"{LABELS.get(a, a)} {rows[a].n_final_solved} of {len(rows[a].finals)}"
                                 for a in some) + ")")
    return head + "; ".join(parts) + "."


def speed_summary(s: Summary, task: str) -> str:
    """Fastest and slowest variant by median steps to solve (ties named together)."""
    rows = s.rows.get(task, {})
    timed = {a: r.reach_median for a, r in rows.items() if r.reach_median is not None}
    if not timed:
        return "No variant reached the threshold in training with half or more of its seeds."
    best, worst = min(timed.values()), max(timed.values())
    fast = [a for a, v in timed.items() if v == best]
    slow = [a for a, v in timed.items() if v == worst]
    never = [a for a in rows if a not in timed]
    out = f"Fastest to solve: {_names(fast)} (median {best:.0f} steps)"
    if worst != best:
        out += f"; slowest: {_names(slow)} (median {worst:.0f} steps, {worst / best:.1f}× as many)"
    else:
        out += "; every variant that solved it took the same median number of steps"
    if never:
        out += f"; never in most seeds: {_names(never)}"
    return out + "."


def comparison_text(c: Comparison, ref_label: str, metric: str) -> str:
    if c.kind == "unknown":
        return "no result to compare"
    if c.basis == "solved":
        return f"{'solves' if c.kind == 'better' else 'does not solve'} it in most seeds where {ref_label} " \
               f"{'does not' if c.kind == 'better' else 'does'}"
    if c.basis == "speed":
        if c.ratio is None:
            return (f"reaches the threshold in training in most seeds where {ref_label} does not" if c.kind == "better"
                    else f"does not reach the threshold in training in most seeds, {ref_label} does"
                    if c.kind == "worse" else f"neither it nor {ref_label} reaches it in training in most seeds")
        word = {"worse": "slower than", "better": "faster than", "similar": "about as fast as"}[c.kind]
        return f"{word} {ref_label} ({c.ratio:.2f}× its median steps to solve)"
    word = {"worse": "worse than", "better": "better than", "similar": "about as good as"}[c.kind]
    if c.ratio is None:
        return f"neither solves it; {word} {ref_label}"
    how = f"{100 * c.ratio:+.1f} points" if metric == "accuracy" else f"{c.ratio:.2f}× its MSE"
    return f"neither solves it; {word} {ref_label} ({how})"


def claim_lines(s: Summary, task: str) -> list[str]:
    """One line per claim of Greff et al.: theirs, ours on this task, agree or disagree."""
    ref_label = LABELS.get(s.reference, s.reference)
    rows = s.rows.get(task, {})
    out = []
    for v in s.claims.get(task, []):
        row = rows.get(v.claim.arch)
        label = LABELS.get(v.claim.arch, v.claim.arch)
        ours = comparison_text(v.comparison, ref_label, "mse" if task == "adding" else "accuracy")
        if row is not None:
            ours = f"{label} {ours}; final {final_text(row)}, steps to solve {reach_text(row)}"
        word = {"agree": "**we agree**", "disagree": "**we disagree**", "unknown": "**we cannot tell**"}[v.verdict]
        out.append(f"*Greff et al.:* {v.claim.text}. *Ours ({task}):* {ours}. → {word}.")
    return out


def claims_tally(s: Summary) -> str:
    """'Of 8 claim-task pairs we agree on 5, disagree on 3.'"""
    vs = [v.verdict for task in s.claims for v in s.claims[task]]
    if not vs:
        return "No claims could be checked."
    a, d, u = vs.count("agree"), vs.count("disagree"), vs.count("unknown")
    out = f"Of {len(vs)} claim–task pairs, our numbers agree with {CITATION} on {a} and disagree on {d}"
    return out + (f" ({u} could not be judged)." if u else ".")


def adding_baseline(b: dict, rows: dict) -> str:
    mean = b["predict_the_mean"]
    beat = [a for a, r in rows.items() if r.final_median < mean]
    return (f"Shortcut: always answering the mean (1) scores MSE {mean:.4f} (1/6); "
            f"{len(beat)} of {len(rows)} variants beat it with their median seed.")


def agreement_baseline(accs: dict, distance: int, n: int) -> str:
    return baselines_sentence(accs, distance, n)


def rerun_sentence(fresh: CellRun, shipped: CellRun | None, m: dict | None) -> str:
    """What a live re-run of one cell gave, beside the shipped run (m: gate_ablation.match)."""
    metric = fresh.metric
    never = lambda r: "never" if r is None else f"step {r}"   # noqa: E731
    out = (f"Trained now in {fresh.seconds:.1f} s: final {fmt(fresh.final, metric)}, steps to solve "
           f"{never(fresh.reached)}.")
    if fresh.status != "ok":
        out += f" The run {fresh.status}."
    if shipped is None or m is None:
        return out + " The shipped results have no run for this cell."
    out += f" Shipped: {fmt(shipped.final, metric)}, {never(shipped.reached)} ({shipped.seconds:.1f} s)."
    if m["ok"]:
        return out + (" **They match** (final metric within " + ("one test sentence" if metric == "accuracy"
                      else "0.1%") + ", same step to solve): the same settings give the same run.")
    parts = []
    if not m["final_ok"]:
        parts.append(f"the final metric differs by {m['final_diff']:.3g}")
    if not m["reached_ok"]:
        parts.append("the step to solve differs")
    return (out + " **They do not match**: " + " and ".join(parts) + ". Training is deterministic for one "
            "machine and torch build, but float rounding differs between CPUs and builds, and over many steps "
            "that can change a run.")


def verdict_rule() -> str:
    """How 'hurts' and 'costs little' are decided from our numbers (the thresholds of gate_ablation_stats)."""
    return (f"How we judge a claim: a variant is *worse* than V when its median seed fails the threshold and "
            f"V's does not, or when both solve and its median steps to solve are at least {SLOWER:g}× V's "
            f"(*better* at most 1/{SLOWER:g}×); when neither solves, when its median accuracy is more than "
            f"{100 * ACC_MARGIN:.0f} points lower or its median MSE at least {MSE_FACTOR:g}× higher. "
            "'Hurts' agrees with *worse*; 'costs little' agrees with anything else. Greff et al. judged "
            "final test error after a hyperparameter search per variant; we use one fixed recipe, so slower "
            "learning counts here.")


def _compact_final(r: Row) -> str:
    lo, hi = r.final_range
    if r.metric == "accuracy":
        return f"{100 * r.final_median:.1f}% ({100 * lo:.1f}–{100 * hi:.1f})"
    return f"{r.final_median:.4f} ({lo:.4f}–{hi:.4f})"


def _compact_reach(r: Row) -> str:
    got, n = r.n_reached, len(r.reached)
    rng = r.reach_range
    spread = "" if rng is None else f" ({rng[0]})" if rng[0] == rng[1] else f" ({rng[0]}–{rng[1]})"
    head = "never" if r.reach_median is None else f"{r.reach_median:.0f}"
    return f"{head}{spread} · {got}/{n}"


TABLE_COLUMNS = ("variant", "final", "solved", "steps to solve", "params", "wall s", "vs V")


def table_rows(s: Summary, task: str) -> list[dict]:
    """The table: one dict per variant, TABLE_COLUMNS -> short text or number. final: median (min–max) of
    the test metric; steps to solve: median (fastest–slowest seed that got there) · seeds that got there;
    wall s: median (min–max) wall seconds per run."""
    out = []
    for arch, r in s.rows.get(task, {}).items():
        out.append({"variant": LABELS.get(arch, arch), "final": _compact_final(r),
                    "solved": f"{r.n_final_solved}/{len(r.finals)}", "steps to solve": _compact_reach(r),
                    "params": r.params, "recurrent": r.recurrent_params,
                    "wall s": f"{r.seconds_median:.0f} ({min(r.seconds):.0f}–{max(r.seconds):.0f})",
                    "vs V": "—" if arch == s.reference else s.compare(task, arch).kind})
    return out
