"""Number units: find, plot, ablate and clamp the units that carry the subject's number.

Thin page: widgets -> one call into lstm_core.experiments.number_units -> figures from
lstm_core.figures.number_units. Everything the page says is generated from the computed arrays
(lstm_core.narration.number_units).
"""
import streamlit as st

from lstm_core.experiments import number_units as nu
from lstm_core.experiments.number_units import patching as pm
from lstm_core.experiments.number_units import shipped_live as live
from lstm_core.figures import number_units as nf
from lstm_core.figures.number_units_patching import patching_bars
from lstm_core.narration import number_units as say
from lstm_core.narration.number_units_patching import describe_patching
from pages._blocks import beside, choose
from pages._ui import begin_page, trained_result, bound_select, bound_slider, show_error

# what a selectbox shows (and the URL carries) -> the core's name
SHOWN = {"lstm": "LSTM", "gru": "GRU", "rnn": "RNN", "cell": "cell", "hidden": "hidden",
         "forget_gate": "forget gate", "update_gate": "update gate", "ablate": "ablate (0)",
         "plural": "clamp plural", "singular": "clamp singular",
         "subject": "at the subject", "subject_to_verb": "subject → verb",
         "lstm_two_clause": "LSTM trained on two-subject sentences too",
         "mine_lstm": "my LSTM (Train and compare)", "mine_gru": "my GRU (Train and compare)",
         "mine_rnn": "my RNN (Train and compare)"}
LABEL = {"lstm": "LSTM", "gru": "GRU", "rnn": "RNN (tanh)"}
SEEDS = 20
TOP_SHOWN = 10


# ----------------------------------------------------------------------------- cached work


@st.cache_data(max_entries=12, show_spinner=False)
def _summary(arch: str, seed: int) -> nu.Summary:
    """Seed 0 of the shipped models is read from lstm_core/precomputed (instant); other seeds are computed."""
    return nu.shipped_summary(arch, seed)


@st.cache_data(max_entries=24, show_spinner=False)
def _sweep(arch: str, seed: int, rank: str, mode: str, target: str) -> nu.Sweep:
    """Top-k vs random-k interventions for every k of the k selector (one cache entry per setting)."""
    return nu.shipped_sweep(arch, seed, rank, mode, target, summary=_summary(arch, seed))


@st.cache_data(max_entries=6, show_spinner=False)
def _my_summary(result_id: str, arch: str, seed: int, distance: int, _model) -> nu.Summary:
    """The analysis of a model trained on Train and compare (result_id names it; computed live)."""
    return nu.summarize(_model, seed=seed, distance=distance)


@st.cache_data(max_entries=12, show_spinner=False)
def _my_sweep(result_id: str, arch: str, seed: int, rank: str, mode: str, target: str, _model, _summary) -> nu.Sweep:
    return nu.sweep(_model, _summary, mode=mode, target=target, rank_field=rank)


@st.cache_data(max_entries=24, show_spinner=False)
def _my_check(result_id: str, arch: str, seed: int, rank: str, target: str, k: int, sentences: str, _model,
              _summary) -> nu.AblationCheck:
    """Top-k vs random-k ablation on CHECK_N fresh sentences, on a model trained on Train and compare."""
    return nu.ablation_check(_model, _summary, k=k, sentences=sentences, target=target, rank_field=rank)


@st.cache_data(max_entries=12, show_spinner=False)
def _my_patching(result_id: str, arch: str, seed: int, rank: str, k: int, where: str, _model, _summary):
    return pm.patching(_model, _summary, k=k, where=where, rank_field=rank)


# ----------------------------------------------------------------------------- the page

begin_page()
st.title("Number units")
st.markdown(
    "Lakretz et al. (2019) found that a large LSTM language model carries the subject's number "
    "(singular or plural) to the verb in a couple of **number units** (units 776 and 988 of 1300): "
    "ablate them and long-range agreement collapses. Here you repeat that experiment on our own "
    "agreement models, live: **find** candidate units, **plot** what they do over a sentence, "
    "**ablate or clamp** them through the glass-box core, and compare with the simple RNN.")

available = [a for a in live.PAGE_ARCHS if nu.has_pretrained(a)]
if not available:
    st.error("No shipped agreement model was found (lstm_core/pretrained). "
             "Train one with `python -m lstm_core.training --task agreement --save ...`.")
    st.stop()
result = trained_result()             # what Train and compare trained in this session
mine, why_not = nu.trained_models(result)

