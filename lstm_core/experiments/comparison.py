"""*Train and compare*'s single call: train an LSTM and an RNN (GRU and LSTM variants optional) on the same
task and data,
over several seeds (each seed: the same data stream for every architecture), then measure them the same way.

    res = run_comparison(CompareConfig(task="agreement", seeds=3), progress=print)
    res.runs["lstm"].test          # the first seed's run: {'test_accuracy': 0.998, ...} on fresh held-out data
    res.seed_runs["rnn"]           # every seed's TrainResult
    res.curves()["rnn"].reached    # per seed, the first step at 95% smoothed batch accuracy (or None)
    res.by_distance["rnn"]         # first seed: {'x': [8, 15, 30, 45, 60], 'y': [...], 'metric': 'accuracy'}

The sentences about a result are in lstm_core.narration.comparison.

Trainings are fused torch modules (lstm_core.training.trainer), one at a time per server process
(lstm_core.training.queue).
"""
from __future__ import annotations

import csv
import io
import math
import time
import uuid
from dataclasses import dataclass, field, replace

import numpy as np

from lstm_core import limits, malloc
from lstm_core.cells.variants import VARIANT_ARCHS, spec_for_arch
from lstm_core.data import lexicon as lx
from lstm_core.data import pool, sequences
from lstm_core.experiments import learning_curves
from lstm_core.training import checkpoint, cost
from lstm_core.training.models import STACKED_ARCHS
from lstm_core.training.queue import QUEUE_TIMEOUT, SLOTS, TrainingSlots
from lstm_core.training.trainer import DEFAULT_STEPS, TrainConfig, evaluate, train

MAX_TRAIN_SECONDS = 120.0       # wall time a page may ask for (all models together): checked on the
                                # estimate before, and enforced while training (stopped at the cap)
PAGE_MAX_T = 200                # Train and compare's longest distance / sequence length (<= limits.MAX_T)
TASK_LABELS = {
    "agreement": "Subject-verb agreement",
    "adding": "Adding problem",
    "copy": "Copy memory",
    "temporal": "Temporal order",
}
# what "distance" means for each task, and its smallest value
SPAN_LABELS = {
    "agreement": "distance: tokens between subject and verb",
    "adding": "sequence length T",
    "copy": "blanks between the symbols and their recall",
    "temporal": "sequence length T",
}
SPAN_SHORT = {"agreement": "distance", "adding": "length", "copy": "blanks", "temporal": "length"}
SPAN_MIN = {"agreement": 1, "adding": 2, "copy": 1, "temporal": 10}
# chance level of each task's metric (what a model that learned nothing scores)
# a model at least this good has nothing left to learn that could change the comparison
SOLVED = {"accuracy": 0.98, "mse": 0.01}
CHANCE = {"agreement": 0.5, "copy": 1 / 8, "temporal": 0.25, "adding": sequences.ADDING_BASELINE_MSE}
ARCH_ORDER = ("lstm", "rnn", "gru") + VARIANT_ARCHS + tuple(STACKED_ARCHS)   # + Greff et al.'s variants, 2 layers, bidirectional
MAX_SEEDS = 10


# ----------------------------------------------------------------------------------------
# Settings

