"""The timed training run of the JAX trainer: the host loop around train.py's compiled program, its result line.

Measurement, not algorithm: the metric definitions are docs/DESIGN.md's. The init program, the evaluation and
the train chunk are compiled ahead of time before the first update (`lower().compile()`, that is `compile_s`),
as the host-loop contenders compile theirs; the host runs one update first (timed apart), then the rest of
each evaluation chunk in one call, blocking on the result before reading the clock. The rollout/update split
is phase_split.py's.
"""

from __future__ import annotations

import functools
import hashlib
import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from jax_ppo.networks import Params
from jax_ppo.phase_split import PhaseSplit, apportion_steady_time
from jax_ppo.train import (
    Trainer,
    TrainState,
    evaluate,
    init_train_state,
    initial_metrics,
    make_trainer,
    train_chunk,
)
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


def aot_compile(fn: Callable, num_seeds: int, *args: Any, in_axes: Any = 0) -> tuple[Callable, float]:
    """`fn` (vmapped over seeds when num_seeds > 1) jitted and compiled for `args`, and its compile seconds."""
    if num_seeds > 1:
        fn = jax.vmap(fn, in_axes=in_axes)
    start = time.perf_counter()
    compiled = jax.jit(fn).lower(*args).compile()
    return compiled, time.perf_counter() - start


def params_digest(params: Params) -> str:
    """sha256 of the parameters' bytes (bit-for-bit determinism checks across processes)."""
    digest = hashlib.sha256()
    for leaf in jax.tree.leaves(params):
        digest.update(np.asarray(leaf).tobytes())
    return digest.hexdigest()[:16]


def run_training(
    spec: PPOSpec, seed: int, num_seeds: int = 1, progress: Callable[[str], None] = lambda _: None
) -> TrainingOutcome:
    """Train `num_seeds` seeds of `spec` in one program; time it as docs/DESIGN.md defines the metrics."""
    out = TrainingOutcome()
    trainer = make_trainer(spec)
    STARTUP.mark("envs")
    keys = seed_keys(seed, num_seeds)
    init, out.compile_init_s = aot_compile(functools.partial(init_train_state, trainer), num_seeds, keys)
    state = jax.block_until_ready(init(keys))
    STARTUP.mark("train_state")
    out.startup_s = seconds_since_start() - out.compile_init_s  # the init program's compile is compile time

    metrics = initial_metrics()
    if num_seeds > 1:
        metrics = jax.tree.map(lambda x: jnp.broadcast_to(x, (num_seeds, *x.shape)), metrics)
    chunk, out.compile_train_s = aot_compile(
        functools.partial(train_chunk, trainer), num_seeds, state, metrics, jnp.int32(1), in_axes=(0, 0, None)
    )
    eval_key = jax.random.fold_in(jax.random.PRNGKey(seed), 1_000_003)
    eval_keys = jax.random.split(eval_key, num_seeds) if num_seeds > 1 else eval_key
    obs_rms = state.norm.obs_rms
    compiled_eval, out.compile_eval_s = aot_compile(
        functools.partial(evaluate, trainer), num_seeds, state.learner.params, obs_rms, eval_keys
    )
    out.compile_s = out.compile_train_s + out.compile_eval_s + out.compile_init_s

    def timed_eval(state: TrainState) -> np.ndarray:
        """Returns as [seeds, episodes] (one row without vmap); the wall time goes to `out.eval_s`."""
        start = time.perf_counter()
        returns = np.atleast_2d(
            np.asarray(compiled_eval(state.learner.params, state.norm.obs_rms, eval_keys))
        )
        out.eval_s += time.perf_counter() - start
        return returns

    initial = state
    start = time.perf_counter()
    state, metrics = jax.block_until_ready(chunk(state, metrics, jnp.int32(1)))
    out.train_s += time.perf_counter() - start
    out.first_update_s = seconds_since_start()  # no evaluation before it (the step-0 one comes next)
    returns = timed_eval(initial)
    out.curve.append([0, seconds_since_start(), float(returns.mean())])
    steps_per_update = spec.batch_size
    progress(f"steps 0/{spec.num_updates * steps_per_update}  return {returns.mean():.1f}")

    updates_done, steady_updates = 1, 0
    for chunk_index in range(spec.num_evals):
        todo = spec.updates_per_eval - (1 if chunk_index == 0 else 0)
        if todo > 0:
            start = time.perf_counter()
            state, metrics = jax.block_until_ready(chunk(state, metrics, jnp.int32(todo)))
            elapsed = time.perf_counter() - start
            out.steady_s += elapsed
            out.train_s += elapsed
            updates_done += todo
            steady_updates += todo
        if not bool(np.all(np.asarray(metrics.all_finite))):
            out.diverged = True
            out.error = (
                f"non-finite loss or parameters by update {updates_done} (learning_rate={spec.learning_rate})"
            )
            break
        returns = timed_eval(state)
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
        name: float(np.mean(np.asarray(v))) for name, v in metrics._asdict().items() if name != "all_finite"
    }
    out.params_sha256 = params_digest(state.learner.params)
    out.steady_updates = steady_updates
    out.trainer, out.final_state = trainer, state
    return out


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
        "eval_compiled": "before the first update, as every contender",
        "params_sha256": outcome.params_sha256,
        "curve_env_steps": "per seed" if num_seeds > 1 else "per run",
        "xla_flags": os.environ.get("XLA_FLAGS", ""),
    }
    rollout_s, update_s, split_extra = apportion_steady_time(outcome.steady_s, outcome.steady_updates, split)
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


# ----------------------------------------------------------------------------------------------- jax-gym
GYM_VERSIONED = ("jax", "jaxlib", "flax", "optax", "gymnasium", "mujoco", "numpy")


def run_gym_training(
    spec: PPOSpec,
    seed: int,
    device_record: dict[str, Any],
    preset: str = "",
    log: Callable[[str], None] = print,
) -> tuple[RunResult, Any]:
    """Contender `jax-gym`: the shared host loop around `gym_train.GymTrainer`; the RunResult and the trainer.

    Every program is compiled ahead of time before the first update (`compile_s`), so no update compiles.
    """
    from jax_ppo.gym_train import GymTrainer  # imports Gymnasium: only this contender pays for it
    from shared_spec.host_loop import run_host_loop

    trainer = GymTrainer(spec)
    STARTUP.mark("envs")
    result = RunResult.for_spec(
        spec, contender="jax-gym", preset=preset, seed=seed, device=device_record,
        versions=package_versions(GYM_VERSIONED),
    )  # fmt: skip
    try:
        trainer.reset(seed)
        STARTUP.mark("train_state")
        result.startup_s = seconds_since_start() - trainer.compile_seconds.init  # compiling is compile time
        trainer.compile_programs()
        seconds = trainer.compile_seconds
        result.compile_s = seconds.init + seconds.train + seconds.eval_policy
        loop_extra = run_host_loop(trainer, spec, seed, result, log)
    finally:
        trainer.close()
    result.extra = {
        "env_backend": "gymnasium",
        "phase_split": "timed inline around collect_batch and learn_from_batch (a host loop, as torch), "
        "the device synchronized at the boundary",
        "compile_train_s": seconds.train,
        "compile_eval_s": seconds.eval_policy,
        **{f"compile_{name}_s": value for name, value in vars(seconds).items()},
        "eval_compiled": "before the first update, as every contender",
        "params_sha256": params_digest(trainer.state.params),
        "xla_flags": os.environ.get("XLA_FLAGS", ""),
        **loop_extra,
    }
    return result, trainer
