"""Issue 13 item 5: trained runs are addressable. A finished comparison is stored server-side (safetensors +
JSON, bounded, least recently used evicted) under an id derived from its settings; the same settings are
trained once (also when two sessions ask at the same time); a reload or a link with run=<id> shows the
stored run without training; a corrupt or missing entry is a clear ValueError."""
import json
import os
import shutil
import threading
import time
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from app_harness import open_app_page, walk_elements
import torch
from streamlit.testing.v1 import AppTest

from lstm_core.experiments import comparison, comparison_runs
from lstm_core.narration import comparison as comparison_text
from lstm_core.training import run_format, run_store
from lstm_core.training.run_store import RunStore

APP = str(Path(__file__).resolve().parent.parent / "app.py")
TRAIN, GATES = "pages/train_compare.py", "pages/gates_over_time.py"
TINY = comparison.CompareConfig(steps=20, hidden=8, distance=10, seeds=2)


@pytest.fixture
def store(tmp_path):
    return RunStore(tmp_path / "runs")


@pytest.fixture
def count_trainings(monkeypatch):
    """Counts the trainer's calls made by run_comparison (one per model per seed)."""
    calls, real = [], comparison.train

    def counted(cfg, *a, **kw):
        calls.append(cfg)
        return real(cfg, *a, **kw)
    monkeypatch.setattr(comparison, "train", counted)
    return calls


def assert_same_run(a, b, stored=True):
    """stored: b is a read back from the store (a byte round trip: every number equal, timings too);
    else b is a trained again (deterministic: equal up to float32 error; timings differ)."""
    tol = dict(rtol=0, atol=0) if stored else dict(rtol=1e-4, atol=1e-6)
    assert a.config == b.config and a.id == b.id and list(a.runs) == list(b.runs)
    assert a.by_distance.keys() == b.by_distance.keys()
    for arch in a.runs:
        da, db = a.by_distance[arch], b.by_distance[arch]
        assert da["x"] == db["x"] and da["metric"] == db["metric"] and da["n"] == db["n"]
        np.testing.assert_allclose(db["y"], da["y"], **tol)
        assert len(a.all_runs(arch)) == len(b.all_runs(arch))
        for ra, rb in zip(a.all_runs(arch), b.all_runs(arch)):
            assert ra.config == rb.config and ra.status == rb.status and ra.steps_done == rb.steps_done
            assert ra.grad_steps == rb.grad_steps and ra.test.keys() == rb.test.keys()
            for k in ra.test:
                np.testing.assert_allclose(rb.test[k], ra.test[k], **tol)
            for col in ("step", "loss", "elapsed") if stored else ("step", "loss"):
                np.testing.assert_allclose([h[col] for h in rb.history], [h[col] for h in ra.history], **tol)
            assert [h["accuracy"] is None for h in ra.history] == [h["accuracy"] is None for h in rb.history]
            np.testing.assert_allclose([h["accuracy"] or 0 for h in rb.history],
                                       [h["accuracy"] or 0 for h in ra.history], **tol)
            np.testing.assert_allclose(rb.grad_hidden, ra.grad_hidden, **tol)
            assert (ra.grad_cell is None) == (rb.grad_cell is None) == (arch != "lstm")
            if ra.grad_cell is not None:
                np.testing.assert_allclose(rb.grad_cell, ra.grad_cell, **tol)
            sa, sb = ra.model.state_dict(), rb.model.state_dict()
            assert sa.keys() == sb.keys()
            for k in sa:
                np.testing.assert_allclose(sb[k].numpy(), sa[k].numpy(), **tol)
            x = (torch.randint(0, ra.model.n_in, (4, 12)) if ra.model.input_kind == "ids"
                 else torch.rand(4, 12, ra.model.n_in))
            with torch.no_grad():
                np.testing.assert_allclose(rb.model(x).numpy(), ra.model(x).numpy(), rtol=1e-6, atol=1e-6)
    if not stored:
        return
    # what the page shows is computed from these numbers, so it is the same
    assert (a.seconds, a.queued_seconds) == (b.seconds, b.queued_seconds)
    assert comparison_text.summary(a) == comparison_text.summary(b)
    assert comparison_text.verdict(a) == comparison_text.verdict(b)
    assert a.history_csv() == b.history_csv() and a.grad_csv() == b.grad_csv()


