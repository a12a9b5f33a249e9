"""The rollout/update split of the fused JAX program: each half timed as its own compiled program, after training.

The training program fuses both halves into one XLA program, so its steady time cannot be split from the host;
this measures the halves apart and apportions the fused program's measured steady time by their ratio.
"""

from __future__ import annotations

import functools
import time
from dataclasses import dataclass
from typing import Any

import jax
import numpy as np

from jax_ppo.train import Trainer, TrainState, collect_batch, learn_from_batch


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

    Compiles `collect_batch` and `learn_from_batch` on their own (vmapped like the trainer), warms each up
    once, then alternates them `repeats` times from the trained `state`, blocking after each call. The halves
    alone may cost a little more than fused (no overlap across the boundary), so callers use only the
    *fraction* to apportion the fused program's measured steady time.
    """
    rollout_fn = functools.partial(collect_batch, trainer)
    learn_fn = functools.partial(learn_half, trainer)
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
        state = jax.block_until_ready(learn(state, batch))
        t2 = time.perf_counter()
        if repeat > 0:
            rollout_times.append(t1 - t0)
            learn_times.append(t2 - t1)
    return PhaseSplit(float(np.median(rollout_times)), float(np.median(learn_times)), compile_s, repeats)


def learn_half(trainer: Trainer, state: TrainState, batch: Any) -> TrainState:
    """`update_step`'s learning half alone: `learn_from_batch` on the state's learner."""
    learner, _ = learn_from_batch(trainer, state.learner, batch)
    return state._replace(learner=learner)


def apportion_steady_time(
    steady_s: float, steady_updates: int, split: PhaseSplit | None
) -> tuple[float | None, float | None, dict[str, Any]]:
    """rollout_s and update_s: the fused program's steady seconds, split by the halves' measured fraction."""
    if split is None or steady_s <= 0:
        reason = "not measured (--no-phase-split)" if split is None else "no steady-state updates"
        return None, None, {"phase_split": reason}
    rollout_s = steady_s * split.rollout_fraction
    return (
        rollout_s,
        steady_s - rollout_s,
        {
            "phase_split": "steady time of the fused program apportioned by separately jitted halves, timed after training",
            "split_rollout_per_update_s": split.rollout_per_update_s,
            "split_update_per_update_s": split.update_per_update_s,
            "split_compile_s": split.compile_s,
            "split_repeats": split.repeats,
            "fused_per_update_s": steady_s / max(steady_updates, 1),
        },
    )