@dataclass
class CompareConfig:
    """One comparison. distance: agreement -> subject-verb distance (training mixes
    0..distance, testing uses exactly distance); adding / temporal -> sequence length; copy ->
    blanks. archs: any of ARCH_ORDER (LSTM, RNN, GRU and the LSTM variants). match_params (default):
    give the RNN / GRU / variants the hidden size whose parameter count is closest to the LSTM's (otherwise every model has `hidden` units: equal hidden size). seeds:
    seeds seed, seed + 1, ... are trained one after another; grad_every: the CLI's, so the first
    seed's LSTM (and, at equal hidden size, every model) is bit for bit the CLI's run."""
    task: str = "agreement"
    distance: int = 30
    hidden: int = TrainConfig.hidden        # the CLI's defaults (those of the shipped models)
    steps: int | None = None                # None -> the trainer's DEFAULT_STEPS[task]
    lr: float = TrainConfig.lr
    optimizer: str = TrainConfig.optimizer
    clip: float | None = TrainConfig.clip
    seed: int = 0
    archs: tuple = ("lstm", "rnn")
    match_params: bool = True
    seeds: int = 3
    batch: int = TrainConfig.batch
    test_size: int = TrainConfig.test_size
    grad_every: int = TrainConfig.grad_every   # 0 -> about 20 probe measurements per run
    train_mix: str = "uniform"   # agreement: "uniform" distances 0..d, "short" (half the batches 0..5),
                                 # or "two-clause" (half the batches two-subject sentences)

    def resolved(self) -> "CompareConfig":
        """Validated copy; ValueError names the bad setting."""
        if self.task not in TASK_LABELS:
            raise ValueError(f"task must be one of {tuple(TASK_LABELS)}, got {self.task!r}")
        archs = tuple(a for a in ARCH_ORDER if a in set(self.archs))
        if not archs or len(archs) != len(set(self.archs)):
            raise ValueError(f"archs must be a non-empty subset of {ARCH_ORDER}, got {self.archs!r}")
        c = replace(self, archs=archs)
        c.distance = limits.check_int(SPAN_LABELS[c.task], c.distance, SPAN_MIN[c.task],
                                      min(PAGE_MAX_T, limits.MAX_T - 20))
        c.hidden = limits.check_int("hidden size", c.hidden, 1, limits.MAX_HIDDEN)
        c.steps = limits.check_int("steps", DEFAULT_STEPS[c.task] if c.steps is None else c.steps,
                                   1, limits.MAX_STEPS)
        c.seeds = limits.check_int("seeds", c.seeds, 1, MAX_SEEDS)
        if c.grad_every == 0:
            c.grad_every = max(1, c.steps // 20)
        for arch in archs:    # the trainer validates the rest (lr, clip, optimizer, seed, ...)
            c.train_config(arch).resolved()
        return c

    def hidden_for(self, arch: str) -> int:
        """Hidden size of arch: `hidden`, or the parameter-matched size."""
        if not self.match_params or arch == "lstm":
            return int(self.hidden)
        target = param_count("lstm", self.task, self.hidden)
        sizes = np.arange(1, limits.MAX_HIDDEN + 1)
        counts = np.array([param_count(arch, self.task, h) for h in sizes])
        return int(sizes[np.argmin(np.abs(counts - target))])

    def seed_list(self) -> list[int]:
        return [self.seed + k for k in range(self.seeds)]

    def train_config(self, arch: str, seed: int | None = None) -> TrainConfig:
        span = dict(distance=self.distance) if self.task == "agreement" else dict(length=self.distance)
        return TrainConfig(task=self.task, arch=arch, hidden=self.hidden_for(arch),
                           steps=self.steps, lr=float(self.lr), optimizer=self.optimizer,
                           clip=self.clip, seed=self.seed if seed is None else seed, batch=self.batch,
                           test_size=self.test_size, grad_every=self.grad_every,
                           train_mix=self.train_mix if self.task == "agreement" else "uniform", **span)


_GATES = {"lstm": 4, "gru": 3, "rnn": 1}


def param_count(arch: str, task: str, hidden: int, embed_dim: int = 32) -> int:
    """Total parameters of the trainer's SeqModel (input layer + recurrent layer + readout)."""
    n_in, n_out, kind = {"agreement": (len(lx.VOCAB), 2, "ids"), "adding": (2, 1, "features"),
                         "copy": (10, 9, "ids"), "temporal": (len(sequences.TEMPORAL_SYMBOLS), 4, "ids")}[task]
    I = embed_dim if kind == "ids" else n_in
    H = int(hidden)
    lstm_layer = lambda inputs: _GATES["lstm"] * H * (inputs + H + 2)       # noqa: E731  W_ih, W_hh, two biases
    if arch in VARIANT_ARCHS:
        recurrent = spec_for_arch(arch).n_params(I, H)
    elif arch in STACKED_ARCHS:
        layers, bidirectional = STACKED_ARCHS[arch]
        D = 2 if bidirectional else 1
        recurrent = D * lstm_layer(I) + (layers - 1) * D * lstm_layer(D * H)
        H = D * H                                                            # the readout sees every direction
    else:
        recurrent = _GATES[arch] * H * (I + H + 2)
    return (n_in * embed_dim if kind == "ids" else 0) + recurrent + (H + 1) * n_out


def default_span(task: str) -> int:
    """The page's default distance / length for a task: the CLI's."""
    return TrainConfig.distance if task == "agreement" else TrainConfig.length



def pretrained_note() -> str:
    """What the shipped agreement models (trained with the CLI's defaults, one seed, equal hidden
    size) measured, read from their metadata: 'The shipped models ... LSTM 99.7%, RNN 54.4% ...'."""
    parts, cfg = [], None
    for arch in ("lstm", "rnn"):
        _, meta = checkpoint.load_pretrained(f"agreement_d30_{arch}")
        cfg = meta["train"]
        parts.append(f"{arch.upper()} {100 * meta['metrics']['test_accuracy']:.1f}%")
    return (f"The shipped pretrained models were trained with these defaults at equal hidden size "
            f"(agreement, distance {cfg['distance']}, hidden {cfg['hidden']} for both, "
            f"{cfg['steps']} steps, one seed, {cfg['seed']}) and measured {', '.join(parts)} test "
            f"accuracy at distance {cfg['distance']} (chance is 50%). Seed {cfg['seed']} here "
            "reproduces them exactly (the RNN: with 'Equal parameter count' off).")


def estimate_seconds(cfg: CompareConfig) -> float:
    """Wall time of run_comparison on one core of this class of machine, from the measured cost
    model of lstm_core.training.cost: every seed's runs (fixed cost, steps, gradient probes, test)
    plus the first seed's distance sweep, times the measured overhead of whole comparisons, plus the
    agreement training pool when this process has not built it yet. bench/bench_estimate.py prints
    estimate vs measured."""
    return parts_seconds(cfg) * cost.overhead() + _pool_seconds(cfg)


def _pool_seconds(cfg: CompareConfig) -> float:
    c = cfg.resolved()
    if c.task == "agreement" and not pool.is_built(0, c.distance):
        return cost.pool_tokens(0, c.distance) * cost.unit_seconds("pool", c.task, "lstm", 0, 0)
    return 0.0


def parts_seconds(cfg: CompareConfig) -> float:
    """The sum of the cost model's parts for cfg's runs and sweep (no overhead, no pool)."""
    c = cfg.resolved()
    T_train, T_test = cost.train_length(c.task, c.distance), cost.span_length(c.task, c.distance)
    total = 0.0
    for arch in c.archs:
        H = c.hidden_for(arch)
        unit = lambda part, T: cost.unit_seconds(part, c.task, arch, T, H)   # noqa: E731
        probes = 1 + c.steps // c.grad_every if c.grad_every else 0
        one_run = (unit("run", 0) + c.steps * unit("step", T_train) * c.batch / 64
                   + probes * unit("probe", T_test) + c.test_size * unit("example", T_test))
        total += c.seeds * one_run
        total += sum(c.test_size * unit("example", cost.span_length(c.task, x)) for x in span_grid(c.task, c.distance))
    return total


def check_budget(cfg: CompareConfig, max_seconds: float | None = None) -> float:
    """The estimated seconds, or ValueError naming the settings when over max_seconds
    (default MAX_TRAIN_SECONDS)."""
    cap = MAX_TRAIN_SECONDS if max_seconds is None else max_seconds
    est = estimate_seconds(cfg)
    if est > cap:
        raise ValueError(f"these settings would take about {est:.0f} s to train, over this "
                         f"server's limit of {cap:.0f} s: lower the steps, the seeds, the "
                         "hidden size or the distance")
    return est


# ----------------------------------------------------------------------------------------
# Results

@dataclass
class CompareResult:
    """Numbers only (lstm_core.narration.comparison writes the sentences). runs: arch -> the
    first seed's TrainResult (model = last good weights, history, probe gradient norms, status,
    test metrics); seed_runs: arch -> [TrainResult per seed] (empty: runs is the only seed).
    by_distance: arch -> {'x': spans, 'y': metric, 'metric': 'accuracy'|'mse'} of the first
    seed's model on fresh data after training. id: random per comparison, or, for a complete run
    stored by lstm_core.experiments.comparison_runs, the id its settings give (run_id)."""
    config: CompareConfig
    runs: dict
    by_distance: dict = field(default_factory=dict)
    id: str = field(default_factory=lambda: uuid.uuid4().hex[:12])
    seconds: float = 0.0
    queued_seconds: float = 0.0
    seed_runs: dict = field(default_factory=dict)

    @property
    def metric(self) -> str:
        return "mse" if self.config.task == "adding" else "accuracy"

    def models(self) -> dict:
        return {a: r.model for a, r in self.runs.items()}

    def params(self) -> dict:
        """arch -> parameter count (param_count equals the model's own count; tested)."""
        return {a: param_count(a, self.config.task, r.config.hidden, r.config.embed_dim)
                for a, r in self.runs.items()}

    def all_runs(self, arch: str) -> list:
        """arch's TrainResult for every seed trained (the first seed's alone when seed_runs is empty)."""
        return self.seed_runs.get(arch) or [self.runs[arch]]

    def test_value(self, arch: str) -> float:
        """The first seed's test metric."""
        return _test_value(self.runs[arch], self.metric)

    def test_values(self, arch: str) -> np.ndarray:
        """(S,) the test metric of every seed's model."""
        return np.array([_test_value(r, self.metric) for r in self.all_runs(arch)])

    def curves(self) -> dict:
        """arch -> learning_curves.ArchCurves over the seeds."""
        c, out = self.config, {}
        default = DEFAULT_STEPS[c.task]
        for a in self.runs:
            runs = self.all_runs(a)
            out[a] = learning_curves.arch_curves(
                runs, c.task, c.distance, budget=int(runs[0].config.steps), default_budget=default,
                params=self.params()[a], seeds=[r.config.seed for r in runs])
        return out

    # -- exports
    def history_csv(self) -> str:
        """arch, seed, step, loss, accuracy, elapsed_s: one row per training step per model."""
        buf = io.StringIO()
        w = csv.writer(buf, lineterminator="\n")
        w.writerow(["arch", "seed", "step", "loss", "accuracy", "elapsed_s"])
        for a in self.runs:
            for r in self.all_runs(a):
                for h in r.history:
                    acc = "" if h["accuracy"] is None else f"{h['accuracy']:.6g}"
                    w.writerow([a, r.config.seed, h["step"], f"{h['loss']:.6g}", acc,
                                f"{h['elapsed']:.4f}"])
        return buf.getvalue()

    def grad_csv(self) -> str:
        """arch, quantity (hidden|cell), train_step, t, norm: the first seed's probe-batch gradient
        norms ||dL/dh_t|| (and ||dL/dc_t|| for the LSTM) measured during training."""
        buf = io.StringIO()
        w = csv.writer(buf, lineterminator="\n")
        w.writerow(["arch", "quantity", "train_step", "t", "norm"])
        for a, r in self.runs.items():
            for q, G in (("hidden", r.grad_hidden), ("cell", r.grad_cell)):
                if G is None or G.size == 0:
                    continue
                for k, s in enumerate(r.grad_steps):
                    w.writerows([a, q, s, t, f"{G[k, t]:.6g}"] for t in range(G.shape[1]))
        return buf.getvalue()

    def export_weights(self, arch: str) -> tuple[bytes, bytes]:
        """(safetensors bytes, JSON metadata bytes) of arch's trained model (first seed), in the
        format lstm_core.training.checkpoint loads back (and Gates over time accepts as an upload)."""
        r = self.runs[arch]
        return checkpoint.to_bytes(r.model, r.config, r.test, status=r.status,
                                   steps_done=r.steps_done, comparison=self.id)


def _test_value(r, metric: str) -> float:
    t = r.test
    return float(t["test_mse"] if metric == "mse" else t["test_accuracy"])


def loss_drop(history: list, parts: int = 5) -> tuple | None:
    """Mean training loss over the last two 1/parts of the steps:
    ((first, last, mean), (first, last, mean)) with 1-based step numbers, or None when a
    window would hold fewer than 2 steps or a mean is not finite."""
    n = len(history)
    k = n // parts
    if k < 2:
        return None
    w0, w1 = history[n - 2 * k:n - k], history[n - k:]
    m0 = float(np.mean([h["loss"] for h in w0]))
    m1 = float(np.mean([h["loss"] for h in w1]))
    if not (math.isfinite(m0) and math.isfinite(m1)) or m0 <= 0:
        return None
    return (w0[0]["step"], w0[-1]["step"], m0), (w1[0]["step"], w1[-1]["step"], m1)


def span_grid(task: str, span: int) -> list[int]:
    """Distances (or lengths) for the after-training sweep: 1/4, 1/2, 1, 3/2 and 2 times the
    training value, within the task's range."""
    hi = min(2 * PAGE_MAX_T, limits.MAX_T - 20)
    xs = {min(hi, max(SPAN_MIN[task], round(span * f))) for f in (0.25, 0.5, 1, 1.5, 2)}
    return sorted(xs)


def sweep(model, cfg: TrainConfig, xs, n: int = 200) -> list[float]:
    """Test metric (accuracy, or MSE for adding) of model at each distance / length in xs,
    on n fresh examples each."""
    key = "distance" if cfg.task == "agreement" else "length"
    metric = "test_mse" if cfg.task == "adding" else "test_accuracy"
    out = []
    for x in xs:
        m = evaluate(model, replace(cfg, **{key: int(x)}), n=n)
        out.append(float(m[metric]))
    return out



# ----------------------------------------------------------------------------------------
# The call

def run_comparison(cfg: CompareConfig, progress=None, should_stop=None, slots: TrainingSlots = SLOTS,
                   sweep_n: int | None = None, queue_timeout: float = QUEUE_TIMEOUT,
                   owners=(), max_seconds: float | None = None) -> CompareResult:
    """Train every arch in cfg.archs for every seed in cfg.seed_list(), one after another (seed
    outer, arch inner: a seed's data stream is the same for every arch), holding one training slot;
    then sweep the first seed's models over distances. progress(event: dict) gets
      {'event': 'queued', 'position', 'running', 'waited'}       while waiting for a slot
      {'event': 'start', 'arch', 'seed', 'seed_index', 'seeds', 'index', 'of', 'hidden', 'params'}
          (index counts runs: 0 .. of - 1, of = seeds x archs)
      {'event': 'step', 'arch', 'seed', 'step', 'steps', 'loss', 'accuracy', 'elapsed'}  (about
          50 per run, plus grad_hidden / grad_cell (T,) on probe steps)
      {'event': 'done', 'arch', 'seed', 'status', 'test'}
      {'event': 'sweep', 'arch'}
    should_stop() -> True stops the current run early (status 'stopped at step s') and no further
    run starts; so does training past max_seconds (default MAX_TRAIN_SECONDS; the last weights are
    kept and tested; the status says so). Raises ValueError for bad settings or an estimated time
    over max_seconds, AlreadyQueued (a ValueError) when one of `owners` already has a training
    queued or running (see TrainingSlots.hold), QueueTimeout when no slot frees in time. sweep_n:
    examples per distance of the sweep (default cfg.test_size, so its point at the trained distance
    is exactly the first seed's test metric: same examples)."""
    cfg = cfg.resolved()
    cap = MAX_TRAIN_SECONDS if max_seconds is None else max_seconds
    check_budget(cfg, cap)
    emit = progress or (lambda e: None)
    with slots.hold(on_wait=emit, timeout=queue_timeout, owners=owners) as waited:
        seed_runs = {a: [] for a in cfg.archs}
        t_start = time.perf_counter()

        def stop() -> bool:   # the caller's stop, or the time cap
            return (time.perf_counter() - t_start > cap
                    or (should_stop is not None and bool(should_stop())))

        stopped = False
        seeds = cfg.seed_list()
        for k, seed in enumerate(seeds):
            for i, arch in enumerate(cfg.archs):
                tcfg = cfg.train_config(arch, seed).resolved()
                every = max(1, tcfg.steps // 50)
                emit(dict(event="start", arch=arch, seed=seed, seed_index=k, seeds=len(seeds),
                          index=k * len(cfg.archs) + i, of=len(seeds) * len(cfg.archs),
                          hidden=tcfg.hidden, params=param_count(arch, cfg.task, tcfg.hidden, tcfg.embed_dim)))

                def on_step(p, arch=arch, every=every, seed=seed):
                    if p["step"] % every == 0 or p["step"] == p["steps"] or "grad_hidden" in p:
                        emit(dict(p, event="step", arch=arch, seed=seed))

                r = train(tcfg, progress=on_step, should_stop=stop)
                if r.status.startswith("stopped") and time.perf_counter() - t_start > cap:
                    r.status += f" (this server's time limit of {cap:.0f} s reached)"
                seed_runs[arch].append(r)
                emit(dict(event="done", arch=arch, seed=seed, status=r.status, test=r.test))
                if r.status.startswith("stopped"):
                    stopped = True
                    break
            if stopped:
                break
        seed_runs = {a: rs for a, rs in seed_runs.items() if rs}
        runs = {a: rs[0] for a, rs in seed_runs.items()}
        res = CompareResult(cfg, runs, queued_seconds=waited, seed_runs=seed_runs)
        for arch, r in runs.items():
            emit(dict(event="sweep", arch=arch))
            xs = span_grid(cfg.task, cfg.distance)
            res.by_distance[arch] = dict(x=xs, metric=res.metric, n=sweep_n or cfg.test_size,
                                         y=sweep(r.model, r.config, xs, n=sweep_n or cfg.test_size))
        res.seconds = time.perf_counter() - t_start
    malloc.trim()            # the training's freed heap back to the system (issue 14, item 5)
    return res
