"""Building blocks two or more pages share: a chart with its "what to look at" beside it, and a
URL-bound select over the core's names that shows (and puts in the URL) a readable label."""
import streamlit as st

from pages._ui import bound_select, caption, plot


def choose(label: str, names, shown: dict, default: str, key: str, **kw) -> str:
    """A URL-bound selectbox over the core's `names`, showing (and putting in the URL) shown[name]."""
    labels = [shown[n] for n in names]
    picked = bound_select(label, labels, shown[default], key, **kw)
    return list(names)[labels.index(picked)]


def beside(fig, key: str, look: str, said: str | None = None) -> None:
    """Chart on the left, "what to look at" and the computed statement on the right."""
    left, right = st.columns([3, 1.3], vertical_alignment="center")
    with left:
        plot(fig, key=key)
    with right:
        caption(look)
        if said:
            st.markdown(said)
