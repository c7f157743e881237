"""Stacked and bidirectional: where a 2-layer LSTM holds the subject's number, and a bidirectional LSTM on
a task whose answer lies after the token.

Thin page: widgets -> lstm_core.experiments.stacked_bidir (precomputed results, the shipped models on one
sentence) -> figures from lstm_core.figures.stacked_bidir; every sentence from lstm_core.narration.stacked_bidir.
"""
import streamlit as st

from lstm_core.experiments import stacked_bidir as sb
from lstm_core.figures import stacked_bidir as sf
from lstm_core.narration import stacked_bidir as say
from pages._blocks import beside, choose
from pages._ui import begin_page, bound_slider, show_error

TOP_UNITS = 8                    # units drawn per layer / direction in the heatmaps
N_SENTENCES = 10
SHOWN = {"cell": "cell state", "hidden": "hidden state", "layer 1": "layer 1", "layer 2": "layer 2",
         "both": "both", "forward": "forward", "backward": "backward"}


@st.cache_resource(show_spinner="Reading the precomputed analyses…")
def _results() -> dict:
    return sb.results()


@st.cache_resource(show_spinner=False)
def _model(kind: str):
    return sb.shipped(kind)[0]


@st.cache_resource(show_spinner=False)
def _sentences() -> tuple[list, list]:
    return sb.agreement_sentences(per_count=2), sb.task_sentences(n=N_SENTENCES)


begin_page()
st.title("Stacked and bidirectional")
st.markdown("Two members of the LSTM family the tutorials draw as boxes on boxes. A **stacked** LSTM feeds "
            "one layer's hidden states to a second layer: where does the second layer keep what the first "
            "one found? A **bidirectional** LSTM runs a second LSTM from the end of the sentence backwards: "
            "it can answer at a word from words that come *after* it, which a left-to-right network never can.")
missing = [k for k in sb.SHIPPED if not sb.has_shipped(k)]
if missing:
    st.error(f"The shipped models {', '.join(sb.SHIPPED[k] for k in missing)} were not found in "
             "lstm_core/training/pretrained; see its README for the commands that train them.")
    st.stop()
try:
    data = _results()
except Exception as exc:  # noqa: BLE001 - a clear message, never a traceback
    show_error(exc, "reading the analyses")
    st.stop()
layers, tasks = data["layers"], data["tasks"]
agreement_examples, task_examples = _sentences()

# ----------------------------------------------------------------------------- (a) stacked
st.header("Two layers: where is the subject's number held?")
st.markdown(f"A 2-layer LSTM (32 units per layer) trained on subject–verb agreement at distance "
            f"{layers[0].distance}, {len(layers)} seeds. A linear probe (logistic regression, 5-fold "
            "cross-validated on held-out sentences) tries to read the subject's number from all units of one "
            "layer at every token from the subject to the verb; each unit is scored by how well it alone "
            "separates singular from plural subjects (the *Number units* method).")
row = st.columns(3)
field = choose("State", ("cell", "hidden"), SHOWN, "cell", "sb_state", container=row[0],
               help="The cell state c_t or the hidden state h_t (what the next layer and the readout read).")
shown_layers = choose("Layers in the sentence view", ("both", "layer 1", "layer 2"), SHOWN, "both", "sb_layer",
                      container=row[1])
pick = bound_slider("Sentence", 1, len(agreement_examples), 1, "sb_sentence", container=row[2],
                    help=f"Held-out sentences, {len(agreement_examples) // 5} for each number of attractors 0–4.")

beside(sf.probe_by_position(sb.probe_bands(layers, field), layers[0].positions, sf.LAYER_COLORS), "sb_probe",
        "Each line is one layer; the band is the spread over seeds. The dashed line is chance. Look at the "
        "right end: the last token before the verb, where the model must answer.",
        say.describe_layers(layers, field))
