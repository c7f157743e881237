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

from dataclasses import dataclass, field

import numpy as np
import torch

from lstm_core.data import grammar
from lstm_core.data import lexicon as lx
from lstm_core.training.registry import check_agreement_model

MAX_WORDS = 150          # longest typed or generated sentence the page inspects
MAX_DISTANCE = 100       # subject-verb distance slider's cap on Gates over time
MAX_FOLLOW = 8           # LSTM units followed at once on Gates over time
LSTM_FIELDS = ("input_gate", "forget_gate", "candidate", "output_gate", "cell", "hidden")
GRU_FIELDS = ("reset_gate", "update_gate", "candidate", "hidden")
FIELDS = {"lstm": LSTM_FIELDS, "rnn": ("hidden",), "gru": GRU_FIELDS}   # every array traced, per arch
# the gate that keeps a unit's memory (near 1: keep) and the state it keeps, per gated arch:
# LSTM c_t = f_t c_(t-1) + i_t g_t; GRU h_t = z_t h_(t-1) + (1 - z_t) n_t
MEMORY = {"lstm": ("forget_gate", "cell"), "gru": ("update_gate", "hidden")}
_WORDS = {"forget_gate": "forget gate", "update_gate": "update gate", "cell": "cell state",
          "hidden": "hidden state"}
NUMBER = {lx.SINGULAR: "singular", lx.PLURAL: "plural"}

# hand-picked sentences (every sentence of the first grammar's list is kept, so shared links
# with ?ex= still open them), then the sentences of the tutorials issue 11 quotes
EXAMPLES = [
    "the keys to the old cabinet are",
    "the key to the old cabinets is",
    "the cat that the dogs saw is",
    "near the doors of the houses, the cat is",
    "when the girls left the room, the teacher was",
    "the author that the guards like has",
    "the children near the big tree behind the houses often are",
    "the woman with the red boxes that the farmers painted on the tables was",
    "my teachers from the famous city that saw the broken windows of the church near "
    "the old bridges across the rivers probably have",
    "the mouse behind the empty bottles under the wooden tables in the quiet gardens "
    "near the tall trees that the girls liked usually is",
    "behind the old houses the small dog that the boys saw is",
    "The cat had enjoyed eating fish, the fish was delicious and was eager to have more.",
    "The cats had enjoyed eating fish, the fish was delicious and were eager to have more.",
    "The bus, which went to Paris, was full.",
    "The buses, which went to Paris, were full.",
    "Bob called Carla and she said",
    "There are clouds in the sky",
]
# the subject (token index, commas count) of the hand-picked sentences, marked by hand; the
# tutorial sentences have none (their agreeing verb is the only label)
EXAMPLE_SUBJECTS = {EXAMPLES[k]: pos for k, pos in enumerate((1, 1, 1, 8, 8, 1, 1, 1, 1, 1, 6))}
# a verb form right after these is not agreeing with a subject ("to have", "will like",
# "I like", "you are")
_NOT_AGREEING_AFTER = frozenset({"to", "will", "would", "can", "could", "shall", "should",
                                 "may", "might", "must", "do", "does", "did", "i", "you"})
_ADJECTIVES = frozenset(a["word"] for a in lx.LEXICON["adjectives"])   # 'old' is also a noun
_NOUN_BEFORE = frozenset(lx.LEXICON["determiners"]) | _ADJECTIVES


# ----------------------------------------------------------------------------------------
# Sentences

@dataclass
class Sentence:
    """What the models read. tokens: the tokens read (T of them; unknown words as their class,
    commas as ','); verb: the verb that follows (typed or generated) or None. label: the
    expected number (0 singular, 1 plural) at the end, or None; label_source says where it
    comes from. subject_pos / noun_positions / attractor_positions index into tokens (typed
    text: None / [] - a typed sentence is not parsed). checks: (t, verb, number) for every
    agreeing verb judged, the prediction read at token t - 1 (t = len(tokens) for the verb
    after the last token read). unknown: (t, typed word, class); surface: the text as typed
    for each token; unread: the text after the last judged verb, not read."""
    tokens: list[str]
    verb: str | None
    label: int | None
    label_source: str
    subject_pos: int | None
    noun_positions: list[int] = field(default_factory=list)
    attractor_positions: list[int] = field(default_factory=list)
    note: str | None = None      # e.g. punctuation that was not read
    checks: list = field(default_factory=list)
    unknown: list = field(default_factory=list)
    surface: list | None = None
    unread: str = ""

    @property
    def ids(self) -> tuple[int, ...]:
        return tuple(lx.WORD_TO_ID[w] for w in self.tokens)

    @property
    def text(self) -> str:
        return " ".join(self.tokens + ([self.verb] if self.verb else []))

    @property
    def distance(self) -> int | None:
        """Tokens between the subject and the verb position."""
        return None if self.subject_pos is None else len(self.tokens) - self.subject_pos - 1


