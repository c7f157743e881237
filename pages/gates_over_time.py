import streamlit as st

st.title("Gates over time")
st.info("This page is being built")
