"""Vanishing gradients: ||dL/dh_t|| (and ||dL/dc_t||) against distance from the loss, LSTM vs RNN.

Three model sources (URL key vg_models): untrained models built from the sliders (one call:
lstm_core.experiments.vanishing.compare(Settings(...))), the shipped pretrained agreement models, or the models
trained on Train and compare (st.session_state["tc_result"]); trained ones read a real sentence of their task with
their real loss (vanishing_trained.agreement_view / vanishing_trained.comparison_view). Every sentence comes from the core.
"""


import numpy as np
import streamlit as st

from lstm_core.experiments import vanishing, vanishing_trained
from lstm_core.figures import style
from lstm_core.figures import vanishing as vanishing_figures
from lstm_core.narration import comparison as comparison_text
from lstm_core.narration import vanishing as vanishing_text
from lstm_core.training import registry
from pages import _presets as presets
from pages._ui import (begin_page, bound_select, bound_slider, bound_toggle, bullets, caption, key_numbers, plot, show_error,
                      TRAINED_RESULT, trained_result, url_notes_banner)

C = style.ARCH_COLORS
DEFAULT = vanishing.Settings()
K = presets.VANISHING_KEYS
RESULT = TRAINED_RESULT
UNTRAINED = "untrained (sliders)"
PRETRAINED = "shipped pretrained (agreement d=30)"
MINE = "my trained models (Train and compare)"


@st.cache_data(max_entries=64, show_spinner=False)
def measured(settings: vanishing.Settings) -> vanishing.GradientView:
    return vanishing.compare(settings)


@st.cache_resource(show_spinner="Loading the pretrained models…")
def pretrained():
    """arch -> (SeqModel, description): the shipped agreement checkpoints, loaded once per server."""
    return registry.pretrained_models()


@st.cache_data(max_entries=64, show_spinner=False)
def measured_trained(models_key: str, distance: int | None, seed: int, max_norm: float | None,
                     _models: dict | None = None, _res=None) -> vanishing_trained.TrainedView:
    """Cached per (models, sentence, clipping): models_key names the models ("pretrained" or Train and compare's id)."""
    if _res is not None:
        return vanishing_trained.comparison_view(_res, distance, seed, max_norm)
    return vanishing_trained.agreement_view(_models["lstm"], _models["rnn"], distance, seed, max_norm)


def clip_controls():
    clip = bound_toggle("Clip the parameter gradient", DEFAULT.clip, K["clip"], container=side,
                        help="torch.nn.utils.clip_grad_norm_ on each model's parameters.")
    max_norm = bound_slider("Clip max norm", 0.1, 10.0, DEFAULT.max_norm, K["max_norm"], step=0.1, container=side)
    return clip, max_norm


begin_page()
st.title("Vanishing gradients")
res = trained_result()
top = st.columns([1, 2])
if res is None and st.query_params.get("vg_models") == MINE:
    top[0].info("This link shows models trained on **Train and compare**, and this session has none yet: "
                "train some there first.", icon=":material/info:")
source = bound_select("Models", [UNTRAINED, PRETRAINED] + ([MINE] if res is not None else []), UNTRAINED,
                      "vg_models", container=top[0],
                      help="Untrained models from the sliders, the shipped models trained on subject-verb "
                           "agreement, or the ones you trained on Train and compare (shown once you have).")