top_row = st.columns([1, 1, 1])
picked = choose("Model to analyse", available + [f"mine_{a}" for a in mine], SHOWN, available[0], "nu_model",
                container=top_row[0],
                help="A shipped agreement model, or one you trained on Train and compare (shown once you have). "
                     "Its units are ranked, plotted and ablated; the other models of the same kind are compared.")
family_is_mine = picked.startswith("mine_")
arch = picked.removeprefix("mine_")
family = list(mine) if family_is_mine else available        # the models compared with it, keyed by arch
NAME = f"your {LABEL[arch]}" if family_is_mine else LABEL[arch]
fields = nu.fields_of(arch)
if len(fields) > 1:
    rank = choose("Rank units by their state", fields, SHOWN, fields[0], "nu_rank", container=top_row[1],
                  help="Which state's separability ranks the units.")
else:
    rank = fields[0]
    top_row[1].caption(f"The {LABEL[arch]} has only a hidden state: units are ranked by h.")
seed = int(bound_select("Experiment seed", [str(i) for i in range(SEEDS)], "0", "nu_seed", container=top_row[2],
                        help="Draws every set of held-out sentences; same seed, same numbers. A new seed "
                             "re-runs the whole analysis (several seconds once, then cached); seed 0 of the shipped "
                             "models was computed ahead of time."))
st.caption(say.describe_trained_source(result, seed) if family_is_mine else say.describe_source(arch, seed))
if why_not:
    st.caption(f"Not offered: {why_not}.")


def analysis(a: str) -> nu.Summary:
    if family_is_mine:
        return _my_summary(result.id, a, seed, result.config.distance, _model=mine[a])
    return _summary(a, seed)


summaries = {}
try:
    for a in [arch] + [b for b in family if b != arch]:
        with st.spinner(f"Analysing the {LABEL[a]}: ranking units on held-out sentences, probes, "
                        "attractors, trajectories (once per model and seed)…"):
            summaries[a] = analysis(a)
except Exception as exc:  # noqa: BLE001 - shown as a clear message, logged
    show_error(exc, "number-unit analysis")
    st.stop()
s = summaries[arch]
H = s.hidden_size


# ----------------------------------------------------------------------------- 1. find

st.header("1 · Find the units that know the subject's number")


@st.fragment
def find_section():
    n_show = bound_slider("Units shown in the heatmap", 4, min(32, H), min(16, H), "nu_show")
    units = s.top(rank, n_show)
    fig = nf.separability_heatmap(s.separability(rank)[:, units].T, units, s.positions, field=rank)
    beside(fig, "nu_heat",
            "Each row is one unit, each column a token after the subject. Dark = the unit's value alone "
            "separates singular from plural subjects on held-out sentences (|2·AUC − 1| = 1); white = chance. "
            "Number units stay dark from the subject all the way to the verb.",
            say.describe_find(s, rank))
    fig = nf.unit_scores(s.score[rank], s.order[rank], n_show, field=rank)
    beside(fig, "nu_scores",
            "All units sorted by that score. A few tall bars and a cliff would mean a few dedicated number "
            "units; a long plateau means the number is spread over many units.")


find_section()

curves, colors, dashes = {}, {}, {}
for a, sa in summaries.items():
    for f in nu.fields_of(a):
        label = f"{a.upper()} {f}"
        curves[label] = sa.probe[f]
        colors[label] = nf.ARCH_COLORS[a]
        dashes[label] = "dot" if (a, f) == ("lstm", "hidden") else nf.ARCH_DASHES[a]
beside(nf.probe_curves(curves, s.positions, colors, dashes), "nu_probe",
        "A logistic-regression probe reads the subject's number from ALL units at one position, tested on "
        "held-out sentences (5-fold cross-validation). Before the subject no word reveals the number, so "
        "a probe can only guess (50%); watch how long each model keeps the number after it.",
        say.describe_probe(summaries))


# ----------------------------------------------------------------------------- 2. plot

st.header("2 · Watch a number unit over a sentence")


