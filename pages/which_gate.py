"""Which gate matters: the LSTM variants of Greff et al. 2017, trained on agreement and on the adding problem
over several seeds, beside what Greff et al. report. Thin page: the shipped grid
(lstm_core.experiments.gate_ablation, no training to open it) -> stats (gate_ablation_stats) -> sentences
(narration.gate_ablation) and figures (figures.gate_ablation); one cell can be trained again live through
the server's training queue."""
import streamlit as st

from lstm_core.experiments import gate_ablation as ga
from lstm_core.experiments import gate_ablation_stats as gs
from lstm_core.figures import gate_ablation as gf
from lstm_core.narration import gate_ablation as say
from lstm_core.training import queue
from pages._ui import (begin_page, bound_select, bound_slider, bullets, caption, client_keys, plot, show_error,
                       url_notes_banner)

FRESH = "wg_fresh"              # session: {(arch, task, seed): CellRun} trained live on this page

begin_page()
st.title("Which gate matters")
st.markdown(
    "The LSTM has three gates, two squashing functions and (in Greff's vanilla form) peepholes. Which of "
    f"them does the work? **{gs.CITATION}** trained eight variants, each missing one part, on speech, "
    "handwriting and music. Here the same variants are trained on two of our tasks — subject-verb "
    "agreement and the adding problem — with the same recipe, several seeds each. The numbers below were "
    "computed ahead of time by the real trainer (the page opens without training); any cell can be trained "
    "again here.")
banner = st.container()


@st.cache_resource(show_spinner=False)
def shipped():
    data = ga.load_shipped()
    return data, gs.summarize(data.runs)


try:
    data, summary = shipped()
except (OSError, ValueError) as e:
    show_error(ValueError(f"the shipped results could not be read: {e}"), "Results")
    st.stop()

task = bound_select("Task", list(ga.TASKS), "agreement", key="task",
                    help="; ".join(f"{t}: {label}" for t, label in ga.TASK_LABELS.items()))
st.markdown(f"**{ga.TASK_LABELS[task]}**")
rows = summary.rows.get(task, {})
archs = [a for a in ga.ARCHS if a in rows]
metric = ga.metric_of(task)
labels = [ga.LABELS[a] for a in archs]
ref_index = archs.index(summary.reference) if summary.reference in archs else None
budget = {t: data.recipe[t]["steps"] for t in ga.TASKS if t in data.recipe}

st.markdown(say.task_summary(summary, task))
st.markdown(say.speed_summary(summary, task))

st.subheader("Steps to solve")
plot(gf.spread_bars(labels, [rows[a].reached for a in archs], title=f"Steps to {say.threshold_text(metric)}",
                    xaxis_title="training step (batches of 64)", reference=ref_index,
                    never_at=float(budget[task])), key="wg_steps")
caption(say.definition(budget) + " Bar: median over seeds; whisker: fastest to slowest seed; dots: seeds; "
        "red crosses: seeds that never got there (drawn at the budget). Dark bar: Greff's vanilla LSTM (V).")

st.subheader("Final test " + ("accuracy" if metric == "accuracy" else "MSE"))
if metric == "accuracy":
    b = data.baselines["agreement"]
    fig = gf.spread_bars(labels, [rows[a].finals for a in archs], title="Test accuracy at distance 30",
                         xaxis_title="accuracy (%)", reference=ref_index, percent=True, x_range=[45, 100.5],
                         threshold=gs.THRESHOLD["accuracy"], baseline=max(b.values()),
                         baseline_label="best shortcut")
    note = say.agreement_baseline(b, data.recipe["agreement"]["distance"], data.baselines["agreement_n"])
else:
    b = data.baselines["adding"]
    fig = gf.spread_bars(labels, [rows[a].finals for a in archs], title="Test MSE (log scale)",
                         xaxis_title="MSE (lower is better)", reference=ref_index, log_x=True,
                         threshold=gs.THRESHOLD["mse"], baseline=b["predict_the_mean"], baseline_label="predict the mean")
    note = say.adding_baseline(b, rows)
plot(fig, key="wg_final")
caption(f"On {data.test_size} fresh test examples per seed after the full budget. Dashed: the threshold; "
        "dotted: " + ("the best shortcut (the axis starts at 45%, chance is 50%). " if metric == "accuracy"
                      else "always answering the mean. ") + note)

st.subheader("The table")
table = say.table_rows(summary, task)
plot(gf.table({c: [r[c] for r in table] for c in say.TABLE_COLUMNS}, widths=[1.2, 1.8, 0.8, 1.5, 1.2, 1.4, 1.1],
              lines=3), key="wg_table")
