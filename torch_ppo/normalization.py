"""Running observation and reward normalization on torch tensors, for the Brax env on the torch device.

On Gymnasium the torch trainer uses Gymnasium's own numpy wrappers (`ppo_envs.gym_envs`); on the Brax env
(contender `torch-brax`) those would force a device-to-host copy every step, so the same arithmetic runs here
on the device: Gymnasium 1.4's `RunningMeanStd` (parallel Welford, initial mean 0, var 1, count 1e-4) and
its vector `NormalizeReward` with SAME_STEP autoreset, then `ClipReward`. jax_ppo/normalization.py is the
JAX counterpart (the same functions, as jittable pytrees).

Every statistic is a tensor on the device, the count included, and is updated in place: a compiled step
(`DeviceNormalizer.step` under torch.compile, `--compile`) then reads and writes the same memory on every
call, never a Python number that would be baked into the graph and recompile it each step.
"""

from __future__ import annotations

from typing import Any

import torch

EPSILON = 1e-8
"""Added to the variance before the square root (Gymnasium's default epsilon)."""
INITIAL_COUNT = 1e-4
"""Gymnasium's RunningMeanStd starting count (acts as a tiny prior on mean 0, var 1)."""


class RunningMeanStd:
    """Running mean and (population) variance of a stream of batches, on a torch device.

    Each statistic is stored as one row, [1, *shape], and read as a view of it (`mean`, `var`, `count`): a
    0-dim float64 CPU tensor is taken by torch.compile for a Python number, and writes to it inside a compiled
    step are dropped (the return statistics and every count are such scalars); a row of one is a tensor.
    """

    def __init__(self, shape: tuple[int, ...], dtype: torch.dtype, device: torch.device) -> None:
        self._mean = torch.zeros((1, *shape), dtype=dtype, device=device)
        self._var = torch.ones((1, *shape), dtype=dtype, device=device)
        self._count = torch.full((1,), INITIAL_COUNT, dtype=torch.float64, device=device)
        """float64, as Gymnasium's (a Python float there): the count outgrows float32's integers."""

    @property
    def mean(self) -> torch.Tensor:
        return self._mean[0]

    @property
    def var(self) -> torch.Tensor:
        return self._var[0]

    @property
    def count(self) -> torch.Tensor:
        """Samples merged so far, plus `INITIAL_COUNT` (float64 scalar)."""
        return self._count[0]

    def update(self, batch: torch.Tensor) -> None:
        """Merge a batch (leading axis = samples) into the statistics (Chan et al.'s parallel update)."""
        mean, var, count = self.mean, self.var, self.count
        batch = batch.to(mean.dtype)
        batch_mean, batch_var, batch_count = batch.mean(0), batch.var(0, correction=0), batch.shape[0]
        delta = batch_mean - mean
        total = count + batch_count
        new_mean = mean + delta * batch_count / total
        m2 = var * count + batch_var * batch_count + delta.square() * count * batch_count / total
        self._mean.copy_(new_mean[None])
        self._var.copy_((m2 / total)[None])
        self._count.copy_(total[None])


def scale_obs(rms: RunningMeanStd, obs: torch.Tensor, obs_clip: float) -> torch.Tensor:
    """Normalize observations with frozen statistics: clip((obs - mean) / sqrt(var + 1e-8), +-obs_clip)."""
    return ((obs - rms.mean) / torch.sqrt(rms.var + EPSILON)).clamp(-obs_clip, obs_clip)


class RewardScaler:
    """Scale rewards by the running std of the discounted return (Gymnasium's vector NormalizeReward)."""

    def __init__(self, num_envs: int, gamma: float, reward_clip: float, device: torch.device) -> None:
        self.return_rms = RunningMeanStd((), torch.float64, device)
        self.discounted_return = torch.zeros(num_envs, dtype=torch.float32, device=device)
        self.gamma, self.reward_clip = gamma, reward_clip

    def reset(self) -> None:
        self.discounted_return.zero_()

    def __call__(
        self, reward: torch.Tensor, terminated: torch.Tensor, truncated: torch.Tensor
    ) -> torch.Tensor:
        """`discounted = discounted * gamma * (1 - terminated) + reward`; the return statistics take it; it
        restarts at 0 where the episode ended; the reward is divided by sqrt(var + 1e-8) and clipped."""
        discounted = self.discounted_return * self.gamma * (~terminated) + reward
        self.return_rms.update(discounted)
        self.discounted_return.copy_(torch.where(terminated | truncated, 0.0, discounted))
        scaled = reward / torch.sqrt(self.return_rms.var + EPSILON).to(reward.dtype)
        return scaled.clamp(-self.reward_clip, self.reward_clip)


class DeviceNormalizer:
    """What a device env (Brax by DLPack, MuJoCo Warp) applies to what it returns, as Gymnasium's wrappers do on
    the host: running observation statistics (updated by each batch of current observations, frozen for final
    ones and for evaluation) and reward scaling, each only where the spec asks for it."""

    def __init__(self, spec: Any, obs_size: int, num_envs: int, device: torch.device) -> None:
        self.spec = spec
        self.obs_rms = RunningMeanStd((obs_size,), torch.float32, device)
        self.scale_reward = RewardScaler(num_envs, spec.gamma, spec.reward_clip, device)

    def frozen(self, raw_obs: torch.Tensor) -> torch.Tensor:
        """Observations scaled by the current statistics, which they do not update."""
        if not self.spec.normalize_obs:
            return raw_obs
        return scale_obs(self.obs_rms, raw_obs, self.spec.obs_clip)

    def observe(self, raw_obs: torch.Tensor) -> torch.Tensor:
        """Update the statistics with the batch, then scale it."""
        if self.spec.normalize_obs:
            self.obs_rms.update(raw_obs)
        return self.frozen(raw_obs)

    def reward(self, reward: torch.Tensor, terminated: torch.Tensor, truncated: torch.Tensor) -> torch.Tensor:
        """The scaled reward where `normalize_reward` is on, else the raw one."""
        return self.scale_reward(reward, terminated, truncated) if self.spec.normalize_reward else reward

    def step(
        self,
        obs: torch.Tensor,
        final_obs: torch.Tensor,
        reward: torch.Tensor,
        terminated: torch.Tensor,
        truncated: torch.Tensor,
    ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """One env step's worth: (next obs, true next obs, reward) as the rollout stores them.

        The current observations update the statistics first; the final ones are scaled by the updated,
        frozen statistics (as Gymnasium's SAME_STEP wrappers do). One function, so that `--compile` can
        compile a whole step's normalization as one graph.
        """
        next_obs = self.observe(obs)
        scaled_reward = self.reward(reward, terminated, truncated)
        return next_obs, self.frozen(final_obs), scaled_reward

    def reset(self) -> None:
        """A new episode for every env: the discounted returns start again."""
        self.scale_reward.reset()
