"""Page 2's single call: a sentence -> what an LSTM and an RNN compute while reading it.

    ins = inspect_sentence({"lstm": lstm_model, "rnn": rnn_model}, sentence_from_text("the keys to the cabinet are"))
    ins.traces["lstm"].arrays["forget_gate"]   # (T, H) float32, one row per token read
    ins.traces["lstm"].prediction              # "plural"
    ins.traces["lstm"].probability             # P(that prediction), e.g. 0.97

The models are trained fused torch modules (lstm_core.models.SeqModel); their recurrent weights
are loaded into the glass core (`model.glass()`), which reads the embedded tokens and returns
every gate and state. The prediction is the model's own readout applied to the glass core's
h_t, so it is the fused model's prediction to float precision (tests check it).
"""
from __future__ import annotations

import string
from dataclasses import dataclass, field

import numpy as np
import torch

from lstm_core import tasks

MAX_WORDS = 150          # longest typed or generated sentence the page inspects
MAX_DISTANCE = 100       # subject-verb distance slider's cap on page 2
MAX_FOLLOW = 8           # LSTM units followed at once on page 2
LSTM_FIELDS = ("input_gate", "forget_gate", "candidate", "output_gate", "cell", "hidden")
GRU_FIELDS = ("reset_gate", "update_gate", "candidate", "hidden")
NUMBER = {tasks.SINGULAR: "singular", tasks.PLURAL: "plural"}

# hand-picked sentences of the agreement grammar (every word is in the vocabulary)
EXAMPLES = [
    "the keys to the old cabinet are",
    "the key to the old cabinets is",
    "the cat that the dogs saw is",
    "the children near the big tree behind the houses often are",
    "the woman with the red boxes that the farmers painted on the tables was",
    "my teachers from the famous city that saw the broken windows of the church near "
    "the old bridges across the rivers probably have",
    "the mouse behind the empty bottles under the wooden tables in the quiet gardens "
    "near the tall trees that the girls liked usually is",
]


# ----------------------------------------------------------------------------------------
# Sentences

@dataclass
class Sentence:
    """What the models read. tokens: the words before the verb (T of them); verb: the verb
    that follows (typed or generated) or None. label: the expected number (0 singular,
    1 plural) or None; label_source says where it comes from. subject_pos / noun_positions /
    attractor_positions index into tokens."""
    tokens: list[str]
    verb: str | None
    label: int | None
    label_source: str
    subject_pos: int | None
    noun_positions: list[int] = field(default_factory=list)
    attractor_positions: list[int] = field(default_factory=list)
    note: str | None = None      # e.g. characters the tokenizer skipped

    @property
    def ids(self) -> tuple[int, ...]:
        return tuple(tasks.WORD_TO_ID[w] for w in self.tokens)

    @property
    def text(self) -> str:
        return " ".join(self.tokens + ([self.verb] if self.verb else []))

    @property
    def distance(self) -> int | None:
        """Tokens between the subject and the verb position."""
        return None if self.subject_pos is None else len(self.tokens) - self.subject_pos - 1


