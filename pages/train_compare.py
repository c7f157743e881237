"""Train and compare — Train and compare: an LSTM and a simple RNN (GRU and LSTM variants optional) trained on the same task,
data and seeds, live, then measured the same way; the verdict is a learning curve over seeds. One call into
lstm_core.experiments.comparison_runs (the stored run for these settings, or a training that is then stored);
the result lives in st.session_state["tc_result"], so it survives page switches and the other pages can
inspect the trained models, and its id goes into the URL (run=<id>), so a reload or a shared link shows it
again (pages._ui.trained_result)."""
import time

import streamlit as st

from lstm_core import limits
from lstm_core.cells.variants import VARIANT_ARCHS, VARIANTS, spec_for_arch
from lstm_core.experiments import comparison, comparison_runs, shipped_measures
from lstm_core.experiments.learning_curves import THRESHOLD
from lstm_core.figures import comparison as comparison_figures
from lstm_core.narration import comparison as comparison_text
from lstm_core.narration.baselines import baselines_sentence
from lstm_core.training import queue
from pages._ui import (RUN_PARAM, TRAINED_RESULT, begin_page, bound_multiselect, bound_select, bound_slider, bound_toggle, caption, client_keys,
                       plot, show_error, trained_result)

RESULT, NOTE = TRAINED_RESULT, "tc_note"
RUNNING = "_tc_running"                      # {arch, step} while this session trains
LRS = ["0.0001", "0.0003", "0.001", "0.003", "0.005", "0.01", "0.03", "0.1", "0.3", "1", "3", "10"]
CLIPS = ["off", "0.25", "1", "5"]
DEFAULTS = comparison.CompareConfig()

begin_page()
st.title("Train and compare")
st.markdown(
    "Train an **LSTM** and a simple **RNN** on the same long-dependency task, with the same "
    "data stream, seeds, optimizer and number of steps, and watch what happens. Training runs on "
    "this server: one training at a time, others wait in a queue. Moving a setting while a "
    "training runs stops it (your previous results are kept).")

BASELINE_N = 1000


@st.cache_data(show_spinner="Measuring the shortcut baselines…", max_entries=8)
def shortcut_caption(distance: int) -> str:
    """What rules without memory or syntax score at this distance (lstm_core.data.baselines)."""
    return baselines_sentence(shipped_measures.reference_baselines(distance, BASELINE_N), distance, BASELINE_N)


@st.cache_resource
def pretrained_note() -> str:
    try:
        return comparison.pretrained_note()
    except Exception:  # noqa: BLE001 - a missing checkpoint only loses this sentence
        return ""


# ---------------------------------------------------------------------------- settings
c1, c2, c3 = st.columns(3)
task = bound_select("Task", list(comparison.TASK_LABELS), "agreement", key="task",
                    format_func=comparison.TASK_LABELS.get, container=c1)
span = bound_slider(comparison.SPAN_LABELS[task].capitalize(), comparison.SPAN_MIN[task],
                    comparison.PAGE_MAX_T, comparison.default_span(task), key="d", container=c1,
                    help="Agreement: training mixes distances 0..d, the test uses exactly d.")
hidden = bound_slider("Hidden size (units)", 4, limits.MAX_HIDDEN, DEFAULTS.hidden, key="hidden",
                      container=c2)
steps = bound_slider("Training steps (batches of 64)", 10, limits.MAX_STEPS,
                     comparison.DEFAULT_STEPS[task], key="steps", step=10, container=c2,
                     help="The default depends on the task (the command-line trainer's).")
lr = bound_select("Learning rate", LRS, f"{DEFAULTS.lr:g}", key="lr", container=c3)
opt = bound_select("Optimizer", ["adam", "sgd"], "adam", key="opt", container=c3,
                   format_func={"adam": "Adam", "sgd": "SGD (momentum 0.9)"}.get)
