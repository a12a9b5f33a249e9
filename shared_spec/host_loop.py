"""The one timed host loop of every contender that steps its envs from Python (torch, torch-brax, jax-gym).

One clock, one evaluation schedule and one result filling, whatever the framework: a trainer offers its two
halves (`collect_batch`, `learn_from_batch`), `evaluate`, and `sync` (the hook for what differs: waiting for
the device before the clock is read). Each update is timed at the boundary every contender uses (rollout:
env steps, actions, values, GAE | update: epochs x minibatches); the first update is timed apart (it holds any
compilation that happens on first call), the steady ones are summed. Evaluations run at env step 0 and every
`updates_per_eval` updates and are not training time. Metric definitions: docs/DESIGN.md.
Framework-free on purpose: it imports no framework, so neither trainer owns it.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from shared_spec.result import RunResult, seconds_since_start, time_to_threshold
from shared_spec.spec import PPOSpec
from shared_spec.tasks import get_task

EVAL_SEED_OFFSET = 10_000
"""Evaluation envs are reset with seed + this, so they never replay the training envs' starts."""


class HostLoopTrainer(Protocol):
    """What a host-loop trainer offers the timed loop."""

    @property
    def update_index(self) -> int:
        """Updates done so far."""
        ...

    def collect_batch(self) -> Any:
        """The rollout half of one update; returns the batch."""
        ...

    def learn_from_batch(self, batch: Any) -> Any:
        """The learning half; returns the update's metrics (a NamedTuple with a bool `all_finite`)."""
        ...

    def evaluate(self, seed: int) -> Any:
        """Per-episode raw returns of the mean action (anything with `.mean()`)."""
        ...

    def sync(self, value: Any) -> None:
        """Return once the device has computed `value` (a no-op where the work is synchronous)."""
        ...

    def recent_train_returns(self) -> Sequence[float]:
        """Returns of the training episodes that ended in the last rollout."""
        ...


@dataclass
class Timings:
    """Where a host-loop trainer's training time went; steady state = every update after the first."""

    first_iteration_s: float = 0.0
    rollout_s: float = 0.0
    update_s: float = 0.0
    steady_updates: int = 0

    @property
    def steady_s(self) -> float:
        return self.rollout_s + self.update_s

    def sps(self, batch_size: int) -> float:
        steady = self.steady_s
        return self.steady_updates * batch_size / steady if steady > 0 else math.nan


def timed_update(trainer: HostLoopTrainer, timings: Timings) -> tuple[Any, bool]:
    """One update, its halves timed apart; returns its metrics and whether it diverged."""
    t0 = time.perf_counter()
    batch = trainer.collect_batch()
    trainer.sync(batch)
    t1 = time.perf_counter()
    metrics = trainer.learn_from_batch(batch)
    diverged = not bool(metrics.all_finite)  # the one host sync of the update
    t2 = time.perf_counter()
    if trainer.update_index == 1:
        timings.first_iteration_s = t2 - t0
    else:
        timings.rollout_s += t1 - t0
        timings.update_s += t2 - t1
        timings.steady_updates += 1
    return metrics, diverged


def run_host_loop(
    trainer: HostLoopTrainer,
    spec: PPOSpec,
    seed: int,
    result: RunResult,
    log: Callable[[str], None],
    first_update_compiles: bool = False,
) -> dict[str, Any]:
    """Train `spec.num_updates` updates with evaluations, filling `result`; returns the loop's `extra` fields.

    `result.startup_s` and `result.compile_s` (what was compiled before the loop) are the caller's.
    `first_update_compiles`: the first update holds a compilation (torch.compile); its time beyond a steady
    update moves from train_s to compile_s.
    """
    label = result.contender
    result.eval_s = 0.0

    def run_eval(env_steps: int) -> float:
        start = time.perf_counter()
        mean_return = float(trainer.evaluate(seed + EVAL_SEED_OFFSET).mean())
        result.eval_s += time.perf_counter() - start
        result.curve.append([env_steps, seconds_since_start(), mean_return])
        return mean_return

    first = run_eval(0)
    log(f"[{label}] {spec.task} seed {seed} on {result.device.get('name')}: step 0 eval {first:.1f}")
    timings, metrics = Timings(), None
    for _ in range(spec.num_updates):
        metrics, diverged = timed_update(trainer, timings)
        env_steps = trainer.update_index * spec.batch_size
        if trainer.update_index == 1:
            result.first_update_s = seconds_since_start() - result.eval_s  # evaluation excluded
        if diverged:
            result.status = "diverged"
            result.error = (
                f"non-finite loss or parameters in update {trainer.update_index - 1} (env step {env_steps})"
            )
            log(f"[{label}] diverged: {result.error}")
            break
        if trainer.update_index % spec.updates_per_eval == 0:
            mean_return = run_eval(env_steps)
            recent = list(trainer.recent_train_returns())[-10:]
            train_return = sum(recent) / len(recent) if recent else math.nan
            log(
                f"[{label}] step {env_steps} | eval return {mean_return:.1f} | train return {train_return:.1f}"
                f" | sps {timings.sps(spec.batch_size):.0f} | elapsed {seconds_since_start():.1f}s"
            )
    fill_result(result, spec, trainer.update_index, timings, first_update_compiles)
    return loop_extra(timings, metrics)


def fill_result(
    result: RunResult, spec: PPOSpec, updates_done: int, timings: Timings, first_update_compiles: bool
) -> None:
    """Totals, steady speed, compile and train time, final return and time to threshold of a finished loop."""
    result.total_env_steps = updates_done * spec.batch_size
    steady_iteration_s = timings.steady_s / timings.steady_updates if timings.steady_updates else 0.0
    if timings.steady_updates > 0 and timings.steady_s > 0:
        result.sps = timings.sps(spec.batch_size)
        result.rollout_s, result.update_s = timings.rollout_s, timings.update_s
    first_update_compile_s = 0.0
    if first_update_compiles:  # first-call time minus a steady call, at the granularity of one update
        first_update_compile_s = max(0.0, timings.first_iteration_s - steady_iteration_s)
    result.compile_s = (result.compile_s or 0.0) + first_update_compile_s
    result.train_s = timings.first_iteration_s - first_update_compile_s + timings.steady_s
    if result.status == "ok":
        result.final_return = result.curve[-1][2]
    result.time_to_threshold_s = time_to_threshold(result.curve, get_task(spec.task).return_threshold)
    result.wall_s = seconds_since_start()


def loop_extra(timings: Timings, metrics: Any) -> dict[str, Any]:
    """The record's `extra` fields the loop knows: per-update times and the last update's diagnostics."""
    extra: dict[str, Any] = {
        "first_iteration_s": timings.first_iteration_s,
        "steady_iteration_s": timings.steady_s / timings.steady_updates if timings.steady_updates else None,
    }
    if metrics is not None:
        for name, value in metrics._asdict().items():
            if name != "all_finite":
                extra["entropy" if name == "entropy_loss" else name] = float(value)
    return extra