def sentence_from_text(text: str) -> Sentence:
    """A typed sentence -> Sentence. The models read it up to its first is/are/was/were/
    has/have (or all of it when there is none). The subject is taken to be the first noun, as
    in every sentence of the grammar. ValueError (a message for the user) when the sentence
    is empty, too long, or has words outside the vocabulary (named, with suggestions)."""
    if not isinstance(text, str):
        raise ValueError(f"expected a sentence (text), got {type(text).__name__}")
    n_words = len(text.split())
    if n_words > 4 * MAX_WORDS:   # don't even tokenize a novel
        raise ValueError(f"the sentence has {n_words} words; at most {MAX_WORDS} are inspected")
    ids = tasks.encode(text)       # ValueError: empty / unknown words with suggestions (plain
                                   # text quoting the user's words: pages escape it when shown)
    before, verb_pos = tasks.split_at_verb(ids)
    if not before:
        raise ValueError("the sentence starts with its verb: type the subject first, e.g. "
                         "'the keys to the cabinet are'")
    if len(before) > MAX_WORDS:
        raise ValueError(f"the sentence has {len(before)} words before the verb; at most "
                         f"{MAX_WORDS} are inspected")
    tokens = tasks.decode(before)
    verb = tasks.VOCAB[ids[verb_pos]] if verb_pos is not None else None
    skipped = sorted({ch for ch in text if not (ch.isalnum() or ch.isspace() or ch in "'\u2019_")
                      and not (ch.isascii() and ch in string.punctuation)})
    note = ("skipped characters that are not words: " + " ".join(skipped[:10])) if skipped else None
    nouns = [t for t, w in enumerate(tokens) if w in tasks.NOUN_NUMBER]
    if not nouns:
        return Sentence(tokens, verb, None, "no noun in the sentence", None, note=note)
    subject = nouns[0]
    label = tasks.NOUN_NUMBER[tokens[subject]]
    attractors = [t for t in nouns[1:] if tasks.NOUN_NUMBER[tokens[t]] != label]
    return Sentence(tokens, verb, label, f"the first noun '{tokens[subject]}'", subject,
                    nouns[1:], attractors, note)


def _safe_name(name: str, limit: int = 60) -> str:
    """A user's file name made safe to print: no markdown or control characters, short."""
    kept = "".join(ch for ch in str(name) if ch.isalnum() or ch in "._- ()")
    return (kept[:limit] + "…") if len(kept) > limit else (kept or "file")


def sentence_from_example(ex: tasks.AgreementExample) -> Sentence:
    """A generated AgreementExample -> Sentence (label = the subject's true number)."""
    return Sentence(list(ex.tokens[:ex.verb_pos]), ex.tokens[ex.verb_pos], int(ex.label),
                    f"the subject '{ex.tokens[ex.subject_pos]}'", ex.subject_pos,
                    list(ex.noun_positions), list(ex.attractor_positions))


def fit_attractors(distance: int, attractors: int) -> tuple[int, str | None]:
    """(attractors that fit in `distance`, a note when fewer than asked for, else None)."""
    k = tasks.max_attractors(distance)
    if attractors <= k:
        return int(attractors), None
    return k, (f"{attractors} attractors do not fit between subject and verb at distance "
               f"{distance} (each noun phrase takes at least 3 tokens): using {k}")


def generate_sentence(distance: int, attractors: int, seed: int = 0) -> Sentence:
    """A fresh grammar sentence with exactly `distance` tokens between subject and verb and
    exactly `attractors` opposite-number nouns in between (ValueError if they don't fit)."""
    distance = int(distance)
    if not 0 <= distance <= MAX_DISTANCE:
        raise ValueError(f"distance must be between 0 and {MAX_DISTANCE}, got {distance}")
    rng = np.random.default_rng([int(seed), distance, int(attractors)])
    return sentence_from_example(tasks.agreement_example(rng, distance, int(attractors)))


def clean_units(raw, hidden: int, keep: int = MAX_FOLLOW) -> tuple[list[int], str | None]:
    """Unit indices from a URL / widget (strings or ints) -> (valid distinct units in [0,
    hidden), at most `keep` of them; a plain-text note naming what was dropped, or None)."""
    units, bad = [], []
    for v in raw or []:
        try:
            u = int(str(v).strip())
            ok = str(v).strip().lstrip("+-").isdigit() and 0 <= u < hidden
        except ValueError:
            ok = False
        if ok and u not in units:
            units.append(u)
        elif not ok:
            bad.append(str(v)[:20])
    notes = []
    if bad:
        shown = ", ".join(f"'{b}'" for b in bad[:5]) + (f" and {len(bad) - 5} more" if len(bad) > 5 else "")
        notes.append(f"ignored unit(s) {shown}: units are whole numbers from 0 to {hidden - 1}")
    if len(units) > keep:
        notes.append(f"{len(units)} units were listed; at most {keep} can be followed, so the "
                     f"first {keep} are kept")
    return units[:keep], ("; ".join(notes) or None)


