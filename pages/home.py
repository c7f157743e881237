"""The landing page: the story in four steps, links to every page, classroom presets."""

import streamlit as st

from lstm_core.experiments import vanishing
from lstm_core.figures import style
from lstm_core.figures.vanishing import grad_norm_vs_distance
from lstm_core.narration.vanishing import contrast_sentence
from pages import _presets as presets
from pages._ui import begin_page, caption, plot

ANATOMY = "pages/cell_anatomy.py"
GATES = "pages/gates_over_time.py"
GRADIENTS = "pages/vanishing_gradients.py"
TRAIN = "pages/train_compare.py"
NUMBERS = "pages/number_units.py"
STACKED = "pages/stacked_bidirectional.py"
FORGET = "pages/learning_to_forget.py"
WHICH_GATE = "pages/which_gate.py"

PAGES = [     # every lesson page, in the order of the navigation: (script, label, icon, what it shows)
    (ANATOMY, "Cell anatomy", ":material/biotech:", "One LSTM step, every number visible."),
    (GATES, "Gates over time", ":material/traffic:", "A pretrained model reads a sentence."),
    (GRADIENTS, "Vanishing gradients", ":material/trending_down:", "‖∂L/∂h_t‖ vs distance, LSTM vs RNN."),
    (TRAIN, "Train and compare", ":material/fitness_center:", "Train an LSTM and an RNN on the same task."),
    (NUMBERS, "Number units", ":material/pin:", "Units that track singular / plural."),
    (STACKED, "Stacked and bidirectional", ":material/layers:",
     "Which layer of a 2-layer LSTM holds the number; a backward LSTM reads the answer from later words."),
    (FORGET, "Learning to forget", ":material/delete_sweep:",
     "The 1997 cell without a forget gate on a stream that is never reset."),
    (WHICH_GATE, "Which gate matters", ":material/rule:",
     "Greff et al.'s LSTM variants, trained over seeds, beside their findings."),
]

begin_page()
st.title("LSTM Lab")
st.markdown("Why does the LSTM remember what a simple recurrent network forgets? Four steps, each with a page "
            "where every number on screen is computed live by the real cell: nothing is pre-drawn.")

st.header("The story in four steps")
steps = st.columns(4)
with steps[0]:
    st.subheader("1 · The RNN")
    st.markdown("A simple recurrent network keeps one state and rewrites all of it at every step: "
                "h_t = tanh(W x_t + U h_(t-1) + b). Whatever it knew is squashed through the same weights "
                "again and again.")
    st.page_link(ANATOMY, label="An RNN step beside an LSTM step", icon=":material/biotech:",
                 query_params=presets.anatomy_query("is i=1, f=0 really a simple RNN?"))
with steps[1]:
    st.subheader("2 · Vanishing gradients")
    st.markdown("To learn from something d steps back, the error must travel back through d Jacobians "
                "diag(tanh′)·U. Their product shrinks (or blows up) exponentially with d: long-range "
                "lessons arrive too faint to learn from — unless training starts with short ones "
                "(try the half-short mix on *Train and compare*).")
    st.page_link(GRADIENTS, label="Measure the gradient vs distance", icon=":material/trending_down:")
with steps[2]:
    st.subheader("3 · The LSTM's gates")
    st.markdown("The LSTM adds a cell state c_t and three gates: the input gate i decides what to write, "
                "the forget gate f what to keep, the output gate o what to show as h_t.")
    st.page_link(ANATOMY, label="Take one cell apart", icon=":material/biotech:")
    st.page_link(GATES, label="Watch the gates read a sentence", icon=":material/traffic:")
with steps[3]:
    st.subheader("4 · The constant error carousel")
    st.markdown("Along the cell path c_t = f_t·c_(t-1) + i_t·g_t the error is multiplied only by the forget "
                "gates. With f ≈ 1 it rides back unchanged for many steps — but only then: an untrained LSTM "
                "with f ≈ 0.5 loses its gradient too.")
    st.page_link(GRADIENTS, label="Forget bias +3: the carousel at work", icon=":material/autorenew:",
                 query_params=presets.vanishing_query("LSTM forget-gate bias +3: the carousel carries the error"))
    st.page_link(TRAIN, label="Train both and compare", icon=":material/fitness_center:")

series = vanishing.carousel_contrast()
chart, words = st.columns([3, 2])
with chart:
    plot(grad_norm_vs_distance(
        series, title="Steps 2 and 4, measured",
        colors={k: style.ARCH_COLORS["rnn" if k.startswith("RNN") else "lstm"] for k in series},
        dashes={k: "dot" for k in series if k.endswith("+0")}), key="home_contrast")
with words:
    caption("What to look at: the slopes (log scale: a straight falling line is exponential decay). Compare the "
            "LSTM's cell path at torch's default forget-gate bias (dotted) with the same cell at a bias of +3. "
            + contrast_sentence(series))
    st.page_link(GRADIENTS, label="Change T, H, the init and the bias yourself", icon=":material/trending_down:")

st.header("The pages")
cols = st.columns(3)
for k, (script, label, icon, what) in enumerate(PAGES):
    with cols[k % 3]:
        st.page_link(script, label=label, icon=icon)
        st.caption(what)

st.header("Classroom presets")
st.markdown("Each link opens a page with its settings in the URL: copy the address bar to share the exact view.")
left, right = st.columns(2)
with left:
    st.markdown("**Cell anatomy**")
    for name in presets.ANATOMY_PRESETS:
        st.page_link(ANATOMY, label=f"{name} — {presets.ANATOMY_NOTES[name].split(':')[0]}", icon=":material/biotech:",
                     query_params=presets.anatomy_query(name))
with right:
    st.markdown("**Vanishing gradients**")
    for name in presets.VANISHING_PRESETS:
        st.page_link(GRADIENTS, label=name, icon=":material/trending_down:", query_params=presets.vanishing_query(name))
