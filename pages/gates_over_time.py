"""Gates over time: two or three trained models (LSTM, RNN, GRU; the user chooses) read the same
sentence; every gate and state of each per unit and token, and the predictions side by side. One call into lstm_core.experiments.inspection (cached); figures from lstm_core.figures.inspection; a shared
time cursor in a fragment so moving it reruns only the plots."""
import streamlit as st

from lstm_core import limits
from lstm_core.data import baselines, lexicon
from lstm_core.experiments import distance_profile, shipped_measures
from lstm_core.experiments import inspection as insp
from lstm_core.experiments import inspection_models as sources
from lstm_core.figures import inspection as inspection_figures
from lstm_core.figures import style
from lstm_core.narration.distance_profile import distance_sentence
from lstm_core.figures.style import ARCH_COLORS, ARCH_LABELS, OKABE_ITO
from lstm_core.narration.baselines import baselines_sentence
from lstm_core.training import registry, uploads
from lstm_core.training.trainer import TrainConfig
from pages._text import inert
from pages._ui import (
    TRAINED_RESULT,
    begin_page,
    bound_multiselect,
    bound_select,
    bound_slider,
    bound_text,
    caption,
    plot,
    show_error,
    trained_result,
)

RESULT = TRAINED_RESULT
PLAY, PLAY_EVERY = "_got_playing", 0.7     # play state, seconds per token
UPLOADS, FIGS = "_got_uploads", "_got_figures"
MAX_CHARS = 1000                          # typed sentence
VOCAB_ROWS = 200
KINDS = {"example": "an example", "generate": "generate one", "type": "type your own"}


@st.cache_resource(show_spinner="Loading the pretrained models…")
def pretrained(names: dict):
    """arch -> (SeqModel, description): shipped checkpoints, loaded once per server."""
    return registry.pretrained_models(names)


@st.cache_data(show_spinner="Measuring the shipped models at each distance…")
def distance_captions(names: dict) -> str:
    """What each shipped model answers at distance 0..30, measured on it (cached per server)."""
    return "  \n".join(distance_sentence(arch.upper(), acc, distance_profile.N)
                        for arch, acc in shipped_measures.shipped_profiles(names).items())


@st.cache_data(max_entries=32, show_spinner=False)
def inspection(model_key: str, sentence_key: tuple, _models: dict, _sentence, _sources: dict):
    """Cached per (models, sentence): the glass-core traces of both models."""
    return insp.inspect_sentence(_models, _sentence, _sources)


@st.cache_data(show_spinner=False)
def shortcut_caption(distance: int) -> str:
    """What rules without memory or syntax score on fresh sentences (lstm_core.data.baselines)."""
    n = baselines.REFERENCE_N
    return baselines_sentence(shipped_measures.reference_baselines(distance, n), distance, n)


begin_page()
st.title("Gates over time")
st.markdown("A trained **LSTM** and a trained simple **RNN** (and, if you choose it, a **GRU**) read a "
            "sentence and must tell whether its verb is singular or plural: the number of the subject, "
            "which can be many words back, behind nouns of the other number (*attractors*). Below: every "
            "gate and state of each model at every token, and what each model predicts.")

# ---------------------------------------------------------------------------- models
c1, c2 = st.columns([1, 2])
source = bound_select("Models", list(sources.SOURCES), "pretrained", key="models", container=c1,
                      help="; ".join(f"{k}: {v}" for k, v in sources.SOURCES.items()))
chosen = bound_multiselect("Compare", sources.ARCHS, sources.DEFAULT_ARCHS, key="compare", container=c1,
                           format_func=str.upper, max_selections=len(sources.ARCHS),
                           help="Two or three of the LSTM, the simple RNN and the GRU, read side by side.")
archs, note = sources.clean_archs(chosen)
if note:
    c1.info(note[0].upper() + note[1:] + ".")
upload = None
if source == "uploaded":
    files = c1.file_uploader("Checkpoint: .safetensors + .json metadata (one pair per model)",
                             type=["safetensors", "json"], accept_multiple_files=True,
                             key="got_files", max_upload_size=limits.MAX_UPLOAD_MB)
    if files:
        upload = uploads.load_once([(f.name, f.getvalue()) for f in files],
                                   st.session_state.setdefault(UPLOADS, {}))
try:
    got = sources.model_sources(source, archs, trained_result=trained_result(c1) if source == "trained" else None,
                                upload=upload, load=pretrained)
except Exception as e:  # noqa: BLE001 - a broken install must not show a traceback
    show_error(e, "Loading the pretrained models")
    st.stop()
for level, text in got.messages:
    if level == "error":
        c1.error(inert(text), icon=":material/block:")
    else:
        (c1.info if level == "info" else c1.caption)(text)
