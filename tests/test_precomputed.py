"""The shipped, precomputed number-unit analyses (lstm_core/precomputed) are what the code computes.

Each file is recomputed from its checkpoint here, the summary and every sweep, and must match: the
page shows them as the real result of this code on these models. Plus the store itself
(lstm_core.results_io): round trip, and what it refuses.
"""

import dataclasses
import json
import shutil

import numpy as np
import pytest
from safetensors.numpy import save_file

from lstm_core import results_io
from lstm_core.experiments import number_units as nu
from lstm_core.experiments.number_units import precomputed as pre
from lstm_core.narration import number_units as say

ARCHS = [a for a in nu.PRETRAINED if nu.has_pretrained(a)]


def assert_same(a, b, where="result"):
    """Recursive equality: float arrays to float32 round-off, everything else exactly."""
    if dataclasses.is_dataclass(a):
        assert type(a) is type(b), where
        for f in dataclasses.fields(a):
            assert_same(getattr(a, f.name), getattr(b, f.name), f"{where}.{f.name}")
    elif isinstance(a, dict):
        assert isinstance(b, dict) and list(a) == list(b), where
        for k in a:
            assert_same(a[k], b[k], f"{where}[{k!r}]")
    elif isinstance(a, (list, tuple)):
        assert type(a) is type(b) and len(a) == len(b), where
        for i, (x, y) in enumerate(zip(a, b)):
            assert_same(x, y, f"{where}[{i}]")
    elif isinstance(a, (np.ndarray, np.generic)):
        assert isinstance(b, (np.ndarray, np.generic)), where
        assert a.shape == b.shape and a.dtype == b.dtype, where
        if a.dtype.kind == "f":
            # float32 activations recomputed by whatever BLAS kernel this machine picks: 1e-4 relative, 2e-5 absolute
            np.testing.assert_allclose(a, b, rtol=1e-4, atol=2e-5, err_msg=where)
        else:
            np.testing.assert_array_equal(a, b, err_msg=where)
    elif isinstance(a, float):
        assert isinstance(b, float) and (a == pytest.approx(b, rel=1e-4, abs=2e-5) or (np.isnan(a) and np.isnan(b))), where
    else:
        assert a == b and type(a) is type(b), where


# ----------------------------------------------------------------------------- the shipped files


def test_every_shipped_agreement_model_has_its_precomputed_analysis():
    assert ARCHS == ["lstm", "gru", "rnn", "lstm_two_clause"]
    for arch in ARCHS:
        for seed in nu.PRECOMPUTED_SEEDS:
            path = nu.precomputed_path(arch, seed)
            assert path.is_file(), f"missing {path.name}: run {nu.PRECOMPUTE_COMMAND}"
            meta = results_io.read_meta(path)
            assert meta["checkpoint_sha256"] == nu.checkpoint_sha256(arch), \
                f"{path.name} was made from another checkpoint: run {nu.PRECOMPUTE_COMMAND}"
            assert meta["command"].startswith(nu.PRECOMPUTE_COMMAND)
            assert nu.load_precomputed(arch, seed) is not None


@pytest.mark.parametrize("arch", ARCHS)
def test_precomputed_analysis_is_what_the_code_computes(arch):
    """Recompute summary and every sweep from the checkpoint; the shipped file must hold the same."""
    seed = nu.PRECOMPUTED_SEEDS[0]
    shipped = nu.load_precomputed(arch, seed)
    model, distance = nu.pretrained(arch)
    fresh = nu.summarize(model, seed=seed, distance=distance)
    assert_same(fresh, shipped["summary"], f"{arch} summary")
    assert sorted(shipped["sweeps"]) == sorted(pre._sweep_key(*s) for s in nu.precomputed_sweeps(arch))
    assert arch in nu.SUMMARY_ONLY or len(shipped["sweeps"]) == len(nu.sweep_settings(nu.KEY_ARCH[arch])) > 0
    for rank, mode, target in nu.precomputed_sweeps(arch):
        sw = nu.sweep(model, fresh, mode=mode, target=target, rank_field=rank)
        assert_same(sw, shipped["sweeps"][pre._sweep_key(rank, mode, target)], f"{arch} sweep {rank}/{mode}/{target}")


def assert_same_answers(a, b, where):
    """Two runs' right/wrong answers: at most 1 in 1,000 differs (a verb read at p = 0.5 to float32
    round-off may go either way on another BLAS kernel); everything else as assert_same."""
    for f in dataclasses.fields(a):
        x, y = getattr(a, f.name), getattr(b, f.name)
        if isinstance(x, np.ndarray) and x.dtype == bool:
            assert x.shape == y.shape and np.mean(x != y) <= 1e-3, f"{where}.{f.name}"
        else:
            assert_same(x, y, f"{where}.{f.name}")


