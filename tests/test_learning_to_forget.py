"""Learning to forget: the shipped models are what their recipe says and what the summary reports, the glass
core reads the stream exactly as torch does, and the quantities the page shows are computed right."""
import copy
from dataclasses import replace

import numpy as np
import pytest
import torch

from lstm_core.data import stream as st
from lstm_core.experiments import learning_to_forget as lf
from lstm_core.training import stream_trainer as stt


@pytest.fixture(scope="module")
def shipped():
    return {k: lf.load_model(k, 0) for k in lf.MODELS}


@pytest.fixture(scope="module")
def long_stream():
    return lf.test_stream(lf.SUMMARY_SENTENCES)


@pytest.mark.parametrize("key", list(lf.MODELS))
def test_glass_core_matches_torch_on_the_stream_in_float64(shipped, key):
    """Every h_t and the final c_T of the glass trace over a whole test stream (thousands of tokens, never
    reset) equal the trained torch module's, both in float64; the trace the page uses is that trace."""
    model = shipped[key][0]
    s = lf.test_stream(lf.DEFAULT_SENTENCES)
    with torch.no_grad():
        x = model.embed(torch.from_numpy(s.ids)[None]).double()
        h, (_, cn) = copy.deepcopy(model.rnn).double()(x)
    glass = model.glass(torch.float64).trace(x)
    scale = max(1.0, float(np.abs(glass.cell).max()))
    assert np.abs(glass.hidden[0] - h[0].numpy()).max() <= 1e-6
    assert np.abs(glass.cell[0, -1] - cn[0, 0].numpy()).max() <= 1e-6 * scale
    tr = lf.trace_stream(model, s, key)
    assert np.array_equal(tr.cell, glass.cell[0]) and np.array_equal(tr.forget, glass.forget_gate[0])
    if key != "forget":
        assert (tr.forget == 1.0).all()                  # the 1997 cell: f = 1, traced as the constant it is


@pytest.mark.parametrize("key", list(lf.MODELS))
def test_the_carried_answers_read_from_the_glass_trace_are_torchs(shipped, key):
    """The page reads the answers with the state carried from the glass trace's hidden states (float64);
    torch's own pass over the stream (float32) gives the same answers, verb by verb."""
    model = shipped[key][0]
    s = lf.test_stream(lf.MAX_SENTENCES)
    got = lf.trace_stream(model, s, key).acc_carry
    assert got.shape == (s.n_sentences,) and got.dtype == bool
    assert (got != stt.stream_accuracy(model, s, reset=False)).sum() <= 1      # a float32 near-tie may flip


@pytest.mark.parametrize("key", list(lf.MODELS))
def test_shipped_model_is_its_recipe_and_its_summary(shipped, long_stream, key):
    model, meta = shipped[key]
    cfg = stt.StreamConfig.from_checkpoint_train(meta["train"])
    assert cfg == lf.MODELS[key] and model.arch == cfg.arch and model.hidden == cfg.hidden
    assert (key == "forget") == ("f" in model.rnn.spec.rows)           # the forget gate is the difference
    assert model.rnn.spec.peephole                                     # both with Greff's peepholes
    summary = lf.load_summary()
    assert summary[key]["recipe"] == stt.checkpoint_train_section(lf.MODELS[key])
    assert sorted(summary[key]["seeds"]) == [str(s) for s in lf.SEEDS]
    row = summary[key]["seeds"]["0"]
    got = lf.stats(lf.trace_stream(model, long_stream, key))
    for name in ("acc_carry", "acc_reset", "acc_carry_first", "acc_carry_last"):
        assert abs(got[name] - row[name]) <= 1.5 / got["sentences"], name     # at most one answer flips
    for name in ("cell_first", "cell_last", "forget_mean"):
        assert got[name] == pytest.approx(row[name], rel=1e-3, abs=1e-4), name
    assert meta["metrics"]["test_accuracy"] == pytest.approx(row["acc_carry"])
    assert summary["test_stream"]["tokens"] == len(long_stream)


def test_load_model_refuses_a_checkpoint_of_another_recipe(tmp_path, shipped):
    from lstm_core.training.checkpoint import save_checkpoint
    model, _ = shipped["nfg"]
    other = replace(lf.MODELS["nfg"], steps=7)
    save_checkpoint(lf.checkpoint_path("nfg", 0, tmp_path), model, stt.checkpoint_train_section(other))
    with pytest.raises(ValueError, match="recipe"):
        lf.load_model("nfg", 0, tmp_path)
    with pytest.raises(ValueError):
        lf.load_model("nfg", 1, tmp_path)                  # not there
    with pytest.raises(ValueError):
        lf.load_model("lstm", 0)
    with pytest.raises(ValueError):
        lf.test_stream(lf.MAX_SENTENCES + 1)


def test_the_trainer_carries_the_state_across_chunks_and_resets_only_in_the_control():
    """A few chunks of training: losses finite; with a zero learning rate the weights stay and the state
    carried at the end of training equals one pass over the concatenated chunks."""
    cfg = replace(lf.MODELS["nfg"], steps=3, lanes=2, chunk=15, lr=1e-12)
    run = stt.train_stream(cfg)
    assert run.status == "ok" and np.isfinite(run.losses).all() and len(run.losses) <= 3
    x, y = st.stream_lanes(np.random.default_rng([cfg.seed, 0]), cfg.lanes, cfg.steps * cfg.chunk)
    with torch.no_grad():
        whole, _ = run.model.rnn(run.model.embed(torch.from_numpy(x)))
        state, parts = None, []
        for k in range(cfg.steps):
            h, state = run.model.rnn(run.model.embed(torch.from_numpy(x[:, k * cfg.chunk:(k + 1) * cfg.chunk])), state)
            parts.append(h)
    assert torch.allclose(torch.cat(parts, 1), whole, atol=1e-5)
    ctl = stt.train_stream(replace(cfg, reset=True))
    assert ctl.status == "ok" and np.isfinite(ctl.losses).all()


