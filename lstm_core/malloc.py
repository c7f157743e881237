"""glibc malloc arenas: at most two, so server memory levels off (issue 14, item 5).

    malloc.limit_arenas(2)   # app.py, at import; True when glibc accepted it

glibc gives each thread that allocates concurrently its own arena (up to 8 x cores) and rarely
returns their memory. Streamlit runs every session's script in its own thread, so concurrent
trainings grew the server from 461 to 775 MB in three rounds and kept it. Two arenas: measured
by bench/soak.py. The environment variable MALLOC_ARENA_MAX=2 does the same but must be set
before the process starts (the README's command sets it too); mallopt(M_ARENA_MAX) works at run
time for every arena created afterwards, i.e. for all session threads, whatever launched us.
"""
from __future__ import annotations

import ctypes
import ctypes.util

M_ARENA_MAX = -8          # glibc <malloc.h>


def limit_arenas(n: int = 2) -> bool:
    """mallopt(M_ARENA_MAX, n). False (and nothing done) off glibc, e.g. on macOS or musl."""
    name = ctypes.util.find_library("c")
    if not name:
        return False
    try:
        libc = ctypes.CDLL(name)
        return bool(libc.mallopt(M_ARENA_MAX, int(n)))
    except (OSError, AttributeError):
        return False
