"""The Brax env for the torch learner (contender `torch-brax`): jitted JAX physics, torch tensors by DLPack.

The envs themselves come from `ppo_envs.brax_envs` (the same ones the JAX trainer scans: actuator units,
clipped actions, time limit, auto-reset to fresh random starts with the final observation kept). Here:
- reset and step are compiled ahead of time (`jit(...).lower(...).compile()`); that time is `compile_s`;
- one DLPack crossing each way per step, no host copy: the actions in, and out one float32 array that the
  compiled step packs with everything torch reads (`pack_train_step`: obs, final obs, reward, done,
  truncation), which torch splits into views (`unpack_train_step`). Each crossing is host-side work of a few
  calls (DLPack capsule, tensor wrapper, device check) that does not shrink with the batch, and the rollout
  crosses once per env step: five crossings out became one (the eval env's three, one);
- observation and reward normalization run in torch on the device (normalization.py), under `--compile` as
  one compiled function per step (`BraxTrainEnv.compile_torch_side`);
- JAX and torch must use one device (`use_jax_device_of`): a GPU run whose JAX lacks the GPU fails clearly
  instead of stepping physics on the CPU behind the learner's back.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any, NamedTuple

import jax
import jax.numpy as jnp
import torch
from brax.io.torch import jax_to_torch, torch_to_jax

from ppo_envs.brax_envs import make_eval_env, make_train_env
from shared_spec.spec import PPOSpec
from torch_ppo.compiled import compile_normalization
from torch_ppo.device import DeviceError
from torch_ppo.envs import StepResult
from torch_ppo.normalization import DeviceNormalizer

Pack = Callable[[Any], jax.Array]
"""A Brax state -> the one float32 array torch reads after a step."""


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


# ----------------------------------------------------------------------------------------------- packing
def _columns(*parts: jax.Array) -> jax.Array:
    """`parts` ([B, n] or [B]) side by side as one [B, sum n] array; all must be float32 already, so that
    packing never changes a value (a wider dtype would promote the whole array)."""
    if any(part.dtype != jnp.float32 for part in parts):
        raise TypeError(f"packing: every part must be float32, got {[str(part.dtype) for part in parts]}")
    return jnp.concatenate([part if part.ndim == 2 else part[:, None] for part in parts], axis=-1)


def pack_train_step(state: Any) -> jax.Array:
    """float32 [B, 2*obs_size + 3]: obs | final obs | reward | done | truncation, the training step's outputs."""
    info = state.info
    return _columns(state.obs, info["final_obs"], state.reward, state.done, info["truncation"])


def pack_eval_step(state: Any) -> jax.Array:
    """float32 [B, obs_size + 2]: obs | reward | done, the evaluation step's outputs."""
    return _columns(state.obs, state.reward, state.done)


class TrainStepViews(NamedTuple):
    """A packed training step split into views of the one array torch received (no copies)."""

    obs: torch.Tensor
    final_obs: torch.Tensor
    reward: torch.Tensor
    done: torch.Tensor
    truncation: torch.Tensor


def unpack_train_step(packed: torch.Tensor, obs_size: int) -> TrainStepViews:
    """The columns of `pack_train_step`, as views."""
    o = obs_size
    return TrainStepViews(packed[:, :o], packed[:, o : 2 * o], *packed[:, 2 * o :].unbind(-1))


def unpack_eval_step(packed: torch.Tensor, obs_size: int) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """(obs, reward, done) of `pack_eval_step`, as views."""
    reward, done = packed[:, obs_size:].unbind(-1)
    return packed[:, :obs_size], reward, done


def normalize_packed_step(
    normalizer: DeviceNormalizer, packed: torch.Tensor, obs_size: int
) -> tuple[torch.Tensor, ...]:
    """(next obs, true next obs, reward, terminated, truncated) of a packed training step, normalized: what
    runs in torch after each physics step, one function so that `--compile` makes it one graph."""
    views = unpack_train_step(packed, obs_size)
    truncated = views.truncation > 0
    terminated = (views.done > 0) & ~truncated
    normalized = normalizer.step(views.obs, views.final_obs, views.reward, terminated, truncated)
    return *normalized, terminated, truncated


