"""Once per server process: load what the pages need, then freeze it. The EAGER steps run at startup, before the
server accepts anyone (~0.6 s); the rest in the background, at low priority.

    warmup.start()            # app.py, at startup: the EAGER steps, then the rest in a thread
    with warmup.visitor():    # app.py, around each script run: no warm-up step starts while one runs

1. EAGER: profile the scripted time loops (lstm_core.cells.variant_kernels.warm); import every module the
   pages use; freeze (2.) what exists then; read Learning to forget's opening view (its default stream
   length, ~0.3 s: the only opening view computed rather than stored). Run while a first visitor's browser
   fetched Streamlit's scripts, they held the interpreter the server sends those scripts from.
2. gc.freeze(): Streamlit runs a full gc.collect() after every script run (runner.postScriptGC).
   With torch, plotly and pandas loaded that walks ~250k long-lived objects: ~140-250 ms of every
   rerun on our 2-core machine. Frozen, they are skipped (a collection then takes a few ms); what sessions
   create later is still collected as before. bench/load_test.py --server-timing measures both.
3. What the pages open with (~5 s; what can be is stored ahead of time in lstm_core/precomputed): the home
   page's gradient curves, Gates over time's measures of the shipped models, the shipped number-unit
   analyses, the Learning-to-forget traces, the default agreement training pool and its baselines, one
   optimizer step (trainer.preload: torch imports torch._dynamo, sympy and mpmath on an optimizer's first
   step, ~1 s; only training needs it, so it comes last); then freeze again.
A visitor comes first: the warm-up shares the interpreter (one GIL) with the visitors' script runs and the
2 cores with their browsers, so after the EAGER steps a step starts only once no visitor's page has run for
QUIET_S (the browser draws what it was sent meanwhile) and at least QUIET_S after the start (a link opened
at once is loading the app in the browser then); a step waits at most YIELD_S, so a busy class cannot keep it
from ever finishing.
A step that fails is logged and skipped; at interpreter exit the running step finishes and the rest is
skipped. The first visitor's page waits for none of the background steps."""

from __future__ import annotations

import atexit
import contextlib
import gc
import importlib
import logging
import os
import threading
import time

from lstm_core.cells import variant_kernels
from lstm_core.data import baselines, pool
from lstm_core.experiments import learning_to_forget, number_units, shipped_measures, vanishing
from lstm_core.experiments.number_units import shipped_live
from lstm_core.training import registry, trainer

MODULES = ("numpy", "pandas", "plotly.graph_objects", "plotly.io", "safetensors.torch",
           "lstm_core.experiments.anatomy", "lstm_core.experiments.comparison", "lstm_core.experiments.inspection",
           "lstm_core.experiments.vanishing", "lstm_core.experiments.vanishing_trained",
           "lstm_core.figures.anatomy", "lstm_core.figures.comparison", "lstm_core.figures.inspection",
           "lstm_core.figures.vanishing", "lstm_core.figures.number_units")

_LOG = logging.getLogger(__name__)
_lock = threading.Lock()
_thread: threading.Thread | None = None
_stopping = threading.Event()   # set at interpreter exit: the warm-up skips its remaining steps
_visits = threading.Condition()
_running = 0                    # visitors' script runs in progress
_quiet_since = time.monotonic() # when the last one ended (at first: the start)
QUIET_S = 2.0                   # how long no page must have run before a step starts
YIELD_S = 6.0                   # the longest a step waits for that
# what every visitor's run needs, and Learning to forget's opening view: these never wait
EAGER = ("scripted kernels", "imports", "first freeze", "learning to forget opening")


def _steps():
    """(name, callable) in order: what the pages need, loaded before the first visitor asks."""
    d = trainer.TrainConfig().distance       # the agreement defaults' sentence pool and baselines
    yield "scripted kernels", variant_kernels.warm
    yield "imports", lambda: [importlib.import_module(name) for name in MODULES]
    # most long-lived objects exist now (torch, plotly, pandas): freeze them already, so the reruns of early
    # visitors skip them too instead of waiting for the end of the warm-up
    yield "first freeze", _freeze
    # the one page whose opening view is computed, not stored (~0.3 s): read before a server accepts anyone
    yield "learning to forget opening", lambda: [learning_to_forget.run(k) for k in learning_to_forget.MODELS]
    yield "home page curves", vanishing.carousel_contrast
    yield "shipped accuracy by distance", lambda: shipped_measures.shipped_profiles(registry.SHIPPED)
    yield "baselines", lambda: shipped_measures.reference_baselines(d, baselines.REFERENCE_N)
    for arch in number_units.PRETRAINED:
        if number_units.has_pretrained(arch):
            for seed in number_units.PRECOMPUTED_SEEDS:
                yield f"number units {arch} seed {seed}", lambda a=arch, s=seed: number_units.load_precomputed(a, s)
    yield "number units opening view", shipped_live.warm
    for key in learning_to_forget.MODELS:     # its page slices these traces (~0.2 s each)
        yield f"learning to forget {key}", lambda k=key: learning_to_forget.run(k, learning_to_forget.MAX_SENTENCES)
    yield "training pool", lambda: pool.training_pool(0, d)
    yield "optimizer step", trainer.preload


