"""Cell anatomy: one LSTM step with live numbers (lstm_core.experiments.anatomy does the work)."""

import streamlit as st

from lstm_core.experiments import anatomy
from lstm_core.figures import anatomy as anatomy_figures
from lstm_core.narration import anatomy as anatomy_text
from pages import _presets as presets
from pages._equations import equations
from pages._ui import (begin_page, bound_select, bound_slider, bound_toggle, bullets, caption, plot, show_error,
                      url_notes_banner)

GATE_TITLES = {"i": "input gate i", "f": "forget gate f", "g": "candidate g", "o": "output gate o"}


@st.cache_data(max_entries=256, show_spinner=False)
def one_step(settings: tuple) -> anatomy.Step:
    return anatomy.step(dict(settings))


def apply_preset(name: str) -> None:
    """Button callback: every setting back to its default, then the preset's values (URL follows)."""
    values = dict(anatomy.DEFAULTS)
    values.update(presets.ANATOMY_PRESETS[name])
    for key, value in values.items():
        st.session_state[key] = value
    st.session_state["_anatomy_preset"] = name


begin_page()
st.title("Cell anatomy")
st.markdown("One step of an LSTM cell, every number visible. Move a slider: the equations, the diagram and "
            "the RNN comparison are recomputed by the real cell (a traced `GlassLSTM` step).")

st.markdown("**Presets that teach**")
cols = st.columns(len(presets.ANATOMY_PRESETS))
for col, name in zip(cols, presets.ANATOMY_PRESETS):
    col.button(name, on_click=apply_preset, args=(name,), key=f"preset_{name}", width="stretch")

# ----------------------------------------------------------------------------- controls (sidebar)
side = st.sidebar
side.header("The cell")
D = anatomy.DEFAULTS
settings = {
    "units": bound_select("Units", [1, 2], D["units"], "units", container=side, radio=True,
                      help="A 1- or 2-unit cell with one input feature."),
    "forget_gate": bound_toggle("Forget gate", D["forget_gate"], "forget_gate", container=side,
                                help="Off = the 1997 LSTM: f_t = 1 always."),
    "clamp": bound_select("Hold gates (intervention)", list(anatomy.CLAMPS), D["clamp"], "clamp", container=side,
                          help="Clamp gates to fixed values inside the real cell."),
}
H = settings["units"]
lo, hi = anatomy.STATE_RANGE
side.subheader("Inputs and previous state")
settings["x"] = bound_slider("x_t (input)", lo, hi, D["x"], "x", step=0.1, container=side)
for u in range(H):
    settings[f"h_prev{u}"] = bound_slider(f"h_(t-1), unit {u}", lo, hi, D[f"h_prev{u}"], f"h_prev{u}", step=0.1,
                                          container=side)
    settings[f"c_prev{u}"] = bound_slider(f"c_(t-1), unit {u}", lo, hi, D[f"c_prev{u}"], f"c_prev{u}", step=0.1,
                                          container=side)
side.subheader("Weights and biases")
wlo, whi = anatomy.WEIGHT_RANGE
for k in anatomy.GATES:
    box = side.expander(GATE_TITLES[k], expanded=(k == "f"))
    if k == "f" and not settings["forget_gate"]:
        box.caption("No forget gate in the 1997 cell: these weights are unused.")
    for u in range(H):
        settings[f"W{k}{u}"] = bound_slider(f"W_{k}, unit {u} (input)", wlo, whi, D[f"W{k}{u}"], f"W{k}{u}",
                                            step=0.1, container=box)
        for v in range(H):
            settings[f"U{k}{u}{v}"] = bound_slider(f"U_{k}, unit {u} ← h unit {v}", wlo, whi, D[f"U{k}{u}{v}"],
                                                   f"U{k}{u}{v}", step=0.1, container=box)
        settings[f"b{k}{u}"] = bound_slider(f"b_{k}, unit {u} (bias)", wlo, whi, D[f"b{k}{u}"], f"b{k}{u}", step=0.1,
                                            container=box)

url_notes_banner()
chosen = st.session_state.get("_anatomy_preset")
if chosen and all(settings.get(k, v) == v for k, v in presets.ANATOMY_PRESETS[chosen].items()):
    st.info(f"**Preset: {chosen}** — {presets.ANATOMY_NOTES[chosen]}")

# ----------------------------------------------------------------------------- one call
try:
    step = one_step(tuple(sorted(settings.items())))
except Exception as exc:  # noqa: BLE001 - any failure becomes a clear message, never a traceback
    show_error(exc, "Could not compute the step")
    st.stop()

# ----------------------------------------------------------------------------- diagram + equations
unit = 0
if H > 1:
    unit = bound_select("Unit shown", [0, 1], 0, "unit", radio=True, help="Which unit the diagram and equations show.")
# the diagram takes the page's whole width (on a projector it is the largest thing on screen); the equations
# follow in one column, so none is cut on a narrow screen
# a phone gets the drawing turned upright (the browser picks it by the viewport width): the landscape one is
# ~26 px per unit there and its labels overlapped (browser test)
values = anatomy.diagram_values(step, unit)
plot(anatomy_figures.lstm_cell_diagram(values, title=f"One LSTM step, unit {unit}"), key="diagram",
     narrow=anatomy_figures.lstm_cell_diagram(values, title=f"One LSTM step, unit {unit}", portrait=True))
caption("Box colour = gate value (pale ≈ 0, full colour ≈ 1; for g, |g|). Line thickness = how much flows: "
        "watch the top line (the cell state) pass through when f ≈ 1 and get cut when f ≈ 0.")
st.markdown(f"**Every intermediate, unit {unit}** (pre-activations with a tilde)")
equations(anatomy_text.equations(step, unit), key="equations")

# ----------------------------------------------------------------------------- the RNN question
st.subheader("Is i = 1, f = 0 really a simple RNN?")
st.markdown("An Elman RNN step with the **candidate's** weights (W_g, U_g, b_g), from the same x_t and h_(t-1), "
            "computed by a real `GlassRNN`:")
a, b = st.columns(2)
with a:
    st.markdown("**LSTM**")
    for u in range(H):
        c1, c2 = st.columns(2)
        c1.metric(f"c_t (unit {u})", f"{step.c[u]:.3f}")
        c2.metric(f"h_t (unit {u})", f"{step.h[u]:.3f}")
with b:
    st.markdown("**Simple RNN**")
    for u in range(H):
        st.metric(f"h_t (unit {u})", f"{step.rnn_h[u]:.3f}", delta=f"{step.rnn_h[u] - step.h[u]:+.3f} vs LSTM h_t",
                  delta_color="off", delta_arrow="off")
equations(anatomy_text.rnn_equations(step, unit), key="rnn_equations")   # full width: a column cut it
bullets(anatomy_text.rnn_verdict(step))
caption("With the gates held at i = 1, f = 0 (preset), compare c_t with the RNN's h_t, then h_t with it.")
