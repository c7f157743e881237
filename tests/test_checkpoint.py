"""Checkpoints: round trip, every kind of bad file rejected with a clear error, and the
shipped pretrained models reloaded with their stated accuracy re-measured on fresh data."""
import io
import json
import pickle

import numpy as np
import pytest
import torch
from safetensors.torch import save

from lstm_core import limits
from lstm_core.data import grammar
from lstm_core.data import lexicon as lx
from lstm_core.training import checkpoint as ck
from lstm_core.training import trainer as T


@pytest.fixture(scope="module")
def trained():
    cfg = T.TrainConfig(distance=6, hidden=12, embed_dim=8, steps=15, batch=16, grad_every=0,
                        test_size=100, arch="lstm", seed=2)
    res = T.train(cfg)
    return res, ck.to_bytes(res.model, res.config, res.test, command="python -m x")


def test_round_trip_files(tmp_path, trained):
    res, _ = trained
    wp, mp = ck.save_checkpoint(tmp_path / "sub" / "m.safetensors", res.model, res.config,
                                res.test, command="cmd")
    assert wp.name == "m.safetensors" and mp.name == "m.json"
    model, meta = ck.load_checkpoint(tmp_path / "sub" / "m")
    for (k, a), (k2, b) in zip(res.model.state_dict().items(), model.state_dict().items()):
        assert k == k2 and torch.equal(a, b)
    x, _, _ = grammar.agreement_batch(np.random.default_rng(0), 5, 6)
    with torch.no_grad():
        assert torch.equal(model(torch.from_numpy(x)), res.model(torch.from_numpy(x)))
    assert meta["metrics"]["test_accuracy"] == res.test["test_accuracy"]
    assert meta["command"] == "cmd" and meta["vocab"] == lx.VOCAB
    assert ck.train_config(meta) == res.config
    assert not model.training


def test_settings_written_before_the_embed_rename_still_load(trained):
    """Checkpoints (the shipped ones among them) and stored runs written when TrainConfig's field was
    called `embed` load under today's name, `embed_dim`; the value is kept."""
    res, (w, m) = trained
    meta = json.loads(m)
    meta["train"]["embed"] = meta["train"].pop("embed_dim")
    _, loaded = ck.load_checkpoint_bytes(w, json.dumps(meta).encode())
    assert ck.train_config(loaded).embed_dim == res.config.embed_dim == 8
    _, shipped = ck.load_pretrained("agreement_d30_lstm")
    assert ck.train_config(shipped).embed_dim == shipped["model"]["embed_dim"]


def test_round_trip_bytes(trained):
    res, (w, m) = trained
    model, meta = ck.load_checkpoint_bytes(w, m)
    assert all(torch.equal(a, b) for a, b in zip(res.model.parameters(), model.parameters()))
    assert meta["model"]["arch"] == "lstm"


def _reject(w, m, match):
    with pytest.raises(ValueError, match=match):
        ck.load_checkpoint_bytes(w, m)


def test_pickles_are_never_loaded(trained):
    res, (_, m) = trained
    buf = io.BytesIO()
    torch.save(res.model.state_dict(), buf)
    _reject(buf.getvalue(), m, "pickle")
    _reject(pickle.dumps({"x": 1}), m, "pickle")


