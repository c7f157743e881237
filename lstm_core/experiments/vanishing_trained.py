"""*Vanishing gradients* on trained models: the shipped pretrained agreement models or the models trained on
*Train and compare*, measured on one real input of their task with their own loss.

    view = agreement_view(model_lstm, model_rnn, distance=30, seed=0)     # -> TrainedView
    view.lstm.grad_h, view.sentences

``measure_trained`` measures two trained agreement SeqModels on one sentence with their real loss
(cross-entropy at the last word); ``comparison_view(res)`` does the same for a CompareResult (other tasks:
one fresh held-out example with the task's own loss, by ``trained_gradients``).
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import torch

from lstm_core.data import grammar
from lstm_core.data import lexicon as lx
from lstm_core.experiments.vanishing import ModelGradients, measure
from lstm_core.limits import MAX_T
from lstm_core.narration.vanishing import clip_summary, trained_summary
from lstm_core.training.trainer import Task, TrainConfig

NUMBER_NAMES = ("singular", "plural")                                     # agreement labels 0, 1
MAX_SENTENCE_DISTANCE = 200   # subject-verb distance of a generated sentence (Train and compare trains up to 200)


@dataclass
class TrainedView:
    """Trained (or shipped pretrained) LSTM and RNN measured on one real input of their task, each with its own
    loss. tokens (T,) the words read (agreement) or None; subject_distance: steps from the loss back to the
    subject (agreement) or None; answer: the true target in words."""
    lstm: ModelGradients
    rnn: ModelGradients
    task: str
    tokens: list | None
    answer: str
    subject_distance: int | None = None
    input_text: str = ""
    sentences: list = field(default_factory=list)
    clip_sentences: list = field(default_factory=list)


def agreement_input(distance: int, seed: int) -> grammar.AgreementExample:
    """A fresh sentence of the agreement grammar with exactly ``distance`` words between subject and verb
    (intervening nouns' numbers are fair coins, as in training)."""
    distance = int(distance)
    if not 0 <= distance <= MAX_SENTENCE_DISTANCE:
        raise ValueError(f"distance must be between 0 and {MAX_SENTENCE_DISTANCE}, got {distance}")
    return grammar.agreement_example(np.random.default_rng([int(seed), distance, 7]), distance)


def measure_model(model, task: Task, x: torch.Tensor, y: torch.Tensor, max_norm: float | None = None):
    """One trained SeqModel on one input x (1, T[, n_in]) with its task's own loss on target y, in float64:
    the model's embedding gives the recurrent input (T, I), its recurrent weights load into the float64 glass
    core (no underflow at 10^-38), its readout is the loss's head. -> ModelGradients."""
    with torch.no_grad():
        inp = model.embed(x).double()[0].numpy()                                 # (T, I)
    W, b = model.readout.weight.detach().double(), model.readout.bias.detach().double()
    target = y.double() if task.name == "adding" else y

    def loss_fn(h):                                       # h (1, H) at the last step -> the task's loss
        out = (h @ W.T + b)[:, None]                      # (1, 1, n_out): the readout at that one step
        return task.loss(out, target[:, -1:] if task.name == "copy" else target)

    return measure(model.glass(torch.float64), inp, loss_fn, label=f"trained {model.arch.upper()}",
                   max_norm=max_norm)


def _check_pair(model_lstm, model_rnn) -> None:
    for want, m in (("lstm", model_lstm), ("rnn", model_rnn)):
        if getattr(m, "arch", None) != want:
            raise ValueError(f"expected a trained {want.upper()}, got {getattr(m, 'arch', type(m).__name__)!r}")


def _finish(view: TrainedView, max_norm: float | None) -> TrainedView:
    view.sentences = trained_summary(view)
    view.clip_sentences = clip_summary(view.lstm, view.rnn) if max_norm is not None else []
    return view


def measure_trained(model_lstm, model_rnn, tokens: list, label: int, *, subject_pos: int | None = None,
                    max_norm: float | None = None) -> TrainedView:
    """Two trained agreement SeqModels read the same words tokens (T,); L = cross-entropy of each model's readout
    at the last word on the true number ``label`` (0 singular, 1 plural), exactly the training loss."""
    _check_pair(model_lstm, model_rnn)
    for m in (model_lstm, model_rnn):
        if m.input_kind != "ids" or m.n_in != len(lx.VOCAB) or m.n_out != 2:
            raise ValueError(f"the {m.arch.upper()} was not trained on subject-verb agreement")
    unknown = [w for w in tokens if w not in lx.WORD_TO_ID]
    if unknown:
        raise ValueError(f"words outside the vocabulary: {', '.join(map(repr, unknown[:5]))}")
    if not 1 <= len(tokens) <= MAX_T:
        raise ValueError(f"the sentence must have 1 to {MAX_T} words, got {len(tokens)}")
    if label not in (0, 1):
        raise ValueError(f"label must be 0 (singular) or 1 (plural), got {label!r}")
    x = torch.tensor([[lx.WORD_TO_ID[w] for w in tokens]])
    y = torch.tensor([int(label)])
    task = Task(TrainConfig(task="agreement"))
    lstm, rnn = (measure_model(m, task, x, y, max_norm) for m in (model_lstm, model_rnn))
    T = len(tokens)
    return _finish(TrainedView(lstm, rnn, "agreement", list(tokens), NUMBER_NAMES[int(label)],
                               None if subject_pos is None else T - 1 - int(subject_pos),
                               " ".join(tokens) + " …"), max_norm)


def agreement_view(model_lstm, model_rnn, distance: int, seed: int, max_norm: float | None = None) -> TrainedView:
    """A generated agreement sentence (agreement_input) read by both models, measured by measure_trained."""
    ex = agreement_input(distance, seed)
    return measure_trained(model_lstm, model_rnn, ex.tokens[:ex.verb_pos], ex.label, subject_pos=ex.subject_pos,
                           max_norm=max_norm)


def comparison_view(res, distance: int | None = None, seed: int = 0, max_norm: float | None = None) -> TrainedView:
    """The trained LSTM and RNN of a comparison (lstm_core.experiments.comparison.CompareResult). Agreement: a
    generated sentence at ``distance`` (default: the trained one), as for the shipped models. Other tasks: one
    fresh held-out example (stream default_rng([seed, 3])) with the task's own loss at the last step."""
    missing = [a.upper() for a in ("lstm", "rnn") if a not in res.runs]
    if missing:
        raise ValueError(f"this page compares an LSTM with an RNN, but your comparison has no trained "
                         f"{' or '.join(missing)} (was it stopped early?): train both on Train and compare")
    task_name = res.config.task
    if task_name == "agreement":
        d = res.config.distance if distance is None else distance
        return agreement_view(res.runs["lstm"].model.eval(), res.runs["rnn"].model.eval(), d, seed, max_norm)
    task = Task(res.runs["lstm"].config)
    x, y = task.batch(np.random.default_rng([int(seed), 3]), 1, test=True)
    _check_pair(res.runs["lstm"].model, res.runs["rnn"].model)
    lstm, rnn = (measure_model(res.runs[a].model, task, x, y, max_norm) for a in ("lstm", "rnn"))
    target = np.asarray(y[0].tolist())
    answer = (f"{float(target.reshape(-1)[0]):.3f}" if task_name == "adding"
              else " ".join(str(v) for v in target.reshape(-1)[-1:]))
    return _finish(TrainedView(lstm, rnn, task_name, None, answer,
                               input_text=f"one fresh held-out example of the {task_name} task "
                                          f"({len(lstm.grad_h)} steps)"), max_norm)
