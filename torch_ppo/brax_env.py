"""Brax envs for the torch learner (contender `torch-brax`): jitted JAX physics, torch tensors by DLPack.

The same `TrainEnv` / `EvalEnv` interface as envs.py, so train.py does not know which simulator it drives.
- Batched with Brax's `EpisodeWrapper` (time limit, `info["truncation"]`) and `VmapWrapper`, but not its
  `AutoResetWrapper`, which overwrites the final observation: `_step_autoreset` steps, keeps the final obs,
  then resets the envs that finished with fresh random starts (SAME_STEP semantics, like Gymnasium).
- Observations, rewards and actions cross by DLPack (`brax.io.torch`), no host copy.
- Normalization mirrors Gymnasium 1.4's `RunningMeanStd` / vector `NormalizeReward` in torch on the device
  (Gymnasium's wrappers are numpy and would force a device-to-host copy every step).
- reset and step are compiled ahead of time (`jit(...).lower(...).compile()`); that time is `compile_s`.
- JAX and torch must use one device (`use_jax_device_of`): a GPU run whose JAX lacks the GPU fails clearly
  instead of stepping physics on the CPU behind the learner's back.
"""

from __future__ import annotations

import time
from functools import partial
from typing import Any

import jax
import jax.numpy as jnp
import torch
from brax.envs.wrappers.training import EpisodeWrapper, VmapWrapper
from brax.io.torch import jax_to_torch, torch_to_jax

from jax_ppo.envs import base_env
from torch_ppo.envs import OBS_EPSILON, StepResult
from torch_ppo.train import DeviceError


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


class TorchRunningMeanStd:
    """Gymnasium's RunningMeanStd (parallel Welford; mean 0, var 1, count 1e-4) on torch tensors."""

    def __init__(self, shape: tuple[int, ...], dtype: torch.dtype, device: torch.device) -> None:
        self.mean = torch.zeros(shape, dtype=dtype, device=device)
        self.var = torch.ones(shape, dtype=dtype, device=device)
        self.count = 1e-4

    def update(self, x: torch.Tensor) -> None:
        x = x.to(self.mean.dtype)
        batch_mean, batch_var, batch_count = x.mean(0), x.var(0, correction=0), x.shape[0]
        delta = batch_mean - self.mean
        total = self.count + batch_count
        self.mean = self.mean + delta * batch_count / total
        m2 = (
            self.var * self.count
            + batch_var * batch_count
            + delta.square() * self.count * batch_count / total
        )
        self.var, self.count = m2 / total, total


def _make_env(spec: Any, num_envs: int) -> VmapWrapper:
    """The jax contender's own base env (actions in actuator units), batched and time-limited."""
    env = base_env(spec)
    return VmapWrapper(EpisodeWrapper(env, spec.episode_length, action_repeat=1), batch_size=num_envs)


def _cast_like(new: Any, old: Any) -> Any:
    """`new` with `old`'s dtypes, so the jitted step's output state feeds its input without a recompile."""
    return jax.tree.map(lambda n, o: n.astype(o.dtype), new, old)


def _action_bounds(env: VmapWrapper) -> tuple[jax.Array, jax.Array]:
    """(low, high) [A] of the actuators' control range (e.g. [-3, 3] for inverted_pendulum, not always 1)."""
    ctrl = jnp.asarray(env.sys.actuator_ctrlrange, jnp.float32)
    return ctrl[:, 0], ctrl[:, 1]


def _clip_action(env: VmapWrapper, action: jax.Array) -> jax.Array:
    """Actions clipped to the env's bounds when sent to the env (the rollout stores them unclipped)."""
    low, high = _action_bounds(env)
    return jnp.clip(action, low, high)


def _step_autoreset(env: VmapWrapper, state: Any, action: jax.Array, key: jax.Array):
    """Step; keep the final obs; reset (fresh random start) the envs whose episode ended."""
    action = _clip_action(env, action)
    nstate = env.step(state, action)
    done = nstate.done > 0
    truncated = nstate.info["truncation"] > 0
    key, reset_key = jax.random.split(key)

    def reset_done(_: None) -> Any:
        fresh = env.reset(reset_key)

        def pick(r: jax.Array, s: jax.Array) -> jax.Array:
            return jnp.where(done.reshape(-1, *([1] * (s.ndim - 1))), r, s)

        return _cast_like(jax.tree.map(pick, fresh, nstate), state)

    merged = jax.lax.cond(done.any(), reset_done, lambda _: _cast_like(nstate, state), None)
    return merged, key, merged.obs, nstate.obs, nstate.reward, done & ~truncated, truncated


