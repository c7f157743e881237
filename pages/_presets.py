"""Classroom presets: links that open a page with its settings in the URL (the home page lists them, the
pages offer them as buttons), and the one encoder of a setting as a URL value."""
import dataclasses

from lstm_core.experiments import anatomy, vanishing


def url_value(v) -> str:
    """A setting as the text of a URL parameter (booleans as true / false)."""
    return ("true" if v else "false") if isinstance(v, bool) else str(v)


# Cell anatomy: partial settings on top of lstm_core.experiments.anatomy.DEFAULTS
ANATOMY_PRESETS = {
    "remember": dict(bf0=6.0, bi0=-6.0, c_prev0=0.8, bf1=6.0, bi1=-6.0),
    "overwrite": dict(bf0=-6.0, bi0=6.0, c_prev0=0.8, bf1=-6.0, bi1=6.0),
    "1997 LSTM (no forget gate)": dict(forget_gate=False, c_prev0=1.5, bi0=2.0, c_prev1=-1.5, bi1=2.0),
    "is i=1, f=0 really a simple RNN?": dict(clamp="i=1, f=0, o=1", x=1.0, Wg0=1.0, Ug00=0.5, h_prev0=0.5, bg0=0.0),
}
ANATOMY_NOTES = {
    "remember": "f ≈ 1 and i ≈ 0: the cell keeps c_{t-1} and ignores the candidate.",
    "overwrite": "f ≈ 0 and i ≈ 1: the old cell is wiped and replaced by the candidate g_t.",
    "1997 LSTM (no forget gate)": "Hochreiter & Schmidhuber's original cell has no forget gate (f = 1): "
                                  "the cell can only add, so c_t drifts away from c_{t-1} and never resets.",
    "is i=1, f=0 really a simple RNN?": "Gates held at i = 1, f = 0, o = 1: compare the LSTM with an RNN step "
                                        "that uses the candidate's weights.",
}


def anatomy_query(name: str) -> dict:
    """A preset as URL query parameters {setting name: string}, for the settings its cell size shows."""
    settings = {**anatomy.DEFAULTS, **ANATOMY_PRESETS[name]}          # a whole view: every other setting at its default
    shown = set(anatomy.keys(int(settings["units"]))) | {"units", "forget_gate", "clamp"}
    return {k: url_value(v) for k, v in settings.items() if k in shown}


# Vanishing gradients: Settings field -> the page's URL parameter name (shareable links, classroom presets)
VANISHING_KEYS = {"T": "T", "H": "H", "scale": "scale", "activation": "act", "forget_bias": "fbias", "init": "init",
            "seed": "seed", "clip": "clip", "max_norm": "max_norm"}

# Classroom presets: Settings overrides (the home page turns them into links)
VANISHING_PRESETS = {
    "Untrained, torch default init: both gradients vanish": {},
    "LSTM forget-gate bias +1": {"forget_bias": 1.0},
    "LSTM forget-gate bias +3: the carousel carries the error": {"forget_bias": 3.0},
    "Exploding RNN (orthogonal × 1.5) with clipping": {"init": "orthogonal", "scale": 1.5, "clip": True},
    "Identity init with ReLU (the IRNN)": {"init": "identity", "activation": "relu"},
    "Long sequence: 300 steps": {"T": 300},
}


def vanishing_query(name: str) -> dict:
    """A preset as URL query parameters {url key: string}: a whole view, every other setting at its default."""
    settings = {**dataclasses.asdict(vanishing.Settings()), **VANISHING_PRESETS[name]}
    return {VANISHING_KEYS[k]: url_value(v) for k, v in settings.items()}
