"""Vanishing gradients: ||dL/dh_t|| (and ||dL/dc_t||) against distance from the loss, LSTM vs RNN.

One call: lstm_core.gradients.compare(Settings(...)); every sentence comes from gradients.summary.
"""

import math

import numpy as np
import streamlit as st

from lstm_core import figures, gradients
from pages._ui import (begin_page, bound_select, bound_slider, bound_toggle, caption, plot, show_error,
                      url_notes_banner)

C = figures.ARCH_COLORS
DEFAULT = gradients.Settings()
K = gradients.URL_KEYS


@st.cache_data(max_entries=64, show_spinner=False)
def measured(settings: gradients.Settings) -> gradients.GradientView:
    return gradients.compare(settings)


def number(v: float) -> str:
    return f"{v:.3g}" if math.isfinite(v) else "overflow"


def change_text(curve) -> str:
    d = gradients.decades(curve)
    if math.isnan(d):
        return "overflow"
    if d == float("-inf"):
        return "→ 0"
    return f"10^{d:+.1f}"


begin_page()
st.title("Vanishing gradients")
st.markdown("How much of the loss's error signal reaches a step *d* steps back? An untrained LSTM and an "
            "untrained RNN read the **same** random sequence; the loss reads the last hidden state "
            "(L = u·h_T, so ‖∂L/∂h_T‖ = 1). Both gradients are the real totals from autograd.")

side = st.sidebar
side.header("Settings")
s = gradients.Settings(
    T=bound_slider("Sequence length T", 2, gradients.MAX_T, DEFAULT.T, K["T"], container=side),
    H=bound_slider("Hidden units H (both models)", 1, gradients.MAX_HIDDEN, DEFAULT.H, K["H"], container=side),
    init=bound_select("W_hh initialisation (both)", list(gradients.INITS), DEFAULT.init, K["init"], container=side,
                      help="default = torch's U(-1/√H, 1/√H); orthogonal and identity per gate block for the LSTM."),
    scale=bound_slider("RNN weight scale (× W_hh)", 0.0, gradients.MAX_SCALE, DEFAULT.scale, K["scale"], step=0.05,
                       container=side, help="Multiplies the RNN's W_hh: its spectral radius scales with it."),
    activation=bound_select("RNN activation", list(gradients.ACTIVATIONS), DEFAULT.activation, K["activation"], container=side),
    forget_bias=bound_slider("LSTM forget-gate bias shift", -gradients.MAX_FORGET_BIAS, gradients.MAX_FORGET_BIAS,
                             DEFAULT.forget_bias, K["forget_bias"], step=0.5, container=side,
                             help="Added to the forget gate's bias after init (0 = torch's default; a common "
                                  "recipe is +1)."),
    seed=bound_slider("Seed (weights and input)", 0, 99, DEFAULT.seed, K["seed"], container=side),
    clip=bound_toggle("Clip the parameter gradient", DEFAULT.clip, K["clip"], container=side,
                      help="torch.nn.utils.clip_grad_norm_ on each model's parameters."),
    max_norm=bound_slider("Clip max norm", 0.1, 10.0, DEFAULT.max_norm, K["max_norm"], step=0.1, container=side),
)

big = s.T * s.H * s.H > 4_000_000
try:
    with st.spinner("Measuring both models (large settings take a few seconds)…" if big else "Measuring…"):
        view = measured(s)
except Exception as exc:  # noqa: BLE001 - any failure becomes a clear message, never a traceback
    show_error(exc, "Could not measure the gradients")
    st.stop()
lstm, rnn = view.lstm, view.rnn

url_notes_banner()
m = st.columns(4)
m[0].metric("RNN spectral radius ρ(W_hh)", f"{rnn.spectral_radius:.2f}")
m[1].metric("LSTM mean forget gate f", f"{lstm.mean_forget:.2f}")
m[2].metric(f"RNN ‖∂L/∂h‖ over {s.T - 1} steps", change_text(rnn.grad_h))
m[3].metric(f"LSTM ‖∂L/∂c‖ over {s.T - 1} steps", change_text(lstm.grad_c))
for problem in (rnn.problem, lstm.problem):
    if problem:
        st.warning(problem, icon=":material/warning:")

def shown(model, curve):
    """A model whose forward pass overflowed has no meaningful gradient: draw nothing for it."""
    return curve if model.problem is None else curve * float("nan")