def test_round_trip_gives_the_same_comparison(store, count_trainings):
    res = comparison_runs.comparison_for(TINY, store)
    assert res.id == comparison_runs.run_id(TINY) and len(count_trainings) == 4      # 2 seeds x 2 archs
    back = comparison_runs.load_comparison(res.id, store)
    assert_same_run(res, back)
    files = {p.name for p in (store.directory / res.id).iterdir()}
    assert files == {"run.json", "arrays.safetensors"} | {f"{a}_{k}.{e}" for a in ("lstm", "rnn") for k in (0, 1)
                                                          for e in ("safetensors", "json")}
    assert all(not (store.directory / res.id / f).read_bytes().startswith(b"\x80") for f in files)   # no pickle


def test_adding_task_round_trip_keeps_missing_accuracies(store):
    cfg = comparison.CompareConfig(task="adding", distance=12, steps=15, hidden=6, seeds=1, archs=("lstm", "rnn", "gru"))
    res = comparison_runs.comparison_for(cfg, store)
    back = comparison_runs.load_comparison(res.id, store)
    assert all(h["accuracy"] is None for h in back.runs["gru"].history)
    assert_same_run(res, back)


def test_id_is_derived_from_the_resolved_settings(monkeypatch):
    rid = comparison_runs.run_id(TINY)
    assert run_format.ID_RE.fullmatch(rid)
    same = replace(TINY, archs=("rnn", "lstm"), grad_every=TINY.resolved().grad_every)
    assert comparison_runs.run_id(same) == rid
    assert comparison_runs.run_id(replace(TINY, steps=None)) == comparison_runs.run_id(
        replace(TINY, steps=comparison.DEFAULT_STEPS["agreement"]))
    others = {comparison_runs.run_id(replace(TINY, **kw)) for kw in
              (dict(seed=1), dict(seeds=3), dict(lr=0.01), dict(clip=None), dict(match_params=False),
               dict(archs=("lstm", "rnn", "gru")), dict(train_mix="short"))}
    assert len(others) == 7 and rid not in others
    assert comparison_runs.run_id(TINY, sweep_n=50) != rid
    monkeypatch.setattr(run_format, "VERSION", run_format.VERSION + 1)    # a new format never reads old runs
    assert comparison_runs.run_id(TINY) != rid


def test_second_request_reuses_the_stored_run(store, count_trainings):
    first = comparison_runs.comparison_for(TINY, store)
    n = len(count_trainings)
    events = []
    second = comparison_runs.comparison_for(TINY, store, progress=events.append)
    assert len(count_trainings) == n and events == [dict(event="stored", id=first.id)]
    assert_same_run(first, second)


def test_two_sessions_asking_at_once_train_once(store, count_trainings, monkeypatch):
    """Two threads (two sessions of one server) request the same settings at the same time: one
    training runs, the other waits for it and gets the stored run."""
    go, got, errors, waited = threading.Barrier(2), {}, [], []
    real = comparison.train

    def slow(cfg, *a, **kw):            # the first training lasts long enough for the other request to arrive
        if len(count_trainings) == 1:
            time.sleep(0.5)
        return real(cfg, *a, **kw)
    monkeypatch.setattr(comparison, "train", slow)

    def session(name):
        try:
            go.wait()
            got[name] = comparison_runs.comparison_for(
                TINY, store, progress=lambda e: e["event"] == "same" and waited.append(name))
        except Exception as e:  # noqa: BLE001 - reported below
            errors.append(e)
    threads = [threading.Thread(target=session, args=(k,)) for k in ("a", "b")]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert not errors and set(got) == {"a", "b"}
    assert len(count_trainings) == TINY.seeds * 2                # one comparison: 2 seeds x (LSTM, RNN)
    assert len(set(waited)) == 1                                 # the other one waited for it
    assert_same_run(got["a"], got["b"])


def test_a_store_that_cannot_write_loses_the_link_not_the_run(store, monkeypatch):
    def full(*a, **kw):
        raise OSError(28, "No space left on device")
    monkeypatch.setattr(store, "put", full)
    res = comparison_runs.comparison_for(TINY, store)
    assert comparison_runs.complete(res) and res.id != comparison_runs.run_id(TINY) and store.entries() == []


def test_a_run_stopped_early_is_not_stored(store):
    res = comparison_runs.comparison_for(TINY, store, should_stop=lambda: True)
    assert res.runs["lstm"].status.startswith("stopped") and not comparison_runs.complete(res)
    assert res.id != comparison_runs.run_id(TINY) and store.entries() == []
    assert comparison_runs.load_comparison(comparison_runs.run_id(TINY), store) is None