models, descs, model_key = got.models, got.descriptions, got.key
c1.caption("  \n".join(f"**{a.upper()}**: {inert(descs[a])}" for a in models))
if got.shipped:
    c1.caption(distance_captions(got.shipped))

# ---------------------------------------------------------------------------- sentence
kind = bound_select("Sentence", list(KINDS), "example", key="src", container=c2, radio=True,
                    help="; ".join(f"{k}: {v}" for k, v in KINDS.items()))
try:
    if kind == "example":
        ex = bound_select("Example", insp.EXAMPLES, insp.EXAMPLES[0], key="ex", container=c2,
                          help="Hand-written sentences (subject marked) and the tutorial "
                               "sentences of issue 11 (judged only against their typed verbs).")
        sentence = insp.example_sentence(ex)
    elif kind == "generate":
        g1, g2, g3 = c2.columns(3)
        dist = bound_slider("Distance (subject → verb)", 0, insp.MAX_DISTANCE, 12, key="dist",
                            container=g1)
        want = bound_slider("Attractors", 0, 10, 1, key="attr", container=g2,
                            help="Nouns of the other number between subject and verb.")
        seed = bound_slider("Sentence seed", 0, 99, 0, key="sent_seed", container=g3)
        n_attr, note = insp.fit_attractors(dist, want)
        if note:
            c2.info(note)
        sentence = insp.generate_sentence(dist, n_attr, seed)
    else:
        text = bound_text("Any text: the models read it up to its last verb that shows number",
                          "the keys to the old cabinet are", key="text", max_chars=MAX_CHARS,
                          container=c2)
        if len(text) >= MAX_CHARS:                     # cut by the text box: drop a cut word
            text = text.rsplit(None, 1)[0] if len(text.split()) > 1 else text
            c2.warning(f"Your text was cut to the text box's limit of {MAX_CHARS} characters.")
        sentence = insp.sentence_from_text(text)
except ValueError as e:
    show_error(e, "Sentence")
    st.stop()

s = sentence
if s.note:
    st.info(f"Sentence: {inert(s.note)}.")
unknown = {t: (typed, cls) for t, typed, cls in s.unknown}
words = []
for t, w in enumerate(s.tokens):
    if t in unknown:                               # an unknown word, shown with its class
        words.append(f":violet[{inert(unknown[t][0])}]:gray[{inert(unknown[t][1])}]")
    elif t == s.subject_pos:
        words.append(f"**{inert(w)}**")
    elif t in s.attractor_positions:
        words.append(f"_{inert(w)}_")
    elif any(t == c[0] for c in s.checks):
        words.append(f"`{w}`")
    else:
        words.append(inert(w))
verb = f" → **{s.verb}**" if s.verb else " → **?**"
st.markdown("#### " + " ".join(words) + verb)
facts = [f"{len(s.tokens)} tokens read"]
if s.subject_pos is not None:
    facts.append(f"the subject '{s.tokens[s.subject_pos]}' (bold) is {insp.NUMBER[s.label]}")
    facts.append(f"{s.distance} tokens between it and the verb")
    facts.append(f"{len(s.attractor_positions)} attractor(s) (italic)")
if s.checks:
    facts.append("agreeing verbs judged: " + ", ".join(f"'{v}' ({insp.NUMBER[n]})"
                                                     for _, v, n in s.checks))
elif kind != "generate":
    facts.append("no verb that shows number (is/are, was/were, has/have, likes/like …): the "
                 "predictions cannot be judged")
if s.unknown:
    facts.append("not in the vocabulary (violet, read as their class): " + ", ".join(
        f"'{inert(typed)}' → {cls}" for _, typed, cls in s.unknown))
if s.unread:
    facts.append(f"read up to the last agreeing verb '{s.verb}'; not read: '{inert(s.unread)}'")
st.caption(" · ".join(facts))

sentence_key = (kind, s.text, s.subject_pos, tuple(s.attractor_positions), tuple(s.surface or ()))
try:
    ins = inspection(model_key, sentence_key, models, s, descs)
except ValueError as e:
    show_error(e, "Models")
    st.stop()

# ---------------------------------------------------------------------------- predictions
cols = st.columns(len(ins.traces))
for col, (arch, tr) in zip(cols, ins.traces.items()):
    col.metric(f"{arch.upper()} predicts", tr.prediction, f"probability {tr.probability:.2f}",
               delta_color="off", delta_arrow="off", border=True)
    col.markdown(ins.verdict(arch))
caption(shortcut_caption(TrainConfig().distance))

