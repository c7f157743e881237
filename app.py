"""LSTM Lab: the entry point. `streamlit run app.py`

Routes between the pages in pages/ with st.navigation. At import: glibc keeps at most two malloc
arenas (lstm_core.malloc; otherwise every session thread's trainings leave memory behind). Once per process: torch threads are set so
that many classroom sessions share the machine's cores fairly, and lstm_core.warmup loads what
the pages use in the background (then freezes it out of the garbage collector: see its docstring).
"""

import streamlit as st
import torch

from lstm_core import malloc, warmup

malloc.limit_arenas(2)   # before any session thread allocates: memory levels off (lstm_core/malloc.py)

st.set_page_config(page_title="LSTM Lab", page_icon="🧠", layout="wide")


@st.cache_resource
def _process_setup() -> int:
    """One torch thread per rerun: sessions run side by side instead of fighting over cores."""
    torch.set_num_threads(1)
    warmup.start()
    return torch.get_num_threads()


_process_setup()

PAGES = [
    st.Page("pages/home.py", title="LSTM Lab", icon=":material/home:", default=True),
    st.Page("pages/cell_anatomy.py", title="Cell anatomy", icon=":material/biotech:", url_path="cell-anatomy"),
    st.Page("pages/gates_over_time.py", title="Gates over time", icon=":material/traffic:", url_path="gates-over-time"),
    st.Page("pages/vanishing_gradients.py", title="Vanishing gradients", icon=":material/trending_down:", url_path="vanishing-gradients"),
    st.Page("pages/train_compare.py", title="Train and compare", icon=":material/fitness_center:", url_path="train-and-compare"),
    st.Page("pages/number_units.py", title="Number units", icon=":material/pin:", url_path="number-units"),
]

st.navigation(PAGES).run()
