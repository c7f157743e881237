"""Shared fixtures of the number-units tests: the shipped LSTM and RNN and their summaries, computed
once per test session (not read from lstm_core/precomputed: these tests recompute)."""
import functools

import pytest

from lstm_core.experiments import number_units as nu


@functools.lru_cache(maxsize=None)
def _shipped(arch: str):
    model, distance = nu.pretrained(arch)
    return (model, distance), nu.summarize(model, seed=0, distance=distance)


@pytest.fixture
def lstm():
    return _shipped("lstm")[0]


@pytest.fixture
def rnn():
    return _shipped("rnn")[0]


@pytest.fixture
def lstm_summary():
    return _shipped("lstm")[1]


@pytest.fixture
def rnn_summary():
    return _shipped("rnn")[1]