@st.fragment
def trajectory_section():
    c1, c2, c3 = st.columns(3)
    r = bound_slider("Unit of rank", 1, TOP_SHOWN, 1, "nu_unit", container=c1,
                     help="1 = the best number unit by the ranking above.")
    n_att = bound_slider("Attractors in the sentence", 0, nu.COUNTS[-1], 2, "nu_att", container=c2)
    gate = nu.GATE[arch]
    options = list(fields) + ([gate] if gate else [])
    if len(options) > 1:
        qty = choose("Show", options, SHOWN, options[0], "nu_qty", container=c3)
    else:
        qty = options[0]
        c3.caption("The simple RNN has only h to show.")
    unit = s.top(rank, r)[r - 1]
    t = s.templates[nu.COUNTS.index(n_att)]
    fig = nf.number_trajectory(t.mean[qty][:, :, unit], t.std[qty][:, :, unit], t.tokens, t.subject_pos,
                               t.attractor_positions, unit=unit, field=qty, n=t.n)
    beside(fig, "nu_traj",
            f"{t.n} sentences with the same structure (words resampled): half with a singular subject, half "
            "plural. A number unit splits the two bands at the subject and keeps them apart to the verb, "
            "whatever the attractors (dotted lines) say. For the forget gate: near 1 means 'keep'.",
            say.describe_trajectory(s, t, unit, qty))


trajectory_section()


# ----------------------------------------------------------------------------- 3. ablate / clamp

st.header("3 · Ablate or clamp them — and compare with random units")


@st.fragment
def ablation_section():
    ks = [str(k) for k in nu.curve_ks(H)]
    c1, c2, c3 = st.columns(3)
    k = int(bound_select("Number of units k", ks, str(nu.default_k(H)), "nu_k", container=c1,
                         help="The top-k ranked units, and k units drawn at random from the others."))
    mode = choose("Intervention", nu.MODES, SHOWN, "ablate", "nu_mode", container=c2,
                  help="Ablate = hold the units at 0. Clamp plural / singular = hold each unit at its own mean "
                  "value for plural / singular subjects. At every step.")
    if len(fields) > 1:
        target = choose("on the state", fields, SHOWN, fields[0], "nu_target", container=c3)
    else:
        target = fields[0]
        c3.caption("Interventions act on the hidden state h.")
    try:
        with st.spinner(f"Running the interventions for k = {', '.join(ks)} through the glass core on "
                        f"{s.n_eval_per_count * len(nu.COUNTS)} held-out sentences (once per setting)…"):
            sw = (_my_sweep(result.id, arch, seed, rank, mode, target, _model=mine[arch], _summary=s)
                  if family_is_mine else _sweep(arch, seed, rank, mode, target))
    except Exception as exc:  # noqa: BLE001
        show_error(exc, "ablation")
        return
    a = sw.at(k)
    st.info(say.describe_ablation(a))
    beside(nf.ablation_bars(nu.COUNTS, a.acc_intact, a.acc_top, a.acc_random, k=k, mode=mode), "nu_bars",
            f"Black: the intact model. Orange-red: the top {k} units intervened on at every step. Grey: {k} "
            f"units drawn at random from the other {H - k} (mean, bar = std over {len(a.acc_random)} draws). "
            "Dotted line: chance (50%). More attractors = harder sentences.")
    beside(nf.ablation_curve_figure(sw.ks, sw.acc_top, sw.acc_random, sw.acc_intact, k, mode=mode), "nu_curve",
            "The same intervention for every k (circle: the k chosen above). Where the orange-red line leaves "
            "the grey band, the ranked units matter more than random ones.", say.describe_sweep(sw))
    if mode != "ablate":
        return
    st.markdown(f"**The same ablation at scale** ({nu.CHECK_N:,} fresh sentences per set, 95% Wilson intervals):")
    with st.spinner(f"Ablating on {nu.CHECK_N:,} sentences of the attractor sets and of the training distribution…"):
        for sentences in nu.SENTENCES:
            check = (_my_check(result.id, arch, seed, rank, target, k, sentences, _model=mine[arch], _summary=s)
                     if family_is_mine else live.ablation_check(arch, seed, rank, target, k, sentences))
            st.markdown(say.describe_ablation_check(check))


ablation_section()


# ----------------------------------------------------------------------------- 3b. patch

st.header("3b · Patch them: copy the number in from the other sentence")


@st.fragment
def patching_section():
    st.markdown("Activation patching, a causal test: run the same sentence with the subject in the other "
                "number (*the key* ↔ *the keys*), copy the chosen units' values from that run into the original "
                "run, and see whether the verb's predicted number flips. Top-k ranked units against k random ones.")
    c1, c2 = st.columns(2)
    ks = [str(k) for k in nu.curve_ks(H)]
    k = int(bound_select("Units patched k", ks, str(nu.default_k(H)), "nu_patch_k", container=c1,
                         help="The top-k ranked units, and k units drawn at random from the others (5 draws)."))
    where = choose("Patch", pm.WHERE, SHOWN, "subject", "nu_patch_where", container=c2,
                   help="Copy the values at the subject only, or at every step from the subject to the verb.")
    try:
        with st.spinner(f"Patching {pm.PATCH_N * len(nu.COUNTS)} sentence pairs through the glass core…"):
            pt = (_my_patching(result.id, arch, seed, rank, k, where, _model=mine[arch], _summary=s)
                  if family_is_mine else live.patching(arch, seed, rank, k, where))
    except Exception as exc:  # noqa: BLE001
        show_error(exc, "patching")
        return
    beside(patching_bars(pt.flip_top, pt.interval_top, pt.flip_random, pt.interval_random, k=k, n=pt.n_pairs),
            "nu_patch", f"Orange-red: the top {k} units patched. Grey: {k} random units, one bar per draw. "
            f"Error bars: 95% Wilson intervals over the {pt.n_pairs} pairs counted.", describe_patching(pt))


