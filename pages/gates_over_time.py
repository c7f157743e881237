"""Gates over time: a trained LSTM and a trained RNN read the same sentence; every gate
and state of the LSTM per unit and token, the RNN's hidden state, and both predictions side by
side. One call into lstm_core.experiments.inspection (cached); figures from lstm_core.figures.inspection; a shared
time cursor in a fragment so moving it reruns only the plots."""
import streamlit as st

from lstm_core import limits
from lstm_core.data import baselines, lexicon
from lstm_core.experiments import distance_profile
from lstm_core.experiments import inspection as insp
from lstm_core.figures import inspection as inspection_figures
from lstm_core.figures import style
from lstm_core.narration.distance_profile import distance_sentence
from lstm_core.figures.style import ARCH_COLORS, GATE_LABELS, OKABE_ITO
from lstm_core.narration.baselines import baselines_sentence
from lstm_core.training import registry, uploads
from lstm_core.training.trainer import TrainConfig
from pages._text import inert
from pages._ui import (
    TRAINED_RESULT,
    begin_page,
    bound_select,
    bound_slider,
    bound_text,
    caption,
    plot,
    show_error,
    trained_result,
)

RESULT = TRAINED_RESULT
PLAY, PLAY_EVERY = "_p2_playing", 0.7     # play state, seconds per token
UPLOADS, FIGS = "_p2_uploads", "_p2_figures"
MAX_CHARS = 1000                          # typed sentence
SOURCES = {"pretrained": "shipped pretrained",
           "curriculum": "shipped pretrained, RNN trained with half its batches short",
           "trained": "my trained models (Train and compare)",
           "uploaded": "uploaded checkpoint"}
VOCAB_ROWS = 200
KINDS = {"example": "an example", "generate": "generate one", "type": "type your own"}


@st.cache_resource(show_spinner="Loading the pretrained models…")
def pretrained(curriculum: bool = False):
    """arch -> (SeqModel, description): shipped checkpoints, loaded once per server."""
    return registry.pretrained_models(registry.PRETRAINED_CURRICULUM if curriculum else None)


@st.cache_data(show_spinner="Measuring the shipped models at each distance…")
def distance_captions(curriculum: bool) -> str:
    """What each shipped model answers at distance 0..30, measured on it (cached per server)."""
    names = registry.PRETRAINED_CURRICULUM if curriculum else registry.PRETRAINED
    return "  \n".join(distance_sentence(arch.upper(), acc, distance_profile.N)
                        for arch, acc in distance_profile.shipped_profiles(names).items())


@st.cache_data(max_entries=32, show_spinner=False)
def inspection(model_key: str, sentence_key: tuple, _models: dict, _sentence, _sources: dict):
    """Cached per (models, sentence): the glass-core traces of both models."""
    return insp.inspect_sentence(_models, _sentence, _sources)


@st.cache_data(show_spinner=False)
def shortcut_caption(distance: int) -> str:
    """What rules without memory or syntax score on fresh sentences (lstm_core.data.baselines)."""
    n = baselines.REFERENCE_N
    return baselines_sentence(baselines.reference_baselines(distance, n), distance, n)


begin_page()
st.title("Gates over time")
st.markdown("A trained **LSTM** and a trained simple **RNN** read a sentence and must tell whether "
            "its verb is singular or plural: the number of the subject, which can be many words "
            "back, behind nouns of the other number (*attractors*). Below: every gate and state "
            "of the LSTM at every token, the RNN's hidden state, and what each model predicts.")

# ---------------------------------------------------------------------------- models
c1, c2 = st.columns([1, 2])
source = bound_select("Models", list(SOURCES), "pretrained", key="models", container=c1,
                      help="; ".join(f"{k}: {v}" for k, v in SOURCES.items()))
try:
    base = pretrained(source == "curriculum")
except Exception as e:  # noqa: BLE001 - a broken install must not show a traceback
    show_error(e, "Loading the pretrained models")
    st.stop()
