import os
import sys

import pytest
import torch

# One torch thread for the whole suite, as app.py sets for the server: on the 2-core CI machine
# two threads per process fight the browser-test server and Chromium for the cores.
torch.set_num_threads(1)

# Every figure a test builds (and those of the servers the browser tests start) passes plotly's schema check and
# sends the JSON a checked figure sends (lstm_core/figures/style.py figure(); the app skips the check for speed).
os.environ["LSTM_LAB_CHECK_FIGURES"] = "1"

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)


# the number-units tests share the shipped models and their summaries (computed once per session)
pytest_plugins = ["number_units_models"]


@pytest.fixture(autouse=True)
def _own_run_store(tmp_path, monkeypatch):
    """Every test has its own empty run store (lstm_core.training.run_store): a run stored by one test
    must never stand in for another test's training."""
    monkeypatch.setenv("LSTM_LAB_RUN_STORE", str(tmp_path / "run-store"))


@pytest.fixture(autouse=True)
def _clear_streamlit_caches():
    """Every test starts with empty Streamlit caches (AppTest shares the process-wide caches)."""
    yield
    if "streamlit" in sys.modules:
        import streamlit as st

        st.cache_data.clear()
        st.cache_resource.clear()