def agreeing_verbs(reading: lx.Reading) -> list[tuple[int, str, int]]:
    """(t, verb, number) for every token of a reading that shows number (is/are, was/were,
    has/have, likes/like ...), except right after 'to', a modal, 'do', 'i' or 'you', and a
    form that is also a noun right after a determiner or adjective ("the houses")."""
    toks = reading.tokens
    return [(t, w, lx.VERB_NUMBER[w]) for t, w in enumerate(toks)
            if t > 0 and w in lx.VERB_NUMBER and toks[t - 1] not in _NOT_AGREEING_AFTER
            and not (w in lx.NOUN_NUMBER and toks[t - 1] in _NOUN_BEFORE)]


def sentence_from_text(text: str) -> Sentence:
    """Any typed text -> Sentence (lexicon.read: unknown words become their shape class, never
    a refusal). The label is never taken from a noun: with agreeing verbs the models read the
    text up to the last of them, every agreeing verb is judged by the prediction read just
    before it and the label is the last verb's number; the rest of the text is reported as not
    read. Without an agreeing verb they read everything and there is no label. ValueError (a
    message for the user) only for empty / wordless text or too many words."""
    if not isinstance(text, str):
        raise ValueError(f"expected a sentence (text), got {type(text).__name__}")
    n_words = len(text.split())
    if n_words > 4 * MAX_WORDS:   # don't even tokenize a novel
        raise ValueError(f"the sentence has {n_words} words; at most {MAX_WORDS} are inspected")
    r = lx.read(text)
    verbs = agreeing_verbs(r)
    end = verbs[-1][0] if verbs else len(r.tokens)
    if end > MAX_WORDS:
        raise ValueError(f"the sentence has {end} tokens to read; at most {MAX_WORDS} are "
                         "inspected")
    tokens = list(r.tokens[:end])
    verb = r.tokens[end] if verbs else None
    unread = " ".join(r.surface[end + 1:]) if verbs else ""
    note = ("punctuation not read: " + " ".join(dict.fromkeys(r.dropped))) if r.dropped else None
    unknown = [u for u in r.unknown if u[0] < end]
    if not verbs:
        return Sentence(tokens, None, None, "no agreeing verb", None, note=note,
                        unknown=unknown, surface=list(r.surface[:end]))
    label = verbs[-1][2]
    return Sentence(tokens, verb, label, f"the verb '{verb}' you typed", None, note=note,
                    checks=list(verbs), unknown=unknown, surface=list(r.surface[:end]),
                    unread=unread)


def example_sentence(text: str) -> Sentence:
    """One of EXAMPLES: read as typed text (label = its last agreeing verb), plus the subject
    marked by hand in EXAMPLE_SUBJECTS and the nouns after it (attractors: those of the other
    number than the subject)."""
    s = sentence_from_text(text)
    subject = EXAMPLE_SUBJECTS.get(text)
    if subject is None:
        return s
    s.subject_pos = subject
    s.label_source = f"the subject '{s.tokens[subject]}' (and the verb '{s.verb}')"
    s.noun_positions = [t for t in range(subject + 1, len(s.tokens))
                        if s.tokens[t] in lx.NOUN_NUMBER and s.tokens[t] not in _ADJECTIVES]
    s.attractor_positions = [t for t in s.noun_positions
                             if lx.NOUN_NUMBER[s.tokens[t]] != lx.NOUN_NUMBER[s.tokens[subject]]]
    return s


def sentence_from_example(ex: grammar.AgreementExample) -> Sentence:
    """A generated AgreementExample -> Sentence (label = the subject's true number)."""
    return Sentence(list(ex.tokens[:ex.verb_pos]), ex.tokens[ex.verb_pos], int(ex.label),
                    f"the subject '{ex.tokens[ex.subject_pos]}'", ex.subject_pos,
                    list(ex.noun_positions), list(ex.attractor_positions))


