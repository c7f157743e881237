"""One thread per computation: torch's and the BLAS libraries' own thread pools limited to one thread.

    threads.limit_to_one()   # app.py, at startup -> {library file: threads} after the limit

Streamlit runs each session's script in its own thread, so a classroom's sessions already spread over the
cores; a library that also splits one matrix product over every core makes them compete. torch has its own
switch (torch.set_num_threads). numpy's OpenBLAS does not: it starts one thread per core and, after each
call, its idle threads spin waiting for the next one. On a 2-core machine an SVD of a 32 x 32 matrix took
the same wall time with two threads as with one and twice the CPU. On *Vanishing gradients* (the RNN's
Jacobian norms, spectral radii) that spinning took the core the browser needed: a slider move's rerun used
25-90 ms of the server's CPU for 12 ms of script, and slider -> repaint p95 was 145-171 ms; with one thread,
110-131 ms in 6 runs (bench/bench_browser.py, browser and server on one 2-core machine). threadpoolctl finds every
BLAS and OpenMP library loaded in the process and sets its limit at run time, after numpy is imported.
"""
from __future__ import annotations

from pathlib import Path

import numpy  # noqa: F401 - loads numpy's OpenBLAS, so the limit below reaches it
import threadpoolctl
import torch


def limit_to_one() -> dict:
    """torch.set_num_threads(1) and every loaded BLAS / OpenMP pool to one thread, for the whole process.
    Returns {library's file: its thread count now} (torch as "torch"): by file, since numpy's and scipy's
    OpenBLAS share threadpoolctl's internal name and prefix."""
    torch.set_num_threads(1)
    threadpoolctl.threadpool_limits(1)
    counts = {Path(lib["filepath"]).name: lib["num_threads"] for lib in threadpoolctl.threadpool_info()}
    counts["torch"] = torch.get_num_threads()
    return counts