clip = bound_select("Gradient clipping (max norm)", CLIPS, "1", key="clipping", container=c3)
c4, c5, c6 = st.columns(3)
seed = bound_slider("First seed", 0, 99, 0, key="train_seed", container=c4)
n_seeds = bound_slider("Seeds", 1, 5, DEFAULTS.seeds, key="seeds", container=c4,
                       help="Every architecture is trained once per seed (first seed, first seed + 1, …), "
                            "one after another; the verdict reports the median and the spread.")
with_gru = bound_toggle("Also train a GRU", False, key="gru", container=c5)
FAMILY = {"lstm_2layer": "2-layer", "lstm_bidir": "bidirectional"}   # as in the URL: ?variants=2-layer
variants = bound_multiselect(
    "Also train LSTM variants", VARIANT_ARCHS + tuple(FAMILY), (), key="variants", container=c5,
    format_func=lambda a: FAMILY.get(a) or spec_for_arch(a).name,
    help="The variants of Greff et al. 2017, 'LSTM: A Search Space Odyssey' (each changes one thing in the "
         "LSTM with peepholes, V): " + "; ".join(f"{s.name}: {s.description}" for s in VARIANTS.values())
         + ". They train through a TorchScript cell, slower than the fused LSTM (the time estimate counts it). "
         "Also a 2-layer LSTM and a bidirectional one (torch's fused modules; the answer is still read at the "
         "last word, so the backward direction adds no look-ahead here).")
match = bound_toggle("Equal parameter count", DEFAULTS.match_params, key="match", container=c6,
                     help="On: the RNN (and GRU, and the variants) get the hidden size whose parameter count is "
                          "closest to the LSTM's. Off: every model has the same hidden size.")

mix = "uniform"
if task == "agreement":
    mix = bound_select("Training sentences", ["uniform", "short", "two-clause"], "uniform", key="mix", container=c4,
                       format_func={"uniform": "uniform 0..d", "short": "half the batches short (0..5)",
                                    "two-clause": "half the batches two-subject sentences"}.get,
                       help="uniform: each batch draws one distance in 0..d (the shipped models). "
                            "half short: a fixed mix, half the batches at distance 0..5, where even the RNN's "
                            "gradient reaches the subject. two-subject: half the batches read '… are old "
                            "and the dog … [is]' and must answer for the second subject (see Number units, "
                            "section 5; it needs more steps). The test always uses one clause at exactly d.")
cfg = comparison.CompareConfig(task=task, distance=span, hidden=hidden, steps=steps, lr=float(lr), train_mix=mix,
                            optimizer=opt, clip=None if clip == "off" else float(clip), seed=seed,
                            archs=("lstm", "rnn") + (("gru",) if with_gru else ()) + tuple(variants),
                            match_params=match, seeds=n_seeds)
try:
    cfg = cfg.resolved()
    estimate = comparison.estimate_seconds(cfg)
    sizes = {a: cfg.hidden_for(a) for a in cfg.archs}
    counts = {a: comparison.param_count(a, task, sizes[a]) for a in cfg.archs}
    st.markdown("**Models:** " + " · ".join(
        f"{a.upper()} {sizes[a]} units, {counts[a]:,} parameters" for a in cfg.archs)
        + f" · {cfg.seeds} seed{'s' if cfg.seeds > 1 else ''} each"
        + f" · estimated training time ≈ {estimate:.0f} s"
        + f" (limit {comparison.MAX_TRAIN_SECONDS:.0f} s)")
    over = estimate > comparison.MAX_TRAIN_SECONDS
    if over:
        show_error(ValueError(f"these settings would take about {estimate:.0f} s, over the "
                              f"limit of {comparison.MAX_TRAIN_SECONDS:.0f} s: lower the steps, "
                              "the seeds, the hidden size or the distance"), "Too much work")
except ValueError as e:
    show_error(e, "Settings")
    over = True
names = [a.upper() for a in cfg.archs]
clicked = st.button(f"Train {', '.join(names[:-1])} and {names[-1]}" if len(names) > 1 else f"Train {names[0]}",
                    type="primary",
                    disabled=over, key="tc_train", help="One training at a time on this server.")