def fit_attractors(distance: int, attractors: int) -> tuple[int, str | None]:
    """(attractors that fit in `distance`, a note when fewer than asked for, else None)."""
    k = grammar.max_attractors(distance)
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
    return sentence_from_example(grammar.agreement_example(rng, distance, int(attractors)))


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
        """Sentences about arch's prediction(s), generated from the numbers: against the
        subject of a generated sentence, against every agreeing verb of typed text, or no
        judgement when there is no agreeing verb."""
        tr, s = self.traces[arch], self.sentence
        said = f"{arch.upper()} predicts **{tr.prediction}** (probability {tr.probability:.2f})"
        if s.checks:
            parts = []
            for t, verb, number in s.checks:
                p = float(tr.p_plural[t - 1])
                pred = int(p >= 0.5)
                prob = p if pred else 1.0 - p
                agree = "agrees with" if pred == number else "disagrees with"
                parts.append(f"before '{verb}' ({NUMBER[number]}) it predicts {NUMBER[pred]} "
                             f"({prob:.2f}): it {agree} the verb you typed")
            return f"{arch.upper()}: " + "; ".join(parts) + "."
        if s.label is None:
            return (said + " after the last word. There is no verb that shows number (is/are, "
                    "was/were, has/have, likes/like …) in the text, so there is nothing to judge "
                    "it against.")
        right = "correct" if tr.prediction == NUMBER[s.label] else "wrong"
        coin = (", though at under 0.60 it is close to a coin flip"    # judged on the figure printed
                if round(tr.probability, 2) < 0.6 else "")
        return said + f": {right}, since {s.label_source} is {NUMBER[s.label]}{coin}."


@torch.no_grad()
def trace_model(model, ids, source: str = "") -> ArchTrace:
    """Run the glass core with model's recurrent weights on token ids (T,). -> ArchTrace."""
    check_agreement_model(model)
    x = model.embed(torch.as_tensor(list(ids), dtype=torch.long))        # (1, T, I)
    cell = model.glass()
    tr = cell.trace(x.to(cell.dtype))
    names = FIELDS.get(model.arch, ("hidden",))
    arrays = {n: np.asarray(getattr(tr, n)[0], dtype=np.float32) for n in names}
    h = torch.from_numpy(arrays["hidden"]).to(model.readout.weight.dtype)  # (T, H)
    logits = model.readout(h)                                            # (T, 2)
    p_plural = torch.softmax(logits, dim=-1)[:, lx.PLURAL].float().numpy()
    w = model.readout.weight
    push = ((w[lx.PLURAL] - w[lx.SINGULAR]) * h[-1]).float().numpy()
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


def follow_arch(archs) -> str:
    """The model whose units the page follows: the LSTM if chosen, else the GRU, else the first."""
    archs = list(archs)
    return next((a for a in ("lstm", "gru") if a in archs), archs[0])


def describe_unit(ins: Inspection, unit: int, arch: str = "lstm") -> str:
    """One sentence about a unit of `arch`, every number read off the trace: its push on the final
    prediction and, for a gated arch (MEMORY), the mean of its keeping gate after the subject (LSTM
    forget gate, GRU update gate) and the state it keeps (LSTM c, GRU h) just before the subject, at
    it and at the last token."""
    tr, s = ins.traces[arch], ins.sentence
    a = tr.arrays
    push = float(tr.push[unit])
    toward = "toward plural" if push > 0 else "toward singular" if push < 0 else "neither way"
    text = f"Unit {unit} pushes the final prediction {toward} ({push:+.2f} logit)"
    if arch in MEMORY and s.subject_pos is not None and s.subject_pos < len(s.tokens) - 1:
        gate, state = MEMORY[arch]
        j = s.subject_pos
        g_after = float(a[gate][j + 1:, unit].mean())
        before = float(a[state][j - 1, unit]) if j > 0 else 0.0
        text += (f"; after the subject its {_WORDS[gate]} averages {g_after:.2f}, and its "
                 f"{_WORDS[state]} goes from {before:+.2f} before the subject to "
                 f"{float(a[state][j, unit]):+.2f} at it and {float(a[state][-1, unit]):+.2f} "
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