def _packed_step(env: Any, pack: Pack) -> Callable[[Any, jax.Array], tuple[Any, jax.Array]]:
    """`env.step` that also returns `pack(next_state)`: the packing runs inside the compiled step."""

    def step(state: Any, actions: jax.Array) -> tuple[Any, jax.Array]:
        state = env.step(state, actions)
        return state, pack(state)

    return step


def _compiled(env: Any, num_envs: int, action_size: int, pack: Pack) -> tuple[Any, Any, Any]:
    """(reset, packed step, first state): the env's reset and step compiled ahead of time."""
    key = jax.random.PRNGKey(0)
    reset = jax.jit(env.reset).lower(key).compile()
    state = reset(key)
    zeros = jnp.zeros((num_envs, action_size), jnp.float32)
    step = jax.jit(_packed_step(env, pack)).lower(state, zeros).compile()
    return reset, step, state


# ----------------------------------------------------------------------------------------------- envs
class BraxTrainEnv:
    """Training envs on Brax with obs/reward normalization in torch on the device."""

    def __init__(self, spec: PPOSpec, num_envs: int, device: torch.device) -> None:
        self.spec, self.num_envs, self.device = spec, num_envs, device
        env = make_train_env(spec, num_envs)
        self.act_size = env.action_size
        start = time.perf_counter()
        self._reset, self._step, self._state = _compiled(env, num_envs, self.act_size, pack_train_step)
        self.compile_s = time.perf_counter() - start
        # From the compiled reset's state: Brax's `observation_size` runs an uncompiled reset op by op.
        self.obs_size = self._state.obs.shape[-1]
        self.normalizer = DeviceNormalizer(spec, self.obs_size, num_envs, device)
        self._torch_side = self._normalize_step
        """What runs in torch after each physics step: eager, or compiled by `compile_torch_side`."""

    def _to_torch(self, x: jax.Array) -> torch.Tensor:
        return jax_to_torch(x).to(self.device)

    def compile_torch_side(self) -> list[str]:
        """torch.compile what runs in torch after each step (unpacking, normalization); the parts compiled."""
        self._torch_side = compile_normalization(self._normalize_step)
        return ["normalization"]

    def normalize_frozen(self, raw_obs: torch.Tensor) -> torch.Tensor:
        return self.normalizer.frozen(raw_obs)

    def reset(self, seed: int) -> torch.Tensor:
        self._state = self._reset(jax.random.PRNGKey(seed))
        self.normalizer.reset()
        return self.normalizer.observe(self._to_torch(self._state.obs))

    def _normalize_step(self, packed: torch.Tensor) -> tuple[torch.Tensor, ...]:
        return normalize_packed_step(self.normalizer, packed, self.obs_size)

    def step(self, actions: torch.Tensor) -> StepResult:
        self._state, packed = self._step(self._state, torch_to_jax(actions.contiguous()))
        next_obs, true_next_obs, reward, terminated, truncated = self._torch_side(self._to_torch(packed))
        return StepResult(next_obs, true_next_obs, reward, terminated, truncated, [])

    def close(self) -> None:
        """Nothing to release (no subprocesses)."""


class BraxEvalEnv:
    """Evaluation envs on Brax: raw obs and rewards, no auto-reset (each env's first episode counts)."""

    def __init__(self, spec: PPOSpec, num_envs: int, device: torch.device) -> None:
        self.num_envs, self.device = num_envs, device
        env = make_eval_env(spec, num_envs)
        start = time.perf_counter()
        self._reset, self._step, self._state = _compiled(env, num_envs, env.action_size, pack_eval_step)
        self.compile_s = time.perf_counter() - start
        self.obs_size = self._state.obs.shape[-1]  # not Brax's observation_size: see BraxTrainEnv

    def reset(self, seed: int) -> torch.Tensor:
        self._state = self._reset(jax.random.PRNGKey(seed))
        return jax_to_torch(self._state.obs).to(self.device)

    def step(self, actions: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        self._state, packed = self._step(self._state, torch_to_jax(actions.contiguous()))
        obs, reward, done = unpack_eval_step(jax_to_torch(packed).to(self.device), self.obs_size)
        return obs, reward, done > 0

    def close(self) -> None:
        """Nothing to release."""
