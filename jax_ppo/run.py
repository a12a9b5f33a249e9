"""The timed training run of the JAX trainer: the host loop around train.py's compiled program, its result line.

Measurement, not algorithm: the metric definitions are docs/DESIGN.md's. The init program, the train chunk and
the evaluation are compiled ahead of time (`lower().compile()`, that is `compile_s`); the host runs one update first (timed
apart), then the rest of each evaluation chunk in one call, blocking on the result before reading the clock.
The rollout/update split times `collect_batch` and `learn_from_batch` as separately compiled programs after
training and apportions the fused program's steady time by their ratio (`measure_phase_split`).
"""

from __future__ import annotations

import functools
import hashlib
import os
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from jax_ppo.networks import Params
from jax_ppo.train import (
    ChunkCarry,
    Trainer,
    TrainState,
    collect_batch,
    evaluate,
    init_train_state,
    initial_metrics,
    learn_from_batch,
    make_trainer,
    train_chunk,
)
from shared_spec.exit_codes import EXIT_BAD_SPEC
from shared_spec.host import cpu_name
from shared_spec.result import (
    RunResult,
    package_versions,
    seconds_since_start,
    time_to_threshold,
)
from shared_spec.spec import PPOSpec
from shared_spec.startup import STARTUP
from shared_spec.tasks import get_task

VERSIONED = ("jax", "jaxlib", "flax", "optax", "brax", "mujoco", "mujoco-mjx", "numpy")


@dataclass
class TrainingOutcome:
    """What `run_training` measured; `build_result` turns it into a RunResult."""

    startup_s: float = 0.0
    compile_s: float = 0.0
    compile_train_s: float = 0.0
    compile_eval_s: float = 0.0
    compile_init_s: float = 0.0
    first_update_s: float = 0.0
    train_s: float = 0.0
    """Execution of every update, the first included (its compilation is in compile_s, done ahead of time)."""
    eval_s: float = 0.0
    sps: float | None = None
    steady_s: float = 0.0
    total_env_steps: int = 0
    curve: list[list[float]] = field(default_factory=list)
    per_seed_final_return: list[float] = field(default_factory=list)
    diverged: bool = False
    error: str | None = None
    last_metrics: dict[str, float] = field(default_factory=dict)
    params_sha256: str = ""
    steady_updates: int = 0
    trainer: Trainer | None = None
    final_state: Any = None
    """The trained TrainState (batched over seeds when vmapped), for measurements after training."""


def seed_keys(seed: int, num_seeds: int) -> jax.Array:
    """PRNG keys of seeds seed .. seed + num_seeds - 1 (stacked when num_seeds > 1)."""
    if num_seeds == 1:
        return jax.random.PRNGKey(seed)
    return jax.vmap(jax.random.PRNGKey)(jnp.arange(seed, seed + num_seeds))


def compiled_programs(trainer: Trainer, carry: ChunkCarry, num_seeds: int) -> tuple[Callable, float]:
    """The AOT-compiled train chunk for `carry`'s shapes, and its lower+compile seconds."""
    chunk = functools.partial(train_chunk, trainer)
    if num_seeds > 1:
        chunk = jax.vmap(chunk, in_axes=(0, None))
    start = time.perf_counter()
    compiled = jax.jit(chunk).lower(carry, jnp.int32(1)).compile()
    return compiled, time.perf_counter() - start


def compiled_evaluate(trainer: Trainer, state: TrainState, num_seeds: int) -> tuple[Callable, float]:
    """The AOT-compiled evaluation (params, obs_rms, key) -> returns, and its lower+compile seconds."""
    fn = functools.partial(evaluate, trainer)
    if num_seeds > 1:
        fn = jax.vmap(fn)
    start = time.perf_counter()
    compiled = jax.jit(fn).lower(state.params, state.norm.obs_rms, state.key).compile()
    return compiled, time.perf_counter() - start