class BraxTrainEnv:
    """Training envs on Brax with obs/reward normalization in torch on the device."""

    def __init__(self, spec: Any, num_envs: int, device: torch.device, seed: int = 0) -> None:
        self.spec, self.num_envs, self.device = spec, num_envs, device
        env = _make_env(spec, num_envs)
        self.obs_size, self.act_size = env.observation_size, env.action_size
        start = time.perf_counter()
        key = jax.random.PRNGKey(seed)
        self._reset = jax.jit(env.reset).lower(key).compile()
        state = self._reset(key)
        zeros = jnp.zeros((num_envs, self.act_size), jnp.float32)
        self._step = jax.jit(partial(_step_autoreset, env)).lower(state, zeros, key).compile()
        self.compile_s = time.perf_counter() - start
        self._state, self._key = state, key
        self.obs_rms = TorchRunningMeanStd((self.obs_size,), torch.float32, device)
        self.return_rms = TorchRunningMeanStd((), torch.float64, device)
        self.discounted = torch.zeros(num_envs, dtype=torch.float32, device=device)

    def _to_torch(self, x: jax.Array) -> torch.Tensor:
        return jax_to_torch(x).to(self.device)

    def normalize_frozen(self, raw_obs: torch.Tensor) -> torch.Tensor:
        if not self.spec.normalize_obs:
            return raw_obs
        scaled = (raw_obs - self.obs_rms.mean) / torch.sqrt(self.obs_rms.var + OBS_EPSILON)
        return scaled.clamp(-self.spec.obs_clip, self.spec.obs_clip)

    def _observe(self, raw_obs: torch.Tensor) -> torch.Tensor:
        if self.spec.normalize_obs:
            self.obs_rms.update(raw_obs)
        return self.normalize_frozen(raw_obs)

    def _scale_reward(
        self, reward: torch.Tensor, terminated: torch.Tensor, truncated: torch.Tensor
    ) -> torch.Tensor:
        """Gymnasium 1.4 vector NormalizeReward (SAME_STEP) + ClipReward."""
        if not self.spec.normalize_reward:
            return reward
        self.discounted = self.discounted * self.spec.gamma * (~terminated) + reward
        self.return_rms.update(self.discounted)
        self.discounted = torch.where(terminated | truncated, 0.0, self.discounted)
        scaled = reward / torch.sqrt(self.return_rms.var + 1e-8).to(reward.dtype)
        return scaled.clamp(-self.spec.reward_clip, self.spec.reward_clip)

    def reset(self, seed: int) -> torch.Tensor:
        self._key = jax.random.PRNGKey(seed)
        self._key, reset_key = jax.random.split(self._key)
        self._state = self._reset(reset_key)
        self.discounted.zero_()
        return self._observe(self._to_torch(self._state.obs))

    def step(self, actions: torch.Tensor) -> StepResult:
        out = self._step(self._state, torch_to_jax(actions.contiguous()), self._key)
        self._state, self._key = out[0], out[1]
        obs, final_obs, reward, terminated, truncated = (self._to_torch(x) for x in out[2:])
        terminated, truncated = terminated.bool(), truncated.bool()  # DLPack may hand bools over as uint8
        next_obs = self._observe(obs)
        reward = self._scale_reward(reward, terminated, truncated)
        return StepResult(next_obs, self.normalize_frozen(final_obs), reward, terminated, truncated, [])

    def close(self) -> None:
        """Nothing to release (no subprocesses)."""


class BraxEvalEnv:
    """Evaluation envs on Brax: raw obs and rewards, no auto-reset (each env's first episode counts)."""

    def __init__(self, spec: Any, num_envs: int, device: torch.device) -> None:
        self.num_envs, self.device = num_envs, device
        env = _make_env(spec, num_envs)
        start = time.perf_counter()
        key = jax.random.PRNGKey(0)
        self._reset = jax.jit(env.reset).lower(key).compile()
        state = self._reset(key)
        zeros = jnp.zeros((num_envs, env.action_size), jnp.float32)

        def step(state: Any, action: jax.Array) -> Any:
            return _cast_like(env.step(state, _clip_action(env, action)), state)

        self._step = jax.jit(step).lower(state, zeros).compile()
        self.compile_s = time.perf_counter() - start
        self._state = state

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
