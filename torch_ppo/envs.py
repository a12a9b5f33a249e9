"""Gymnasium MuJoCo vector envs for the trainer, seen through one small torch-tensor interface.

The trainer talks to `TrainEnv` / `EvalEnv` (reset, step, frozen obs normalization), so the same loop runs
on Gymnasium here and on Brax in brax_env.py. The Gymnasium side is built from Gymnasium's own vector
wrappers (RecordEpisodeStatistics, TransformAction, NormalizeReward, ClipReward) with SAME_STEP autoreset.

Action clipping uses Gymnasium's vector `TransformAction` with one `np.clip` over the whole batch, not the
vector `ClipAction`: that one applies the single-env clip env by env in Python, then concatenates and
deep-copies the batch, which measured 53 us per step at 1 env (Hopper-v5, 15% of the raw simulator step)
and grows with num_envs. Same result: actions clipped to the action space's bounds.

One exception, and why: Gymnasium 1.4's vector `NormalizeObservation` refuses SAME_STEP autoreset (it would
leave `info["final_obs"]` unnormalized). `NormalizeObservationSameStep` below does what it does, with
Gymnasium's own `RunningMeanStd`, and also normalizes the final observations (current stats, no update), so
`next_values` can use the true pre-reset observation.
"""

from __future__ import annotations

from typing import Any, NamedTuple, Protocol

import gymnasium as gym
import numpy as np
import torch
from gymnasium.vector import AutoresetMode, VectorEnv, VectorWrapper
from gymnasium.wrappers.utils import RunningMeanStd

from shared_spec.tasks import get_task

OBS_EPSILON = 1e-8
"""Gymnasium's NormalizeObservation epsilon (added to the variance)."""


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


class NormalizeObservationSameStep(VectorWrapper):
    """Gymnasium's vector NormalizeObservation (+ clip) for SAME_STEP autoreset, final observations included.

    Each observation batch the env returns first updates the statistics, then is normalized and clipped;
    `info["final_obs"]` rows are normalized with the updated statistics, without updating them, into
    `info["final_obs_normalized"]` (a dense [B, O] float32 array, valid where `info["_final_obs"]`).
    """

    def __init__(self, env: VectorEnv, clip: float, epsilon: float = OBS_EPSILON) -> None:
        super().__init__(env)
        space = env.single_observation_space
        self.obs_rms = RunningMeanStd(shape=space.shape, dtype=space.dtype)
        self.clip, self.epsilon = clip, epsilon
        self.update_running_mean = True

    def normalize(self, obs: np.ndarray) -> np.ndarray:
        """Normalize and clip with the current statistics (no update)."""
        scaled = (obs - self.obs_rms.mean) / np.sqrt(self.obs_rms.var + self.epsilon)
        return np.clip(scaled, -self.clip, self.clip).astype(np.float32)

    def _observe(self, obs: np.ndarray) -> np.ndarray:
        if self.update_running_mean:
            self.obs_rms.update(obs)
        return self.normalize(obs)

    def reset(self, *, seed: int | None = None, options: dict[str, Any] | None = None):
        obs, info = self.env.reset(seed=seed, options=options)
        return self._observe(obs), info

    def step(self, actions: Any):
        obs, reward, terminated, truncated, info = self.env.step(actions)
        obs = self._observe(obs)
        if "_final_obs" in info:
            mask = info["_final_obs"]
            final = np.zeros_like(obs)
            final[mask] = self.normalize(np.stack(info["final_obs"][mask]))
            info["final_obs_normalized"] = final
        return obs, reward, terminated, truncated, info


def clip_actions(envs: VectorEnv) -> VectorEnv:
    """Clip the batch of actions to the env's bounds with one vectorized `np.clip` (see the module doc)."""
    space = envs.action_space
    low, high = space.low, space.high
    return gym.wrappers.vector.TransformAction(envs, lambda actions: np.clip(actions, low, high))


def make_gym_vec(spec: Any, num_envs: int) -> VectorEnv:
    """The task's Gymnasium vector env: SAME_STEP autoreset, `spec.episode_length` time limit."""
    task = get_task(spec.task)
    return gym.make_vec(
        task.gym_id,
        num_envs,
        vectorization_mode=spec.vector_env,
        vector_kwargs={"autoreset_mode": AutoresetMode.SAME_STEP},
        max_episode_steps=spec.episode_length,
        **task.gym_make_kwargs(),
    )


class GymTrainEnv:
    """Training envs: Gymnasium vector env + episode stats, action clip, obs and reward normalization."""

    def __init__(self, spec: Any, num_envs: int) -> None:
        envs = gym.wrappers.vector.RecordEpisodeStatistics(make_gym_vec(spec, num_envs))
        envs = clip_actions(envs)
        self.obs_norm: NormalizeObservationSameStep | None = None
        if spec.normalize_obs:
            envs = self.obs_norm = NormalizeObservationSameStep(envs, spec.obs_clip)
        if spec.normalize_reward:
            envs = gym.wrappers.vector.NormalizeReward(envs, gamma=spec.gamma)
            envs = gym.wrappers.vector.ClipReward(envs, -spec.reward_clip, spec.reward_clip)
        self.envs = envs
        self.num_envs = num_envs
        self.obs_size = int(np.prod(envs.single_observation_space.shape))
        self.act_size = int(np.prod(envs.single_action_space.shape))
        self.device = torch.device("cpu")

    def reset(self, seed: int) -> torch.Tensor:
        obs, _ = self.envs.reset(seed=seed)
        return torch.from_numpy(np.asarray(obs, np.float32))

    def step(self, actions: torch.Tensor) -> StepResult:
        obs, reward, terminated, truncated, info = self.envs.step(actions.numpy())
        obs = np.asarray(obs, np.float32)
        true_next = obs
        episode_returns: list[float] = []
        if "_final_obs" in info:
            mask = info["_final_obs"]
            final = info["final_obs_normalized"] if self.obs_norm else np.stack(info["final_obs"][mask])
            true_next = obs.copy()
            true_next[mask] = final[mask] if self.obs_norm else final
            episode_returns = info["episode"]["r"][info["_episode"]].tolist()
        return StepResult(
            torch.from_numpy(obs),
            torch.from_numpy(true_next),
            torch.from_numpy(reward.astype(np.float32)),
            torch.from_numpy(terminated),
            torch.from_numpy(truncated),
            episode_returns,
        )

    def normalize_frozen(self, raw_obs: torch.Tensor) -> torch.Tensor:
        if self.obs_norm is None:
            return raw_obs.to(torch.float32)
        return torch.from_numpy(self.obs_norm.normalize(raw_obs.numpy()))

    def close(self) -> None:
        self.envs.close()


class GymEvalEnv:
    """Evaluation envs: raw observations and rewards, actions clipped to the bounds (`clip_actions`)."""

    def __init__(self, spec: Any, num_envs: int) -> None:
        self.envs = clip_actions(make_gym_vec(spec, num_envs))
        self.num_envs = num_envs
        self.device = torch.device("cpu")

    def reset(self, seed: int) -> torch.Tensor:
        obs, _ = self.envs.reset(seed=seed)
        return torch.from_numpy(np.asarray(obs))

    def step(self, actions: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        obs, reward, terminated, truncated, _ = self.envs.step(actions.numpy())
        done = np.logical_or(terminated, truncated)
        return torch.from_numpy(np.asarray(obs)), torch.from_numpy(np.asarray(reward)), torch.from_numpy(done)

    def close(self) -> None:
        self.envs.close()