with st.expander("Vocabulary: the words the models know"):
    query = st.text_input("Search the lexicon", "", key="got_vocab", max_chars=40,
                          placeholder="e.g. child, mice, were")
    hits, total = lexicon.search(query, limit=VOCAB_ROWS)
    st.caption(f"{len(lexicon.WORDS)} words in the lexicon; {total} match"
               + (f", the first {VOCAB_ROWS} shown" if total > VOCAB_ROWS else "")
               + ". Any other word is read as its class by shape: "
               + ", ".join(lexicon.UNK_CLASSES) + ".")
    if hits:
        # a static table (scrolling past 360 px): no data grid for the browser to load on a first visit
        st.table({"word": [w for w, _ in hits], "what it is": [k for _, k in hits]}, hide_index=True, height=360)


# ---------------------------------------------------------------------------- time cursor + plots
def toggle_play():
    st.session_state[PLAY] = not st.session_state.get(PLAY, False)
    if st.session_state[PLAY] and st.session_state.get("t", -1) >= len(ins.tokens) - 1:
        st.session_state["t"] = 0


T = len(ins.tokens)
focus = insp.follow_arch(ins.traces)                   # the model whose units are followed
main = ins.traces[focus]
FOCUS, LABELS = focus.upper(), ARCH_LABELS[focus]
LINES = {"lstm": (("cell", "c", "solid"), ("hidden", "h", "dash")),
         "gru": (("hidden", "h", "solid"), ("update_gate", "z", "dash")),
         "rnn": (("hidden", "h", "solid"),)}[focus]
marks = {"subject": s.subject_pos, "attractors": s.attractor_positions}
playing = bool(st.session_state.get(PLAY)) and T > 1
if T > 1:
    st.button("Pause" if playing else "Play: move the cursor through the sentence",
              icon=":material/pause:" if playing else ":material/play_arrow:",
              on_click=toggle_play, key="got_play_button")


def unit_lines(units, t):
    """The followed model's LINES (LSTM: c solid, h dashed) of the chosen units, one colour per unit."""
    series, colors, dashes = {}, {}, {}
    palette = [OKABE_ITO[k] for k in ("blue", "vermillion", "bluish_green", "reddish_purple",
                                      "orange", "sky_blue", "black", "grey")]
    for k, u in enumerate(units):
        for q, short, dash in LINES:
            name = f"unit {u} {short}"
            series[name] = main.arrays[q][:, u]
            colors[name], dashes[name] = palette[k % len(palette)], dash
    return inspection_figures.token_lines(series, ins.tokens, title=f"{FOCUS}: " + " and ".join(
                          f"{short} ({dash.replace('dash', 'dashed')})" for _, short, dash in LINES)
                          + " of the chosen units", yaxis_title="value", colors=colors, dashes=dashes, cursor=t,
                          marks=marks)


def figure(name: str, view: tuple, t: int, build):
    """This session's figure `name` for `view`, built once and then only its cursor moved:
    a cursor step costs a fraction of a ms instead of rebuilding ~10 ms figures."""
    memo = st.session_state.get(FIGS)
    if memo is None or memo.get("view") != view[:2]:
        memo = st.session_state[FIGS] = {"view": view[:2]}
    if memo.get(name, (None,))[0] != view:
        memo[name] = (view, build())
    return style.set_cursor(memo[name][1], t)