slots = queue.SLOTS.state()
if slots["running"] or slots["waiting"]:
    st.caption(f"Right now {slots['running']} training running and {slots['waiting']} waiting "
               "on this server: yours would queue.")


# ---------------------------------------------------------------------------- training
def interrupted_note(where: dict) -> str:
    return (f"Training was interrupted at {(where.get('arch') or 'the queue').upper()}"
            + (f" step {where['step']}" if where.get("arch") else "")
            + " because the page reran (a setting changed). The previous results, if any, are kept.")


def live_training(cfg):
    """Run the comparison with live progress in an st.status; returns the result or None.
    While it runs, st.session_state[RUNNING] says where it is: a rerun that finds it there
    knows this training was interrupted (a moved widget stops the running script)."""
    curves = {a: ([], [], []) for a in cfg.archs}
    where = st.session_state[RUNNING] = {"arch": None, "step": 0}
    with st.status("Waiting for a training slot…", expanded=True) as status:
        queued_line, bar, line = st.empty(), st.progress(0.0), st.empty()
        chart = st.empty()
        last_draw = [0.0, 0]

        def draw(force=False):
            if force or time.perf_counter() - last_draw[0] > 0.4:
                last_draw[0] = time.perf_counter()
                last_draw[1] += 1
                acc = task != "adding"
                with chart:
                    plot(comparison_figures.training_curves({a: (s, l, (y if acc else None))
                                             for a, (s, l, y) in curves.items() if s},
                                            chance=comparison.CHANCE.get(task) if acc else None,
                                            height=300), key=f"tc_live_{last_draw[1]}")

        def progress(e):
            kind = e["event"]
            if kind == "queued":
                msg = (f"Queued: {e['running']} training running, you are number "
                       f"{e['position']} in line (waited {e['waited']:.0f} s).")
                status.update(label=msg, state="running", expanded=True)
                queued_line.info(msg, icon=":material/hourglass_top:")
            elif kind == "start":
                where["arch"], where["seed"] = e["arch"], e["seed"]
                where["index"], where["of"] = e["index"], e["of"]
                if e["index"] % len(cfg.archs) == 0:       # a new seed: the live chart restarts
                    for v in curves.values():
                        for column in v:
                            column.clear()
                status.update(label=f"Training {e['arch'].upper()}, seed {e['seed']} ({e['seed_index'] + 1} "
                                    f"of {e['seeds']} seeds; run {e['index'] + 1} of {e['of']})…",
                              state="running", expanded=True)
            elif kind == "step":
                a = e["arch"]
                where["step"] = e["step"]
                s, l, y = curves[a]
                s.append(e["step"])
                l.append(e["loss"])
                y.append(e["accuracy"])
                bar.progress(min(1.0, (where["index"] + e["step"] / e["steps"]) / where["of"]))
                acc = "" if e["accuracy"] is None else f", batch accuracy {e['accuracy']:.2f}"
                line.caption(f"{a.upper()} seed {e['seed']} step {e['step']}/{e['steps']}: loss "
                             f"{e['loss']:.4g}{acc}, {e['elapsed']:.1f} s")
                draw(e["step"] == e["steps"])
            elif kind == "done":
                line.caption(f"{e['arch'].upper()} seed {e['seed']}: {e['status']}")
            elif kind == "stored":
                where["stored"] = e["id"]
            elif kind == "same":
                msg = (f"Another visitor is training exactly these settings right now (run {e['id']}): "
                       f"waiting for that run instead of training again ({e['waited']:.0f} s).")
                status.update(label=msg, state="running", expanded=True)
                queued_line.info(msg, icon=":material/group:")
            elif kind == "sweep":
                status.update(label=f"Testing {e['arch'].upper()} at several distances…",
                              expanded=True)

        try:
            res = comparison_runs.comparison_for(cfg, progress=progress, owners=client_keys())
            st.session_state.pop(RUNNING, None)
        except queue.AlreadyQueued as e:
            st.session_state.pop(RUNNING, None)
            status.update(label="Already training", state="error", expanded=True)
            show_error(e, "Not trained")
            return None
        except queue.QueueTimeout as e:
            st.session_state.pop(RUNNING, None)
            status.update(label="Server busy", state="error", expanded=True)
            show_error(ValueError(str(e)), "Not trained")
            return None
        except ValueError as e:
            st.session_state.pop(RUNNING, None)
            status.update(label="Settings rejected", state="error", expanded=True)
            show_error(e, "Not trained")
            return None
        except Exception as e:  # noqa: BLE001 - never a traceback on the page
            st.session_state.pop(RUNNING, None)
            status.update(label="Training failed", state="error", expanded=True)
            show_error(e, "Training")
            return None
        except BaseException:
            # a rerun (a widget moved) or the session closing: keep the previous results
            st.session_state.pop(RUNNING, None)
            st.session_state[NOTE] = interrupted_note(where)
            raise
        if where.get("stored"):
            status.update(label=f"Already trained on this server (run {res.id}): shown without training again",
                          state="complete", expanded=False)
            return res
        draw(True)
        state = "error" if any(r.diverged for r in res.runs.values()) else "complete"
        status.update(label=f"Done in {res.seconds:.1f} s"
                            + (f" after {res.queued_seconds:.0f} s in the queue"
                               if res.queued_seconds >= 1 else ""), state=state, expanded=False)
    return res


