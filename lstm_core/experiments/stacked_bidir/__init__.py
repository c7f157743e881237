"""Stacked and bidirectional (issue 16 item 6): where a 2-layer LSTM holds the subject's number, and a
bidirectional LSTM on a task whose answer lies in the future.

    data = results()                          # precomputed (precomputed.py) or seed 0 computed now
    data["layers"][0].probe_mean["cell"]      # (layers, positions) probe accuracy of the subject's number
    data["tasks"]["bidir"][0].accuracy        # at the masked subject; "uni" beside it

Layers, each importing only those above it in this list:
    models.py       the shipped seed-0 checkpoints and the same recipes at other seeds
    layers.py       the 2-layer LSTM: probes and number units per layer, one sentence's states
    directions.py   the masked-subject task: accuracy, per-direction probes, one sentence's two directions
    precomputed.py  the precomputed file and its CLI (python -m lstm_core.experiments.stacked_bidir)
What the page says is in lstm_core.narration.stacked_bidir; its figures in lstm_core.figures.stacked_bidir.
"""
from lstm_core.experiments.stacked_bidir.directions import (KINDS, SentenceDirections, TaskRun, direction_bands,
                                                            direction_states,
                                                            sentence_directions, task_run, unit_order)
from lstm_core.experiments.stacked_bidir.directions import show_sentences as task_sentences
from lstm_core.experiments.stacked_bidir.layers import (FIELDS, LayerAnalysis, SentenceStates, analyse_layers,
                                                        probe_bands, ranked, sentence_states, stack_states, units)
from lstm_core.experiments.stacked_bidir.layers import show_sentences as agreement_sentences
from lstm_core.experiments.stacked_bidir.models import LABEL, SEEDS, SHIPPED, checkpoint_name, has_shipped, model_for, shipped
from lstm_core.experiments.stacked_bidir.precomputed import (PRECOMPUTE_COMMAND, PRECOMPUTED_DIR, compute, load,
                                                             precompute, results, shipped_sha256)

__all__ = ["KINDS", "SentenceDirections", "TaskRun", "direction_bands", "direction_states", "probe_bands", "ranked", "sentence_directions", "task_run",
           "unit_order", "task_sentences", "FIELDS", "LayerAnalysis", "SentenceStates", "analyse_layers",
           "sentence_states", "stack_states", "units", "agreement_sentences", "LABEL", "SEEDS", "SHIPPED",
           "checkpoint_name", "has_shipped", "model_for", "shipped", "PRECOMPUTE_COMMAND", "PRECOMPUTED_DIR",
           "compute", "load", "precompute", "results", "shipped_sha256"]
