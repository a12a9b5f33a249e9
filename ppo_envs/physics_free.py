"""A physics-free stand-in for a Brax env: the same observation size, action size and control range, episodes
that end every `episode_steps` steps, and next to no arithmetic per step.

Why: both JAX trainers (`jax_ppo` and Brax's own PPO) spend most of an update inside the same MJX physics
call. Swapping the physics for this stand-in under each trainer's own wrappers leaves only what the trainers
themselves do (policy step, normalization, auto-reset, recording, GAE, the learner), so their own costs can be
compared without the physics diluting the difference (`experiments.perf_jax_vs_brax_controlled`). Never
used for training or returns.
"""

from __future__ import annotations

from types import SimpleNamespace

import jax
import jax.numpy as jnp
import numpy as np
from brax.envs.base import Env, State


class PhysicsFreeEnv(Env):
    """Observations follow `tanh(0.9 obs + sum(action))`; the reward is a cheap function of the action.

    The pipeline state is only the episode's step counter; each reset draws it at random in
    [0, episode_steps), so a batch's episodes end on different steps, as in training.
    """

    def __init__(
        self, observation_size: int, action_size: int, ctrl_range: np.ndarray, episode_steps: int
    ) -> None:
        self._observation_size = observation_size
        self._action_size = action_size
        self.episode_steps = episode_steps
        self.sys = SimpleNamespace(actuator=SimpleNamespace(ctrl_range=np.asarray(ctrl_range, np.float32)))

    @classmethod
    def like(cls, env: Env, episode_steps: int) -> PhysicsFreeEnv:
        """A stand-in with `env`'s observation size, action size and control range."""
        return cls(
            env.observation_size, env.action_size, np.asarray(env.sys.actuator.ctrl_range), episode_steps
        )

    def reset(self, rng: jax.Array) -> State:
        counter_key, obs_key = jax.random.split(rng)
        counter = jax.random.randint(counter_key, (), 0, self.episode_steps).astype(jnp.float32)
        obs = jax.random.normal(obs_key, (self._observation_size,))
        zero = jnp.zeros((), jnp.float32)
        return State(pipeline_state=counter, obs=obs, reward=zero, done=zero, metrics={}, info={})

    def step(self, state: State, action: jax.Array) -> State:
        counter = state.pipeline_state + 1.0
        obs = jnp.tanh(0.9 * state.obs + jnp.sum(action))
        done = (counter >= self.episode_steps).astype(jnp.float32)
        reward = 1.0 - 1e-3 * jnp.sum(jnp.square(action))
        return state.replace(pipeline_state=counter, obs=obs, reward=reward, done=done)

    @property
    def observation_size(self) -> int:
        return self._observation_size

    @property
    def action_size(self) -> int:
        return self._action_size

    @property
    def backend(self) -> str:
        return "physics-free"
