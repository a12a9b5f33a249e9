"""The Brax env for the torch learner (contender `torch-brax`): jitted JAX physics, torch tensors by DLPack.

The envs themselves come from `ppo_envs.brax_envs` (the same ones the JAX trainer scans: actuator units,
clipped actions, time limit, auto-reset to fresh random starts with the final observation kept). Here:
- reset and step are compiled ahead of time (`jit(...).lower(...).compile()`); that time is `compile_s`;
- observations, rewards and actions cross by DLPack (`brax.io.torch`), no host copy;
- observation and reward normalization run in torch on the device (normalization.py);
- JAX and torch must use one device (`use_jax_device_of`): a GPU run whose JAX lacks the GPU fails clearly
  instead of stepping physics on the CPU behind the learner's back.
"""

from __future__ import annotations

import time

import jax
import jax.numpy as jnp
import torch
from brax.io.torch import jax_to_torch, torch_to_jax

from ppo_envs.brax_envs import make_eval_env, make_train_env
from shared_spec.spec import PPOSpec
from torch_ppo.device import DeviceError
from torch_ppo.envs import StepResult
from torch_ppo.normalization import DeviceNormalizer


def use_jax_device_of(device: torch.device) -> jax.Device:
    """Make JAX's default device the one torch uses, so DLPack hand-overs never cross devices.

    Without this, JAX picks its own default (its GPU even for a CPU run, or the CPU when its CUDA plugin is
    missing) and every step would copy through the host. Raises DeviceError if JAX has no such device.
    """
    platform = "gpu" if device.type == "cuda" else "cpu"
    try:
        jax_device = jax.devices(platform)[device.index or 0]
    except (RuntimeError, IndexError):
        raise DeviceError(
            f"device: torch uses {device} but JAX has no {platform} device (jax.devices() = {jax.devices()}); "
            "torch-brax needs JAX and torch on the same device"
        ) from None
    jax.config.update("jax_default_device", jax_device)
    return jax_device


def _compiled(env: object, num_envs: int, action_size: int) -> tuple[object, object, object]:
    """(reset, step, first state): the env's reset and step compiled ahead of time."""
    key = jax.random.PRNGKey(0)
    reset = jax.jit(env.reset).lower(key).compile()
    state = reset(key)
    zeros = jnp.zeros((num_envs, action_size), jnp.float32)
    step = jax.jit(env.step).lower(state, zeros).compile()
    return reset, step, state


class BraxTrainEnv:
    """Training envs on Brax with obs/reward normalization in torch on the device."""

    def __init__(self, spec: PPOSpec, num_envs: int, device: torch.device) -> None:
        self.spec, self.num_envs, self.device = spec, num_envs, device
        env = make_train_env(spec, num_envs)
        self.obs_size, self.act_size = env.observation_size, env.action_size
        start = time.perf_counter()
        self._reset, self._step, self._state = _compiled(env, num_envs, self.act_size)
        self.compile_s = time.perf_counter() - start
        self.normalizer = DeviceNormalizer(spec, self.obs_size, num_envs, device)

    def _to_torch(self, x: jax.Array) -> torch.Tensor:
        return jax_to_torch(x).to(self.device)

    def normalize_frozen(self, raw_obs: torch.Tensor) -> torch.Tensor:
        return self.normalizer.frozen(raw_obs)

    def reset(self, seed: int) -> torch.Tensor:
        self._state = self._reset(jax.random.PRNGKey(seed))
        self.normalizer.reset()
        return self.normalizer.observe(self._to_torch(self._state.obs))

    def step(self, actions: torch.Tensor) -> StepResult:
        self._state = self._step(self._state, torch_to_jax(actions.contiguous()))
        state = self._state
        obs, final_obs, reward, done, truncation = (
            self._to_torch(x)
            for x in (state.obs, state.info["final_obs"], state.reward, state.done, state.info["truncation"])
        )
        truncated = truncation > 0
        terminated = (done > 0) & ~truncated
        next_obs = self.normalizer.observe(obs)
        reward = self.normalizer.reward(reward, terminated, truncated)
        return StepResult(next_obs, self.normalizer.frozen(final_obs), reward, terminated, truncated, [])

    def close(self) -> None:
        """Nothing to release (no subprocesses)."""


class BraxEvalEnv:
    """Evaluation envs on Brax: raw obs and rewards, no auto-reset (each env's first episode counts)."""

    def __init__(self, spec: PPOSpec, num_envs: int, device: torch.device) -> None:
        self.num_envs, self.device = num_envs, device
        env = make_eval_env(spec, num_envs)
        start = time.perf_counter()
        self._reset, self._step, self._state = _compiled(env, num_envs, env.action_size)
        self.compile_s = time.perf_counter() - start

    def reset(self, seed: int) -> torch.Tensor:
        self._state = self._reset(jax.random.PRNGKey(seed))
        return jax_to_torch(self._state.obs).to(self.device)

    def step(self, actions: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        self._state = self._step(self._state, torch_to_jax(actions.contiguous()))
        obs, reward, done = (
            jax_to_torch(x).to(self.device) for x in (self._state.obs, self._state.reward, self._state.done)
        )
        return obs, reward, done > 0

    def close(self) -> None:
        """Nothing to release."""
