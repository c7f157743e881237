import streamlit as st

from pages._ui import caption

st.title("LSTM Lab")
st.info("This page is being built")
caption("The story in four steps is coming here.")