def params_digest(params: Params) -> str:
    """sha256 of the parameters' bytes (bit-for-bit determinism checks across processes)."""
    digest = hashlib.sha256()
    for leaf in jax.tree.leaves(params):
        digest.update(np.asarray(leaf).tobytes())
    return digest.hexdigest()[:16]


def _timed_eval(
    compiled_eval: Callable, state: TrainState, key: jax.Array, out: TrainingOutcome
) -> np.ndarray:
    """Returns as [seeds, episodes] (one row without vmap); the wall time goes to `out.eval_s`."""
    start = time.perf_counter()
    returns = np.atleast_2d(np.asarray(compiled_eval(state.params, state.norm.obs_rms, key)))
    out.eval_s += time.perf_counter() - start
    return returns


def run_training(
    spec: PPOSpec, seed: int, num_seeds: int = 1, progress: Callable[[str], None] = lambda _: None
) -> TrainingOutcome:
    """Train `num_seeds` seeds of `spec` in one program; time it as docs/DESIGN.md defines the metrics."""
    out = TrainingOutcome()
    trainer = make_trainer(spec)
    STARTUP.mark("envs")
    keys = seed_keys(seed, num_seeds)
    init = functools.partial(init_train_state, trainer)
    start = (
        time.perf_counter()
    )  # the init program (networks, MJX env reset) compiles: compile time, not startup
    compiled_init = jax.jit(jax.vmap(init) if num_seeds > 1 else init).lower(keys).compile()
    out.compile_init_s = time.perf_counter() - start
    state = jax.block_until_ready(compiled_init(keys))
    STARTUP.mark("train_state")
    out.startup_s = seconds_since_start() - out.compile_init_s

    metrics = initial_metrics()
    if num_seeds > 1:
        metrics = jax.tree.map(lambda x: jnp.broadcast_to(x, (num_seeds, *x.shape)), metrics)
    initial = ChunkCarry(state, metrics)
    chunk, out.compile_train_s = compiled_programs(trainer, initial, num_seeds)
    start = time.perf_counter()
    carry = jax.block_until_ready(chunk(initial, jnp.int32(1)))
    out.train_s += time.perf_counter() - start
    out.first_update_s = seconds_since_start()  # no evaluation before it (the step-0 one comes next)
    compiled_eval, out.compile_eval_s = compiled_evaluate(trainer, state, num_seeds)
    out.compile_s = out.compile_train_s + out.compile_eval_s + out.compile_init_s

    eval_key = jax.random.fold_in(jax.random.PRNGKey(seed), 1_000_003)
    eval_keys = jax.random.split(eval_key, num_seeds) if num_seeds > 1 else eval_key
    steps_per_update = spec.batch_size
    returns = _timed_eval(compiled_eval, initial.state, eval_keys, out)
    out.curve.append([0, seconds_since_start(), float(returns.mean())])
    progress(f"steps 0/{spec.num_updates * steps_per_update}  return {returns.mean():.1f}")

    updates_done, steady_updates = 1, 0
    for chunk_index in range(spec.num_evals):
        todo = spec.updates_per_eval - (1 if chunk_index == 0 else 0)
        if todo > 0:
            start = time.perf_counter()
            carry = jax.block_until_ready(chunk(carry, jnp.int32(todo)))
            elapsed = time.perf_counter() - start
            out.steady_s += elapsed
            out.train_s += elapsed
            updates_done += todo
            steady_updates += todo
        if not bool(np.all(np.asarray(carry.metrics.all_finite))):
            out.diverged = True
            out.error = (
                f"non-finite loss or parameters by update {updates_done} (learning_rate={spec.learning_rate})"
            )
            break
        returns = _timed_eval(compiled_eval, carry.state, eval_keys, out)
        out.curve.append([updates_done * steps_per_update, seconds_since_start(), float(returns.mean())])
        out.per_seed_final_return = [float(r) for r in returns.mean(axis=-1)]
        sps = (
            steady_updates * steps_per_update * num_seeds / out.steady_s if out.steady_s > 0 else float("nan")
        )
        progress(
            f"steps {updates_done * steps_per_update}/{spec.num_updates * steps_per_update}  "
            f"return {returns.mean():.1f}  sps {sps:.0f}  elapsed {seconds_since_start():.1f}s"
        )

    out.total_env_steps = updates_done * steps_per_update * num_seeds
    if out.steady_s > 0:
        out.sps = steady_updates * steps_per_update * num_seeds / out.steady_s
    out.last_metrics = {
        name: float(np.mean(np.asarray(v)))
        for name, v in carry.metrics._asdict().items()
        if name != "all_finite"
    }
    out.params_sha256 = params_digest(carry.state.params)
    out.steady_updates = steady_updates
    out.trainer, out.final_state = trainer, carry.state
    return out