def test_corrupted_weights(trained):
    _, (w, m) = trained
    _reject(w[:len(w) // 2], m, "corrupted|truncated")
    _reject(b"\x00" * 4, m, "truncated")
    _reject(b"\xff" * 8 + w[8:], m, "corrupted")
    bad_header = bytearray(w)
    bad_header[9:14] = b"#####"
    _reject(bytes(bad_header), m, "corrupted")
    _reject(b"hello world, not a checkpoint", m, "corrupted")


def test_mismatched_metadata(trained):
    _, (w, m) = trained
    meta = json.loads(m)

    def with_(**changes):
        d = json.loads(m)
        for path, v in changes.items():
            node = d
            *head, last = path.split(".")
            for h in head:
                node = node[h]
            node[last] = v
        return json.dumps(d).encode()

    _reject(w, with_(**{"model.hidden": 13, "train.hidden": 13}), "shape")
    _reject(w, with_(**{"model.hidden": 13}), "mismatch")
    _reject(w, with_(**{"model.arch": "gru", "train.arch": "gru"}), "names|shape")
    _reject(w, with_(**{"model.hidden": 100_000}), "model.hidden: Input should be less than or equal to 256")
    _reject(w, with_(format="something-else"), "not an LSTM Lab checkpoint")
    _reject(w, with_(version=99), "version")
    _reject(w, with_(vocab=meta["vocab"][::-1]), "vocabulary")
    _reject(w, with_(**{"train.task": "chess"}), "train section is invalid")
    _reject(w, b"{not json", "not valid JSON")
    _reject(w, m.replace(b'"test_loss"', b'"x": NaN, "test_loss"'), "not valid JSON")
    _reject(w, b"x" * (limits.MAX_META_BYTES + 1), "limit")
    spec = dict(meta["tensors"])
    spec["readout.bias"] = {"shape": [7], "dtype": "float32"}
    _reject(w, with_(tensors=spec), "disagree")


def test_mismatched_tensors(trained):
    res, (_, m) = trained
    state = {k: v.clone() for k, v in res.model.state_dict().items()}
    missing = dict(state)
    missing.pop("readout.bias")
    _reject(save(missing), m, "missing")
    extra = dict(state, stowaway=torch.zeros(2))
    _reject(save(extra), m, "unexpected")
    f64 = dict(state)
    f64["readout.bias"] = f64["readout.bias"].double()
    _reject(save(f64), m, "dtype")
    nan = dict(state)
    nan["rnn.weight_hh_l0"][0, 0] = float("nan")
    _reject(save(nan), m, "NaN")
    inf = dict(state)
    inf["embedding.weight"][3, 1] = float("inf")
    _reject(save(inf), m, "NaN or infinite")


def test_size_limit(trained, monkeypatch):
    _, (w, m) = trained
    monkeypatch.setattr(limits, "MAX_CHECKPOINT_BYTES", len(w) - 1)
    _reject(w, m, "limit")


def test_missing_files(tmp_path):
    with pytest.raises(ValueError, match="not found"):
        ck.load_checkpoint(tmp_path / "nothing")
    with pytest.raises(ValueError, match="no pretrained model"):
        ck.load_pretrained("no_such_model")


# ----------------------------------------------------------------------------------------
# shipped pretrained models

EXPECTED = {"agreement_d30_lstm", "agreement_d30_rnn", "agreement_d30_gru",
            "adding_T100_lstm", "adding_T100_rnn"}


def test_pretrained_are_shipped_small_and_documented():
    names = set(ck.list_pretrained())
    assert EXPECTED <= names
    total = sum(p.stat().st_size for p in ck.PRETRAINED_DIR.iterdir() if p.is_file())
    assert total <= 5_000_000
    for name in names:
        meta = json.loads((ck.PRETRAINED_DIR / f"{name}.json").read_text())
        assert meta["command"].startswith("python -m lstm_core.training ")
        assert meta["status"] == "ok"


@pytest.mark.parametrize("name", sorted(EXPECTED | set(ck.list_pretrained())))
def test_pretrained_accuracy_holds_on_fresh_data(name):
    """Re-measure each shipped model on 2000 examples from a seed it never saw; the stated
    figure must hold within sampling noise."""
    model, meta = ck.load_pretrained(name)
    cfg = ck.train_config(meta)
    fresh = T.evaluate(model, cfg, n=2000, seed=987_654)
    stated = meta["metrics"]
    if cfg.task == "adding":
        assert abs(fresh["test_mse"] - stated["test_mse"]) < max(0.2 * stated["test_mse"], 0.003)
    else:
        assert abs(fresh["test_accuracy"] - stated["test_accuracy"]) < 0.03


def test_pretrained_headline():
    """The app's headline, re-measured: at distance 30 the shipped LSTM gets agreement right
    and the shipped RNN is near chance; on adding T=100 the LSTM beats the 1/6 baseline."""
    acc = {}
    for arch in ("lstm", "rnn", "gru"):
        model, meta = ck.load_pretrained(f"agreement_d30_{arch}")
        acc[arch] = T.evaluate(model, ck.train_config(meta), n=1000, seed=4242)["test_accuracy"]
    assert acc["lstm"] >= 0.97 and acc["rnn"] <= 0.65, acc
    mse = {}
    for arch in ("lstm", "rnn"):
        model, meta = ck.load_pretrained(f"adding_T100_{arch}")
        mse[arch] = T.evaluate(model, ck.train_config(meta), n=1000, seed=4242)["test_mse"]
    assert mse["lstm"] < 0.02 < mse["rnn"], mse


@pytest.mark.parametrize("arch", ["lstm", "rnn", "gru"])
def test_pretrained_parity_with_glass_core(arch):
    model, _ = ck.load_pretrained(f"agreement_d30_{arch}")
    ids = list(lx.read("the keys to the old cabinet near the doors").ids)
    with torch.no_grad():
        h = model.hidden_states(torch.tensor([ids]))
        inp = model.embed(torch.tensor([ids]))
    trace = model.glass().trace(inp)
    assert np.allclose(trace.hidden, h.numpy(), atol=1e-5)
