"""A per-process cache that computes each result once even when two threads ask for it together.

functools.lru_cache lets two threads that miss at the same moment both compute: the warm-up and the first
visitor then each spent the same second on the same result. ``once(maxsize)`` is lru_cache behind one lock,
so the second caller waits for the first one's result instead. For slow, rarely-varied analyses only (one
lock per function: callers with other arguments wait too).
"""
from __future__ import annotations

import functools
import threading


def once(maxsize: int):
    def decorate(fn):
        cached = functools.lru_cache(maxsize=maxsize)(fn)
        lock = threading.Lock()

        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            with lock:
                return cached(*args, **kwargs)
        wrapper.cache_info, wrapper.cache_clear = cached.cache_info, cached.cache_clear
        return wrapper
    return decorate
