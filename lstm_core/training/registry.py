"""The shipped pretrained models and where the pages' models come from: one table of shipped agreement
models, one check that a model reads the agreement vocabulary, one description of a checkpoint's metadata."""
from __future__ import annotations

import numpy as np

from lstm_core.data import lexicon as lx
from lstm_core.training.checkpoint import load_pretrained


def check_agreement_model(model) -> None:
    """ValueError unless model is a SeqModel for the agreement task (token ids in, 2 classes)."""
    if getattr(model, "input_kind", None) != "ids" or model.n_in != len(lx.VOCAB) \
            or model.n_out != 2:
        raise ValueError("this model was not trained on subject-verb agreement (it does not "
                         "read the agreement vocabulary and predict singular/plural); train "
                         "one on the 'agreement' task to inspect sentences")


PRETRAINED = {"lstm": "agreement_d30_lstm", "rnn": "agreement_d30_rnn"}   # names in training/pretrained/
# the same LSTM beside an RNN trained on a fixed mix (half the batches at distance 0..5), under
# which the measured tanh RNN gets well above chance at distance 30 (see pretrained/README.md): the comparison must show that too
PRETRAINED_CURRICULUM = {"lstm": "agreement_d30_lstm", "rnn": "agreement_d30_rnn_curriculum"}
# every shipped agreement model by architecture (Gates over time can add the GRU to either table above)
SHIPPED = {**PRETRAINED, "gru": "agreement_d30_gru"}
INSPECTABLE = tuple(SHIPPED)   # the architectures a trained result or an upload can show on Gates over time
_LOADER = None   # tests / scratch scripts may set a callable name -> (model, meta)


def describe(meta: dict, origin: str, measured: dict | None = None) -> str:
    """'shipped pretrained: agreement, distance 30, 64 units, test accuracy 99.8%' from a
    checkpoint's metadata (sections 'train' / 'model' / 'metrics'). measured: this app's own
    evaluation ({'test_accuracy', 'n'}, e.g. of an upload): then the file's figure is only
    reported as its claim."""
    meta = meta or {}
    train = meta.get("train") or {}
    model = meta.get("model") or {}
    parts = [origin]
    if train.get("task"):
        parts.append(str(train["task"]))
    if train.get("task") == "agreement" and train.get("distance") is not None:
        parts.append(f"trained up to distance {train['distance']}")
    hidden = model.get("hidden", train.get("hidden"))
    if hidden:
        parts.append(f"{hidden} units")
    acc = (meta.get("metrics") or {}).get("test_accuracy")
    at = f" at distance {train['distance']}" if train.get("distance") is not None else ""
    if measured is not None:
        parts.append(f"test accuracy measured here {100 * measured['test_accuracy']:.1f}% on "
                     f"{measured['n']} fresh sentences{at}")
        if isinstance(acc, (int, float)) and np.isfinite(acc):
            parts.append(f"the file claims {100 * acc:.1f}%")
    elif isinstance(acc, (int, float)) and np.isfinite(acc):
        parts.append(f"test accuracy {100 * acc:.1f}%{at}")
    return ", ".join(parts)


def pretrained_models(names: dict | None = None) -> dict:
    """arch -> (SeqModel, description) for shipped agreement models (default PRETRAINED)."""
    load = _LOADER or load_pretrained
    out = {}
    for arch, name in (names or PRETRAINED).items():
        model, meta = load(name)
        check_agreement_model(model)
        how = "shipped pretrained"
        if meta.get("train", {}).get("train_mix") == "short":
            how += ", trained with half its batches short (distance 0..5, a fixed mix)"
        out[arch] = (model.eval(), describe(meta, how))
    return out


def trained_models(res) -> dict:
    """arch -> (SeqModel, description) from a CompareResult of *Train and compare* (agreement only)."""
    if res.config.task != "agreement":
        raise ValueError(f"the trained models learned '{res.config.task}', not agreement")
    out = {}
    for arch, r in res.runs.items():
        if arch in INSPECTABLE:
            meta = dict(train=dict(task="agreement", distance=r.config.distance),
                        model=dict(hidden=r.config.hidden), metrics=r.test)
            note = "" if r.status == "ok" else f" ({r.status})"
            out[arch] = (r.model.eval(), describe(meta, "trained on Train and compare") + note)
    return out
