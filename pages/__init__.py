"""LSTM Lab pages (run through st.navigation in app.py); shared helpers in pages/_ui.py."""
