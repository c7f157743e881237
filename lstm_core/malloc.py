"""glibc malloc: at most two arenas, big blocks mapped, memory handed back, so server memory
levels off (issue 14, item 5).

    malloc.limit_arenas(2)   # app.py, at startup; True when glibc accepted it
    malloc.map_big_blocks()  # app.py, at startup: tensors' buffers come from mmap, not the heap
    malloc.trim()            # after each training: return the free heap to the system

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
M_MMAP_THRESHOLD = -3
MAP_ABOVE_BYTES = 256 * 1024


def _libc():
    name = ctypes.util.find_library("c")
    try:
        return ctypes.CDLL(name) if name else None
    except OSError:
        return None


def limit_arenas(n: int = 2) -> bool:
    """mallopt(M_ARENA_MAX, n). False (and nothing done) off glibc, e.g. on macOS or musl."""
    return _mallopt(M_ARENA_MAX, int(n))


def map_big_blocks(threshold: int = MAP_ABOVE_BYTES) -> bool:
    """mallopt(M_MMAP_THRESHOLD, threshold): blocks above it (activation and gradient tensors) are
    mapped and unmapped on free. glibc otherwise raises the threshold each time such a block is
    freed, until the tensors of a training come from the heap, whose free pages stay with the
    process between trainings (the soak's settled RSS crept past 800 MB that way)."""
    return _mallopt(M_MMAP_THRESHOLD, int(threshold))


def trim() -> bool:
    """malloc_trim(0): give the heap's free pages back to the system (after a training)."""
    libc = _libc()
    try:
        return bool(libc.malloc_trim(0)) if libc is not None else False
    except AttributeError:
        return False


def _mallopt(param: int, value: int) -> bool:
    """False (and nothing done) off glibc, e.g. on macOS or musl."""
    libc = _libc()
    try:
        return bool(libc.mallopt(param, value)) if libc is not None else False
    except AttributeError:
        return False
