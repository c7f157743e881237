"""The "Which gate matters" table (issue 16): Greff et al.'s LSTM variants x {agreement d=30, adding T=50}
x seeds, from the shipped grid (lstm_core/precomputed/gate_ablation.json; regenerate it with
`python -m lstm_core.experiments.gate_ablation --precompute --jobs 2`, roughly 25-45 CPU-minutes).

    python bench/bench_which_gate.py                # print the table from the shipped results
    python bench/bench_which_gate.py --file other.json
    python bench/bench_which_gate.py --time-seed 0  # re-train seed 0 of every cell now (run it alone): wall
                                                    # seconds on a quiet machine, and whether each matches the file

Per variant and task: parameters (whole model / recurrent layer), final test metric (median over seeds,
min-max), seeds that solved it, steps to solve (median, min-max, seeds that got there), wall seconds per
run (median, min-max; training + test, one torch thread), and the comparison with Greff's vanilla V; then
each claim of Greff et al. 2017 and whether our numbers agree. Wall times are those recorded when the grid
was computed (the file says on what machine and how shared).
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from lstm_core.experiments import gate_ablation as ga  # noqa: E402
from lstm_core.experiments import gate_ablation_stats as gs  # noqa: E402
from lstm_core.narration import gate_ablation as say  # noqa: E402


def time_cells(data, seed: int) -> int:
    """Re-train one seed of every (variant, task) cell here and now: wall seconds, and the shipped match."""
    import torch
    torch.set_num_threads(1)
    shipped = {(r.arch, r.task, r.seed): r for r in data.runs}
    ga.run_cell("lstm", "adding", seed, steps=5)                       # one-time costs of the process
    print(f"seed {seed}, one torch thread; run alone on the machine\n| task | variant | wall s (train + test) | "
          "matches the shipped cell |\n| --- | --- | ---: | --- |")
    for task in ga.TASKS:
        for arch in ga.ARCHS:
            fresh = ga.run_cell(arch, task, seed)
            ok = ga.match(fresh, shipped[(arch, task, seed)])["ok"] if (arch, task, seed) in shipped else None
            print(f"| {task} | {ga.LABELS[arch]} | "
                  f"{fresh.seconds:.1f} | {ok} |", flush=True)
    return 0


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--file", type=Path, default=ga.SHIPPED)
    p.add_argument("--time-seed", type=int, default=None, help="re-train this seed of every cell and time it")
    a = p.parse_args(argv)
    data = ga.load(a.file)
    if a.time_seed is not None:
        return time_cells(data, a.time_seed)
    s = gs.summarize(data.runs)
    print(f"Which gate matters: seeds {data.seeds}, torch {data.torch}, {data.machine}, computed {data.created}, "
          f"{data.total_seconds:.0f} s wall for the grid")
    print(say.definition({t: data.recipe[t]["steps"] for t in ga.TASKS}).replace("**", ""))
    for task in ga.TASKS:
        print(f"\n{ga.TASK_LABELS[task]} ({data.recipe[task]['steps']} steps)")
        widths = dict(variant=12, final=26, solved=6, **{"steps to solve": 22}, params=6, recurrent=9,
                      **{"wall s": 14, "vs V": 7})
        print("| " + " | ".join(f"{c:<{w}}" for c, w in widths.items()) + " |")
        print("|" + "|".join("-" * (w + 2) for w in widths.values()) + "|")
        for r in say.table_rows(s, task):
            print("| " + " | ".join(f"{str(r[c]):<{w}}" for c, w in widths.items()) + " |")
        print(say.task_summary(s, task))
        print(say.speed_summary(s, task))
        if task == "adding":
            print(say.adding_baseline(data.baselines["adding"], s.rows["adding"]))
        else:
            print(say.agreement_baseline(data.baselines["agreement"], data.recipe["agreement"]["distance"],
                                         data.baselines["agreement_n"]))
        for line in say.claim_lines(s, task):
            print(" - " + line.replace("**", "").replace("*", ""))
    print("\n" + say.claims_tally(s))
    return 0


if __name__ == "__main__":
    sys.exit(main())