def _corrupt(folder: Path, how: str):
    if how == "truncated weights":
        p = folder / "rnn_1.safetensors"
        p.write_bytes(p.read_bytes()[:100])
    elif how == "missing weights":
        (folder / "lstm_0.safetensors").unlink()
    elif how == "garbled json":
        p = folder / "run.json"
        p.write_bytes(p.read_bytes()[:-20])
    elif how == "NaN weights":
        p = folder / "lstm_0.safetensors"
        b = bytearray(p.read_bytes())
        b[-4:] = np.array([np.nan], np.float32).tobytes()
        p.write_bytes(bytes(b))
    elif how == "pickle instead of weights":
        (folder / "lstm_0.safetensors").write_bytes(b"\x80\x04K\x01.")
    elif how == "other settings":
        doc = json.loads((folder / "run.json").read_text())
        doc["info"]["config"]["seed"] = 5
        (folder / "run.json").write_text(json.dumps(doc))
    elif how == "bad history":
        doc = json.loads((folder / "run.json").read_text())
        doc["runs"]["rnn"][0]["history"]["loss"][3] = "lots"
        (folder / "run.json").write_text(json.dumps(doc))
    elif how == "gradient arrays":
        (folder / "arrays.safetensors").write_bytes(b"\x08\x00\x00\x00\x00\x00\x00\x00{}      ")


CORRUPTIONS = ["truncated weights", "missing weights", "garbled json", "NaN weights", "pickle instead of weights",
               "other settings", "bad history", "gradient arrays"]


@pytest.fixture(scope="module")
def stored_once(tmp_path_factory):
    """One stored run, copied into each corruption test's store."""
    s = RunStore(tmp_path_factory.mktemp("golden"))
    return s, comparison_runs.comparison_for(TINY, s)


@pytest.mark.parametrize("how", CORRUPTIONS)
def test_a_corrupt_entry_is_a_clear_error_and_is_trained_again(how, stored_once, tmp_path, count_trainings):
    golden, res = stored_once
    store = RunStore(tmp_path / "runs")
    shutil.copytree(golden.directory / res.id, store.directory / res.id)
    assert comparison_runs.load_comparison(res.id, store) is not None
    _corrupt(store.directory / res.id, how)
    with pytest.raises(ValueError, match=f"stored run {res.id}|settings are not those of run {res.id}"):
        comparison_runs.load_comparison(res.id, store)
    again = comparison_runs.comparison_for(TINY, store)                # removed and trained again
    assert len(count_trainings) == 4 and comparison_runs.load_comparison(res.id, store) is not None
    assert_same_run(res, again, stored=False)                          # training is deterministic


@pytest.mark.parametrize("bad", ["../../etc", "ABCDEF012345", "", "0123456789ab/..", None, "0" * 13])
def test_malformed_ids_are_refused(store, bad):
    with pytest.raises(ValueError, match="a run id is 12 characters"):
        comparison_runs.load_comparison(bad, store)


def test_unknown_id_is_none(store):
    assert comparison_runs.load_comparison("0123456789ab", store) is None


def test_least_recently_used_runs_are_evicted(tmp_path, stored_once):
    golden, res = stored_once
    one = golden.get(res.id)
    size = golden.entries()[0][1]
    store = RunStore(tmp_path / "runs", max_bytes=int(2.5 * size))
    ids = ["a" * 12, "b" * 12, "c" * 12]
    store.put(ids[0], one)
    store.put(ids[1], one)
    assert store.get(ids[0]) is not None             # a used; b is now the least recently used
    store.put(ids[2], one)
    assert [e[0] for e in store.entries()] == [ids[0], ids[2]] and not store.has(ids[1])
    assert store.total_bytes() <= store.max_bytes
    assert store.get(ids[1]) is None                 # evicted: None, not an error
    crashed = store.directory / f".{'d' * 12}.tmp-0000"          # a writer that died mid-write, long ago
    crashed.mkdir()
    (crashed / "run.json").write_bytes(b"{")
    os.utime(crashed, (1e9, 1e9))
    store.evict()
    assert not crashed.exists() and [e[0] for e in store.entries()] == [ids[0], ids[2]]
    store.clear()
    assert store.entries() == []