beside(sf.layer_unit_scores({f"layer {i + 1}": [a.score[field][i] for a in layers]
                              for i in range(layers[0].num_layers)}, say.STRONG_SCORE, field=field),
        "sb_units", "Every unit of each layer, sorted by how well it alone tells singular from plural after the "
        "subject; one line per seed. Units above the dashed line are number units.")

first = layers[0]
s = sb.sentence_states(_model("stacked"), agreement_examples[pick - 1])
which = range(first.num_layers) if shown_layers == "both" else [int(shown_layers[-1]) - 1]
units = {f"layer {i + 1}": sb.ranked(first, field, i, TOP_UNITS) for i in which}
rows_ = {label: s.values[field][int(label[-1]) - 1][:, units[label]] for label in units}
marks = dict(subject=s.subject_pos, attractors=s.attractor_positions)
beside(sf.state_rows(rows_, units, s.tokens, marks=marks, field=field,
                      title=f"The best {TOP_UNITS} number units of each layer on one sentence (seed 0)"),
        "sb_sentence_states", "Rows are units (best first), columns tokens: the subject in bold, attractors "
        "in italics. A number unit turns one colour for a singular subject and the other for a plural one, and "
        "keeps it until the verb.", say.describe_layer_sentence(s, units))

# ----------------------------------------------------------------------------- (b) bidirectional
st.header("Bidirectional: an answer that lies in the future")
st.markdown(f"**The task (masked subject).** The same agreement sentences, read *through the verb*, with the "
            f"subject noun hidden: “near the door , the **&lt;unk&gt;** of the cabinets … **are**”. At the hidden "
            f"subject the network must say singular or plural. Determiners are number-neutral and the words "
            "before the subject are drawn independently of its number, so only the words after it — the verb, "
            "and relative-clause verbs that agree with it — tell the answer. A unidirectional LSTM (hidden 50) and "
            f"a bidirectional one (32 per direction) of about the same size are trained the same way "
            f"(same data, {len(tasks['bidir'])} seeds each).")
accs = {"bidirectional": [r.accuracy for r in tasks["bidir"]], "unidirectional": [r.accuracy for r in tasks["uni"]]}
params = {"bidirectional": tasks["bidir"][0].params, "unidirectional": tasks["uni"][0].params}
beside(sf.task_accuracy(accs, params), "sb_task_acc",
        "Bars are the mean over seeds, crosses single seeds; the dashed line is chance.", say.describe_tasks(tasks))
beside(sf.probe_by_position(sb.direction_bands(tasks), tasks["bidir"][0].positions, sf.DIRECTION_COLORS), "sb_dir_probe",
        "A probe per position on one direction's hidden states; the last position is the verb. The backward "
        "direction has read the verb from every position; the forward one only at the end.",
        say.describe_directions(tasks["bidir"]))

row = st.columns(2)
direction = choose("Direction", ("both", "forward", "backward"), SHOWN, "both", "sb_direction", container=row[0])
pick2 = bound_slider("Sentence ", 1, len(task_examples), 1, "sb_task_sentence", container=row[1],
                     help="Fresh masked-subject sentences at distance 30.")
sd = sb.sentence_directions(_model("bidir"), _model("uni"), task_examples[pick2 - 1], data["order"])
dirs = ("forward", "backward") if direction == "both" else (direction,)
dunits = {d: [int(u) for u in sd.order[d][:TOP_UNITS]] for d in dirs}
drows = {d: sd.values[d][:, dunits[d]] for d in dirs}
beside(sf.state_rows(drows, dunits, sd.tokens, marks=dict(subject=sd.subject_pos, attractors=sd.attractor_positions),
                      field="hidden", title="Forward and backward hidden states on one sentence (seed 0)"),
        "sb_directions", "One token axis for both directions. The forward rows change left to right, the backward "
        "rows right to left: from the verb (last token) back to the masked subject (bold).",
        say.describe_task_sentence(sd))
st.caption(f"Numbers precomputed from the shipped checkpoints by `{sb.PRECOMPUTE_COMMAND}` (seeds 1 and 2 are "
           "trained by it); the sentence views are computed live by the glass core.")
