"""The timed training run of contender `jax-gym`: the host loop around gym_train.py's steps, and its result line.

Measurement, not algorithm: the metric definitions are docs/DESIGN.md's. Every program is compiled ahead of
time before the first update (`compile_s`: the policy step, the batch program and the update for training,
the evaluation policy for evaluation). The loop is a host loop, as torch's, so each update is timed inline at
the boundary every contender uses, `collect_batch` (rollout: env steps, actions, values, GAE) |
`learn_from_batch` (update: epochs x minibatches), blocking on the batch before reading the clock; the first
update is timed apart and the steady ones summed. Evaluations run every `updates_per_eval` updates.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from typing import Any

import jax

from jax_ppo.gym_train import (
    EVAL_SEED_OFFSET,
    Trainer,
    TrainState,
    UpdateMetrics,
    collect_batch,
    compile_programs,
    evaluate,
    init_train_state,
    learn_from_batch,
    make_trainer,
)
from jax_ppo.run import params_digest
from shared_spec.result import RunResult, Timings, package_versions, seconds_since_start, time_to_threshold
from shared_spec.spec import PPOSpec
from shared_spec.startup import STARTUP
from shared_spec.tasks import get_task

CONTENDER = "jax-gym"
VERSIONED = ("jax", "jaxlib", "flax", "optax", "gymnasium", "mujoco", "numpy")
TRAIN_PROGRAMS = ("policy_step", "finish_batch", "learn")
"""The programs of training (`extra.compile_train_s`); the evaluation policy is `extra.compile_eval_s`."""


def timed_update(
    trainer: Trainer, state: TrainState, timings: Timings
) -> tuple[TrainState, UpdateMetrics, bool]:
    """One `update_step`, its halves timed apart; also returns whether the update diverged."""
    t0 = time.perf_counter()
    state, batch = collect_batch(trainer, state)
    jax.block_until_ready(batch)
    t1 = time.perf_counter()
    state, metrics = learn_from_batch(trainer, state, batch)
    diverged = not bool(metrics.all_finite)  # the one host sync of the update
    t2 = time.perf_counter()
    if state.update_index == 1:
        timings.first_iteration_s = t2 - t0
    else:
        timings.rollout_s += t1 - t0
        timings.update_s += t2 - t1
        timings.steady_updates += 1
    return state, metrics, diverged


def run_training(
    spec: PPOSpec,
    seed: int,
    device_record: dict[str, Any],
    preset: str = "",
    log: Callable[[str], None] = lambda _msg: None,
) -> tuple[RunResult, TrainState]:
    """Train PPO per `spec` on Gymnasium, timed as docs/DESIGN.md defines; the RunResult and the final state."""
    trainer = make_trainer(spec)
    STARTUP.mark("envs")
    result = RunResult.for_spec(
        spec,
        contender=CONTENDER,
        preset=preset,
        seed=seed,
        device=device_record,
        versions=package_versions(VERSIONED),
    )
    init_compile_s: dict[str, float] = {}
    state = init_train_state(trainer, seed, init_compile_s)
    jax.block_until_ready(state.learner)
    STARTUP.mark("train_state")
    result.startup_s = seconds_since_start() - init_compile_s["init"]  # compiling is compile time
    trainer = compile_programs(trainer, state)
    compile_s = {**trainer.programs.compile_s, **init_compile_s}
    result.compile_s = sum(compile_s.values())
    result.eval_s = 0.0

    def run_eval(env_steps: int) -> float:
        start = time.perf_counter()
        ret = float(evaluate(trainer, state.learner.params, seed + EVAL_SEED_OFFSET).mean())
        result.eval_s += time.perf_counter() - start
        result.curve.append([env_steps, seconds_since_start(), ret])
        return ret

    try:
        first = run_eval(0)
        log(f"[jax-gym] {spec.task} seed {seed} on {device_record['name']}: step 0 eval {first:.1f}")
        timings, metrics = Timings(), None
        for _ in range(spec.num_updates):
            state, metrics, diverged = timed_update(trainer, state, timings)
            env_steps = state.update_index * spec.batch_size
            if state.update_index == 1:
                result.first_update_s = seconds_since_start() - result.eval_s  # evaluation excluded
            if diverged:
                result.status = "diverged"
                result.error = (
                    f"non-finite loss or parameters in update {state.update_index - 1} (env step {env_steps})"
                )
                log(f"[jax-gym] diverged: {result.error}")
                break
            if state.update_index % spec.updates_per_eval == 0:
                ret = run_eval(env_steps)
                log(
                    f"[jax-gym] step {env_steps} | eval return {ret:.1f} | "
                    f"sps {timings.sps(spec.batch_size):.0f} | elapsed {seconds_since_start():.1f}s"
                )
    finally:
        trainer.envs.close()
        trainer.eval_envs.close()

    fill_result(result, spec, state, timings)
    result.extra = {
        "env_backend": "gymnasium",
        "phase_split": "timed inline around collect_batch and learn_from_batch (a host loop, as torch)",
        "compile_train_s": sum(compile_s[name] for name in TRAIN_PROGRAMS),
        "compile_eval_s": compile_s["eval_policy"],
        **{f"compile_{name}_s": seconds for name, seconds in compile_s.items()},
        "first_iteration_s": timings.first_iteration_s,
        "steady_iteration_s": timings.steady_s / timings.steady_updates if timings.steady_updates else None,
        "params_sha256": params_digest(state.learner.params),
        "xla_flags": os.environ.get("XLA_FLAGS", ""),
        **(
            {}
            if metrics is None
            else {
                "entropy" if k == "entropy_loss" else k: float(v)
                for k, v in metrics._asdict().items()
                if k != "all_finite"
            }
        ),
    }
    return result, state


def fill_result(result: RunResult, spec: PPOSpec, state: TrainState, timings: Timings) -> None:
    """Totals, steady speed, final return and time to threshold of a finished loop."""
    result.total_env_steps = state.update_index * spec.batch_size
    if timings.steady_updates > 0 and timings.steady_s > 0:
        result.sps = timings.sps(spec.batch_size)
        result.rollout_s, result.update_s = timings.rollout_s, timings.update_s
    result.train_s = timings.first_iteration_s + timings.steady_s
    if result.status == "ok":
        result.final_return = result.curve[-1][2]
    result.time_to_threshold_s = time_to_threshold(result.curve, get_task(spec.task).return_threshold)
    result.wall_s = seconds_since_start()