side = st.sidebar
side.header("Settings")
if source == UNTRAINED:
    st.markdown("How much of the loss's error signal reaches a step *d* steps back? An untrained LSTM and an "
                "untrained RNN read the **same** random sequence; the loss reads the last hidden state "
                "(L = u·h_T, so ‖∂L/∂h_T‖ = 1). Both gradients are the real totals from autograd.")
    top[1].caption("Both models are built from the sliders (sidebar): random weights, nothing learned yet.")
    s = vanishing.Settings(
        T=bound_slider("Sequence length T", 2, vanishing.MAX_T, DEFAULT.T, K["T"], container=side),
        H=bound_slider("Hidden units H (both models)", 1, vanishing.MAX_HIDDEN, DEFAULT.H, K["H"], container=side),
        init=bound_select("W_hh initialisation (both)", list(vanishing.INITS), DEFAULT.init, K["init"],
                          container=side,
                          help="default = torch's U(-1/√H, 1/√H); orthogonal and identity per gate block for the LSTM."),
        scale=bound_slider("RNN weight scale (× W_hh)", 0.0, vanishing.MAX_SCALE, DEFAULT.scale, K["scale"], step=0.05,
                           container=side, help="Multiplies the RNN's W_hh: its spectral radius scales with it."),
        activation=bound_select("RNN activation", list(vanishing.ACTIVATIONS), DEFAULT.activation, K["activation"],
                                container=side),
        forget_bias=bound_slider("LSTM forget-gate bias shift", -vanishing.MAX_FORGET_BIAS, vanishing.MAX_FORGET_BIAS,
                                 DEFAULT.forget_bias, K["forget_bias"], step=0.5, container=side,
                                 help="Added to the forget gate's bias after init (0 = torch's default; a common "
                                      "recipe is +1)."),
        seed=bound_slider("Seed (weights and input)", 0, 99, DEFAULT.seed, K["seed"], container=side),
        **dict(zip(("clip", "max_norm"), clip_controls())),
    )
    big = s.T * s.H * s.H > 4_000_000
    try:
        with st.spinner("Measuring both models (large settings take a few seconds)…" if big else "Measuring…"):
            view = measured(s)
    except Exception as exc:  # noqa: BLE001 - any failure becomes a clear message, never a traceback
        show_error(exc, "Could not measure the gradients")
        st.stop()
    clip = s.clip
else:
    try:
        if source == PRETRAINED:
            base = pretrained()
            models = {a: base[a][0] for a in ("lstm", "rnn")}
            top[1].caption("  \n".join(f"**{a.upper()}**: {base[a][1]}" for a in ("lstm", "rnn")))
            task, trained_distance, key = "agreement", 30, "pretrained"
        else:
            models = None
            top[1].caption(comparison_text.summary(res))
            task, trained_distance, key = res.config.task, res.config.distance, f"page4:{res.id}"
    except Exception as exc:  # noqa: BLE001
        show_error(exc, "Could not load the trained models")
        st.stop()
    shown_models = models or {a: r.model for a, r in res.runs.items() if a in ("lstm", "rnn")}
    sizes = ", ".join(f"{a.upper()} {m.hidden} units" for a, m in shown_models.items())
    side.caption(":material/lock: Sequence length, hidden units, initialisation, RNN weight scale, activation, "
                 "forget-gate bias and weight seed build the **untrained** models only, so they are hidden here: "
                 f"these models' weights come from training ({sizes}). They read a real input of their task instead.")
    distance = None
    if task == "agreement":
        distance = bound_slider("Distance: words between subject and verb", 1, vanishing_trained.MAX_SENTENCE_DISTANCE,
                                trained_distance, "vg_dist", container=side,
                                help=f"These models were trained on distances up to {trained_distance}.")
    seed = bound_slider("Sentence seed" if task == "agreement" else "Example seed", 0, 99, 0, "vg_seed",
                        container=side, help="Which generated input the models read.")
    clip, max_norm = clip_controls()
    try:
        with st.spinner("Measuring both models…"):
            view = measured_trained(key, distance, seed, max_norm if clip else None, _models=models,
                                    _res=res if source == MINE else None)
    except Exception as exc:  # noqa: BLE001
        show_error(exc, "Could not measure the gradients")
        st.stop()
    loss = "squared error" if task == "adding" else "cross-entropy"
    st.markdown(f"How much of the loss's error signal reaches a word *d* steps back? The **trained** LSTM and RNN "
                f"read the **same** input; the loss is each model's real training loss ({loss} of its answer "
                "at the last step, on the true one). Both gradients are the real totals from autograd.")
    if view.tokens:
        st.markdown(f"**Input** (read up to the verb …, true number **{view.answer}**): *{view.input_text}*")
    else:
        st.markdown(f"**Input**: {view.input_text}; true answer **{view.answer}**.")
lstm, rnn = view.lstm, view.rnn
steps = len(rnn.grad_h) - 1


words = dict(tokens=getattr(view, "tokens", None) or None)      # trained models on a sentence: words on x


url_notes_banner()
key_numbers([("RNN spectral radius ρ(W_hh)", f"{rnn.spectral_radius:.2f}"),
             ("LSTM mean forget gate f", f"{lstm.mean_forget:.2f}"),
             (f"RNN ‖∂L/∂h‖ over {steps} steps", vanishing_text.decades_text(rnn.grad_h)),
             (f"LSTM ‖∂L/∂c‖ over {steps} steps", vanishing_text.decades_text(lstm.grad_c))])
for problem in (rnn.problem, lstm.problem):
    if problem:
        st.warning(problem, icon=":material/warning:")

