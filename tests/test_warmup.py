"""lstm_core.warmup: one background warm-up per process that leaves the slow lazy imports done,
the precomputed analyses read, and what it loaded frozen out of the garbage collector."""
import gc
import subprocess
import sys
import threading
import time
from pathlib import Path

from lstm_core import warmup
from lstm_core.experiments import number_units as nu
from lstm_core.experiments import shipped_measures
from lstm_core.experiments.number_units import shipped_live
from lstm_core.training import registry


def test_start_runs_once_in_the_background_and_leaves_everything_loaded(monkeypatch):
    thread = warmup.start()
    assert warmup.start() is thread and thread.daemon
    thread.join(120)
    assert not thread.is_alive()
    for name in warmup.MODULES:
        assert name in sys.modules
    assert "torch._dynamo" in sys.modules          # train.preload took the optimizer's first step
    assert gc.get_freeze_count() > 0
    # what the steps leave cached (other tests empty these caches, and the process's warm-up may have run long
    # before this test: the steps run again here, where nothing else touches them)
    for cached in (nu.load_precomputed, shipped_live.ablation_check, shipped_measures.shipped_profile):
        cached.cache_clear()
    monkeypatch.setattr(warmup, "QUIET_S", 0.0)
    warmup._run_steps()
    assert nu.load_precomputed.cache_info().currsize >= len(nu.PRETRAINED)
    # the opening views of Number units and Gates over time (their first visitor waited 1-3 s for these)
    assert shipped_live.ablation_check.cache_info().currsize >= len(nu.SENTENCES)
    assert shipped_measures.shipped_profile.cache_info().currsize >= len(registry.SHIPPED)


def test_run_freezes_what_is_loaded_so_a_full_collection_skips_it():
    frozen = warmup.run()
    assert frozen == gc.get_freeze_count() > 10_000
    # the import-time objects are no longer tracked by the collector's generations
    assert len(gc.get_objects()) < frozen / 10


def test_a_failing_step_is_logged_and_the_rest_still_runs_and_freezes(monkeypatch, caplog):
    """A step that raises (the warm-up once died inside an autograd call) must not cost every later rerun a
    full garbage collection: the other steps run and the freeze still happens."""
    ran = []

    def steps():
        yield "boom", lambda: 1 / 0
        yield "after", lambda: ran.append("after")
    monkeypatch.setattr(warmup, "_steps", steps)
    gc.unfreeze()
    with caplog.at_level("ERROR", logger=warmup.__name__):
        frozen = warmup.run()
    assert ran == ["after"] and frozen > 0 and gc.get_freeze_count() > 0
    assert "warm-up step failed: boom" in caplog.text


def test_a_process_that_exits_during_the_warm_up_exits_cleanly():
    """The interpreter leaving while the warm-up thread is inside torch aborted the process (exit status 134,
    which failed the whole test suite): at exit the warm-up finishes its step and stops."""
    code = ("import time; from lstm_core import warmup; warmup.start(); time.sleep(3); "
            "print('leaving', warmup._thread.is_alive())")
    done = subprocess.run([sys.executable, "-c", code], check=False, cwd=Path(__file__).resolve().parent.parent,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "leaving True" in done.stdout, "the warm-up was still running when the process left"


def test_no_step_starts_while_a_visitors_page_runs(monkeypatch):
    """The warm-up shares the GIL with the visitors' script runs: a first visitor right after the start waited
    behind it. While a run is in progress (app.py: `with warmup.visitor()`) the next step waits."""
    started = []
    monkeypatch.setattr(warmup, "_steps", lambda: iter([("a", lambda: started.append("a")),
                                                         ("b", lambda: started.append("b"))]))
    monkeypatch.setattr(warmup, "YIELD_S", 30.0)
    monkeypatch.setattr(warmup, "QUIET_S", 0.3)
    with warmup.visitor():
        worker = threading.Thread(target=warmup._run_steps)
        worker.start()
        worker.join(0.5)
        assert started == [] and worker.is_alive()     # waiting for the visitor
    left = time.monotonic()
    worker.join(30)
    assert started == ["a", "b"] and not worker.is_alive()
    assert time.monotonic() - left >= 0.25              # and then for QUIET_S: its browser draws the page


def test_imports_and_the_first_freeze_never_wait(monkeypatch):
    """Every visitor's runs need them (a rerun before the freeze pays a full garbage collection)."""
    started = []
    monkeypatch.setattr(warmup, "_steps", lambda: iter([(name, lambda n=name: started.append(n))
                                                         for name in warmup.EAGER]))
    monkeypatch.setattr(warmup, "YIELD_S", 30.0)
    with warmup.visitor():
        warmup._run_steps()
    assert started == list(warmup.EAGER)


def test_a_visitor_that_never_leaves_delays_a_step_by_at_most_yield_s(monkeypatch):
    started = []
    monkeypatch.setattr(warmup, "_steps", lambda: iter([("a", lambda: started.append("a"))]))
    monkeypatch.setattr(warmup, "YIELD_S", 0.2)
    monkeypatch.setattr(warmup, "QUIET_S", 0.0)
    with warmup.visitor(), warmup.visitor():
        t0 = time.monotonic()
        warmup._run_steps()
        assert started == ["a"] and 0.15 < time.monotonic() - t0 < 10
    assert warmup._wait_for_visitors(0)       # both runs counted out


def test_eager_steps_and_the_others_split_the_steps(monkeypatch):
    """start() runs the EAGER steps before it returns (a server does them before it accepts anyone) and the
    thread the others; together they are every step, each once."""
    ran = []
    monkeypatch.setattr(warmup, "_steps", lambda: iter([(name, lambda n=name: ran.append(n))
                                                        for name in ("late", *warmup.EAGER, "later")]))
    monkeypatch.setattr(warmup, "QUIET_S", 0.0)
    warmup._run_steps(eager=True)
    assert ran == list(warmup.EAGER)
    warmup._run_steps(eager=False)
    assert ran == [*warmup.EAGER, "late", "later"]
