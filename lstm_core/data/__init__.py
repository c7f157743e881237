"""The tasks' data: the agreement grammar and vocabulary (agreement.py), and the adding, copy and
temporal-order sequences (sequences.py). Pure NumPy, deterministic given a numpy Generator."""
