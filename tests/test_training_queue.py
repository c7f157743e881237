"""Issue 14, item 4: one person cannot hold the training queue. At most one training queued or
running per browser session and per client address; the per-run time cap is enforced (stopped at
the cap, last weights kept and tested, the page says so). The estimate's accuracy is measured by
bench/bench_estimate.py (speed figures live in bench/, not in tests)."""
import threading
import time
from pathlib import Path

import pytest
import torch
from streamlit.runtime.context import ContextProxy
from streamlit.testing.v1 import AppTest

from lstm_core.experiments import comparison
from lstm_core.narration import comparison as comparison_text
from lstm_core.training import queue

APP = str(Path(__file__).resolve().parent.parent / "app.py")
TRAIN = "pages/train_compare.py"
TINY = dict(steps=20, hidden=8, d=10)


def open_train_page() -> AppTest:
    at = AppTest.from_file(APP, default_timeout=120)
    at.run()
    at.switch_page(TRAIN)
    at.run()
    for k, v in TINY.items():
        at.slider(key=k).set_value(v)
    at.run()
    return at


def test_one_queued_or_running_training_per_session_and_per_address():
    slots = queue.TrainingSlots(1)
    me = (("session", "tab-1"), ("address", "10.0.0.7"))
    with slots.hold(owners=me):
        for other in [(("session", "tab-1"),),                                   # same tab
                      (("session", "tab-2"), ("address", "10.0.0.7"))]:          # 2nd tab, same address
            with pytest.raises(queue.AlreadyQueued), slots.hold(owners=other):
                pass
        assert slots.state() == {"running": 1, "waiting": 0}      # the refused ones never queued
        got = []                                                  # someone else queues as usual

        def other():
            cm = slots.hold(owners=(("session", "tab-3"), ("address", "10.0.0.8")), timeout=5)
            cm.__enter__()
            got.append(cm)                                        # keeps holding (no __exit__)
        t = threading.Thread(target=other)
        t.start()
        deadline = time.monotonic() + 5
        while slots.state()["waiting"] == 0 and time.monotonic() < deadline:
            time.sleep(0.01)
        assert slots.state() == {"running": 1, "waiting": 1}
    t.join(5)
    assert got and slots.state() == {"running": 1, "waiting": 0}
    # a refused or finished owner may train again; loopback (no address) is never shared
    with pytest.raises(queue.AlreadyQueued), slots.hold(owners=(("address", "10.0.0.8"),)):
        pass
    slots2 = queue.TrainingSlots(2)
    with slots2.hold(owners=(("session", "a"), ("address", None))), \
            slots2.hold(owners=(("session", "b"), ("address", None))):
        assert slots2.state()["running"] == 2


def test_the_page_passes_who_asks_and_refuses_a_second_training(monkeypatch):
    seen = []
    real = comparison.run_comparison

    def spy(cfg, **kw):
        seen.append(kw.get("owners"))
        return real(cfg, **kw)
    monkeypatch.setattr(comparison, "run_comparison", spy)
    monkeypatch.setattr(ContextProxy, "ip_address", property(lambda self: "10.9.8.7"))
    at = open_train_page()
    holding, release = threading.Event(), threading.Event()

    def other_tab():           # the same address already has a training in the line
        with queue.SLOTS.hold(owners=(("session", "other-tab"), ("address", "10.9.8.7"))):
            holding.set()
            release.wait(3)
    t = threading.Thread(target=other_tab)
    t.start()
    holding.wait(5)
    at.button(key="tc_train").click()
    at.run()
    release.set()
    t.join()
    assert not at.exception
    owners = dict(seen[0])
    assert isinstance(owners["session"], str) and owners["session"] and owners["address"] == "10.9.8.7"
    errors = " ".join(e.value for e in at.error)
    assert "already have a training queued or running" in errors
    assert "tc_result" not in at.session_state
    at.button(key="tc_train").click()                         # once it is done: trains as usual
    at.run()
    assert not at.exception and "tc_result" in at.session_state


def test_the_time_cap_stops_training_and_keeps_the_last_weights(monkeypatch):
    """An estimate that is too low (as in the issue) cannot make a run outlast the cap."""
    monkeypatch.setattr(comparison, "MAX_TRAIN_SECONDS", 1.0)
    monkeypatch.setattr(comparison, "estimate_seconds", lambda cfg: 0.5)
    cfg = comparison.CompareConfig(distance=10, hidden=8, steps=5000, test_size=100)
    t0 = time.perf_counter()
    res = comparison.run_comparison(cfg, sweep_n=50)
    took = time.perf_counter() - t0
    first = res.runs["lstm"]
    assert first.steps_done < 5000 and "time limit of 1 s reached" in first.status
    assert sum(r.train_seconds for r in res.runs.values()) < 1.0 + 0.5     # one step past the cap at most
    assert took < 20
    assert all(torch.isfinite(p).all() for p in first.model.parameters())
    assert "test_accuracy" in first.test                                     # the kept weights were tested
    line = comparison_text.status_lines(res)[0]
    assert f"the weights after step {first.steps_done} are kept" in line
    assert any("under-trained" in w for w in comparison_text.warnings(res))
