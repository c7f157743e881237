"""lstm_core.experiments.inspection_models: where Gates over time's models come from (shipped, mixed-length
RNN, trained, uploaded) for the chosen architectures, and uploads.load_once's per-session cache."""
from types import SimpleNamespace

import pytest
import torch

from lstm_core.cells.variants import VARIANT_ARCHS
from lstm_core.experiments import inspection_models as src
from lstm_core.training import checkpoint, registry, uploads
from lstm_core.training.trainer import TrainConfig, build_model

torch.set_num_threads(1)
VARIANT = VARIANT_ARCHS[0]


def fake_load(table):
    """table -> arch -> (a tiny untrained model of that arch, 'shipped <name>'): no checkpoint read."""
    return {a: (build_model(TrainConfig(arch=a, hidden=4)), f"shipped {name}") for a, name in table.items()}


def result(task="agreement", archs=("lstm", "rnn"), rid="abc"):
    runs = {a: SimpleNamespace(model=build_model(TrainConfig(arch=a, hidden=5)), status="ok",
                               config=TrainConfig(arch=a, hidden=5), test={"test_accuracy": 0.9})
            for a in archs}
    return SimpleNamespace(id=rid, config=SimpleNamespace(task=task), runs=runs)


def test_shipped_sources_and_their_keys():
    got = src.model_sources("pretrained", load=fake_load)
    assert list(got.models) == ["lstm", "rnn"] and got.key == "pretrained" and got.messages == []
    assert got.shipped == registry.PRETRAINED and got.descriptions["rnn"] == "shipped agreement_d30_rnn"
    cur = src.model_sources("curriculum", load=fake_load)
    assert cur.key == "curriculum" and cur.shipped == registry.PRETRAINED_CURRICULUM
    three = src.model_sources("curriculum", src.ARCHS, load=fake_load)
    assert list(three.models) == ["lstm", "rnn", "gru"] and three.key == "curriculum:lstm+rnn+gru"
    assert three.shipped["gru"] == registry.SHIPPED["gru"] == "agreement_d30_gru"
    assert three.models["gru"].arch == "gru"
    with pytest.raises(ValueError, match="unknown model source"):
        src.model_sources("mine", load=fake_load)


def test_trained_source_uses_the_result_and_says_what_it_lacks():
    none = src.model_sources("trained", load=fake_load)
    assert none.key == "pretrained" and none.messages[0][0] == "info" and "No trained models" in none.messages[0][1]
    other = src.model_sources("trained", trained_result=result(task="adding"), load=fake_load)
    assert other.key == "pretrained" and "'adding' task" in other.messages[0][1]
    res = result()
    got = src.model_sources("trained", trained_result=res, load=fake_load)
    assert got.key == "trained:abc" and got.messages == [] and got.shipped is None
    assert got.models["lstm"] is res.runs["lstm"].model and "trained on Train and compare" in got.descriptions["rnn"]
    with_gru = src.model_sources("trained", ("lstm", "gru"), trained_result=res, load=fake_load)
    assert with_gru.key == "trained:abc:lstm+gru" and with_gru.descriptions["gru"] == "shipped agreement_d30_gru"
    assert with_gru.messages == [("info", "Your trained models include no GRU: the shipped one is shown in its place.")]
    res3 = result(archs=("lstm", "rnn", "gru"))
    got3 = src.model_sources("trained", src.ARCHS, trained_result=res3, load=fake_load)
    assert got3.models["gru"] is res3.runs["gru"].model and got3.messages == []


def _pair(arch, stem, hidden=6):
    cfg = TrainConfig(arch=arch, hidden=hidden, distance=5)
    w, m = checkpoint.to_bytes(build_model(cfg), cfg, {"test_accuracy": 0.5})
    return [(f"{stem}.safetensors", w), (f"{stem}.json", m)]


def test_uploads_are_loaded_once_per_session_and_a_gru_is_kept():
    files = _pair("gru", "mygru") + [("notes.txt", b"hi")]
    cache = {}
    digest, loaded, problems = uploads.load_once(files, cache)
    assert set(loaded) == {"gru"} and len(problems) == 1 and "notes.txt" in problems[0]
    again = uploads.load_once(files, cache)
    assert again[0] == digest and again[1]["gru"][0] is loaded["gru"][0]        # not loaded twice
    other = uploads.load_once(_pair("lstm", "mine"), cache)
    assert other[0] != digest and list(cache) == [other[0]]                     # one upload kept
    got = src.model_sources("uploaded", src.ARCHS, upload=(digest, loaded, problems), load=fake_load)
    assert got.key == f"upload:{digest}:lstm+rnn+gru" and got.models["gru"] is loaded["gru"][0]
    assert "uploaded mygru" in got.descriptions["gru"] and got.descriptions["lstm"] == "shipped agreement_d30_lstm"
    assert got.messages == [("error", problems[0])]
    waiting = src.model_sources("uploaded", load=fake_load)
    assert waiting.key == "pretrained" and waiting.messages[0][0] == "caption"
    useless = src.model_sources("uploaded", upload=("d", {}, ["x: rejected"]), load=fake_load)
    assert useless.key == "pretrained" and useless.messages == [("error", "x: rejected")]


def test_an_uploaded_variant_is_refused_by_name():
    _, problems = uploads.load_uploads(_pair(VARIANT, "coupled"))
    assert problems == [f"coupled: a {VARIANT.upper()}; this page compares LSTM, RNN, GRU, so it was not used"]


def test_clean_archs():
    assert src.clean_archs(["gru", "lstm", "gru"]) == (("lstm", "gru"), None)
    assert src.clean_archs(["rnn", "lstm", "gru"]) == (src.ARCHS, None)
    archs, note = src.clean_archs([])
    assert archs == src.DEFAULT_ARCHS and "no model was chosen" in note
