"""Learning to forget: the 1997 LSTM cell (no forget gate) against the forget-gate LSTM on a continual
stream of agreement sentences, never reset (Gers, Schmidhuber & Cummins 2000).

Thin page: widgets -> one call into lstm_core.experiments.learning_to_forget (shipped models read by the
glass core over the test stream, cached per model and stream length) -> figures from
lstm_core.figures.learning_to_forget; every sentence from lstm_core.narration.learning_to_forget.
"""
import numpy as np
import streamlit as st

from lstm_core.experiments import learning_to_forget as lf
from lstm_core.figures import learning_to_forget as lff
from lstm_core.narration import learning_to_forget as say
from pages._ui import begin_page, bound_select, bound_slider, bullets, caption, plot, show_error, url_notes_banner

CHOICES = {
    "all three": ("forget", "nfg", "nfg_reset"),
    "forget-gate LSTM and 1997 cell": ("forget", "nfg"),
    "forget-gate LSTM": ("forget",),
    "1997 cell": ("nfg",),
    "1997 cell, trained with resets": ("nfg_reset",),
}
AUTO = "auto"


@st.cache_resource(max_entries=24, show_spinner="Reading the stream with the glass core…")
def traced(key: str, n_sentences: int) -> lf.StreamTrace:
    """One shipped model over the test stream of n sentences (read-only; slider reruns slice it)."""
    return lf.run(key, n_sentences)


@st.cache_data(show_spinner=False)
def summary() -> dict:
    return lf.load_summary()


begin_page()
st.title("Learning to forget")
st.markdown(
    "Sentences follow each other in one **continual stream** and the network's state is **never reset**. At the "
    "word before each sentence's verb the model says whether the verb is singular or plural. The 1997 LSTM cell "
    "has no forget gate: c_t = c_(t-1) + i_t·g_t, so nothing ever leaves its cell. The forget gate "
    "(Gers, Schmidhuber & Cummins 2000) lets the cell empty itself. Both cells here are Greff et al.'s, with "
    "peepholes, trained with one recipe: the forget gate is the only difference.")

top = st.columns(2)
row = st.columns(3)
which = bound_select("Models", list(CHOICES), "all three", "lf_models", container=top[0],
                     help="The 1997 cell trained with its state reset at every sentence is the control: can the "
                          "cell learn the task at all when its state cannot grow?")
n = bound_slider("Sentences in the test stream", lf.MIN_SENTENCES, lf.MAX_SENTENCES, lf.DEFAULT_SENTENCES, "lf_n",
                 step=10, container=top[1], help="Fresh sentences, never seen in training (subject-verb distance "
                                                 "0 to 12, as in training). About 21 tokens a sentence.")
pos = bound_slider("Window position (% of the stream)", 0, 100, 0, "lf_pos", container=row[0],
                   help="Where the token-by-token charts look: 0 = the stream's start, 100 = its end.")
span = bound_slider("Window length (tokens)", 40, 600, 160, "lf_len", step=20, container=row[1])
unit_pick = bound_select("Unit", [AUTO] + [str(u) for u in range(lf.MODELS["forget"].hidden)], AUTO, "lf_unit",
                         container=row[2], help="The unit of the line chart. auto: the forget-gate LSTM's unit "
                                                "whose forget gate dips most at the verb; the 1997 cell's "
                                                "largest |c|.")
url_notes_banner()

keys = CHOICES[which]
try:
    traces = {k: traced(k, n) for k in keys}
except Exception as exc:  # noqa: BLE001 - a clear message, never a traceback
    show_error(exc, "Could not read the shipped models")
    st.stop()
stream = next(iter(traces.values())).stream
T = len(stream)
tokens = stream.tokens
lo = int(round(pos / 100 * max(T - span, 0)))
hi = min(T, lo + span)
stats = {k: lf.stats(tr) for k, tr in traces.items()}

st.subheader("What happened")
st.markdown(say.verdict(stats))
bullets(f"{say.growth(k, stats[k])} {say.accuracy(k, stats[k])} {say.forget(k, stats[k])}" for k in keys)

st.header("The cell state along the stream")
plot(lff.cell_growth({k: np.abs(tr.cell).mean(1) for k, tr in traces.items()}, (lo, hi)), "growth")
caption(f"The whole stream ({T} tokens, {stream.n_sentences} sentences), log scale. A straight rising line is a "
        "state that grows without bound; the grey band is the window of the charts below.")
for k in keys:
    plot(lff.cell_heatmap(traces[k].cell, tokens, stream.starts, lo, hi, f"|c| per unit: {lff.LABELS[k]}"),
         f"heat_{k}")