if RUNNING in st.session_state:       # the last run of this page stopped in the middle of a training
    st.session_state[NOTE] = interrupted_note(st.session_state.pop(RUNNING))
if clicked and not over:
    st.session_state.pop(NOTE, None)
    res = live_training(cfg)
    if res is not None:
        st.session_state[RESULT] = res
        if res.id == comparison_runs.run_id(cfg):      # complete and stored: the URL names it (F5, a shared link)
            st.query_params[RUN_PARAM] = res.id
        else:                                           # stopped early: not stored, not addressable
            st.query_params.pop(RUN_PARAM, None)

if st.session_state.get(NOTE):
    st.warning(st.session_state[NOTE], icon=":material/stop_circle:")

# ---------------------------------------------------------------------------- results
res = trained_result()
linked = st.query_params.get(RUN_PARAM)
if linked and (res is None or res.id != linked) and not over and comparison_runs.run_id(cfg) == linked:
    st.info(f"The settings above are exactly those of run {linked}: press **Train** to train it again "
            f"(about {estimate:.0f} s; the same settings give the same run).", icon=":material/replay:")
if res is None:
    st.info("No results yet: choose settings and press the button. " + pretrained_note())
    st.stop()
addressable = res.id == comparison_runs.run_id(res.config)     # stored under its settings' id
if addressable and not linked:          # back from another page (navigation drops the URL's parameters)
    st.query_params[RUN_PARAM] = res.id

rc = res.config
st.header("Results")
st.caption(f"Trained with: {comparison.TASK_LABELS[rc.task]}, {comparison.SPAN_SHORT[rc.task]} "
           f"{rc.distance}, hidden {rc.hidden}{' (parameter-matched)' if rc.match_params else ''}, "
           f"{rc.steps} steps, {rc.optimizer} lr {rc.lr:g}, clipping "
           f"{'off' if rc.clip is None else rc.clip}, seeds {', '.join(map(str, rc.seed_list()))}. "
           "These results stay while you visit other pages."
           + (f" Run id {res.id}: a link with run={res.id} (this page's address) opens this run again, a reload "
              "or a link you share, while this server keeps it, without training." if addressable else
              " This run is not stored (it was stopped early, or the server could not write it), so it has "
              "no link."))
for s in comparison_text.status_lines(res):
    if "diverged" in s:
        st.error(s, icon=":material/error:")
    else:
        st.markdown(s)
st.subheader("Verdict: learning curves over seeds")
for s in comparison_text.verdict(res):
    st.markdown(s)