@st.fragment(run_every=PLAY_EVERY if playing else None)
def time_view():
    if st.session_state.get(PLAY) and T > 1:
        t_now = int(st.session_state.get("t", 0))
        if t_now >= T - 1:
            st.session_state[PLAY] = False
            st.rerun()                                 # full rerun: stop the timer
        st.session_state["t"] = min(t_now + 1, T - 1)
    if T > 1:
        if st.session_state.get("t") is not None and not 0 <= st.session_state["t"] < T:
            st.session_state["t"] = T - 1              # a shorter sentence than before
        t = bound_slider("Time cursor: token position", 0, T - 1, T - 1, key="t")
    else:
        t = 0
    st.markdown(f"Cursor at token **{t}: '{ins.tokens[t]}'** · "
                + " · ".join(f"{a.upper()} P(plural) = {tr.p_plural[t]:.2f}"
                             for a, tr in ins.traces.items()))

    H = main.hidden_size
    raw = st.query_params.get_all("follow")
    if raw:
        units, note = insp.clean_units(raw, H)
        if note:
            st.session_state["follow"] = units
            st.warning(f"URL parameter `follow`: {inert(note)}.", icon=":material/link:")
    chosen = st.session_state.get("follow")
    if chosen is not None:                                   # e.g. a smaller model now
        kept = [u for u in chosen if isinstance(u, int) and 0 <= u < H] \
            if isinstance(chosen, list) else []
        if kept != chosen:
            st.session_state["follow"] = kept
    units = st.multiselect(f"{FOCUS} units to follow (preselected: the two that push the final "
                           "prediction hardest)", list(range(H)), default=main.top_units(2),
                           key="follow", max_selections=insp.MAX_FOLLOW, bind="query-params")

    view = (model_key, sentence_key)
    left, right = st.columns(2)
    with left:
        if units:
            plot(figure("units", view + (tuple(units),), t, lambda: unit_lines(units, t)),
                 key="got_units")
            caption(" ".join(insp.describe_unit(ins, u, focus) for u in units[:3]))
        else:
            st.info("Pick one or more units above to follow their "
                    + " and ".join(short for _, short, _ in LINES) + ".")
    with right:
        plot(figure("prob", view, t, lambda: inspection_figures.token_lines(
            {a.upper(): tr.p_plural for a, tr in ins.traces.items()}, ins.tokens,
            title="P(plural) if the verb came after this token", yaxis_title="P(plural)",
            cursor=t, marks=marks, yrange=[0, 1], hline=0.5,
            colors={a.upper(): ARCH_COLORS[a] for a in ins.traces})), key="got_prob")
        caption("The readout applied to h_t at every token. " + insp.probability_story(ins)
                + " Look at whether each curve keeps the subject's number across the attractors.")

    if units:
        rows = {LABELS[q]: [round(float(main.arrays[q][t, u]), 3) for u in units]
                for q in insp.FIELDS[focus]}
        st.table({"quantity": list(rows)} | {f"unit {u}": [rows[q][k] for q in rows]
                                             for k, u in enumerate(units)})
        caption(f"The chosen {FOCUS} units' exact values at the cursor (token {t}, '{ins.tokens[t]}').")


# The heatmap grids sit outside the cursor's fragment and carry no cursor: they are the heaviest charts to
# redraw, and a cursor step would redraw all of them (bench/bench_browser.py: the cursor slider took p95
# ~330 ms with them, ~140 ms without). The cursor is on the line charts above.
# A model's panels as two one-column grids side by side, down the columns in the cell's order (LSTM: i f g | o c h):
# Streamlit stacks columns on a phone, so there the grid is one column (a two-column figure put its colour bars on
# the next panel's unit labels; browser test, issue 13)
def two_column_grid(arrays, names, prefix: str, keys: tuple, labels=None) -> None:
    half = -(-len(names) // 2)
    for col, part, key in zip(st.columns(2), (names[:half], names[half:]), keys):
        plot(inspection_figures.gate_grid(arrays, ins.tokens, part, marks=marks, cols=1, prefix=prefix,
                                          **({} if labels is None else dict(labels=labels))), key=key, container=col)


if "lstm" in ins.traces:
    two_column_grid(ins.traces["lstm"].arrays, insp.LSTM_FIELDS, "LSTM ", ("got_gates", "got_gates2"))
    caption("Each panel: one LSTM quantity, one row per unit, one column per token (subject in bold, attractors "
            "in italics). Gates run from 0 (white) to 1; g, c and h are signed (orange negative, blue positive). "
            "Look for units whose forget gate stays near 1 after the subject while their cell state holds its "
            "value: that is the memory. Hover a cell for its exact value.")
if "gru" in ins.traces:
    gru = ins.traces["gru"]
    two_column_grid(gru.arrays, insp.GRU_FIELDS, "GRU ", ("got_gru", "got_gru2"), labels=ARCH_LABELS["gru"])
    caption("Each panel: one GRU quantity, one row per unit, one column per token. The GRU has no cell state: "
            "h_t = z_t h_(t-1) + (1 - z_t) n_t, so an update gate z near 1 keeps h (the memory), the reset gate "
            "r decides how much of h_(t-1) the candidate n sees. "
            + ("" if focus == "gru" else "In the GRU: " + insp.describe_unit(ins, gru.top_units(1)[0], "gru")))
if "rnn" in ins.traces:
    plot(inspection_figures.gate_grid(ins.traces["rnn"].arrays, ins.tokens, ["hidden"], marks=marks, cols=1,
                                      prefix="RNN ", panel_height=300), key="got_rnn")
    caption("The RNN has only h: one row per unit. Its state is rewritten at every token by "
            "tanh(W_ih x_t + W_hh h_(t-1) + b), with no gate to protect a value; compare how long "
            "the pattern set at the subject survives here and in the gated models' memory.")

time_view()

st.download_button("Download these traces (CSV)", lambda: insp.traces_csv(ins),
                   file_name="gates_over_time.csv", mime="text/csv", on_click="ignore")
