"""Number units (Lakretz et al. 2019): find, plot, ablate and clamp the few units of a trained
agreement model that carry the subject's number from the subject to the verb.

    model, distance = pretrained("lstm")        # a shipped agreement model (models.py)
    s = summarize(model, seed=0)                # everything that does not depend on a slider (summary.py)
    a = ablation(model, s, k=2, mode="ablate")  # top-2 vs 2 random units, through the glass core
    sw = sweep(model, s)                        # ablation() at every k (interventions.py)
    shipped_summary("lstm", 0)                  # read from lstm_core/precomputed (precomputed.py)

Layers, each importing only those above it in this list:
    sentences.py      the sentence sets, each from its own random stream
    stats.py          AUC, d', the cross-validated logistic probe (pure NumPy)
    summary.py        run() through the glass core; summarize() -> Summary
    models.py         the shipped checkpoints (a table) and the user's own trained models
    interventions.py  ablation / sweep -> Ablation / Sweep
    reliability.py    ablation_check / k_sweep_check on >= 2,000 sentences, Wilson intervals
    precomputed.py    the precomputed files and their CLI (python -m lstm_core.experiments.number_units)
What the page says about these numbers is in lstm_core.narration.number_units; its figures in
lstm_core.figures.number_units.
"""
from lstm_core.experiments.number_units.interventions import (MAX_K, MODES, SWEEP_DRAWS, Ablation, Sweep, ablation,
                                                              curve_ks, default_k, interventions_for, k_max, sweep)
from lstm_core.experiments.number_units.models import (KEY_ARCH, MODEL_LABEL, PRETRAINED, SUMMARY_ONLY,
                                                       has_pretrained, pretrained, trained_models)
from lstm_core.experiments.number_units.precomputed import (PRECOMPUTE_COMMAND, PRECOMPUTED_DIR, PRECOMPUTED_SEEDS,
                                                            checkpoint_sha256, load_precomputed, precompute,
                                                            precomputed_path, precomputed_sweeps, shipped_summary,
                                                            shipped_sweep, sweep_settings)
from lstm_core.experiments.number_units.reliability import (CHECK_N, SENTENCES, AblationCheck, KSweepCheck,
                                                            ablation_check, k_sweep_check)
from lstm_core.experiments.number_units.sentences import (COUNTS, MAX_N, MAX_SEARCH_ATTRACTORS, SentenceSet,
                                                          agreement_set, eval_set, resample, search_set,
                                                          two_clause_sentence, two_clause_skeleton)
from lstm_core.experiments.number_units.stats import STRONG_SCORE, auc, dprime, probe_accuracy, unit_scores
from lstm_core.experiments.number_units.summary import (CHUNK, FIELDS, GATE, MAX_DISTANCE, MIN_DISTANCE, ErrorCase,
                                                        Summary, Template, TwoClause, check_model, fields_of,
                                                        gate_stats, run, summarize)

__all__ = [
    "MAX_K", "MODES", "SWEEP_DRAWS", "Ablation", "Sweep", "ablation", "curve_ks", "default_k", "interventions_for",
    "k_max", "sweep",
    "KEY_ARCH", "MODEL_LABEL", "PRETRAINED", "SUMMARY_ONLY", "has_pretrained", "pretrained", "trained_models",
    "PRECOMPUTE_COMMAND", "PRECOMPUTED_DIR", "PRECOMPUTED_SEEDS", "checkpoint_sha256", "load_precomputed",
    "precompute", "precomputed_path", "precomputed_sweeps", "shipped_summary", "shipped_sweep", "sweep_settings",
    "CHECK_N", "SENTENCES", "AblationCheck", "KSweepCheck", "ablation_check", "k_sweep_check",
    "COUNTS", "MAX_N", "MAX_SEARCH_ATTRACTORS", "SentenceSet", "agreement_set", "eval_set", "resample", "search_set",
    "two_clause_sentence", "two_clause_skeleton",
    "STRONG_SCORE", "auc", "dprime", "probe_accuracy", "unit_scores",
    "CHUNK", "FIELDS", "GATE", "MAX_DISTANCE", "MIN_DISTANCE", "ErrorCase", "Summary", "Template", "TwoClause",
    "check_model", "fields_of", "gate_stats", "run", "summarize",
]
