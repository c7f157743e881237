"""The experiments behind the lessons: one module or package per lesson, each computing the arrays
its page shows (NumPy and torch, never streamlit)."""