models = {a: base[a][0] for a in ("lstm", "rnn")}
descs = {a: base[a][1] for a in ("lstm", "rnn")}
model_key = source if source == "curriculum" else "pretrained"
if source == "trained":
    res = trained_result(c1)
    if res is None:
        c1.info("No trained models in this session yet: train some on **Train and compare**. "
                "Showing the shipped pretrained models.")
    elif res.config.task != "agreement":
        c1.info(f"Your trained models learned the '{res.config.task}' task, not sentences. "
                "Train on 'agreement' to read them here. Showing the shipped pretrained models.")
    else:
        for a, (m, d) in registry.trained_models(res).items():
            models[a], descs[a] = m, d
        model_key = f"trained:{res.id}"
elif source == "uploaded":
    files = c1.file_uploader("Checkpoint: .safetensors + .json metadata (one pair per model)",
                             type=["safetensors", "json"], accept_multiple_files=True,
                             key="p2_files", max_upload_size=limits.MAX_UPLOAD_MB)
    if files:
        blobs = [(f.name, f.getvalue()) for f in files]
        digest = uploads.digest(blobs)
        cache = st.session_state.setdefault(UPLOADS, {})
        if digest not in cache:
            cache.clear()                                    # keep one upload per session
            cache[digest] = uploads.load_uploads(blobs)
        loaded, problems = cache[digest]
        for p in problems:
            c1.error(inert(p), icon=":material/block:")
        for a, (m, d) in loaded.items():
            models[a], descs[a] = m, d
        if loaded:
            model_key = f"upload:{digest}"
    else:
        c1.caption("Uploads stay in this session only (they cannot be part of a shared link). "
                   "Until then: the shipped pretrained models.")
c1.caption("  \n".join(f"**{a.upper()}**: {inert(descs[a])}" for a in models))
if model_key in ("pretrained", "curriculum"):
    c1.caption(distance_captions(model_key == "curriculum"))

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
    query = st.text_input("Search the lexicon", "", key="p2_vocab", max_chars=40,
                          placeholder="e.g. child, mice, were")
    hits, total = lexicon.search(query, limit=VOCAB_ROWS)
    st.caption(f"{len(lexicon.WORDS)} words in the lexicon; {total} match"
               + (f", the first {VOCAB_ROWS} shown" if total > VOCAB_ROWS else "")
               + ". Any other word is read as its class by shape: "
               + ", ".join(lexicon.UNK_CLASSES) + ".")
    if hits:
        st.dataframe({"word": [w for w, _ in hits], "what it is": [k for _, k in hits]},
                     hide_index=True, width="stretch")


# ---------------------------------------------------------------------------- time cursor + plots
def toggle_play():
    st.session_state[PLAY] = not st.session_state.get(PLAY, False)
    if st.session_state[PLAY] and st.session_state.get("t", -1) >= len(ins.tokens) - 1:
        st.session_state["t"] = 0


T = len(ins.tokens)
lstm, rnn = ins.traces["lstm"], ins.traces["rnn"]
marks = {"subject": s.subject_pos, "attractors": s.attractor_positions}
playing = bool(st.session_state.get(PLAY)) and T > 1
if T > 1:
    st.button("Pause" if playing else "Play: move the cursor through the sentence",
              icon=":material/pause:" if playing else ":material/play_arrow:",
              on_click=toggle_play, key="p2_play_button")