def shown(model, curve):
    """A model whose forward pass overflowed has no meaningful gradient: draw nothing for it."""
    return curve if model.problem is None else curve * float("nan")


left, right = st.columns(2)
with left:
    plot(vanishing_figures.grad_norm_vs_distance(
        {"RNN ‖∂L/∂h_t‖": shown(rnn, rnn.grad_h), "LSTM ‖∂L/∂h_t‖": shown(lstm, lstm.grad_h),
         "LSTM ‖∂L/∂c_t‖": shown(lstm, lstm.grad_c)},
        colors={"RNN ‖∂L/∂h_t‖": C["rnn"], "LSTM ‖∂L/∂h_t‖": C["lstm"], "LSTM ‖∂L/∂c_t‖": C["lstm"]},
        dashes={"LSTM ‖∂L/∂c_t‖": "dot"},
        title="How much gradient reaches d steps back", subject=getattr(view, "subject_distance", None), **words),
        key="grad_norms")
    caption("Log scale: a straight falling line is exponential decay. Compare the slopes; a gap in a line "
            "means the gradient is exactly 0 there."
            + (" The words are in reading order: the loss is at the last one (right), distance grows to the left."
               if getattr(view, "tokens", None) else ""))
with right:
    with np.errstate(all="ignore"):
        ratio = rnn.grad_h / rnn.grad_h[0]
    bound = f"RNN: {rnn.gain_name}, upper bound"
    plot(vanishing_figures.log_curves_vs_distance(
        {"LSTM: ∏ f_k (mean over units)": shown(lstm, lstm.gain),
         bound: shown(rnn, rnn.gain if rnn.gain is not None else ratio * np.nan),
         "RNN: measured ‖∂L/∂h_t‖ / ‖∂L/∂h_T‖": shown(rnn, ratio)},
        colors={"LSTM: ∏ f_k (mean over units)": C["lstm"], bound: C["rnn"],
                "RNN: measured ‖∂L/∂h_t‖ / ‖∂L/∂h_T‖": C["rnn"]},
        dashes={"RNN: measured ‖∂L/∂h_t‖ / ‖∂L/∂h_T‖": "dot"},
        title="Why: the factors multiplied on the way back", yaxis_title="gain (log scale)", **words), key="why")
    caption("The LSTM's cell path multiplies by the forget gates only; the RNN multiplies by a Jacobian each "
            "step. The solid RNN line bounds the dotted measured one from above.")

st.subheader("What the numbers say")
bullets(view.sentences)

st.subheader("Exploding gradients and clipping")
st.markdown("Clipping acts on the **parameter** gradient ∂L/∂θ, after backpropagation. Each step t adds its own "
            "term δ_t h_(t-1)ᵀ to ∂L/∂W_hh; the curves show the size of each term (they sum to the real "
            "autograd gradient).")
series = {"RNN: step's term in ∂L/∂W_hh": shown(rnn, rnn.contrib),
          "LSTM: step's term in ∂L/∂W_hh": shown(lstm, lstm.contrib)}
colors = {"RNN: step's term in ∂L/∂W_hh": C["rnn"], "LSTM: step's term in ∂L/∂W_hh": C["lstm"]}
dashes = {}
if clip:
    for model in (rnn, lstm):
        label = f"{model.arch.upper()}: after clipping"
        series[label] = shown(model, model.clipped_contrib)
        colors[label] = C[model.arch]
        dashes[label] = "dash"
plot(vanishing_figures.log_curves_vs_distance(series, colors=colors, dashes=dashes, yaxis_title="‖term‖ (log scale)",
                                              title="Each step's contribution to ∂L/∂W_hh"
                                              + (f" (clipped at max norm {lstm.max_norm:g})" if clip else ""),
                                              **words),
     key="clip")
key_numbers([(f"{model.arch.upper()} ‖∂L/∂θ‖ before clipping", vanishing_text.number_text(model.total_norm),
              f"× {model.clip_factor:.3g} after clipping" if clip else None) for model in (rnn, lstm)])
if clip:
    bullets(view.clip_sentences)
else:
    caption("Turn on clipping (sidebar) with an exploding setting, e.g. orthogonal init and RNN weight scale 1.5."
            if source == UNTRAINED else "Turn on clipping (sidebar) to see what it would do to these models' gradients.")
if clip:
    caption("A dashed line sits below its solid one by the clip factor, at every distance: clipping rescales "
            "the whole gradient and leaves its shape alone.")
