import streamlit as st

st.title("Vanishing gradients")
st.info("This page is being built")
