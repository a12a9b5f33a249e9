"""The timed training run of the torch trainer: the host loop around train.py's steps, and its result line.

Measurement, not algorithm: the metric definitions are docs/DESIGN.md's. Each update is timed at the one
boundary every contender uses, `collect_batch` (rollout: env steps, actions, values, GAE) | `learn_from_batch`
(update: epochs x minibatches); the first update is timed apart (it holds torch.compile's compilation), the
steady ones are summed. Evaluations run every `updates_per_eval` updates and are not training time.
"""

from __future__ import annotations

import math
import sys
import time
from collections.abc import Callable
from typing import Any

import torch

from shared_spec.result import RunResult, Timings, package_versions, seconds_since_start, time_to_threshold
from shared_spec.spec import PPOSpec
from shared_spec.startup import STARTUP
from shared_spec.tasks import get_task
from torch_ppo.envs import EvalEnv, TrainEnv
from torch_ppo.networks import describe_optimizer
from torch_ppo.train import (
    Trainer,
    TrainState,
    UpdateMetrics,
    collect_batch,
    evaluate,
    init_train_state,
    learn_from_batch,
    make_trainer,
)

EVAL_SEED_OFFSET = 10_000
"""Evaluation envs are reset with seed + this, so they never replay the training envs' starts."""
VERSIONED = ("torch", "gymnasium", "mujoco", "numpy", "brax", "jax")


def _log_to_stderr(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def timed_update(
    trainer: Trainer, state: TrainState, timings: Timings
) -> tuple[TrainState, UpdateMetrics, bool]:
    """One `update_step`, its halves timed apart; also returns whether the update diverged."""
    t0 = time.perf_counter()
    state, batch = collect_batch(trainer, state)
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
    envs: TrainEnv,
    eval_envs: EvalEnv,
    device: torch.device,
    device_record: dict[str, Any],
    contender: str = "torch",
    preset: str = "",
    compile_mode: bool = False,
    threads: int = 1,
    log: Callable[[str], None] = _log_to_stderr,
    env_compile_s: float = 0.0,
) -> RunResult:
    """Train PPO per `spec`, timed as docs/DESIGN.md defines; the RunResult ("diverged" on a non-finite loss).

    `env_compile_s` is compile time of the env itself that happened before training (Brax): it moves from
    startup_s to compile_s, so every second of the run falls in one bucket (startup, compile, train, eval).
    """
    trainer = make_trainer(spec, envs, eval_envs, device, seed, compile_mode)
    result = RunResult.for_spec(
        spec,
        contender=contender,
        preset=preset,
        seed=seed,
        device=device_record,
        versions=package_versions(VERSIONED),
    )
    state = init_train_state(trainer, seed)
    STARTUP.mark("train_state")
    result.startup_s = seconds_since_start() - env_compile_s  # the env's compilation is compile time
    result.eval_s = 0.0

    def run_eval(env_steps: int) -> float:
        start = time.perf_counter()
        ret = float(evaluate(trainer, seed + EVAL_SEED_OFFSET).mean())
        result.eval_s += time.perf_counter() - start
        result.curve.append([env_steps, seconds_since_start(), ret])
        return ret

    first = run_eval(0)
    log(f"[torch] {contender} {spec.task} seed {seed} on {device_record['name']}: step 0 eval {first:.1f}")
    timings, metrics = Timings(), None
    for _ in range(spec.num_updates):
        state, metrics, diverged = timed_update(trainer, state, timings)
        env_steps = state.update_index * spec.batch_size
        if state.update_index == 1:
            result.first_update_s = seconds_since_start() - result.eval_s  # as JAX: evaluation excluded
        if diverged:
            result.status = "diverged"
            result.error = (
                f"non-finite loss or parameters in update {state.update_index - 1} (env step {env_steps})"
            )
            log(f"[torch] diverged: {result.error}")
            break
        if state.update_index % spec.updates_per_eval == 0:
            ret = run_eval(env_steps)
            recent = trainer.buffer.episode_returns[-10:]
            train_ret = sum(recent) / len(recent) if recent else math.nan
            log(
                f"[torch] step {env_steps} | eval return {ret:.1f} | train return {train_ret:.1f} | "
                f"sps {timings.sps(spec.batch_size):.0f} | elapsed {seconds_since_start():.1f}s"
            )

    fill_result(result, spec, state, timings, compile_mode, env_compile_s)
    result.extra = {
        "threads": threads,
        "adam": describe_optimizer(trainer.optimizer),
        "env_backend": "brax" if contender.startswith("torch-brax") else "gymnasium",
        "first_iteration_s": timings.first_iteration_s,
        "steady_iteration_s": timings.steady_s / timings.steady_updates if timings.steady_updates else None,
        **(
            {}
            if metrics is None
            else {k: float(v) for k, v in metrics._asdict().items() if k != "all_finite"}
        ),
    }
    return result


def fill_result(
    result: RunResult,
    spec: PPOSpec,
    state: TrainState,
    timings: Timings,
    compile_mode: bool,
    env_compile_s: float,
) -> None:
    """Totals, steady speed, compile time, final return and time to threshold of a finished loop."""
    result.total_env_steps = state.update_index * spec.batch_size
    if timings.steady_updates > 0 and timings.steady_s > 0:
        result.sps = timings.sps(spec.batch_size)
        result.rollout_s, result.update_s = timings.rollout_s, timings.update_s
    first_update_compile_s = 0.0
    if compile_mode:  # first-call time minus a steady-state call, at the granularity of one whole update
        steady_iteration_s = timings.steady_s / timings.steady_updates if timings.steady_updates else 0.0
        first_update_compile_s = max(0.0, timings.first_iteration_s - steady_iteration_s)
    result.compile_s = env_compile_s + first_update_compile_s
    result.train_s = timings.first_iteration_s - first_update_compile_s + timings.steady_s
    if result.status == "ok":
        result.final_return = result.curve[-1][2]
    result.time_to_threshold_s = time_to_threshold(result.curve, get_task(spec.task).return_threshold)
    result.wall_s = seconds_since_start()
