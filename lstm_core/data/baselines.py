"""Shortcut baselines for the agreement task: rules that need no syntax. If one of them scores
well, the task can be solved without finding the subject.

Each rule reads only what a model reads (the tokens before the verb) and knows every noun's
number from the lexicon (number-ambiguous nouns excluded):
  first_noun     the number of the first noun in the sentence
  last_noun      the number of the last noun before the verb
  majority       the majority number of all nouns before the verb (ties -> singular)
  bow_logreg     logistic regression on word counts (bag of words), fit on a training batch
Rules with no noun to read guess singular.
"""
from __future__ import annotations

import functools

import numpy as np
import torch

from lstm_core.data import grammar
from lstm_core.data import lexicon as lx

_NUM_OF_ID = np.full(len(lx.VOCAB), -1, dtype=np.int64)
for _w, _n in lx.NOUN_NUMBER.items():
    _NUM_OF_ID[lx.WORD_TO_ID[_w]] = _n


def _noun_numbers(x: np.ndarray) -> np.ndarray:
    """(n, T) ids -> (n, T) noun numbers, -1 where the token is not a noun with a number."""
    return _NUM_OF_ID[np.asarray(x)]


def first_noun(x: np.ndarray) -> np.ndarray:
    num = _noun_numbers(x)
    has = num >= 0
    first = np.argmax(has, axis=1)
    return np.where(has.any(1), num[np.arange(len(num)), first], 0)


def last_noun(x: np.ndarray) -> np.ndarray:
    num = _noun_numbers(x)[:, ::-1]
    has = num >= 0
    last = np.argmax(has, axis=1)
    return np.where(has.any(1), num[np.arange(len(num)), last], 0)


def majority(x: np.ndarray) -> np.ndarray:
    num = _noun_numbers(x)
    return ((num == 1).sum(1) > (num == 0).sum(1)).astype(np.int64)


def _bow(x: np.ndarray) -> torch.Tensor:
    x = torch.as_tensor(np.asarray(x))
    counts = torch.zeros(len(x), len(lx.VOCAB))
    counts.scatter_add_(1, x, torch.ones_like(x, dtype=torch.float32))
    counts[:, 0] = 0.0                       # padding carries no word
    return counts


def fit_bow_logreg(x: np.ndarray, y: np.ndarray, steps: int = 300, l2: float = 1e-4,
                   seed: int = 0) -> torch.nn.Linear:
    """Logistic regression on word counts, full-batch L-BFGS with a small L2 penalty."""
    torch.manual_seed(seed)
    feats, target = _bow(x), torch.as_tensor(np.asarray(y), dtype=torch.float32)
    model = torch.nn.Linear(len(lx.VOCAB), 1)
    opt = torch.optim.LBFGS(model.parameters(), max_iter=steps, line_search_fn="strong_wolfe")

    def closure():
        opt.zero_grad()
        loss = torch.nn.functional.binary_cross_entropy_with_logits(
            model(feats).squeeze(1), target) + l2 * model.weight.pow(2).sum()
        loss.backward()
        return loss

    opt.step(closure)
    return model


def bow_logreg_predict(model: torch.nn.Linear, x: np.ndarray) -> np.ndarray:
    with torch.no_grad():
        return (model(_bow(x)).squeeze(1) > 0).long().numpy()


RULES = {"first_noun": first_noun, "last_noun": last_noun, "majority": majority}


def baseline_accuracies(train: tuple, test: tuple) -> dict[str, float]:
    """{'first_noun', 'last_noun', 'majority', 'bow_logreg'} -> accuracy on test=(x, y); the
    regression is fit on train=(x, y)."""
    x, y = np.asarray(test[0]), np.asarray(test[1])
    out = {name: float((rule(x) == y).mean()) for name, rule in RULES.items()}
    out["bow_logreg"] = float((bow_logreg_predict(fit_bow_logreg(*train), x) == y).mean())
    return out


REFERENCE_N = 2000     # test sentences behind the baselines Gates over time shows


@functools.lru_cache(maxsize=8)
def reference_baselines(distance: int, n: int = REFERENCE_N, seed: int = 0) -> dict[str, float]:
    """baseline_accuracies on n fresh sentences at `distance` (stream default_rng([seed, 1, d])),
    the regression fit on 2n sentences at distances 0..distance (stream [seed, 0, d]). Cached
    per process: the pages show these beside the models."""
    from_rng = lambda k: np.random.default_rng([int(seed), k, int(distance)])   # noqa: E731
    train = grammar.agreement_batch(from_rng(0), 2 * int(n), (0, int(distance)))[:2]
    test = grammar.agreement_batch(from_rng(1), int(n), int(distance))[:2]
    return baseline_accuracies(train, test)
