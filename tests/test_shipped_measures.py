"""lstm_core/precomputed/shipped_measures.json holds what the code measures: every stored value is measured
again here and must match, and a file that is missing, broken or made from other weights is not used."""
import json

import pytest

from lstm_core.data import baselines
from lstm_core.experiments import distance_profile, shipped_measures
from lstm_core.training import registry
from lstm_core.training.checkpoint import load_pretrained, pretrained_sha256

STORED = json.loads(shipped_measures.PATH.read_text())


@pytest.fixture
def fresh_caches():
    """No stored table or measure cached from earlier tests; none left behind for later ones."""
    def clear():
        for f in (shipped_measures.stored, shipped_measures.reference_baselines, shipped_measures.shipped_profile):
            f.cache_clear()
    clear()
    yield
    clear()


def test_the_file_holds_what_the_pages_open_with():
    assert STORED["command"] == shipped_measures.COMMAND
    assert set(STORED["reference_baselines"]) == {f"{d},{n},0" for d, n in shipped_measures.BASELINES}
    assert set(registry.SHIPPED.values()) <= set(STORED["accuracy_by_distance"])
    for name, entry in STORED["accuracy_by_distance"].items():
        assert entry["checkpoint_sha256"] == pretrained_sha256(name), \
            f"{name} was retrained: run {shipped_measures.COMMAND}"


@pytest.mark.parametrize("distance,n", shipped_measures.BASELINES)
def test_stored_baselines_are_what_the_rules_score_now(distance, n, fresh_caches):
    """The rules are exact; the regression's L-BFGS fit may put a borderline sentence on the other side
    on another BLAS kernel: 2 sentences in n."""
    fresh = baselines.reference_baselines(distance, n, 0)
    served = shipped_measures.reference_baselines(distance, n)
    assert set(served) == set(fresh)
    for rule, acc in fresh.items():
        assert served[rule] == pytest.approx(acc, abs=2 / n + 1e-9), rule


@pytest.mark.parametrize("name", sorted(STORED["accuracy_by_distance"]))
def test_stored_accuracy_by_distance_is_what_the_model_scores_now(name, fresh_caches):
    model, _ = load_pretrained(name)
    fresh = distance_profile.measure(model)
    served = shipped_measures.shipped_profile(name)
    assert sorted(served) == sorted(fresh) == list(distance_profile.DISTANCES)
    for d, acc in fresh.items():
        assert served[d] == pytest.approx(acc, abs=2 / distance_profile.N + 1e-6), d


def test_served_from_the_file_without_measuring(monkeypatch, fresh_caches):
    def refuse(*_a, **_k):
        raise AssertionError("measured although the file holds it")
    monkeypatch.setattr(baselines, "reference_baselines", refuse)
    monkeypatch.setattr(distance_profile, "measure", refuse)
    d, n = shipped_measures.BASELINES[0]
    assert shipped_measures.reference_baselines(d, n) == STORED["reference_baselines"][f"{d},{n},0"]
    name = registry.PRETRAINED["rnn"]
    assert shipped_measures.shipped_profile(name) == {
        int(k): v for k, v in STORED["accuracy_by_distance"][name]["accuracy"].items()}


@pytest.mark.parametrize("content", [None, "{not json", json.dumps(
    {**STORED, "accuracy_by_distance": {k: {**v, "checkpoint_sha256": "0" * 64}
                                        for k, v in STORED["accuracy_by_distance"].items()}})])
def test_a_missing_broken_or_stale_file_is_measured_instead(content, tmp_path, monkeypatch, fresh_caches):
    path = tmp_path / "shipped_measures.json"
    if content is not None:
        path.write_text(content)
    monkeypatch.setattr(shipped_measures, "PATH", path)
    measured = []
    monkeypatch.setattr(distance_profile, "measure", lambda model, *a: measured.append(model) or {0: 0.5})
    assert shipped_measures.shipped_profile(registry.PRETRAINED["rnn"]) == {0: 0.5} and len(measured) == 1
    # a table the file lacks is computed as well
    monkeypatch.setattr(baselines, "reference_baselines", lambda d, n, seed: {"first_noun": 0.5})
    if content is None:
        assert shipped_measures.reference_baselines(12, 300) == {"first_noun": 0.5}
    assert shipped_measures.reference_baselines(13, 300) == {"first_noun": 0.5}