# ----------------------------------------------------------------------------------------
# Models

def check_agreement_model(model) -> None:
    """ValueError unless model is a SeqModel for the agreement task (token ids in, 2 classes)."""
    if getattr(model, "input_kind", None) != "ids" or model.n_in != len(tasks.VOCAB) \
            or model.n_out != 2:
        raise ValueError("this model was not trained on subject-verb agreement (it does not "
                         "read the agreement vocabulary and predict singular/plural); train "
                         "one on the 'agreement' task to inspect sentences")


@dataclass
class ArchTrace:
    """One model reading one sentence. arrays: name -> (T, H) float32 (LSTM: input_gate,
    forget_gate, candidate, output_gate, cell, hidden; RNN: hidden; GRU: reset_gate,
    update_gate, candidate, hidden). p_plural (T,): P(plural) from the readout of h_t, i.e.
    what the model would say if the verb came right after token t. push (H,): each unit's
    contribution to the final plural-vs-singular logit, (w_plural - w_singular)_j * h_T[j]."""
    arch: str
    arrays: dict
    p_plural: np.ndarray
    push: np.ndarray
    hidden_size: int
    n_params: int
    source: str

    @property
    def prediction(self) -> str:
        return NUMBER[int(self.p_plural[-1] >= 0.5)]

    @property
    def probability(self) -> float:
        """Probability of the predicted number."""
        p = float(self.p_plural[-1])
        return p if p >= 0.5 else 1.0 - p

    def top_units(self, k: int = 2) -> list[int]:
        """The k units that push the final prediction hardest (largest |push|)."""
        return [int(j) for j in np.argsort(-np.abs(self.push), kind="stable")[:k]]


@dataclass
class Inspection:
    sentence: Sentence
    traces: dict          # arch -> ArchTrace, in the order given

    @property
    def tokens(self) -> list[str]:
        return self.sentence.tokens

    def verdict(self, arch: str) -> str:
        """One sentence about arch's prediction, generated from the numbers."""
        tr, s = self.traces[arch], self.sentence
        said = f"{arch.upper()} predicts **{tr.prediction}** (probability {tr.probability:.2f})"
        if s.label is None:
            return said + "."
        right = "correct" if tr.prediction == NUMBER[s.label] else "wrong"
        coin = (", though at under 0.60 it is close to a coin flip"
                if tr.probability < 0.6 else "")
        return said + f": {right}, since {s.label_source} is {NUMBER[s.label]}{coin}."


@torch.no_grad()
def trace_model(model, ids, source: str = "") -> ArchTrace:
    """Run the glass core with model's recurrent weights on token ids (T,). -> ArchTrace."""
    check_agreement_model(model)
    x = model.embed(torch.as_tensor(list(ids), dtype=torch.long))        # (1, T, I)
    cell = model.glass()
    tr = cell.trace(x.to(cell.dtype))
    names = {"lstm": LSTM_FIELDS, "gru": GRU_FIELDS}.get(model.arch, ("hidden",))
    arrays = {n: np.asarray(getattr(tr, n)[0], dtype=np.float32) for n in names}
    h = torch.from_numpy(arrays["hidden"]).to(model.readout.weight.dtype)  # (T, H)
    logits = model.readout(h)                                            # (T, 2)
    p_plural = torch.softmax(logits, dim=-1)[:, tasks.PLURAL].float().numpy()
    w = model.readout.weight
    push = ((w[tasks.PLURAL] - w[tasks.SINGULAR]) * h[-1]).float().numpy()
    return ArchTrace(model.arch, arrays, p_plural.astype(np.float32), push.astype(np.float32),
                     model.hidden, model.n_params()["total"], source)


