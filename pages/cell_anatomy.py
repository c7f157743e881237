import streamlit as st

st.title("Cell anatomy")
st.info("This page is being built")
