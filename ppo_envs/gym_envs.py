"""Gymnasium MuJoCo vector envs as the trainers step them: numpy in and out.

`TrainVecEnv` is the training stack built from Gymnasium's own vector wrappers (RecordEpisodeStatistics,
TransformAction, NormalizeReward, ClipReward) with SAME_STEP autoreset; each step also hands back the true
next observation (the final one where an episode ended), normalized, for `next_values`. `EvalVecEnv` gives
raw observations and rewards with actions clipped. A trainer wraps these in its own array type.

Action clipping uses Gymnasium's vector `TransformAction` with one `np.clip` over the whole batch, not the
vector `ClipAction`: that one applies the single-env clip env by env in Python, then concatenates and
deep-copies the batch, a cost that grows with num_envs (docs/RESULTS.md). Same result: actions clipped to the
action space's bounds.

One exception to "Gymnasium's own wrappers", and why: Gymnasium 1.4's vector `NormalizeObservation` refuses
SAME_STEP autoreset (it would leave `info["final_obs"]` unnormalized). `NormalizeObservationSameStep` does
what it does, with Gymnasium's own `RunningMeanStd`, and also normalizes the final observations (current
statistics, no update).
"""

from __future__ import annotations

from typing import Any, NamedTuple

import gymnasium as gym
import numpy as np
from gymnasium.vector import AutoresetMode, VectorEnv, VectorWrapper
from gymnasium.wrappers.utils import RunningMeanStd

from shared_spec.resources import resolve_vector_env, vector_env_record
from shared_spec.spec import PPOSpec
from shared_spec.tasks import get_task

OBS_EPSILON = 1e-8
"""Gymnasium's NormalizeObservation epsilon (added to the variance)."""


class VecStep(NamedTuple):
    """One vector step as a rollout needs it (numpy arrays, leading axis = envs)."""

    next_obs: np.ndarray
    """float32 [B, O] normalized observation to act on next (first obs of a new episode where one ended)."""
    true_next_obs: np.ndarray
    """float32 [B, O] normalized true next observation: the final observation where the episode ended."""
    reward: np.ndarray
    """float32 [B] scaled (normalized, clipped) reward."""
    terminated: np.ndarray
    """bool [B]."""
    truncated: np.ndarray
    """bool [B]."""
    episode_returns: list[float]
    """Raw undiscounted returns of the episodes that ended in this step (for progress logs)."""


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


def make_gym_vec(spec: PPOSpec, num_envs: int) -> VectorEnv:
    """The task's bare Gymnasium vector env: SAME_STEP autoreset, `spec.episode_length` time limit.

    Sync or async as `spec.vector_env` says ("auto": `shared_spec.resources.resolve_vector_env`).
    """
    task = get_task(spec.task)
    return gym.make_vec(
        task.gym_id,
        num_envs,
        vectorization_mode=resolve_vector_env(spec.vector_env, num_envs),
        vector_kwargs={"autoreset_mode": AutoresetMode.SAME_STEP},
        max_episode_steps=spec.episode_length,
        **task.gym_make_kwargs(),
    )


class TrainVecEnv:
    """Training envs: Gymnasium vector env + episode stats, action clip, obs and reward normalization."""

    def __init__(self, spec: PPOSpec, num_envs: int) -> None:
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
        self.vectorization = vector_env_record(spec.vector_env, num_envs)
        """What the run record says about the vectorization (asked for, used, worker processes)."""
        self.obs_size = int(np.prod(envs.single_observation_space.shape))
        self.act_size = int(np.prod(envs.single_action_space.shape))

    def reset(self, seed: int) -> np.ndarray:
        """float32 [B, O]: normalized first observations of envs seeded `seed`, `seed + 1`, ..."""
        obs, _ = self.envs.reset(seed=seed)
        return np.asarray(obs, np.float32)

    def step(self, actions: np.ndarray) -> VecStep:
        """Step every env with `actions` [B, A] (clipped to bounds here)."""
        obs, reward, terminated, truncated, info = self.envs.step(actions)
        obs = np.asarray(obs, np.float32)
        true_next = obs
        episode_returns: list[float] = []
        if "_final_obs" in info:
            mask = info["_final_obs"]
            final = info["final_obs_normalized"] if self.obs_norm else np.stack(info["final_obs"][mask])
            true_next = obs.copy()
            true_next[mask] = final[mask] if self.obs_norm else final
            episode_returns = info["episode"]["r"][info["_episode"]].tolist()
        return VecStep(obs, true_next, reward.astype(np.float32), terminated, truncated, episode_returns)

    def normalize_frozen(self, raw_obs: np.ndarray) -> np.ndarray:
        """Raw observations normalized with the training statistics, which are not updated."""
        if self.obs_norm is None:
            return raw_obs.astype(np.float32)
        return self.obs_norm.normalize(raw_obs)

    def close(self) -> None:
        self.envs.close()


class EvalVecEnv:
    """Evaluation envs: raw observations and rewards, actions clipped to the bounds (`clip_actions`)."""

    def __init__(self, spec: PPOSpec, num_envs: int) -> None:
        self.envs = clip_actions(make_gym_vec(spec, num_envs))
        self.num_envs = num_envs

    def reset(self, seed: int) -> np.ndarray:
        obs, _ = self.envs.reset(seed=seed)
        return np.asarray(obs)

    def step(self, actions: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(raw obs [B, O], raw reward [B], done [B] bool) after stepping with `actions` [B, A]."""
        obs, reward, terminated, truncated, _ = self.envs.step(actions)
        return np.asarray(obs), np.asarray(reward), np.logical_or(terminated, truncated)

    def close(self) -> None:
        self.envs.close()