def unit_lines(units, t):
    """c (solid) and h (dashed) of the chosen LSTM units, one colour per unit."""
    series, colors, dashes = {}, {}, {}
    palette = [OKABE_ITO[k] for k in ("blue", "vermillion", "bluish_green", "reddish_purple",
                                      "orange", "sky_blue", "black", "grey")]
    for k, u in enumerate(units):
        for q, dash in (("cell", "solid"), ("hidden", "dash")):
            name = f"unit {u} {'c' if q == 'cell' else 'h'}"
            series[name] = lstm.arrays[q][:, u]
            colors[name], dashes[name] = palette[k % len(palette)], dash
    return inspection_figures.token_lines(series, ins.tokens, title="LSTM: c (solid) and h (dashed) of the chosen "
                          "units", yaxis_title="value", colors=colors, dashes=dashes, cursor=t,
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

    H = lstm.hidden_size
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
    units = st.multiselect("LSTM units to follow (preselected: the two that push the final "
                           "prediction hardest)", list(range(H)), default=lstm.top_units(2),
                           key="follow", max_selections=insp.MAX_FOLLOW, bind="query-params")

    view = (model_key, sentence_key)
    left, right = st.columns(2)
    with left:
        if units:
            plot(figure("units", view + (tuple(units),), t, lambda: unit_lines(units, t)),
                 key="p2_units")
            caption(" ".join(insp.describe_unit(ins, u) for u in units[:3]))
        else:
            st.info("Pick one or more units above to follow their c and h.")
    with right:
        plot(figure("prob", view, t, lambda: inspection_figures.token_lines(
            {a.upper(): tr.p_plural for a, tr in ins.traces.items()}, ins.tokens,
            title="P(plural) if the verb came after this token", yaxis_title="P(plural)",
            cursor=t, marks=marks, yrange=[0, 1], hline=0.5,
            colors={a.upper(): ARCH_COLORS[a] for a in ins.traces})), key="p2_prob")
        caption("The readout applied to h_t at every token. " + insp.probability_story(ins)
                + " Look at whether each curve keeps the subject's number across the attractors.")

    if units:
        rows = {GATE_LABELS[q]: [round(float(lstm.arrays[q][t, u]), 3) for u in units]
                for q in insp.LSTM_FIELDS}
        st.table({"quantity": list(rows)} | {f"unit {u}": [rows[q][k] for q in rows]
                                             for k, u in enumerate(units)})
        caption(f"The chosen units' exact values at the cursor (token {t}, '{ins.tokens[t]}').")


# The heatmap grids sit outside the cursor's fragment and carry no cursor: they are the heaviest charts to
# redraw, and a cursor step would redraw all of them (bench/bench_browser.py: the cursor slider took p95
# ~330 ms with them, ~140 ms without). The cursor is on the line charts above.
# two one-column grids side by side, down the columns in the cell's order (i f g | o c h): Streamlit stacks
# columns on a phone, so there the grid is one column (a two-column figure put its colour bars on the next
# panel's unit labels; browser test, issue 13)
half = -(-len(insp.LSTM_FIELDS) // 2)
for col, names, key in zip(st.columns(2), (insp.LSTM_FIELDS[:half], insp.LSTM_FIELDS[half:]), ("p2_gates", "p2_gates2")):
    plot(inspection_figures.gate_grid(lstm.arrays, ins.tokens, names, marks=marks, cols=1, prefix="LSTM "),
         key=key, container=col)
caption("Each panel: one LSTM quantity, one row per unit, one column per token (subject in bold, attractors "
        "in italics). Gates run from 0 (white) to 1; g, c and h are signed (orange negative, blue positive). "
        "Look for units whose forget gate stays near 1 after the subject while their cell state holds its "
        "value: that is the memory. Hover a cell for its exact value.")
plot(inspection_figures.gate_grid(rnn.arrays, ins.tokens, ["hidden"], marks=marks, cols=1, prefix="RNN ",
                                  panel_height=300), key="p2_rnn")
caption("The RNN has only h: one row per unit. Its state is rewritten at every token by "
        "tanh(W_ih x_t + W_hh h_(t-1) + b), with no gate to protect a value; compare how long "
        "the pattern set at the subject survives here and in the LSTM's c panel.")

time_view()

st.download_button("Download these traces (CSV)", lambda: insp.traces_csv(ins),
                   file_name="gates_over_time.csv", mime="text/csv", on_click="ignore")
