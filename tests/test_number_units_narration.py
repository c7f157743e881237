"""lstm_core.narration.number_units: the sentences the page says follow the numbers, on made-up
ablations over a grid of outcomes and on the shipped models."""
import numpy as np
import pytest

from lstm_core.experiments import number_units as nu
from lstm_core.narration import number_units as say


def fake_ablation(intact, top, random, mode="ablate", k=2):
    C = len(nu.COUNTS)
    return nu.Ablation("lstm", k, mode, "cell", 30, 200, [3, 7][:k], np.zeros((len(random), k), int),
                       np.full(C, intact, np.float32), np.full(C, top, np.float32),
                       np.repeat(np.array(random, np.float32)[:, None], C, 1),
                       np.array([0.01, 0.99], np.float32), np.array([0.9, 0.99], np.float32),
                       np.tile(np.array([0.02, 0.98], np.float32), (len(random), 1)))


def test_describe_ablation_follows_the_numbers():
    said = say.describe_ablation(fake_ablation(0.99, 0.61, [0.98, 0.97, 0.99]))
    assert "drops agreement accuracy at distance 30 from 99% to 61%" in said
    assert "98% ± 1% over 3 draws" in said and "far more than random" in said
    said = say.describe_ablation(fake_ablation(0.99, 0.98, [0.98, 0.97, 0.99]))
    assert "drops agreement accuracy at distance 30 from 99% to 98%" in said and "no more important" in said
    said = say.describe_ablation(fake_ablation(0.99, 0.95, [0.99, 0.99, 0.99]))
    assert "not clearly more" in said
    said = say.describe_ablation(fake_ablation(0.99, 0.99, [0.99]))
    assert "leaves agreement accuracy at distance 30 at 99%" in said
    said = say.describe_ablation(fake_ablation(0.52, 0.50, [0.51, 0.5]))
    assert "near chance" in said
    said = say.describe_ablation(fake_ablation(0.99, 0.55, [0.98], mode="plural"))
    assert "answer 'plural' for 90% of singular subjects (intact: 1%)" in said and "2% ± 0%" in said


def test_clearly_worse_respects_sampling_noise():
    assert say.clearly_worse(0.60, [0.99, 0.98, 0.99], 1000)
    assert not say.clearly_worse(0.47, [0.53, 0.52, 0.54], 200)           # 6 points at chance, n = 200
    assert not say.clearly_worse(0.90, [0.99, 0.70, 0.99], 1000)          # the draws disagree wildly


def test_describe_sweep():
    ks = [1, 2, 4, 8]
    tops = [0.99, 0.98, 0.80, 0.60]
    sw = nu.Sweep(ks, [fake_ablation(0.99, t, [0.99, 0.99, 0.98]) for t in tops])
    said = say.describe_sweep(sw)
    assert "From k = 4 on" in said and "80% vs 99% at k = 4" in said and "1000 sentences, 3 random draws" in said
    sw = nu.Sweep(ks, [fake_ablation(0.99, 0.985, [0.99, 0.99, 0.98]) for _ in ks])
    assert "never hurts clearly more" in say.describe_sweep(sw)
    sw = nu.Sweep(ks, [fake_ablation(0.52, 0.5, [0.5, 0.51]) for _ in ks])
    assert "near chance" in say.describe_sweep(sw)
    with pytest.raises(ValueError, match="k must be one of"):
        sw.at(3)


def test_describe_two_clause_reset_and_no_reset(lstm_summary):
    two = lstm_summary.two_clause
    units = [0]
    T = len(two.tokens)
    g = np.full((T, 1), 0.97, np.float32)
    fake = nu.TwoClause(two.tokens, two.subject1, two.verb1, two.subject2, 100, "forget_gate", g, g * 0,
                        {}, two.p_mean, 0.9, 0.99)
    assert "no reset" in say.describe_two_clause(fake, units, "lstm")
    assert "stays near 1 (mean 0.97" in say.describe_two_clause(fake, units, "lstm")
    g2 = g.copy()
    g2[two.subject2] = 0.3
    fake.gate_mean = g2
    said = say.describe_two_clause(fake, units, "lstm")
    assert f"lowest is 0.30, at '{two.tokens[two.subject2]}' (subject 2): it resets there" in said
    assert "keeps only 30%" in said and "90% of 100" in said and "alone: 99%" in said
    g2[two.verb1] = 0.1
    said = say.describe_two_clause(fake, units, "lstm", name="test LSTM")
    assert f"lowest is 0.10, at '{two.tokens[two.verb1]}' (verb 1): it resets there" in said
    assert "the test LSTM answers" in said


def test_trained_for_two_subjects_the_lstm_resets_and_the_shipped_one_does_not():
    """What section 5 says, on the real models: the shipped LSTM (one-clause training) keeps the
    first subject and answers with its number; the same recipe trained with two-subject sentences
    drops its number units' forget gate where clause 1 ends and answers with the second subject."""
    plain, two_clause = nu.shipped_summary("lstm", 0), nu.shipped_summary("lstm_two_clause", 0)
    assert plain.arch == two_clause.arch == "lstm"
    g_plain = nu.gate_stats(plain.two_clause, plain.top("cell", 3))
    g_two = nu.gate_stats(two_clause.two_clause, two_clause.top("cell", 3))
    assert plain.two_clause.acc <= 0.1 and g_plain["hold"] - g_plain["at_reset"] < 0.2
    assert two_clause.two_clause.acc >= 0.95 and g_two["hold"] - g_two["at_reset"] >= 0.4
    assert plain.two_clause.verb1 <= g_two["reset_pos"] <= plain.two_clause.subject2
    assert "no reset" not in say.describe_two_clause(two_clause.two_clause, two_clause.top("cell", 3), "lstm")
    assert "it resets" not in say.describe_two_clause(plain.two_clause, plain.top("cell", 3), "lstm")
    # and it still does the one-clause task
    assert two_clause.acc_by_attractors.min() >= 0.95


def test_page_statements_on_the_shipped_models(lstm_summary, rnn_summary):
    said = say.describe_probe({"lstm": lstm_summary, "rnn": rnn_summary})
    assert f"{100 * lstm_summary.probe['cell'][0][-1]:.0f}% just before the verb" in said
    said = say.describe_attractors({"lstm": lstm_summary, "rnn": rnn_summary})
    acc = rnn_summary.acc_by_attractors
    assert f"RNN {100 * acc[0]:.0f}% → {100 * acc[-1]:.0f}%" in said
    said = say.describe_error_case(rnn_summary.error_case, "rnn")
    e = rnn_summary.error_case
    assert f"'{e.tokens[e.turn_pos]}' (token {e.turn_pos})" in said and f"{e.n_errors} errors" in said
    assert f"on {e.n_sentences} sentences with 1–{e.max_attractors} attractors" in said
    assert f"Right after the subject it was {'already ' if e.p_correct[e.subject_pos] < 0.5 else ''}" \
           f"{e.p_correct[e.subject_pos]:.2f}" in said
    said = say.describe_two_clause_models({"lstm": lstm_summary, "rnn": rnn_summary})
    assert f"RNN {100 * rnn_summary.two_clause.acc:.0f}% (alone {100 * rnn_summary.two_clause.acc_alone:.0f}%)" in said
    said = say.describe_find(lstm_summary, "cell")
    print("\n" + said)
    assert f"{int((lstm_summary.score['cell'] > 0.9).sum())} of the LSTM's" in said
