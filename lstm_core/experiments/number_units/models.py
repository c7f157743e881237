"""Number units, the models it reads: the shipped agreement checkpoints (a small table), and the
user's own models from Train and compare when they fit the analysis.

    model, distance = pretrained("lstm")        # SeqModel in eval mode, the distance it was tested at
    mine, why_not = trained_models(result)      # {arch: model} of a CompareResult, or ({}, the reason)
"""
from __future__ import annotations

from lstm_core.training import checkpoint
from lstm_core.experiments.number_units.sentences import COUNTS
from lstm_core.experiments.number_units.summary import FIELDS, MAX_DISTANCE, MIN_DISTANCE, check_model

# model key -> shipped checkpoint. "lstm_two_clause" is the same LSTM recipe trained with
# --train-mix two-clause (and 1200 steps): the forget-gate view compares it with the plain LSTM.
PRETRAINED = {"lstm": "agreement_d30_lstm", "gru": "agreement_d30_gru", "rnn": "agreement_d30_rnn",
              "lstm_two_clause": "agreement_d30_lstm_two_clause"}
KEY_ARCH = {"lstm": "lstm", "gru": "gru", "rnn": "rnn", "lstm_two_clause": "lstm"}
MODEL_LABEL = {"lstm": "LSTM", "gru": "GRU", "rnn": "RNN", "lstm_two_clause": "LSTM trained on two-subject sentences too"}
SUMMARY_ONLY = {"lstm_two_clause"}      # no ablation sweeps precomputed (the page does not offer them)


def has_pretrained(arch: str) -> bool:
    """Is the shipped agreement checkpoint for arch (a key of PRETRAINED) there?"""
    return PRETRAINED.get(arch) in checkpoint.list_pretrained()


def pretrained(arch: str):
    """The shipped agreement model for arch (a key of PRETRAINED) and the distance it was tested at:
    (SeqModel, distance)."""
    if arch not in PRETRAINED:
        raise ValueError(f"arch must be one of {list(PRETRAINED)}, got {arch!r}")
    model, meta = checkpoint.load_pretrained(PRETRAINED[arch])
    check_model(model)
    return model.eval(), int(meta.get("train", {}).get("distance", 30))


def trained_models(result) -> tuple[dict, str | None]:
    """({arch: model}, None) for the models of a Train-and-compare result (lstm_core.experiments.comparison.
    CompareResult) that this analysis can read, or ({}, why not). None -> ({}, None)."""
    if result is None:
        return {}, None
    cfg = result.config
    if cfg.task != "agreement":
        return {}, f"your models on Train and compare were trained on the {cfg.task} task, not on agreement"
    if not MIN_DISTANCE <= cfg.distance <= MAX_DISTANCE:
        return {}, (f"your models on Train and compare were trained at distance {cfg.distance}; this analysis "
                    f"needs {MIN_DISTANCE}..{MAX_DISTANCE} (room for {COUNTS[-1]} attractors)")
    return {a: r.model for a, r in result.runs.items() if r.model.arch in FIELDS}, None
