"""The landing page: the story in four steps, links to every page, classroom presets."""

import streamlit as st

from pages import _presets as presets
from pages._ui import begin_page

ANATOMY = "pages/cell_anatomy.py"
GATES = "pages/gates_over_time.py"
GRADIENTS = "pages/vanishing_gradients.py"
TRAIN = "pages/train_compare.py"
NUMBERS = "pages/number_units.py"
WHICH_GATE = "pages/which_gate.py"

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

st.header("The pages")
pages = st.columns(5)
pages[0].page_link(ANATOMY, label="Cell anatomy", icon=":material/biotech:", help="One LSTM step, every number visible.")
pages[1].page_link(GATES, label="Gates over time", icon=":material/traffic:", help="A pretrained model reads a sentence.")
pages[2].page_link(GRADIENTS, label="Vanishing gradients", icon=":material/trending_down:", help="‖∂L/∂h_t‖ vs distance, LSTM vs RNN.")
pages[3].page_link(TRAIN, label="Train and compare", icon=":material/fitness_center:", help="Train an LSTM and an RNN on the same task.")
pages[4].page_link(NUMBERS, label="Number units", icon=":material/pin:", help="Units that track singular / plural.")
pages[4].page_link(WHICH_GATE, label="Which gate matters", icon=":material/rule:",
                   help="Greff et al.'s LSTM variants, trained over seeds, beside their findings.")

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