@pytest.mark.parametrize("arch", [a for a in ARCHS if a not in nu.SUMMARY_ONLY])
def test_precomputed_opening_view_is_what_the_code_computes(arch):
    """The page's opening ablation checks (both sentence sets) and patching, stored with the summary, are
    what reliability.ablation_check and patching.patching compute now; shipped_live hands them out."""
    from lstm_core.experiments.number_units import patching as pm
    from lstm_core.experiments.number_units import shipped_live

    seed = nu.PRECOMPUTED_SEEDS[0]
    model, _ = nu.pretrained(arch)
    summary = nu.shipped_summary(arch, seed)
    checks, patching = pre.opening_analyses(model, summary)
    shipped = nu.load_precomputed(arch, seed)
    assert sorted(shipped["checks"]) == sorted(checks) and len(checks) == len(nu.SENTENCES)
    assert sorted(shipped["patching"]) == sorted(patching) and len(patching) == 1
    for key, check in checks.items():
        assert_same_answers(check, shipped["checks"][key], f"{arch} check {key}")
    for key, p in patching.items():
        assert_same(p, shipped["patching"][key], f"{arch} patching {key}")
    o = pre.opening(arch, summary.hidden_size)
    for sentences in nu.SENTENCES:
        served = shipped_live.ablation_check(arch, seed, o["rank"], o["target"], o["k"], sentences)
        assert served is shipped["checks"][pre._check_key(o["rank"], o["target"], o["k"], sentences)]
    assert shipped_live.patching(arch, seed, o["rank"], o["k"], pm.WHERE[0]) is next(iter(shipped["patching"].values()))


def test_shipped_accessors_serve_the_file_and_compute_other_seeds():
    pre = nu.load_precomputed("rnn", 0)
    assert nu.shipped_summary("rnn", 0) is pre["summary"]
    assert nu.shipped_sweep("rnn", 0, "hidden", "ablate", "hidden") is pre["sweeps"]["hidden|ablate|hidden"]
    assert nu.load_precomputed("rnn", 1) is None
    other = nu.shipped_summary("rnn", 1)
    assert other.seed == 1 and other is not pre["summary"]
    assert not np.array_equal(other.auc["hidden"], pre["summary"].auc["hidden"])
    assert "ahead of time" in say.describe_source("rnn", 0) and "live" in say.describe_source("rnn", 1)


def test_a_stale_or_broken_file_is_ignored(tmp_path, caplog):
    """Made from another checkpoint, or unreadable: ignored (logged), never served."""
    src = nu.precomputed_path("rnn", 0)
    stale = tmp_path / "stale"
    stale.mkdir()
    data, meta = results_io.load(src, pre._classes())
    results_io.save(nu.precomputed_path("rnn", 0, stale), data, {**meta, "checkpoint_sha256": "0" * 64})
    assert nu.load_precomputed("rnn", 0, stale) is None
    assert "another checkpoint" in caplog.text

    broken = tmp_path / "broken"
    broken.mkdir()
    nu.precomputed_path("rnn", 0, broken).write_bytes(src.read_bytes()[:1000])
    assert nu.load_precomputed("rnn", 0, broken) is None
    assert "cannot read" in caplog.text

    good = tmp_path / "good"
    good.mkdir()
    shutil.copy(src, nu.precomputed_path("rnn", 0, good))
    assert nu.load_precomputed("rnn", 0, good) is not None


def test_precompute_writes_what_load_reads(tmp_path):
    path = nu.precompute("rnn", seed=2, directory=tmp_path)
    data = nu.load_precomputed("rnn", 2, tmp_path)
    assert data["summary"].seed == 2 and path == nu.precomputed_path("rnn", 2, tmp_path)
    model, distance = nu.pretrained("rnn")
    assert_same(nu.summarize(model, seed=2, distance=distance), data["summary"])


# ----------------------------------------------------------------------------- the store


@dataclasses.dataclass
class Inner:
    values: dict
    scale: np.float32


@dataclasses.dataclass
class Outer:
    name: str
    inner: list
    pair: tuple
    count: int
    ratio: float
    missing: object
    flag: bool
    matrix: np.ndarray


def _example():
    return Outer("x", [Inner({"cell": np.arange(6, dtype=np.float32).reshape(2, 3)}, np.float32(0.5))],
                 (1, "two", np.int64(3)), 7, float("nan"), None, True, np.eye(2, dtype=np.float64))


def test_round_trip_keeps_types_and_values(tmp_path):
    obj = _example()
    path = results_io.save(tmp_path / "r.safetensors", obj, {"note": "hi"})
    back, meta = results_io.load(path, {"Outer": Outer, "Inner": Inner})
    assert meta == {"note": "hi"} and results_io.read_meta(path) == {"note": "hi"}
    assert_same(obj, back)
    assert isinstance(back.inner[0].scale, np.float32) and isinstance(back.pair[2], np.int64)
    assert back.inner[0].values["cell"].dtype == np.float32


def test_store_refuses_what_it_cannot_hold_or_does_not_expect(tmp_path):
    with pytest.raises(TypeError):
        results_io.pack({1: np.zeros(2)})                        # non-string key
    with pytest.raises(TypeError):
        results_io.pack(np.array(["a"], dtype=object))          # object array
    with pytest.raises(TypeError):
        results_io.pack({"f": lambda: 0})                        # code
    path = results_io.save(tmp_path / "r.safetensors", _example(), {})
    with pytest.raises(ValueError, match="unexpected class"):
        results_io.load(path, {"Outer": Outer})                  # Inner not allowed
    plain = tmp_path / "plain.safetensors"
    save_file({"a": np.zeros(2)}, str(plain))
    with pytest.raises(ValueError, match="not an LSTM Lab results file"):
        results_io.load(plain, {})
    arrays, skeleton = results_io.pack(_example())
    del arrays["a0"]
    with pytest.raises(ValueError, match="lacks array"):
        results_io.unpack(arrays, skeleton, {"Outer": Outer, "Inner": Inner})
    fields = json.loads(json.dumps(skeleton))
    fields["fields"].pop("count")
    with pytest.raises(ValueError, match="fields differ"):
        results_io.unpack(results_io.pack(_example())[0], fields, {"Outer": Outer, "Inner": Inner})