cvs = res.curves()
plot(comparison_figures.learning_curves({a: (cv.steps, *cv.band(), len(cv.seeds)) for a, cv in cvs.items()},
                                        metric=res.metric, threshold=THRESHOLD[res.metric],
                                        chance=comparison.CHANCE[rc.task] if res.metric == "accuracy" else None),
     key="tc_learning")
caption("Per architecture: the median over seeds of the training-batch metric, averaged over the last "
        f"{next(iter(cvs.values())).window} batches (line), and the lowest to highest seed (band). Dashed: "
        "the threshold the verdict uses; dotted: chance.")
st.markdown(comparison_text.summary(res))
for w in comparison_text.warnings(res):
    st.warning(w, icon=":material/warning:")
params = res.params()
st.markdown("**Parameters:** " + " · ".join(
    f"{a.upper()} {params[a]:,} ({r.config.hidden} units)" for a, r in res.runs.items()))
first = rc.seed_list()[0]
st.subheader(f"Seed {first}'s models in detail")

acc = rc.task != "adding"
plot(comparison_figures.training_curves({a: ([h["step"] for h in r.history], [h["loss"] for h in r.history],
                             [h["accuracy"] for h in r.history] if acc else None)
                         for a, r in res.runs.items()},
                        chance=comparison.CHANCE[rc.task] if acc else None), key="tc_curves")
caption("Training loss (left, log scale) and accuracy on each training batch (right; dotted: "
        "chance). Look for the step where a curve leaves the chance line, if it ever does.")
sw = {a: (d["x"], d["y"]) for a, d in res.by_distance.items()}
plot(comparison_figures.metric_vs_distance(sw, metric=res.metric, chance=comparison.CHANCE[rc.task],
                           trained_at=rc.distance, xaxis_title=comparison.SPAN_LABELS[rc.task]),
     key="tc_sweep")
caption(f"The test metric on {next(iter(res.by_distance.values()), {}).get('n', 'fresh')} fresh examples per "
        "point, at shorter and longer distances than the one trained on (dashed line). "
        + comparison_text.sweep_story(res))
if rc.task == "agreement":
    caption(shortcut_caption(rc.distance))

grads = {}
for a, r in res.runs.items():
    if r.grad_hidden is not None and r.grad_hidden.size:
        grads[f"{a.upper()} ‖∂L/∂h_t‖"] = (r.grad_steps, r.grad_hidden)
    if r.grad_cell is not None and r.grad_cell.size:
        grads[f"{a.upper()} ‖∂L/∂c_t‖"] = (r.grad_steps, r.grad_cell)
if grads:
    plot(comparison_figures.grad_heatmaps(grads), key="tc_grads")
    caption("Gradient norm reaching each time step of a fixed probe batch (the loss is read at "
            "the right edge), measured during training (one row per measurement). Look at how "
            "far to the left the colour survives in each model. " + comparison_text.grad_story(res))

st.subheader("Download")
d1, d2 = st.columns(2)
with d1:
    st.download_button("Training curves (CSV)", res.history_csv(), file_name=f"curves_{res.id}.csv",
                       mime="text/csv", on_click="ignore")
    st.download_button("Gradient norms (CSV)", res.grad_csv(), file_name=f"grad_norms_{res.id}.csv",
                       mime="text/csv", on_click="ignore")
with d2:
    for a in res.runs:
        try:
            weights, meta = res.export_weights(a)
        except Exception as e:  # noqa: BLE001
            show_error(e, f"{a.upper()} export")
            continue
        st.download_button(f"{a.upper()} weights (.safetensors)", weights,
                           file_name=f"{a}_{rc.task}_{res.id}.safetensors",
                           mime="application/octet-stream", on_click="ignore")
        st.download_button(f"{a.upper()} metadata (.json)", meta,
                           file_name=f"{a}_{rc.task}_{res.id}.json", mime="application/json",
                           on_click="ignore")
if rc.task == "agreement":
    st.page_link("pages/gates_over_time.py", label="See these models read a sentence: Gates over time",
                 icon=":material/traffic:",
                 query_params={"models": "trained", **({RUN_PARAM: res.id} if addressable else {})})
