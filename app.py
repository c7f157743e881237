"""LSTM Lab: the entry point. `streamlit run app.py`

`streamlit run` finds the `st.App` below and serves it. Its startup (the lifespan, before any visitor):
- routes by st.navigation only: Streamlit otherwise decides from the existence of the pages/ folder that
  the process's first session is a legacy multipage run, and a first visitor who opens a shared deep link
  (e.g. /cell-anatomy?...) gets a false "Page not found" dialog over an inert page (streamlit#9624);
- limits glibc to two malloc arenas and maps big blocks (lstm_core.malloc: otherwise every session
  thread's trainings leave memory behind), and torch and numpy's BLAS to one thread (lstm_core.threads:
  sessions share the cores fairly, and no idle BLAS thread spins on a core the others need);
- adds a Link header to every HTML page it sends (pages/_chart.PreloadPlotly): the browser fetches plotly.js
  while Streamlit's frontend starts;
- runs lstm_core.warmup's first steps (imports, gc.freeze(), Learning to forget's opening view) and starts the
  rest in the background: the precomputed analyses, an optimizer step, then gc.freeze() again (see its
  docstring), so the first visitor does not wait for them; it pauses while a page runs.

Every session then runs this file as its script (`__name__ == "__main__"`): the page config, an element
that starts loading plotly.js in the browser at once (pages/_chart.py), and the navigation between the pages
in pages/.
"""
import contextlib

import streamlit as st
from starlette.middleware import Middleware
from streamlit.runtime.pages_manager import PagesManager

from lstm_core import malloc, threads, warmup
from pages._chart import PreloadPlotly, preload_plotly


@st.cache_resource
def process_setup() -> int:
    """Once per process: at startup, and again (a cache hit) from the script for AppTest and servers started
    without the st.App."""
    malloc.limit_arenas(2)
    malloc.map_big_blocks()
    counts = threads.limit_to_one()
    warmup.start()
    return max(counts.values())


@contextlib.asynccontextmanager
async def _startup(_app):
    PagesManager.uses_pages_directory = False     # what st.navigation's first call would set, too late
    process_setup()
    yield


app = st.App(__file__, lifespan=_startup, middleware=[Middleware(PreloadPlotly)])

if __name__ == "__main__":
    st.set_page_config(page_icon="🧠", layout="wide")      # no page_title: each tab is titled by its page
    process_setup()
    preload_plotly()        # first: the browser starts fetching plotly.js (4.7 MB) as early as it can
    # Page-link labels wrap instead of being cut mid-word (Streamlit sets nowrap with an ellipsis that is not
    # drawn, because the text sits in a block child). Found by tests/test_browser.py's clip check.
    # An element waiting for its rerun fades as Streamlit fades it (to 0.33 over 1 s, after 0.5 s), by an
    # animation instead of a transition: every element started a transition on every rerun and cancelled it
    # when its new version arrived, two events each (~10 ms of every slider move in the browser); an animation
    # still waiting out its delay is simply dropped.
    st.html("<style>[data-testid='stMain'] [data-testid='stPageLink-NavLink'] * "
            "{ white-space: normal; overflow: visible; }"
            ".stElementContainer[data-stale='true'] { transition: none; opacity: 1; "
            "animation: lab-stale 1s ease-in 0.5s forwards; } @keyframes lab-stale { to { opacity: 0.33; } }</style>")
    pages = st.navigation([
        st.Page("pages/home.py", title="LSTM Lab", icon=":material/home:", default=True),
        st.Page("pages/cell_anatomy.py", title="Cell anatomy", icon=":material/biotech:", url_path="cell-anatomy"),
        st.Page("pages/gates_over_time.py", title="Gates over time", icon=":material/traffic:",
                url_path="gates-over-time"),
        st.Page("pages/vanishing_gradients.py", title="Vanishing gradients", icon=":material/trending_down:",
                url_path="vanishing-gradients"),
        st.Page("pages/train_compare.py", title="Train and compare", icon=":material/fitness_center:",
                url_path="train-and-compare"),
        st.Page("pages/number_units.py", title="Number units", icon=":material/pin:", url_path="number-units"),
        st.Page("pages/stacked_bidirectional.py", title="Stacked and bidirectional", icon=":material/layers:",
                url_path="stacked-and-bidirectional"),
        st.Page("pages/learning_to_forget.py", title="Learning to forget", icon=":material/delete_sweep:",
                url_path="learning-to-forget"),
        st.Page("pages/which_gate.py", title="Which gate matters", icon=":material/rule:", url_path="which-gate-matters"),
    ])
    with warmup.visitor():      # the warm-up starts no step while a visitor's page runs (one GIL)
        pages.run()