# ----------------------------------------------------------------------------------------------- phase split
@dataclass(frozen=True)
class PhaseSplit:
    """Seconds per update of each half, timed as separately compiled programs (`measure_phase_split`)."""

    rollout_per_update_s: float
    update_per_update_s: float
    compile_s: float
    repeats: int

    @property
    def rollout_fraction(self) -> float:
        return self.rollout_per_update_s / (self.rollout_per_update_s + self.update_per_update_s)


def measure_phase_split(
    trainer: Trainer, state: TrainState, num_seeds: int = 1, repeats: int = 5
) -> PhaseSplit:
    """Median seconds per update of the rollout half and of the learning half, each its own jitted program.

    The training program fuses both halves into one XLA program, so its steady time cannot be split from the
    host. This compiles `collect_batch` and `learn_from_batch` on their own (vmapped like the trainer), warms
    each up once, then alternates them `repeats` times from the trained `state`, blocking after each call.
    The halves alone may cost a little more than fused (no overlap across the boundary), so callers use only
    the *fraction* to apportion the fused program's measured steady time.
    """
    rollout_fn = functools.partial(collect_batch, trainer)
    learn_fn = functools.partial(learn_from_batch, trainer)
    if num_seeds > 1:
        rollout_fn, learn_fn = jax.vmap(rollout_fn), jax.vmap(learn_fn)
    start = time.perf_counter()
    rollout = jax.jit(rollout_fn).lower(state).compile()
    _, batch_shape = jax.eval_shape(rollout_fn, state)
    learn = jax.jit(learn_fn).lower(state, batch_shape).compile()
    compile_s = time.perf_counter() - start

    rollout_times, learn_times = [], []
    for repeat in range(repeats + 1):  # the first round is a warm-up, not counted
        t0 = time.perf_counter()
        state, batch = jax.block_until_ready(rollout(state))
        t1 = time.perf_counter()
        state, _ = jax.block_until_ready(learn(state, batch))
        t2 = time.perf_counter()
        if repeat > 0:
            rollout_times.append(t1 - t0)
            learn_times.append(t2 - t1)
    return PhaseSplit(float(np.median(rollout_times)), float(np.median(learn_times)), compile_s, repeats)


# ----------------------------------------------------------------------------------------------- result
class DeviceError(RuntimeError):
    """The requested device is not available (e.g. device=gpu and JAX sees no GPU)."""


def pick_device(requested: str) -> tuple[Any, dict[str, Any]]:
    """The jax device for `requested` (auto/cpu/gpu) and the record; DeviceError if a GPU is demanded but absent."""
    try:
        gpus = jax.devices("gpu")
    except RuntimeError:
        gpus = []
    if requested == "gpu" and not gpus:
        raise DeviceError("device: got 'gpu' but JAX sees no GPU; allowed here: auto, cpu")
    if gpus and requested in ("auto", "gpu"):
        device = gpus[0]
        return device, {"kind": "gpu", "name": device.device_kind, "requested": requested, "fallback": False}
    device = jax.devices("cpu")[0]
    record = {"kind": "cpu", "name": cpu_name(), "requested": requested, "fallback": requested == "auto"}
    return device, record


