"""The envs as the torch trainer sees them: one small torch-tensor interface over either simulator.

The loop in train.py talks to `TrainEnv` / `EvalEnv` (reset, step, frozen obs normalization), so it runs
unchanged on Gymnasium MuJoCo (here: a tensor view of `ppo_envs.gym_envs`, zero-copy `torch.from_numpy`)
and on Brax MJX (brax_env.py: a DLPack view of `ppo_envs.brax_envs`).
"""

from __future__ import annotations

from typing import NamedTuple, Protocol

import numpy as np
import torch

from ppo_envs.gym_envs import EvalVecEnv, TrainVecEnv
from shared_spec.spec import PPOSpec


class StepResult(NamedTuple):
    """One vector step as the rollout needs it (torch tensors on the env's device)."""

    next_obs: torch.Tensor
    """[B, O] normalized observation to act on next (first obs of a new episode where one ended)."""
    true_next_obs: torch.Tensor
    """[B, O] normalized true next observation: the final observation where the episode ended."""
    reward: torch.Tensor
    """[B] scaled (normalized, clipped) reward."""
    terminated: torch.Tensor
    """[B] bool."""
    truncated: torch.Tensor
    """[B] bool."""
    episode_returns: list[float]
    """Raw undiscounted returns of the episodes that ended in this step (for progress logs)."""


class TrainEnv(Protocol):
    """What the training loop needs from a batch of environments."""

    num_envs: int
    obs_size: int
    act_size: int
    device: torch.device

    def reset(self, seed: int) -> torch.Tensor: ...
    def step(self, actions: torch.Tensor) -> StepResult: ...
    def normalize_frozen(self, raw_obs: torch.Tensor) -> torch.Tensor: ...
    def close(self) -> None: ...


class EvalEnv(Protocol):
    """Raw (unnormalized) envs for evaluation: raw observations and rewards, actions clipped to bounds."""

    num_envs: int
    device: torch.device

    def reset(self, seed: int) -> torch.Tensor: ...
    def step(self, actions: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]: ...
    def close(self) -> None: ...


class GymTrainEnv:
    """`ppo_envs.gym_envs.TrainVecEnv` with torch tensors in and out (CPU, shared memory with numpy)."""

    def __init__(self, spec: PPOSpec, num_envs: int) -> None:
        self.vec = TrainVecEnv(spec, num_envs)
        self.num_envs, self.obs_size, self.act_size = num_envs, self.vec.obs_size, self.vec.act_size
        self.device = torch.device("cpu")

    def reset(self, seed: int) -> torch.Tensor:
        return torch.from_numpy(self.vec.reset(seed))

    def step(self, actions: torch.Tensor) -> StepResult:
        step = self.vec.step(actions.numpy())
        return StepResult(
            torch.from_numpy(step.next_obs),
            torch.from_numpy(step.true_next_obs),
            torch.from_numpy(step.reward),
            torch.from_numpy(step.terminated),
            torch.from_numpy(step.truncated),
            step.episode_returns,
        )

    def normalize_frozen(self, raw_obs: torch.Tensor) -> torch.Tensor:
        return torch.from_numpy(self.vec.normalize_frozen(raw_obs.numpy()))

    def close(self) -> None:
        self.vec.close()


class GymEvalEnv:
    """`ppo_envs.gym_envs.EvalVecEnv` with torch tensors in and out."""

    def __init__(self, spec: PPOSpec, num_envs: int) -> None:
        self.vec = EvalVecEnv(spec, num_envs)
        self.num_envs = num_envs
        self.device = torch.device("cpu")

    def reset(self, seed: int) -> torch.Tensor:
        return torch.from_numpy(self.vec.reset(seed))

    def step(self, actions: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        obs, reward, done = self.vec.step(actions.numpy())
        return torch.from_numpy(obs), torch.from_numpy(np.asarray(reward)), torch.from_numpy(done)

    def close(self) -> None:
        self.vec.close()
