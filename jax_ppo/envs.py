"""Brax environments as the trainer needs them: batched, time-limited, auto-reset with the final obs kept.

Brax's `AutoResetWrapper` overwrites the observation of a finished episode with the reset one, so the value
of the true final observation (needed for `next_values` at truncations, docs/ALGORITHM.md) is lost.
`FinalObsAutoResetWrapper` resets finished episodes to a fresh random start (as Gymnasium does) and first
stores the pre-reset observation in `state.info["final_obs"]`. Every wrapper here also casts the state's arrays to strong dtypes: `env.reset`
returns float32 reward/done but `env.step` returns weakly-typed float32, which would make a scan carry
compile twice (STACK.md).
"""

from __future__ import annotations

import contextlib
import io
import sys
import types
import warnings
from typing import Any

import jax
import jax.numpy as jnp

from shared_spec.spec import PPOSpec
from shared_spec.tasks import get_task

NOISE = ("Failed to import warp", "Failed to import mujoco_warp")
"""Harmless lines mujoco-mjx prints to stdout at import time (STACK.md); they would pollute the result stream."""


def filter_noise_warnings() -> None:
    """Silence the harmless warnings STACK.md names, and nothing else."""
    warnings.filterwarnings("ignore", message=".*not actively being maintained.*")
    warnings.filterwarnings("ignore", message=".*settotalmass is deprecated.*")


def import_brax_envs() -> types.ModuleType:
    """`brax.envs`, imported with mujoco-mjx's stdout noise removed (other stdout lines go to stderr)."""
    filter_noise_warnings()
    captured = io.StringIO()
    with contextlib.redirect_stdout(captured):
        import brax.envs as brax_envs
    for line in captured.getvalue().splitlines():
        if line.strip() and not line.startswith(NOISE):
            print(line, file=sys.stderr)
    return brax_envs


brax_envs = import_brax_envs()


def strong_dtypes(tree: Any) -> Any:
    """The same pytree with weak types removed (`astype` to its own dtype yields a strong type)."""
    return jax.tree.map(lambda x: x.astype(x.dtype) if isinstance(x, jax.Array) else x, tree)


class StrongTypesWrapper(brax_envs.Wrapper):
    """Casts every array of the state to a strong dtype after reset and step (stable scan carries)."""

    def reset(self, rng: jax.Array) -> brax_envs.State:
        return strong_dtypes(self.env.reset(rng))

    def step(self, state: brax_envs.State, action: jax.Array) -> brax_envs.State:
        return strong_dtypes(self.env.step(state, action))


class FinalObsAutoResetWrapper(brax_envs.Wrapper):
    """Auto-reset of a batched env that keeps the pre-reset observation in `state.info["final_obs"]`.

    Finished episodes restart from a fresh random initial state (as Gymnasium's autoreset does), drawn with a
    key carried in `state.info["reset_key"]`; the reset is skipped (`lax.cond`) on steps where no episode
    ended, so it costs little. Brax's own AutoResetWrapper instead returns every env to its cached first
    state, which would give the JAX side less start-state diversity than the PyTorch side.
    """

    def reset(self, rng: jax.Array) -> brax_envs.State:
        state = self.env.reset(rng)
        state.info["final_obs"] = state.obs
        state.info["reset_key"] = jax.random.fold_in(rng, 1)  # VmapWrapper splits `rng` itself
        return strong_dtypes(state)

    def step(self, state: brax_envs.State, action: jax.Array) -> brax_envs.State:
        # The key is not batched: keep it out of the state the inner (vmapped) env sees.
        info = dict(state.info)
        reset_key, draw_key = jax.random.split(info.pop("reset_key"))
        # A finished episode restarts its step counter; `done` is cleared before stepping (Brax's convention).
        info["steps"] = jnp.where(state.done > 0, jnp.zeros_like(info["steps"]), info["steps"])
        state = self.env.step(state.replace(done=jnp.zeros_like(state.done), info=info), action)
        state.info["final_obs"] = state.obs
        state.info["reset_key"] = reset_key
        done = state.done > 0

        def where_done(fresh: jax.Array, current: jax.Array) -> jax.Array:
            mask = jnp.reshape(done, done.shape + (1,) * (current.ndim - done.ndim))
            return jnp.where(mask, fresh, current)

        def restart_done(_: None) -> tuple[Any, jax.Array]:
            fresh = strong_dtypes(self.env.reset(draw_key))
            pipeline = jax.tree.map(where_done, fresh.pipeline_state, state.pipeline_state)
            return strong_dtypes(pipeline), where_done(fresh.obs, state.obs).astype(state.obs.dtype)

        def keep(_: None) -> tuple[Any, jax.Array]:
            return strong_dtypes(state.pipeline_state), state.obs

        pipeline_state, obs = jax.lax.cond(jnp.any(done), restart_done, keep, None)
        return strong_dtypes(state.replace(pipeline_state=pipeline_state, obs=obs))


class ActuatorUnitsWrapper(brax_envs.Wrapper):
    """Takes actions in actuator units (the ctrl range, as Gymnasium's action space) for a Brax env that maps
    [-1, 1] onto that range itself (inverted_pendulum, humanoid): the inverse map before its `step`.

    Without it the same action would be a 3x larger control on Brax's inverted pendulum (ctrl range [-3, 3])
    than on Gymnasium's, saturating at the physics' clamp.
    """

    def step(self, state: brax_envs.State, action: jax.Array) -> brax_envs.State:
        ctrl_range = jnp.asarray(self.env.sys.actuator.ctrl_range, action.dtype)
        low, high = ctrl_range[:, 0], ctrl_range[:, 1]
        return self.env.step(state, 2.0 * (action - low) / (high - low) - 1.0)


def brax_native_env(spec: PPOSpec) -> brax_envs.Env:
    """Brax's own env of the spec's task and backend, with Brax's action convention (Brax's PPO uses it)."""
    return brax_envs.get_environment(get_task(spec.task).brax_env, backend=spec.brax_backend)


def base_env(spec: PPOSpec) -> brax_envs.Env:
    """The Brax env of the spec's task and backend, taking actions in actuator units (as Gymnasium's)."""
    env = brax_native_env(spec)
    return ActuatorUnitsWrapper(env) if get_task(spec.task).brax_scales_actions else env


def make_train_env(spec: PPOSpec) -> brax_envs.Env:
    """`spec.num_envs` batched envs: time limit `episode_length`, auto-reset keeping the final obs."""
    env = brax_envs.training.EpisodeWrapper(base_env(spec), spec.episode_length, action_repeat=1)
    env = brax_envs.training.VmapWrapper(env, batch_size=spec.num_envs)
    return FinalObsAutoResetWrapper(env)


def make_eval_env(spec: PPOSpec) -> brax_envs.Env:
    """`spec.eval_episodes` batched envs with the time limit and no auto-reset (one episode each)."""
    env = brax_envs.training.EpisodeWrapper(base_env(spec), spec.episode_length, action_repeat=1)
    env = brax_envs.training.VmapWrapper(env, batch_size=spec.eval_episodes)
    return StrongTypesWrapper(env)


def action_bounds(env: brax_envs.Env) -> tuple[jax.Array, jax.Array]:
    """(low, high) float32 [A] of the actuators' control range (Gymnasium's action space uses the same)."""
    ctrl_range = jnp.asarray(env.sys.actuator.ctrl_range, jnp.float32)
    return ctrl_range[:, 0], ctrl_range[:, 1]