def inspect_sentence(models: dict, sentence: Sentence, sources: dict | None = None) -> Inspection:
    """models: arch -> SeqModel trained on agreement (e.g. {'lstm': ..., 'rnn': ...}).
    sentence: from sentence_from_text / generate_sentence / EXAMPLES. -> Inspection with every
    model's gates, states and prediction on the same tokens."""
    if not sentence.tokens:
        raise ValueError("the sentence is empty")
    if len(sentence.tokens) > MAX_WORDS:
        raise ValueError(f"the sentence has {len(sentence.tokens)} words before the verb; at "
                         f"most {MAX_WORDS} are inspected")
    sources = sources or {}
    traces = {arch: trace_model(m, sentence.ids, sources.get(arch, "")) for arch, m in
              models.items()}
    return Inspection(sentence, traces)


def probability_story(ins: Inspection) -> str:
    """How each model's P(plural) moves through the sentence, in numbers: after the subject
    and at the last token (the prediction)."""
    s = ins.sentence
    parts = []
    for arch, tr in ins.traces.items():
        p = tr.p_plural
        if s.subject_pos is not None and s.subject_pos < len(p) - 1:
            parts.append(f"{arch.upper()} {p[s.subject_pos]:.2f} right after "
                         f"'{s.tokens[s.subject_pos]}', {p[-1]:.2f} at the last token")
        else:
            parts.append(f"{arch.upper()} {p[-1]:.2f} at the last token")
    return "P(plural): " + "; ".join(parts) + "."


def describe_unit(ins: Inspection, unit: int, arch: str = "lstm") -> str:
    """One sentence about an LSTM unit, every number read off the trace: its push on the
    final prediction, its mean forget gate after the subject and its cell state just before
    the subject and at the last token."""
    tr, s = ins.traces[arch], ins.sentence
    a = tr.arrays
    push = float(tr.push[unit])
    toward = "plural" if push > 0 else "singular"
    text = f"Unit {unit} pushes the final prediction toward {toward} ({push:+.2f} logit)"
    if "forget_gate" in a and s.subject_pos is not None and s.subject_pos < len(s.tokens) - 1:
        j = s.subject_pos
        f_after = float(a["forget_gate"][j + 1:, unit].mean())
        c_before = float(a["cell"][j - 1, unit]) if j > 0 else 0.0
        text += (f"; after the subject its forget gate averages {f_after:.2f}, and its cell "
                 f"state goes from {c_before:+.2f} before the subject to "
                 f"{float(a['cell'][j, unit]):+.2f} at it and {float(a['cell'][-1, unit]):+.2f} "
                 "at the last token")
    return text + "."


def traces_csv(ins: Inspection) -> str:
    """Long-format CSV of every array: arch, quantity, t, token, unit, value."""
    lines = ["arch,quantity,t,token,unit,value"]
    for arch, tr in ins.traces.items():
        for name, a in tr.arrays.items():
            for t, tok in enumerate(ins.tokens):
                lines.extend(f"{arch},{name},{t},{tok},{j},{a[t, j]:.6g}" for j in range(a.shape[1]))
        lines.extend(f"{arch},p_plural,{t},{tok},,{tr.p_plural[t]:.6g}"
                     for t, tok in enumerate(ins.tokens))
    return "\n".join(lines) + "\n"


# ----------------------------------------------------------------------------------------
# Where the models come from

PRETRAINED = {"lstm": "agreement_d30_lstm", "rnn": "agreement_d30_rnn"}   # lstm_core.pretrained names
# the same LSTM beside an RNN trained with the curriculum (half the batches at distance 0..5), under
# which the measured tanh RNN does learn distance 30: the comparison must show that too
PRETRAINED_CURRICULUM = {"lstm": "agreement_d30_lstm", "rnn": "agreement_d30_rnn_curriculum"}
UPLOAD_TEST_N, UPLOAD_TEST_SEED = 200, 7919   # fresh sentences an upload is re-measured on
_LOADER = None   # tests / scratch scripts may set a callable name -> (model, meta)