def test_reset_and_carried_answers_are_the_same_on_the_first_sentence(shipped):
    model = shipped["forget"][0]
    s = lf.test_stream(lf.MIN_SENTENCES)
    carried, reset = stt.stream_logits(model, s, False), stt.stream_logits(model, s, True)
    assert np.allclose(carried[0], reset[0], atol=1e-5)       # nothing to carry before the first sentence
    assert not np.allclose(carried[1:], reset[1:], atol=1e-5)


def test_event_locked_and_binned_on_fabricated_arrays():
    values = np.zeros((50, 2))
    values[np.arange(50) % 10 == 5, 0] = 1.0                   # unit 0 fires at every event, unit 1 never
    events = np.arange(5, 50, 10)
    locked = lf.event_locked(values, events, window=3)
    assert locked.shape == (7, 2)
    assert locked[3, 0] == pytest.approx(1.0) and np.abs(np.delete(locked[:, 0], 3)).max() == 0
    assert np.abs(locked[:, 1]).max() == 0
    assert np.isnan(lf.event_locked(values, np.array([0, 49]), window=3)).all()   # too near the ends
    centres, acc = lf.binned(np.array([1, 1, 0, 0, 1, 0], dtype=bool), n_bins=3)
    assert centres.tolist() == [0.5, 2.5, 4.5] and acc.tolist() == [1.0, 0.0, 0.5]


def test_stats_of_a_fabricated_trace():
    s = st.make_stream(np.random.default_rng(0), 30)
    T, H = len(s), 4
    cell = np.outer(np.arange(T) / T * 100, np.ones(H))           # grows linearly to 100
    forget = np.full((T, H), 0.9)
    forget[s.verbs] = 0.2
    acc = np.ones(30, bool)
    acc[-8:] = False
    tr = lf.StreamTrace("x", s, np.tanh(cell), cell, forget, forget, forget, acc, np.ones(30, bool))
    got = lf.stats(tr)
    tenth = T // 10
    assert got["cell_first"] == pytest.approx(cell[:tenth].mean()) and got["cell_last"] > 80
    assert got["units_over_10"] == H and got["forget_at_verb"] == pytest.approx(0.2)
    assert got["forget_min_near_verb"] == pytest.approx(0.2) and got["forget_mean"] < 0.9
    assert got["acc_carry"] == pytest.approx(22 / 30) and got["acc_carry_last"] == pytest.approx(0.0)
    assert got["acc_reset"] == 1.0


def test_a_shorter_test_stream_is_a_prefix_and_its_trace_a_slice_of_the_whole():
    """run(key, n) slices one trace of the whole test stream; that is the trace of the first n sentences read
    on their own (the state is carried, never reset), and the answers with and without reset are the same."""
    short, long_ = lf.test_stream(lf.MIN_SENTENCES), lf.test_stream(lf.MAX_SENTENCES)
    np.testing.assert_array_equal(short.ids, long_.ids[:len(short)])
    np.testing.assert_array_equal(short.labels, long_.labels[:lf.MIN_SENTENCES])
    model, _ = lf.load_model("nfg")
    alone = lf.trace_stream(model, short, "nfg")
    sliced = lf.run("nfg", lf.MIN_SENTENCES)
    np.testing.assert_allclose(sliced.cell, alone.cell, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(sliced.forget, alone.forget, rtol=1e-10, atol=1e-12)
    np.testing.assert_array_equal(sliced.acc_carry, alone.acc_carry)
    np.testing.assert_array_equal(sliced.acc_reset, alone.acc_reset)
    with pytest.raises(ValueError, match="no first"):
        short.head(lf.MIN_SENTENCES + 1)


def test_a_trace_continued_from_a_prefix_is_the_trace_of_the_whole(monkeypatch):
    """run() reads only as far as asked and continues from the last state when asked for more: the same
    trace as one reading of the whole stream, and each part is read once."""
    model, _ = lf.load_model("forget")
    whole = lf.trace_stream(model, lf.test_stream(lf.MAX_SENTENCES), "forget")
    monkeypatch.setattr(lf, "_read", {})
    reads = []
    real = lf.trace_stream
    monkeypatch.setattr(lf, "trace_stream", lambda *a, **k: reads.append(a[1].n_sentences) or real(*a, **k))
    first = lf.run("forget", lf.DEFAULT_SENTENCES)
    longer = lf.run("forget", lf.MAX_SENTENCES)
    again = lf.run("forget", lf.MIN_SENTENCES)
    assert reads == [lf.DEFAULT_SENTENCES, lf.MAX_SENTENCES]
    assert len(first.stream) < len(longer.stream) == len(whole.stream)
    for name in ("hidden", "cell", "forget", "input_gate", "output_gate"):
        np.testing.assert_allclose(getattr(longer, name), getattr(whole, name), rtol=1e-9, atol=1e-9, err_msg=name)
        np.testing.assert_allclose(getattr(again, name), getattr(whole, name)[:len(again.stream)], rtol=1e-9,
                                   atol=1e-9, err_msg=name)
    assert (longer.acc_carry != whole.acc_carry).sum() <= 1 and np.array_equal(longer.acc_reset, whole.acc_reset)
    with pytest.raises(ValueError):
        lf.run("lstm", lf.DEFAULT_SENTENCES)
