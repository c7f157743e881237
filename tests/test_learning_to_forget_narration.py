"""The sentences of Learning to forget over a grid of fabricated stats, every branch: each sentence
says what the numbers say (the right branch word, the numbers themselves), never the opposite."""
import itertools

import numpy as np
import pytest

from lstm_core.experiments import learning_to_forget as lf
from lstm_core.narration import learning_to_forget as say


def stats(**kw) -> dict:
    base = dict(tokens=3000, sentences=150, quarter=37, window=lf.WINDOW, cell_first=1.0, cell_last=1.0, cell_max=4.0,
                units_over_10=0, hidden=32, forget_mean=0.7, forget_at_start=0.7, forget_at_verb=0.7,
                forget_min_near_verb=0.7, forget_min_near_start=0.7, acc_carry=0.95, acc_reset=0.95,
                acc_carry_first=0.95, acc_carry_last=0.95)
    base.update(kw)
    return base


@pytest.mark.parametrize("first,last,over", itertools.product([0.5, 2.0], [0.1, 1.0, 2.5, 40.0, np.inf], [0, 7]))
def test_growth(first, last, over):
    s = stats(cell_first=first, cell_last=last, cell_max=max(last, first) * 3, units_over_10=over)
    text = say.growth("nfg", s)
    assert text.startswith("In the 1997 cell")
    if not np.isfinite(last):
        assert "overflowed" in text
        return
    if last >= say.GROWTH * first:
        assert "grew" in text and "stayed" not in text
    elif last < first / say.GROWTH:
        assert "shrank" in text
    else:
        assert "stayed bounded" in text and "grew" not in text
    assert f"{first:.2f}" in text and f"{last:.2f}" in text
    assert (f"{over} of its 32 units" in text) == (over > 0) and ("No unit" in text) == (over == 0)


@pytest.mark.parametrize("mean,verb,start", itertools.product([0.6, 0.9], [0.3, 0.58, 0.9], [0.2, 0.59, 0.9]))
def test_forget(mean, verb, start):
    s = stats(forget_mean=mean, forget_min_near_verb=verb, forget_min_near_start=start,
              forget_at_verb=verb + 0.01, forget_at_start=start + 0.01)
    text = say.forget("forget", s)
    low = min(verb, start)
    where = "the target verb" if verb <= start else "a sentence's first word"
    assert where in text and f"{mean:.2f}" in text and f"{low:.2f}" in text
    assert ("dips" in text) == (mean - low >= say.DIP)
    assert ("does not drop" in text) == (mean - low < say.DIP)


def test_forget_without_a_forget_gate():
    s = stats(forget_mean=1.0, forget_min_near_verb=1.0, forget_min_near_start=1.0)
    assert "has no forget gate" in say.forget("nfg", s)


@pytest.mark.parametrize("carry,reset,first,last", itertools.product([0.5, 0.75, 0.97], [0.5, 0.8, 0.99],
                                                                     [0.3, 0.5, 0.62, 0.9], [0.5, 0.9]))
def test_accuracy(carry, reset, first, last):
    s = stats(acc_carry=carry, acc_reset=reset, acc_carry_first=first, acc_carry_last=last)
    text = say.accuracy("forget", s)
    level = "at chance" if carry < say.CHANCE_BAND else "high" if carry >= say.GOOD else "above chance"
    assert f"number {level}, {100 * carry:.0f}%" in text
    moved, differ = say._differs(first, last, 37), say._differs(carry, reset, 150)
    assert ("falling" in text) == (moved and first > last)
    assert ("rising" in text) == (moved and last > first)
    assert ("is what costs it" in text) == (differ and reset > carry)
    assert ("relies on the state" in text) == (differ and carry > reset)
    assert ("no real difference" in text) == (not differ)
    assert f"{100 * reset:.0f}%" in text and "all 150 sentences" in text


def test_differs_needs_more_than_noise():
    assert not say._differs(0.49, 0.62, 37)         # 13 points on 37 sentences: within two standard errors
    assert say._differs(0.49, 0.62, 1000) and say._differs(0.5, 0.95, 37)
    assert not say._differs(0.95, 0.9, 10_000)       # below RESET_GAIN however many sentences


GROWN = dict(cell_first=2.0, cell_last=200.0)
FLAT = dict(cell_first=2.0, cell_last=2.1)


@pytest.mark.parametrize("nfg,ctl,fg", itertools.product(
    [None, stats(acc_carry=0.95, **GROWN), stats(acc_carry=0.95, **FLAT), stats(acc_carry=0.5, acc_reset=0.52, **FLAT),
     stats(acc_carry=0.5, acc_reset=0.52, **GROWN), stats(acc_carry=0.5, acc_reset=0.8, **GROWN)],
    [None, stats(acc_reset=0.97, acc_carry=0.5), stats(acc_reset=0.97, acc_carry=0.93), stats(acc_reset=0.6)],
    [None, stats(acc_carry=0.99)]))
def test_verdict(nfg, ctl, fg):
    given = {k: v for k, v in dict(nfg=nfg, nfg_reset=ctl, forget=fg).items() if v is not None}
    text = say.verdict(given)
    if nfg is None:
        assert text.startswith("Show the 1997 cell")
        return
    failed = nfg["acc_carry"] < say.CHANCE_BAND
    grew = nfg["cell_last"] >= say.GROWTH * nfg["cell_first"]
    assert ("did not fail" in text) == (not failed)
    assert ("its state did not grow" in text) == (failed and not grew)
    if failed and grew:
        assert f"grew {nfg['cell_last'] / nfg['cell_first']:.0f}-fold" in text
        if ctl is not None:
            can = ctl["acc_reset"] >= say.GOOD
            assert ("so the cell can learn the task" in text) == can
            assert ("the growth is not the only cause" in text) == (not can)
            assert ("that model too falls" in text) == (can and ctl["acc_carry"] < say.CHANCE_BAND)
        assert ("it never learned the task" in text) == (nfg["acc_reset"] < say.CHANCE_BAND)
    else:
        assert "trained with its state reset" not in text and "never learned" not in text
    assert ("The forget-gate LSTM, same recipe, gets 99%" in text) == (fg is not None)