caption(f"Tokens {lo}–{hi - 1}; dotted lines mark where a sentence starts. Each chart has its own colour scale: "
        "read the colour bar. Past |c| ≈ 3, tanh(c) is beyond ±0.99: the unit's output barely moves with its state.")

st.header("The forget gate at the boundaries")
gated = [k for k in keys if k == "forget"]
cols = st.columns(2)
plot(lff.forget_locked({k: lf.event_locked(traces[k].forget, stream.starts).mean(1) for k in keys},
                       "a sentence start"), "f_start", container=cols[0])
plot(lff.forget_locked({k: lf.event_locked(traces[k].forget, stream.verbs).mean(1) for k in keys},
                       "the verb"), "f_verb", container=cols[1])
caption("The forget gate averaged over units and over every sentence of the stream, by offset from the event "
        "(0: the sentence's first word, left; the verb itself, right). "
        "The verb is where the sentence's number stops mattering (its own verb has just shown it); the new "
        "subject comes a few words after the first word. The 1997 cell's line is 1: it has no gate to lower.")
if gated:
    tr = traces["forget"]
    locked = lf.event_locked(tr.forget, stream.verbs)
    unit = int(np.argmin(locked.min(0) - tr.forget.mean(0))) if unit_pick == AUTO else int(unit_pick)
    cols = st.columns(2)
    plot(lff.forget_locked_units(locked, "the verb"), "f_units", container=cols[0])
    plot(lff.unit_lines(tr.cell, tr.forget, tokens, stream.starts, lo, hi, unit, "forget"), "unit_f",
         container=cols[1])
    caption(f"Left: each unit's own forget gate around the verb (a mean over units can hide the few that reset). "
            f"Right: unit {unit}'s cell state and forget gate in the window.")
for k in [k for k in keys if k != "forget"]:
    tr = traces[k]
    unit = int(np.argmax(np.abs(tr.cell[-1]))) if unit_pick == AUTO else int(unit_pick)
    plot(lff.unit_lines(tr.cell, None, tokens, stream.starts, lo, hi, unit, k), f"unit_{k}")
    caption(f"{lff.LABELS[k]}: unit {unit}'s cell state in the window; without a forget gate it can only "
            "move by what the input gate lets in.")

st.header("Accuracy at the verbs along the stream")
bins = {}
for k, tr in traces.items():
    bins[(k, "carried")] = lf.binned(tr.acc_carry)
    bins[(k, "reset")] = lf.binned(tr.acc_reset)
plot(lff.accuracy_along(bins), "acc")
caption("Each point: the share of verbs predicted right in one tenth of the stream's sentences. Circles: the state "
        "carried over the whole stream; crosses: the same weights with the state reset at every sentence (the "
        "control). Dotted: chance (the labels are fair coins).")

with st.expander("Three seeds, the recipe and the training time"):
    try:
        s = summary()
        lines = []
        for k in lf.MODELS:
            spread = {}
            for name in ("acc_carry", "acc_reset", "cell_first", "cell_last", "train_seconds"):
                m, sd, n_seeds = lf.seed_spread(s, k, name)
                spread[name] = f"{m:.3g} ± {sd:.2g}"
            # one line per model, not a table: it wraps on a phone, where six columns did not fit
            lines.append(f"**{lff.LABELS[k]}**: accuracy {spread['acc_carry']} with the state carried, "
                         f"{spread['acc_reset']} reset at each sentence; mean |c| {spread['cell_first']} in the "
                         f"first tenth of the stream, {spread['cell_last']} in the last; training "
                         f"{spread['train_seconds']} s")
        bullets(lines)
        st.caption(f"Mean ± standard deviation over {n_seeds} seeds, on a test stream of "
                   f"{s['test_stream']['sentences']} sentences ({s['test_stream']['tokens']} tokens); "
                   f"{s['machine']}. Seed 0 is the model shown above. Regenerate: `{s['command']}`.")
        c = lf.MODELS["forget"]
        st.markdown(f"Recipe (every model): {c.hidden} hidden units, {c.embed_dim}-dimensional embedding, {c.lanes} "
                    f"streams read side by side in chunks of {c.chunk} tokens (truncated backpropagation through "
                    f"time, the state carried from chunk to chunk and never reset), {c.steps} chunks, Adam at "
                    f"{c.lr:g}, gradient clipping at {c.clip:g}, forget-gate bias {c.forget_bias:g} where there is "
                    f"a forget gate. The reset-trained control reads the same number of tokens per step as whole "
                    f"sentences, each from a zero state.")
    except Exception as exc:  # noqa: BLE001
        show_error(exc, "Could not read the shipped summary")
