"""*Gates over time*'s single call: a sentence -> what an LSTM and an RNN compute while reading it.

    ins = inspect_sentence({"lstm": lstm_model, "rnn": rnn_model}, sentence_from_text("the keys to the cabinet are"))
    ins.traces["lstm"].arrays["forget_gate"]   # (T, H) float32, one row per token read
    ins.traces["lstm"].prediction              # "plural"
    ins.traces["lstm"].probability             # P(that prediction), e.g. 0.97

The models are trained fused torch modules (lstm_core.training.models.SeqModel); their recurrent weights
are loaded into the glass core (`model.glass()`), which reads the embedded tokens and returns
every gate and state. The prediction is the model's own readout applied to the glass core's
h_t, so it is the fused model's prediction to float precision (tests check it).
"""
from __future__ import annotations

import string
from dataclasses import dataclass, field

import numpy as np
import torch

from lstm_core.data import agreement
from lstm_core.training.registry import check_agreement_model

MAX_WORDS = 150          # longest typed or generated sentence the page inspects
MAX_DISTANCE = 100       # subject-verb distance slider's cap on Gates over time
MAX_FOLLOW = 8           # LSTM units followed at once on Gates over time
LSTM_FIELDS = ("input_gate", "forget_gate", "candidate", "output_gate", "cell", "hidden")
GRU_FIELDS = ("reset_gate", "update_gate", "candidate", "hidden")
NUMBER = {agreement.SINGULAR: "singular", agreement.PLURAL: "plural"}

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
        return tuple(agreement.WORD_TO_ID[w] for w in self.tokens)

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
    ids = agreement.encode(text)   # ValueError: empty / unknown words with suggestions (plain
                                   # text quoting the user's words: pages escape it when shown)
    before, verb_pos = agreement.split_at_verb(ids)
    if not before:
        raise ValueError("the sentence starts with its verb: type the subject first, e.g. "
                         "'the keys to the cabinet are'")
    if len(before) > MAX_WORDS:
        raise ValueError(f"the sentence has {len(before)} words before the verb; at most "
                         f"{MAX_WORDS} are inspected")
    tokens = agreement.decode(before)
    verb = agreement.VOCAB[ids[verb_pos]] if verb_pos is not None else None
    skipped = sorted({ch for ch in text if not (ch.isalnum() or ch.isspace() or ch in "'\u2019_")
                      and not (ch.isascii() and ch in string.punctuation)})
    note = ("skipped characters that are not words: " + " ".join(skipped[:10])) if skipped else None
    nouns = [t for t, w in enumerate(tokens) if w in agreement.NOUN_NUMBER]
    if not nouns:
        return Sentence(tokens, verb, None, "no noun in the sentence", None, note=note)
    subject = nouns[0]
    label = agreement.NOUN_NUMBER[tokens[subject]]
    attractors = [t for t in nouns[1:] if agreement.NOUN_NUMBER[tokens[t]] != label]
    return Sentence(tokens, verb, label, f"the first noun '{tokens[subject]}'", subject,
                    nouns[1:], attractors, note)


def sentence_from_example(ex: agreement.AgreementExample) -> Sentence:
    """A generated AgreementExample -> Sentence (label = the subject's true number)."""
    return Sentence(list(ex.tokens[:ex.verb_pos]), ex.tokens[ex.verb_pos], int(ex.label),
                    f"the subject '{ex.tokens[ex.subject_pos]}'", ex.subject_pos,
                    list(ex.noun_positions), list(ex.attractor_positions))


def fit_attractors(distance: int, attractors: int) -> tuple[int, str | None]:
    """(attractors that fit in `distance`, a note when fewer than asked for, else None)."""
    k = agreement.max_attractors(distance)
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
    return sentence_from_example(agreement.agreement_example(rng, distance, int(attractors)))


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
# One model reading one sentence

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
    p_plural = torch.softmax(logits, dim=-1)[:, agreement.PLURAL].float().numpy()
    w = model.readout.weight
    push = ((w[agreement.PLURAL] - w[agreement.SINGULAR]) * h[-1]).float().numpy()
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