def _describe(meta: dict, origin: str, measured: dict | None = None) -> str:
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
    if _LOADER is not None:
        load = _LOADER
    else:
        from lstm_core.checkpoint import load_pretrained as load
    out = {}
    for arch, name in (names or PRETRAINED).items():
        model, meta = load(name)
        check_agreement_model(model)
        how = "shipped pretrained"
        if meta.get("train", {}).get("train_mix") == "short":
            how += ", trained with the curriculum (half the batches at distance 0..5)"
        out[arch] = (model.eval(), _describe(meta, how))
    return out


def trained_models(res) -> dict:
    """arch -> (SeqModel, description) from page 4's CompareResult (agreement only)."""
    if res.config.task != "agreement":
        raise ValueError(f"the trained models learned '{res.config.task}', not agreement")
    out = {}
    for arch, r in res.runs.items():
        if arch in ("lstm", "rnn"):
            meta = dict(train=dict(task="agreement", distance=r.config.distance),
                        model=dict(hidden=r.config.hidden), metrics=r.test)
            note = "" if r.status == "ok" else f" ({r.status})"
            out[arch] = (r.model.eval(), _describe(meta, "trained on page 4") + note)
    return out


def load_uploads(files) -> tuple[dict, list[str]]:
    """Uploaded checkpoints -> (arch -> (SeqModel, description), problems).

    files: [(file name, bytes)]. A checkpoint is NAME.safetensors + NAME.json (as page 4 and
    the CLI write them); lstm_core.checkpoint validates both (never unpickles). Every file
    that is not used gets one problem sentence naming it; nothing raises."""
    from lstm_core import checkpoint, limits
    from lstm_core.train import evaluate
    problems, pairs = [], {}
    for name, data in files:
        name = _safe_name(name)
        stem, dot, ext = name.rpartition(".")
        ext = ext.lower()
        if not dot or ext not in ("safetensors", "json"):
            problems.append(f"{name}: only checkpoints are accepted, as NAME.safetensors "
                            "(weights) + NAME.json (metadata); this file was ignored")
            continue
        cap = limits.MAX_CHECKPOINT_BYTES if ext == "safetensors" else limits.MAX_META_BYTES
        if len(data) > cap:
            problems.append(f"{name}: {len(data):,} bytes is over the {cap:,}-byte limit")
            continue
        pairs.setdefault(stem, {})[ext] = bytes(data)
    loaded = {}
    for stem, pair in pairs.items():
        if set(pair) != {"safetensors", "json"}:
            have, need = next(iter(pair)), ({"safetensors", "json"} - set(pair)).pop()
            problems.append(f"{stem}.{have}: its {stem}.{need} did not arrive; upload both files "
                            f"of the checkpoint (same name), each at most "
                            f"{limits.MAX_UPLOAD_MB} MB")
            continue
        try:
            model, meta = checkpoint.load_checkpoint_bytes(pair["safetensors"], pair["json"])
            check_agreement_model(model)
        except ValueError as e:
            problems.append(f"{stem}: rejected: {e}")
            continue
        if model.arch not in ("lstm", "rnn"):
            problems.append(f"{stem}: a {model.arch.upper()}; this page compares an LSTM "
                            "with an RNN, so it was not used")
            continue
        if model.arch in loaded:
            problems.append(f"{stem}: a second {model.arch.upper()} checkpoint; the first one "
                            "is used")
            continue
        measured = evaluate(model, checkpoint.train_config(meta), n=UPLOAD_TEST_N, seed=UPLOAD_TEST_SEED)
        loaded[model.arch] = (model, _describe(meta, f"uploaded {stem}", measured))
    return loaded, problems