left, right = st.columns(2)
with left:
    plot(figures.grad_norm_vs_distance(
        {"RNN ‖∂L/∂h_t‖": shown(rnn, rnn.grad_h), "LSTM ‖∂L/∂h_t‖": shown(lstm, lstm.grad_h),
         "LSTM ‖∂L/∂c_t‖": shown(lstm, lstm.grad_c)},
        colors={"RNN ‖∂L/∂h_t‖": C["rnn"], "LSTM ‖∂L/∂h_t‖": C["lstm"], "LSTM ‖∂L/∂c_t‖": C["lstm"]},
        dashes={"LSTM ‖∂L/∂c_t‖": "dot"},
        title="How much gradient reaches d steps back"), key="grad_norms")
    caption("Log scale: a straight falling line is exponential decay. Compare the slopes; a gap in a line "
            "means the gradient is exactly 0 there.")
with right:
    with np.errstate(all="ignore"):
        ratio = rnn.grad_h / rnn.grad_h[0]
    plot(figures.log_curves_vs_distance(
        {"LSTM: ∏ f_k (mean over units)": shown(lstm, lstm.gain),
         f"RNN: {rnn.gain_name} (upper bound)": shown(rnn, rnn.gain if rnn.gain is not None else ratio * np.nan),
         "RNN: measured ‖∂L/∂h_t‖ / ‖∂L/∂h_T‖": shown(rnn, ratio)},
        colors={"LSTM: ∏ f_k (mean over units)": C["lstm"], f"RNN: {rnn.gain_name} (upper bound)": C["rnn"],
                "RNN: measured ‖∂L/∂h_t‖ / ‖∂L/∂h_T‖": C["rnn"]},
        dashes={"RNN: measured ‖∂L/∂h_t‖ / ‖∂L/∂h_T‖": "dot"},
        title="Why: the factors multiplied on the way back", yaxis_title="gain (log scale)"), key="why")
    caption("The LSTM's cell path multiplies by the forget gates only; the RNN multiplies by a Jacobian each "
            "step. The solid RNN line bounds the dotted measured one from above.")

st.subheader("What the numbers say")
for sentence in view.sentences:
    st.markdown(f"- {sentence}")

st.subheader("Exploding gradients and clipping")
st.markdown("Clipping acts on the **parameter** gradient ∂L/∂θ, after backpropagation. Each step t adds its own "
            "term δ_t h_(t-1)ᵀ to ∂L/∂W_hh; the curves show the size of each term (they sum to the real "
            "autograd gradient).")
series = {"RNN: step's term in ∂L/∂W_hh": shown(rnn, rnn.contrib),
          "LSTM: step's term in ∂L/∂W_hh": shown(lstm, lstm.contrib)}
colors = {"RNN: step's term in ∂L/∂W_hh": C["rnn"], "LSTM: step's term in ∂L/∂W_hh": C["lstm"]}
dashes = {}
if s.clip:
    for model in (rnn, lstm):
        label = f"{model.label}: after clipping"
        series[label] = shown(model, model.clipped_contrib)
        colors[label] = C[model.kind]
        dashes[label] = "dash"
plot(figures.log_curves_vs_distance(series, colors=colors, dashes=dashes, yaxis_title="‖term‖ (log scale)",
                                    title="Each step's contribution to ∂L/∂W_hh"
                                    + (f" (clipped at max norm {s.max_norm:g})" if s.clip else "")), key="clip")
n = st.columns(2)
n[0].metric("RNN ‖∂L/∂θ‖ before clipping", number(rnn.total_norm),
            delta=f"× {rnn.clip_factor:.3g} after clipping" if s.clip else None, delta_color="off",
            delta_arrow="off")
n[1].metric("LSTM ‖∂L/∂θ‖ before clipping", number(lstm.total_norm),
            delta=f"× {lstm.clip_factor:.3g} after clipping" if s.clip else None, delta_color="off",
            delta_arrow="off")
if s.clip:
    for sentence in view.clip_sentences:
        st.markdown(f"- {sentence}")
else:
    caption("Turn on clipping (sidebar) with an exploding setting, e.g. orthogonal init and RNN weight scale 1.5.")
caption("A dashed line sits below its solid one by the clip factor, at every distance: clipping rescales "
        "the whole gradient and leaves its shape alone.")