def test_store_location_and_cap_come_from_the_environment(monkeypatch, tmp_path):
    monkeypatch.delenv(run_store.ENV_DIR, raising=False)
    monkeypatch.delenv(run_store.ENV_MB, raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    assert run_store.default_dir() == tmp_path / "cache" / "lstm-lab" / "runs"
    assert run_store.default_max_bytes() == 300 * 10**6
    monkeypatch.delenv("XDG_CACHE_HOME")
    assert run_store.default_dir() == Path.home() / ".cache" / "lstm-lab" / "runs"
    assert run_store.APP_ROOT not in run_store.default_dir().resolve().parents
    monkeypatch.setenv(run_store.ENV_DIR, str(tmp_path / "elsewhere"))
    monkeypatch.setenv(run_store.ENV_MB, "12.5")
    s = run_store.default_store()
    assert s.directory == tmp_path / "elsewhere" and s.max_bytes == 12_500_000 and run_store.default_store() is s
    monkeypatch.setenv(run_store.ENV_MB, "-3")
    with pytest.raises(ValueError, match=run_store.ENV_MB):
        run_store.default_store()
    with pytest.raises(ValueError, match="outside the app's folder"):
        RunStore(run_store.APP_ROOT / "runs")


# ---------------------------------------------------------------------------- the pages

def _texts(at) -> str:
    return "\n".join(v for n in walk_elements(at.main) for a in ("value", "label")
                     if isinstance(v := getattr(n, a, None), str))


def _open(page, params=None) -> AppTest:
    at = open_app_page(page, params)
    assert not at.exception, [e.value for e in at.exception]
    return at


def test_a_trained_run_reopens_from_its_link_without_training(monkeypatch):
    at = _open(TRAIN)
    for k, v in dict(steps=20, hidden=8, d=10, seeds=2).items():
        at.slider(key=k).set_value(v)
    at.run()
    at.button[0].click()
    at.run()
    assert not at.exception
    res = at.session_state["tc_result"]
    url = {k: v if isinstance(v, str) else v[-1] for k, v in at.query_params.items()}
    assert url["run"] == res.id and res.id == comparison_runs.run_id(TINY)
    url = {"run": res.id, "steps": "20", "hidden": "8", "d": "10", "seeds": "2"}   # the widgets' URL values are
                                                                                   # bound by the browser

    def no_training(*a, **kw):
        raise AssertionError("trained again")
    monkeypatch.setattr(comparison, "train", no_training)
    monkeypatch.setattr(comparison, "run_comparison", no_training)
    other = _open(TRAIN, url)                       # a reload (F5) or a student opening the shared link
    shown = _texts(other)
    assert other.session_state["tc_result"].id == res.id
    assert comparison_text.summary(res) in shown and f"Run id {res.id}" in shown
    assert_same_run(res, other.session_state["tc_result"])
    other.button[0].click()                         # pressing Train with those settings: the stored run
    other.run()
    assert not other.exception and "Already trained on this server" in _texts(other)
    alone = _open(TRAIN, {"run": res.id})           # the run alone: shown whatever the widgets say
    assert alone.session_state["tc_result"].id == res.id and comparison_text.summary(res) in _texts(alone)
    at.query_params = {}                            # navigation drops the URL's parameters; back on the page,
    at.switch_page(GATES)                           # the run's id is put back
    at.run()
    at.switch_page(TRAIN)
    at.run()
    assert at.query_params["run"] in (res.id, [res.id]) and f"Run id {res.id}" in _texts(at)
    vanishing = _open("pages/vanishing_gradients.py", {"run": res.id})
    assert vanishing.session_state["tc_result"].id == res.id
    gates = _open(GATES, {"models": "trained", "run": res.id})    # other pages restore it too
    assert "trained on Train and compare" in _texts(gates)
    assert gates.session_state["tc_result"].id == res.id


def test_an_unknown_run_gets_a_note_and_an_offer_to_train():
    rid = comparison_runs.run_id(TINY)
    at = _open(TRAIN, {"run": rid, "steps": "20", "hidden": "8", "d": "10", "seeds": "2"})
    shown = _texts(at)
    assert "is not on this server" in shown and "No results yet" in shown
    assert f"exactly those of run {rid}: press **Train**" in shown and not at.button[0].disabled
    at = _open(TRAIN, {"run": "../../etc/passwd"})
    assert "cannot be used: a run id is 12 characters" in _texts(at)
