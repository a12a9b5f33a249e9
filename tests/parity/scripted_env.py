"""A scripted Gymnasium vector env: replays given observations, rewards and episode ends.

Why: the torch side's normalization is Gymnasium's own vector wrappers (plus one SAME_STEP obs wrapper);
feeding them and the JAX normalizers the same scripted stream compares the real code paths, not copies.
"""

from __future__ import annotations

from typing import Any

import gymnasium as gym
import numpy as np
from gymnasium.vector import AutoresetMode, VectorEnv


class ScriptedVectorEnv(VectorEnv):
    """Steps through `obs[k]`, `rewards[k]`, `terminations[k]`, `truncations[k]`; reset returns `obs[0]`."""

    metadata = {"autoreset_mode": AutoresetMode.SAME_STEP}  # noqa: RUF012 (Gymnasium's class attribute)

    def __init__(
        self, obs: list[np.ndarray], rewards: np.ndarray, terminations: np.ndarray, truncations: np.ndarray
    ) -> None:
        self.num_envs = obs[0].shape[0]
        self.single_observation_space = gym.spaces.Box(-np.inf, np.inf, obs[0].shape[1:], np.float32)
        self.single_action_space = gym.spaces.Box(-1.0, 1.0, (1,), np.float32)
        self.observation_space = gym.vector.utils.batch_space(self.single_observation_space, self.num_envs)
        self.action_space = gym.vector.utils.batch_space(self.single_action_space, self.num_envs)
        self._obs, self._rewards = obs, rewards
        self._terminations, self._truncations = terminations, truncations
        self._index = 0

    def reset(self, *, seed: int | None = None, options: dict[str, Any] | None = None):
        self._index = 0
        return self._obs[0].copy(), {}

    def step(self, actions: Any):
        k = self._index
        self._index += 1
        done = self._terminations[k] | self._truncations[k]
        info: dict[str, Any] = {}
        if done.any():
            info = {"final_obs": np.array(list(self._obs[k + 1] * 10.0), dtype=object), "_final_obs": done}
        return (
            self._obs[k + 1].copy(),
            self._rewards[k].astype(np.float64),
            self._terminations[k].copy(),
            self._truncations[k].copy(),
            info,
        )
