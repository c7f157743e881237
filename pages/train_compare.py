import streamlit as st

st.title("Train and compare")
st.info("This page is being built")
