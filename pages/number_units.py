import streamlit as st

st.title("Number units")
st.info("This page is being built")
