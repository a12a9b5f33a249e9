"""Brax MJX environments as both trainers step them: batched, time-limited, actions in actuator units and
clipped to bounds, auto-reset to a fresh random start with the final observation kept.

Brax's `AutoResetWrapper` overwrites the observation of a finished episode with the reset one, so the value
of the true final observation (needed for `next_values` at truncations, docs/ALGORITHM.md) would be lost, and
it returns every env to one cached first state. `FinalObsAutoResetWrapper` instead restarts finished episodes
from a fresh random initial state (as Gymnasium does) and first stores the pre-reset observation in
`state.info["final_obs"]`. The wrappers also cast the state's arrays to strong dtypes: `env.reset` returns
float32 reward/done but `env.step` returns weakly typed float32, which would make a scan carry (or an AOT
compiled step fed its own output) compile twice.

JAX arrays in and out: `jax_ppo` scans these envs inside its jitted update; `torch_ppo` (contender
`torch-brax`) jits their reset and step and views the arrays as torch tensors through DLPack.
"""

from __future__ import annotations

from typing import Any

import jax
import jax.numpy as jnp
from brax import envs as brax_envs
from brax.envs.wrappers.training import EpisodeWrapper, VmapWrapper

from ppo_envs.mjx_warp import require_impl
from shared_spec.spec import PPOSpec
from shared_spec.tasks import get_task


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

    Finished episodes restart from a fresh random initial state (as Gymnasium's autoreset does), never a
    cached one (Brax's `AutoResetWrapper` returns every env to one first state). The fresh states come from a
    pool of `num_envs` reset states in `state.info["reset_pool"]`, each used once: a finished env takes the
    next unused one (`state.info["pool_next"]`), and the pool is redrawn in one batched reset (a key carried
    in `state.info["reset_key"]`) only when the step's finished envs need more states than are left. So the
    trainer pays one batched reset per `num_envs` finished episodes instead of one on every step where any
    episode ended (on hopper early in training, nearly every step; the profile is in docs/RESULTS.md).
    After a step, `state.done` and `state.info["truncation"]` describe the step just taken and `state.obs`
    is the observation to act on next (a fresh start where the episode ended).
    """

    def reset(self, rng: jax.Array) -> brax_envs.State:
        state = strong_dtypes(self.env.reset(rng))
        pool = strong_dtypes(self.env.reset(jax.random.fold_in(rng, 2)))
        state.info["final_obs"] = state.obs
        state.info["reset_key"] = jax.random.fold_in(rng, 1)  # VmapWrapper splits `rng` itself
        state.info["reset_pool"] = (pool.pipeline_state, pool.obs)
        state.info["pool_next"] = jnp.zeros((), jnp.int32)
        return state

    def step(self, state: brax_envs.State, action: jax.Array) -> brax_envs.State:
        # The key and the pool are not per env: keep them out of the state the inner (vmapped) env sees.
        info = dict(state.info)
        reset_key, draw_key = jax.random.split(info.pop("reset_key"))
        pool, pool_next = info.pop("reset_pool"), info.pop("pool_next")
        # A finished episode restarts its step counter; `done` is cleared before stepping (Brax's convention).
        info["steps"] = jnp.where(state.done > 0, jnp.zeros_like(info["steps"]), info["steps"])
        state = self.env.step(state.replace(done=jnp.zeros_like(state.done), info=info), action)
        done = state.done > 0
        num_done = jnp.sum(done, dtype=jnp.int32)
        pool_size = state.obs.shape[0]

        def redraw(_: None) -> tuple[Any, jax.Array]:
            fresh = strong_dtypes(self.env.reset(draw_key))
            return (fresh.pipeline_state, fresh.obs), jnp.zeros((), jnp.int32)

        def unchanged(_: None) -> tuple[Any, jax.Array]:
            return pool, pool_next

        pool, pool_next = jax.lax.cond(pool_next + num_done > pool_size, redraw, unchanged, None)

        def restart_done(_: None) -> tuple[Any, jax.Array]:
            slot = jnp.clip(pool_next + jnp.cumsum(done, dtype=jnp.int32) - 1, 0, pool_size - 1)

            def take(fresh: jax.Array, current: jax.Array) -> jax.Array:
                mask = jnp.reshape(done, done.shape + (1,) * (current.ndim - done.ndim))
                return jnp.where(mask, fresh[slot], current)

            pipeline = jax.tree.map(take, pool[0], state.pipeline_state)
            return strong_dtypes(pipeline), take(pool[1], state.obs).astype(state.obs.dtype)

        def keep(_: None) -> tuple[Any, jax.Array]:
            return strong_dtypes(state.pipeline_state), state.obs

        pipeline_state, obs = jax.lax.cond(jnp.any(done), restart_done, keep, None)
        state.info["final_obs"] = state.obs
        state.info["reset_key"] = reset_key
        state.info["reset_pool"] = pool
        state.info["pool_next"] = pool_next + num_done
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


class ClipActionWrapper(brax_envs.Wrapper):
    """Clips actions to the actuators' control range before stepping (the trainers store them unclipped)."""

    def step(self, state: brax_envs.State, action: jax.Array) -> brax_envs.State:
        low, high = action_bounds(self.env)
        return self.env.step(state, jnp.clip(action, low, high))


def action_bounds(env: brax_envs.Env) -> tuple[jax.Array, jax.Array]:
    """(low, high) float32 [A] of the actuators' control range (Gymnasium's action space uses the same)."""
    ctrl_range = jnp.asarray(env.sys.actuator.ctrl_range, jnp.float32)
    return ctrl_range[:, 0], ctrl_range[:, 1]


def brax_native_env(spec: PPOSpec) -> brax_envs.Env:
    """Brax's own env of the spec's task and backend, with Brax's action convention (Brax's PPO uses it)."""
    return brax_envs.get_environment(get_task(spec.task).brax_env, backend=spec.brax_backend)


def base_env(spec: PPOSpec) -> brax_envs.Env:
    """The Brax env of the spec's task and backend, taking actions in actuator units (as Gymnasium's)."""
    env = brax_native_env(spec)
    if spec.brax_backend == "mjx":
        require_impl(env.sys, spec.mjx_impl)
    return ActuatorUnitsWrapper(env) if get_task(spec.task).brax_scales_actions else env


def _batched(spec: PPOSpec, num_envs: int, base: brax_envs.Env | None = None) -> VmapWrapper:
    """`num_envs` copies of `base` (default: the spec's `base_env`), actions clipped, time limit."""
    env = EpisodeWrapper(ClipActionWrapper(base or base_env(spec)), spec.episode_length, action_repeat=1)
    return VmapWrapper(env, batch_size=num_envs)


def make_train_env(spec: PPOSpec, num_envs: int, base: brax_envs.Env | None = None) -> brax_envs.Env:
    """`num_envs` training envs: clipped actions, time limit, auto-reset keeping the final observation.

    `base` replaces the spec's env under the same wrappers (the benchmark's physics-free stand-in,
    `ppo_envs.physics_free`).
    """
    return FinalObsAutoResetWrapper(_batched(spec, num_envs, base))


def make_eval_env(spec: PPOSpec, num_envs: int) -> brax_envs.Env:
    """`num_envs` evaluation envs: clipped actions, time limit, no auto-reset (one episode each)."""
    return StrongTypesWrapper(_batched(spec, num_envs))


def terminations_and_truncations(state: brax_envs.State) -> tuple[jax.Array, jax.Array]:
    """float32 [B] each: episode ended by the task's own condition / by the time limit only, this step."""
    truncations = state.info["truncation"]
    return state.done * (1.0 - truncations), truncations
