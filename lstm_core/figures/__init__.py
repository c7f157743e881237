"""Figures: pure functions, NumPy arrays in, plotly Figure out. style.py holds the one palette, time axis
and cursor; one module per lesson holds its figures."""