caption("final: median test " + ("accuracy" if metric == "accuracy" else "MSE") + " over seeds (lowest–highest); "
        "solved: seeds whose test metric meets the threshold; steps to solve: median (fastest–slowest seed that "
        "got there) · seeds that got there; vs V: the comparison below. "
        f"Seeds {', '.join(map(str, data.seeds))}; wall time per run (training + test) on a shared machine "
        f"({data.machine}), torch {data.torch}, trained {data.created}. Parameters: the whole model "
        "(input layer, recurrent layer, readout): " + ", ".join(
            f"{ga.LABELS[a]} {rows[a].recurrent_params:,}" for a in archs) + " of them in the recurrent layer.")

st.subheader(f"What {gs.CITATION.split(',')[0]} found, and what we find")
bullets(say.claim_lines(summary, task))
st.markdown(say.claims_tally(summary))
caption(say.verdict_rule())

# ---------------------------------------------------------------------------- one cell, live
st.subheader("Train one cell again")
c1, c2 = st.columns(2)
arch = bound_select("Variant", list(ga.ARCHS), "lstm_nfg", key="variant", container=c1,
                    format_func=lambda a: a.removeprefix("lstm_").upper(),
                    help="; ".join(f"{ga.LABELS[a]}: {ga.DESCRIPTIONS[a]}" for a in ga.ARCHS))
if len(data.seeds) > 1:
    seed = bound_slider("Seed", min(data.seeds), max(data.seeds), min(data.seeds), key="seed", container=c2)
else:
    seed = data.seeds[0]
url_notes_banner(banner)
st.caption(f"{ga.LABELS[arch]}: {ga.DESCRIPTIONS[arch]}. Trains on {ga.TASK_LABELS[task].lower()} with the "
           f"recipe above ({budget[task]} steps), seed {seed}"
           + (f"; the shipped runs of this cell took a median {rows[arch].seconds_median:.0f} s of wall time on "
              "the shared machine that made the table (less on a quiet one)." if arch in rows else "."))
shipped_run = data.cell(arch, task, seed)
fresh = st.session_state.setdefault(FRESH, {})
if st.button("Train this cell", type="primary", key="wg_train"):
    with st.status("Waiting for a training slot…", expanded=True) as status:
        bar, line = st.progress(0.0), st.empty()

        def progress(e):
            if e["event"] == "queued":
                status.update(label=f"Queued: number {e['position']} in line ({e['waited']:.0f} s)")
            elif e["event"] == "step":
                bar.progress(min(1.0, e["step"] / e["steps"]))
                if e["step"] % 50 == 0 or e["step"] == e["steps"]:
                    status.update(label=f"Training {ga.LABELS[arch]}, seed {seed}…")
                    line.caption(f"step {e['step']}/{e['steps']}, loss {e['loss']:.4g}, {e['elapsed']:.1f} s")
        try:
            fresh[(arch, task, seed)] = ga.run_cell_queued(arch, task, seed, progress=progress, owners=client_keys())
            status.update(label="Done", state="complete", expanded=False)
        except (queue.AlreadyQueued, queue.QueueTimeout) as e:
            status.update(label="Not trained", state="error")
            show_error(ValueError(str(e)), "Not trained")
        except ValueError as e:
            status.update(label="Settings rejected", state="error")
            show_error(e, "Not trained")
        except Exception as e:  # noqa: BLE001 - never a traceback on the page
            status.update(label="Training failed", state="error")
            show_error(e, "Training")
run = fresh.get((arch, task, seed))
if run is None:
    st.info("Not trained here yet: press the button to train this cell and compare it with the shipped run.",
            icon=":material/replay:")
else:
    m = ga.match(run, shipped_run) if shipped_run is not None else None
    st.markdown(say.rerun_sentence(run, shipped_run, m))
ref_run = data.cell(summary.reference, task, seed)
curves = {}
if ref_run is not None and arch != summary.reference:
    curves[f"{ga.LABELS[summary.reference]} (shipped)"] = [ref_run.curve]
if shipped_run is not None:
    curves[f"{ga.LABELS[arch]} (shipped)"] = [shipped_run.curve]
if run is not None:
    curves[f"{ga.LABELS[arch]} (trained now)"] = [run.curve]
if curves:
    plot(gf.curves_band(curves, every=ga.CURVE_EVERY, title=f"Seed {seed}: the training curve",
                        yaxis_title="training accuracy (%)" if metric == "accuracy" else "training MSE (log)",
                        threshold=gs.THRESHOLD[metric], percent=metric == "accuracy", log_y=metric == "mse"),
         key="wg_curve")
    caption(f"The training-batch metric averaged over the last 20 batches (every {ga.CURVE_EVERY}th step "
            "shown); dashed: the threshold of 'steps to solve'. A re-run on the same kind of machine should "
            "lie exactly on the shipped curve.")
