"""Number units narration over a grid of fabricated summaries: every claim of describe_find,
describe_probe and describe_attractors checked against the arrays it is about."""
import dataclasses
import re

import numpy as np
import pytest

from lstm_core.experiments import number_units as nu
from lstm_core.narration import number_units as say


RNG = np.random.default_rng(12)
SCORES = [np.clip(RNG.beta(a, b, 32), 0, 1).astype(np.float32) for a, b in
          [(0.3, 3), (5, 1), (2, 2), (30, 1), (1, 30)]] + [np.zeros(32, np.float32), np.ones(32, np.float32)]


@pytest.mark.parametrize("i", range(len(SCORES)))
@pytest.mark.parametrize("k", (1, 3, 5))
@pytest.mark.parametrize("strong_extra", (0, 2, 9))
def test_describe_find_counts_the_strong_units_and_names_the_top(lstm_summary, i, k, strong_extra):
    score = SCORES[i].copy()
    score[:strong_extra] = np.maximum(score[:strong_extra], 0.95)
    s = dataclasses.replace(lstm_summary, score={"cell": score}, order={"cell": np.argsort(-score, kind="stable")})
    said = say.describe_find(s, "cell", k=k)
    strong = int((score > 0.9).sum())
    assert f", {strong} of the LSTM's 32 units tell singular from plural" in said
    top = re.search(r"Top: (.*?)\.( |$)", said).group(1)
    named = [(int(u), float(v)) for u, v in re.findall(r"(\d+) \((\d\.\d\d)\)", top)]
    assert [u for u, _ in named] == [int(u) for u in np.argsort(-score, kind="stable")[:k]]
    assert all(abs(v - score[u]) <= 0.0051 for u, v in named)
    assert all(score[u] >= score.max() - 1e-6 for u, _ in named[:1])
    if strong == 0:
        assert "No unit keeps the number" in said
    elif strong <= 4:
        assert "handful of units" in said
    else:
        assert "spread over many units" in said


@pytest.mark.parametrize("seed", range(12))
def test_describe_probe_and_attractors_state_the_arrays(lstm_summary, seed):
    rng = np.random.default_rng(seed)
    P = len(lstm_summary.positions)
    fake = {}
    for arch in ("lstm", "rnn"):
        mean = rng.uniform(0.45, 1.0, P).astype(np.float32)
        fake[arch] = dataclasses.replace(lstm_summary, arch=arch, probe={nu.fields_of(arch)[0]: (mean, mean * 0)},
                                         acc_by_attractors=rng.uniform(0.4, 1.0, len(nu.COUNTS)).astype(np.float32),
                                         n_eval_per_count=int(rng.integers(20, 401)))
    said = say.describe_probe(fake)
    for arch, s in fake.items():
        m = s.probe[nu.fields_of(arch)[0]][0]
        f = nu.fields_of(arch)[0]
        assert (f"{arch.upper()} {f} state: {100 * m[1]:.0f}% at the subject, {100 * m[-1]:.0f}% just before the "
                f"verb (lowest after the subject: {100 * m[1:].min():.0f}%)") in said
    said = say.describe_attractors(fake)
    for arch, s in fake.items():
        a = s.acc_by_attractors
        assert f"{arch.upper()} {100 * a[0]:.0f}% → {100 * a[-1]:.0f}%" in said
    assert f"({fake['lstm'].n_eval_per_count} sentences per count)" in said
    assert f"with {nu.COUNTS[0]} → {nu.COUNTS[-1]} attractors" in said


@pytest.mark.parametrize("seed", range(8))
@pytest.mark.parametrize("t", range(len(nu.COUNTS)))
def test_describe_trajectory_states_the_arrays(lstm_summary, seed, t):
    rng = np.random.default_rng(seed)
    template = lstm_summary.templates[t]
    shape = template.mean["cell"].shape
    tp = dataclasses.replace(template, mean={"cell": rng.normal(0, 1, shape).astype(np.float32)},
                             std={"cell": rng.uniform(0, 0.5, shape).astype(np.float32)})
    unit = int(rng.integers(0, shape[-1]))
    said = say.describe_trajectory(lstm_summary, tp, unit, "cell")
    m, sd = tp.mean["cell"][:, :, unit], tp.std["cell"][:, :, unit]
    for pos in (tp.subject_pos, shape[1] - 1):
        assert (f"singular {m[0, pos]:+.2f} ± {sd[0, pos]:.2f}, plural {m[1, pos]:+.2f} ± {sd[1, pos]:.2f}"
                in said)
    a = float(lstm_summary.auc["cell"][-1, unit])
    assert f"AUC at the last token is {a:.2f} ({'higher for plural' if a >= 0.5 else 'higher for singular'}" in said
    if tp.attractors:
        gap = m[1] - m[0]
        moves = [abs(gap[p] - gap[p - 1]) for p in tp.attractor_positions]       # the step that reads each attractor
        assert f"by at most {max(moves):.2f}." in said
    else:
        assert "attractor" not in said