def _run_steps(eager: bool | None = None) -> None:
    """Every step (eager=True: the EAGER ones only, False: all but those); its generator and closures are gone
    when this returns (nothing of them gets frozen)."""
    for name, step in _steps():
        if eager is not None and (name in EAGER) != eager:
            continue
        if name not in EAGER:
            _wait_for_visitors()
        if _stopping.is_set():
            return
        try:
            step()
        except Exception:  # noqa: BLE001 - logged; costs only that page's first visit
            _LOG.exception("warm-up step failed: %s", name)


@contextlib.contextmanager
def visitor():
    """Around a visitor's script run: no warm-up step starts until it ends."""
    global _running, _quiet_since
    with _visits:
        _running += 1
    try:
        yield
    finally:
        with _visits:
            _running -= 1
            _quiet_since = time.monotonic()
            _visits.notify_all()


def _quiet() -> bool:
    return _running == 0 and time.monotonic() - _quiet_since >= QUIET_S


def _wait_for_visitors(timeout: float | None = None) -> bool:
    """Until no visitor's page has run for QUIET_S (or the interpreter exits), at most timeout (YIELD_S)
    seconds; True if it is quiet."""
    deadline = time.monotonic() + (YIELD_S if timeout is None else timeout)
    with _visits:
        while not (_quiet() or _stopping.is_set()):
            left = deadline - time.monotonic()
            if left <= 0:
                break
            # while a page runs: until a run ends (notify); after: until the quiet period since then is over
            quiet_in = QUIET_S - (time.monotonic() - _quiet_since)
            _visits.wait(left if _running else min(left, max(quiet_in, 0.01)))
        return _quiet()


def _freeze() -> None:
    gc.collect()
    gc.freeze()


def run(eager: bool | None = None) -> int:
    """Do the warm-up here and now (eager as in _run_steps); returns how many objects were frozen. A step that
    fails is logged and skipped (its page computes it when asked); the freeze happens whatever failed, since
    without it every rerun of every session pays a full garbage collection."""
    _run_steps(eager)
    _freeze()
    return gc.get_freeze_count()


def _lower_priority() -> None:
    """Make this thread yield the cores to visitors' script runs (Linux: threads have their own nice value):
    a link opened while the warm-up runs should not wait behind it."""
    try:
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), 10)
    except (AttributeError, OSError):   # not Linux, or not allowed: the warm-up just competes as before
        pass


def _run_logged() -> None:
    _lower_priority()
    try:
        _LOG.info("warm-up done: %d objects frozen out of the garbage collector", run(eager=False))
    except Exception:  # noqa: BLE001 - a failed warm-up only costs speed; the pages load what they need
        _LOG.exception("warm-up failed")


def _stop_at_exit() -> None:
    """At interpreter exit: let the running step finish, skip the rest. A daemon thread killed inside torch
    aborts the process ("terminate called without an active exception", exit status 134)."""
    _stopping.set()
    with _visits:
        _visits.notify_all()
    if _thread is not None:
        _thread.join(timeout=60)


def start() -> threading.Thread:
    """Once per process (later calls return the same thread): the EAGER steps here and now, then the others in
    a daemon thread. At a server's startup (app.py) the EAGER steps are done before it accepts anyone: run
    while the first visitor's browser fetches Streamlit's scripts, they held the interpreter the server
    sends those scripts from (~0.3 s on a first visit)."""
    global _thread, _quiet_since
    with _lock:
        if _thread is None:
            _run_steps(eager=True)
            _quiet_since = time.monotonic()
            _thread = threading.Thread(target=_run_logged, name="lstm-lab-warmup", daemon=True)
            _thread.start()
            atexit.register(_stop_at_exit)
        return _thread
