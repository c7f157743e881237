"""Agreement read the other way round: the masked-subject task, whose answer lies in the future.

A sentence of the agreement grammar is read *through its verb*, with the subject noun replaced by
MASK ("near the door , the <unk> of the cabinets that the guards like are"). The task: at the
masked subject, say whether it is singular or plural. Determiners are number-neutral in this grammar
and the words before the subject (fronted phrases, their nouns) are drawn independently of the
subject's number, so nothing up to and including the subject tells its number: the evidence is the
main verb (and relative clauses' verbs agreeing with the subject), all of it *after* the answer's
position. A unidirectional network reading left to right must therefore be at chance there; a
bidirectional one can carry the verb's number back over the `distance` intervening tokens (with
attractors of the other number on the way).

    x, y, examples = masked_subject_batch(rng, 64, 30)   # y (B, T): IGNORE except at the subject
    subject_col(x, 30)                                    # the subject's column, the same in every row

No word dropout: MASK is the unknown-word class of a word without the plural -s shape, and in this task
it stands for the masked subject only.
"""
from __future__ import annotations

import numpy as np

from lstm_core.data import grammar
from lstm_core.data import lexicon as lx

MASK = "<unk>"
MASK_ID = lx.WORD_TO_ID[MASK]
IGNORE = -100                     # label of every position that is not a masked subject (torch's ignore_index)


def masked_tokens(ex: grammar.AgreementExample) -> list[str]:
    """The words the model reads: ex's tokens through its verb, the subject replaced by MASK."""
    tokens = list(ex.tokens[:ex.verb_pos + 1])
    tokens[ex.subject_pos] = MASK
    return tokens


def subject_col(x: np.ndarray, distance: int) -> int:
    """Column of the masked subject in a left-padded batch at one `distance` (the verb is last)."""
    return x.shape[1] - 2 - int(distance)


def masked_subject_batch(rng: np.random.Generator, n: int, distance: int, attractors: int | None = None):
    """n fresh sentences at exactly `distance` -> (x (n, T) int64 left-padded with <pad>, the verb
    in the last column; y (n, T) int64: the subject's number at subject_col(x, distance), IGNORE
    elsewhere; the AgreementExamples)."""
    n, distance = int(n), int(distance)
    if n < 1:
        raise ValueError(f"need at least one sentence, got {n}")
    _, _, examples = grammar.agreement_batch(rng, n, distance, attractors)
    x = grammar.pad_left([[lx.WORD_TO_ID[w] for w in masked_tokens(e)] for e in examples])
    y = np.full(x.shape, IGNORE, dtype=np.int64)
    y[:, subject_col(x, distance)] = [e.label for e in examples]
    return x, y, examples
