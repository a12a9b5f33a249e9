"""Running observation and reward normalization as jittable state, mirroring Gymnasium 1.4's vector wrappers.

Gymnasium keeps these statistics inside mutable wrapper objects; here they are plain pytrees
(`RunningMeanStd`, `NormalizationState`) threaded through the rollout scan, so a whole training chunk stays
one pure, compiled function. The arithmetic follows `gymnasium.wrappers.utils.RunningMeanStd` (parallel
Welford, initial mean 0, var 1, count 1e-4) and `gymnasium/wrappers/vector/stateful_reward.py`
(SAME_STEP autoreset) line by line; see docs/ALGORITHM.md. float32 throughout (Gymnasium uses float64).
"""

from __future__ import annotations

from typing import NamedTuple

import jax
import jax.numpy as jnp

EPSILON = 1e-8
"""Added to the variance before the square root (Gymnasium's default epsilon)."""
INITIAL_COUNT = 1e-4
"""Gymnasium's RunningMeanStd starting count (acts as a tiny prior on mean 0, var 1)."""


class RunningMeanStd(NamedTuple):
    """Running mean and (population) variance of a stream of batches."""

    mean: jax.Array
    """float32 array of the statistic's shape."""
    var: jax.Array
    """float32 array of the statistic's shape."""
    count: jax.Array
    """float32 scalar: number of samples seen, starting at 1e-4."""


class NormalizationState(NamedTuple):
    """Everything the obs and reward normalizers carry from one env step to the next."""

    obs_rms: RunningMeanStd
    """Statistics of the raw observations, shape [O]."""
    return_rms: RunningMeanStd
    """Statistics of the discounted return, shape []."""
    discounted_return: jax.Array
    """float32 [B]: per-env running discounted return (Gymnasium's `accumulated_reward`)."""


def init_running_mean_std(shape: tuple[int, ...]) -> RunningMeanStd:
    """Fresh statistics: mean 0, var 1, count 1e-4 (Gymnasium's defaults)."""
    return RunningMeanStd(
        mean=jnp.zeros(shape, jnp.float32),
        var=jnp.ones(shape, jnp.float32),
        count=jnp.asarray(INITIAL_COUNT, jnp.float32),
    )


def init_normalization(obs_size: int, num_envs: int) -> NormalizationState:
    """Fresh normalization state for `num_envs` envs with `obs_size` observations."""
    return NormalizationState(
        obs_rms=init_running_mean_std((obs_size,)),
        return_rms=init_running_mean_std(()),
        discounted_return=jnp.zeros((num_envs,), jnp.float32),
    )


def update_running_mean_std(rms: RunningMeanStd, batch: jax.Array) -> RunningMeanStd:
    """Merge a batch (leading axis = samples) into the statistics (Chan et al.'s parallel update)."""
    batch_mean = jnp.mean(batch, axis=0)
    batch_var = jnp.var(batch, axis=0)
    batch_count = jnp.asarray(batch.shape[0], jnp.float32)
    delta = batch_mean - rms.mean
    total_count = rms.count + batch_count
    new_mean = rms.mean + delta * batch_count / total_count
    m2 = (
        rms.var * rms.count
        + batch_var * batch_count
        + jnp.square(delta) * rms.count * batch_count / total_count
    )
    return RunningMeanStd(mean=new_mean, var=m2 / total_count, count=total_count)


def scale_obs(rms: RunningMeanStd, obs: jax.Array, obs_clip: float) -> jax.Array:
    """Normalize observations with frozen statistics: clip((obs - mean) / sqrt(var + 1e-8), +-obs_clip)."""
    return jnp.clip((obs - rms.mean) / jnp.sqrt(rms.var + EPSILON), -obs_clip, obs_clip)


def normalize_obs(
    state: NormalizationState, obs: jax.Array, obs_clip: float, enabled: bool = True
) -> tuple[NormalizationState, jax.Array]:
    """Update the obs statistics with the batch `obs` [B, O], then normalize it (Gymnasium's order).

    With `enabled` False the observations pass through unchanged and the state is untouched.
    """
    if not enabled:
        return state, obs
    obs_rms = update_running_mean_std(state.obs_rms, obs)
    return state._replace(obs_rms=obs_rms), scale_obs(obs_rms, obs, obs_clip)


def normalize_reward(
    state: NormalizationState,
    reward: jax.Array,
    terminations: jax.Array,
    truncations: jax.Array,
    gamma: float,
    reward_clip: float,
    enabled: bool = True,
) -> tuple[NormalizationState, jax.Array]:
    """Scale a batch of rewards [B] by the running std of the discounted return, as Gymnasium's vector wrapper.

    `discounted = discounted * gamma * (1 - terminated) + reward`; the return statistics take the whole batch
    `discounted`; then `discounted` restarts at 0 where the episode ended (terminated or truncated, SAME_STEP
    autoreset); the reward is divided by sqrt(var + 1e-8) (mean not subtracted) and clipped to +-reward_clip.
    """
    if not enabled:
        return state, reward
    discounted = state.discounted_return * gamma * (1.0 - terminations) + reward
    return_rms = update_running_mean_std(state.return_rms, discounted)
    done = jnp.maximum(terminations, truncations)
    discounted = jnp.where(done > 0, 0.0, discounted)
    scaled = jnp.clip(reward / jnp.sqrt(return_rms.var + EPSILON), -reward_clip, reward_clip)
    return NormalizationState(state.obs_rms, return_rms, discounted), scaled