patching_section()


# ----------------------------------------------------------------------------- 4. attractors

st.header("4 · Attractors: LSTM vs RNN, and one error up close")


@st.fragment
def attractor_section():
    beside(nf.attractor_accuracy({a: sa.acc_by_attractors for a, sa in summaries.items()}, nu.COUNTS), "nu_att_acc",
            "Attractors are intervening nouns of the other number ('the key to the cabinets …'). A model that "
            "only remembers the last noun falls to or below chance as they pile up.",
            say.describe_attractors(summaries))
    who = choose("Error case of", list(summaries), SHOWN, arch, "nu_err", container=st.columns([1, 2])[0])
    e, se = summaries[who].error_case, summaries[who]
    f = nu.fields_of(who)[0]
    units = se.top(f, 2)
    values = {f"unit {u} ({f})": e.values[f][:, u] for u in units}
    fig = nf.error_case_figure(e.tokens, e.p_correct, e.subject_pos, e.attractor_positions, e.turn_pos, values,
                               verb=e.verb, field=f)
    beside(fig, "nu_err_fig",
            "Top: the model's probability of the correct verb if the sentence stopped after each token. "
            "Bottom: its two best number units. The cross marks where the answer turned wrong.",
            say.describe_error_case(e, who))


attractor_section()


# ----------------------------------------------------------------------------- 5. forget gate

st.header("5 · The forget gate: hold the number, reset on a new subject?")


@st.fragment
def forget_section():
    c1, c2 = st.columns([2, 1])
    options = [picked] + (["lstm_two_clause"] if nu.has_pretrained("lstm_two_clause") else [])
    key = choose("Model", options, SHOWN, picked, "nu_fg_model", container=c1,
                 help="The model chosen at the top, or an LSTM trained the same way but with half its training "
                      "batches two-subject sentences, where the answer is the second subject's number.")
    with c2:
        n_units = bound_slider("Top units shown", 1, 6, 3, "nu_fg")
    try:
        with st.spinner("Analysing the two-subject LSTM (once per seed)…"):
            both = {**summaries, "lstm_two_clause": _summary("lstm_two_clause", seed)} if len(options) > 1 else summaries
    except Exception as exc:  # noqa: BLE001
        show_error(exc, "two-subject model")
        return
    sm = both[key] if key == "lstm_two_clause" else s
    f = rank if rank in nu.fields_of(sm.arch) else nu.fields_of(sm.arch)[0]
    two = sm.two_clause
    units = sm.top(f, n_units)
    marks = {two.subject1: "subject 1", two.verb1: "verb 1", two.subject2: "subject 2"}
    fig = nf.two_clause_figure(two.tokens, None if two.gate_mean is None else two.gate_mean[:, units],
                               None if two.gate_std is None else two.gate_std[:, units],
                               two.value_mean[f][:, :, units], units, marks, gate=two.gate, field=f, n=two.n)
    beside(fig, "nu_fg_fig",
            "Two clauses, subjects of opposite number: '… [subject 1] … verb 1 adjective … [subject 2] …', and "
            "the model must answer for subject 2. Top: the number units' gate (1 = keep the cell). Bottom: their "
            "state, split by the second subject's number — if the lines separate after subject 2, it reset.",
            say.describe_two_clause(two, units, sm.arch, SHOWN[key] if key == "lstm_two_clause" else NAME))
    st.markdown(say.describe_two_clause_models(
        both, {a: f"your {LABEL[a]}" for a in summaries} if family_is_mine else None))
    st.caption("The shipped LSTM, GRU and RNN were trained on one-clause sentences only: nothing in their training "
               "asked them to let go of a subject, so what you see is what they do anyway. The two-subject LSTM is "
               "the same recipe with half of its training batches two-clause sentences (`--train-mix two-clause`, "
               "1200 steps).")


forget_section()