def device_or_exit(requested: str) -> tuple[Any, dict[str, Any]]:
    """`pick_device`, or one error line on stderr and exit code 2 (as `shared_spec.cli.spec_or_exit`)."""
    try:
        return pick_device(requested)
    except DeviceError as err:
        print(f"error: {err}", file=sys.stderr)
        raise SystemExit(EXIT_BAD_SPEC) from None


def peak_device_mb(device: Any) -> float | None:
    """Peak accelerator memory in use (XLA's allocator statistics); None on CPU, where none is reported."""
    if device.platform == "cpu":
        return None
    stats = device.memory_stats() or {}
    peak = stats.get("peak_bytes_in_use")
    return None if peak is None else peak / 2**20


def apportion_steady_time(
    outcome: TrainingOutcome, split: PhaseSplit | None
) -> tuple[float | None, float | None, dict[str, Any]]:
    """rollout_s and update_s: the fused program's steady seconds, split by the halves' measured fraction."""
    if split is None or outcome.steady_s <= 0:
        reason = "not measured (--no-phase-split)" if split is None else "no steady-state updates"
        return None, None, {"phase_split": reason}
    rollout_s = outcome.steady_s * split.rollout_fraction
    return (
        rollout_s,
        outcome.steady_s - rollout_s,
        {
            "phase_split": "steady time of the fused program apportioned by separately jitted halves, timed after training",
            "split_rollout_per_update_s": split.rollout_per_update_s,
            "split_update_per_update_s": split.update_per_update_s,
            "split_compile_s": split.compile_s,
            "split_repeats": split.repeats,
            "fused_per_update_s": outcome.steady_s / max(outcome.steady_updates, 1),
        },
    )


def build_result(
    spec: PPOSpec,
    preset: str,
    seed: int,
    num_seeds: int,
    device: dict,
    outcome: TrainingOutcome,
    wall_s: float,
    split: PhaseSplit | None = None,
) -> RunResult:
    """The RunResult line of a finished (or diverged) run; `wall_s` excludes the phase-split measurement."""
    curve = outcome.curve
    final = curve[-1][2] if curve and not outcome.diverged else None
    extra = {
        **{key: outcome.last_metrics.get(key) for key in ("approx_kl", "clipfrac", "explained_variance")},
        "entropy": outcome.last_metrics.get("entropy_loss"),
        "pg_loss": outcome.last_metrics.get("pg_loss"),
        "v_loss": outcome.last_metrics.get("v_loss"),
        "compile_train_s": outcome.compile_train_s,
        "compile_eval_s": outcome.compile_eval_s,
        "compile_init_s": outcome.compile_init_s,
        "params_sha256": outcome.params_sha256,
        "curve_env_steps": "per seed" if num_seeds > 1 else "per run",
        "xla_flags": os.environ.get("XLA_FLAGS", ""),
    }
    rollout_s, update_s, split_extra = apportion_steady_time(outcome, split)
    extra.update(split_extra)
    return RunResult.for_spec(
        spec,
        contender="jax-vmap" if num_seeds > 1 else "jax",
        preset=preset,
        seed=seed,
        device=device,
        total_env_steps=outcome.total_env_steps,
        startup_s=outcome.startup_s,
        compile_s=outcome.compile_s,
        first_update_s=outcome.first_update_s,
        sps=outcome.sps,
        rollout_s=rollout_s,
        update_s=update_s,
        train_s=outcome.train_s,
        eval_s=outcome.eval_s,
        wall_s=wall_s,
        final_return=final,
        time_to_threshold_s=time_to_threshold(curve, get_task(spec.task).return_threshold),
        curve=curve,
        status="diverged" if outcome.diverged else "ok",
        error=outcome.error,
        num_seeds=num_seeds,
        per_seed_final_return=outcome.per_seed_final_return if num_seeds > 1 else None,
        versions=package_versions(VERSIONED),
        extra=extra,
    )
