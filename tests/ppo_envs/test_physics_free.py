"""The physics-free stand-in env: the real env's sizes and control range, episodes that end on schedule but
not in lockstep, and it runs under the trainers' own wrappers (auto-reset keeps the final observation)."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np

from ppo_envs.brax_envs import brax_native_env, make_train_env
from ppo_envs.physics_free import PhysicsFreeEnv
from shared_spec.presets import resolve_spec

NUM_ENVS, STEPS, EPISODE_STEPS = 8, 30, 5


def test_stand_in_has_the_real_envs_sizes_and_control_range() -> None:
    native = brax_native_env(resolve_spec("smoke", ["brax_backend=spring"]))
    stand_in = PhysicsFreeEnv.like(native, EPISODE_STEPS)
    assert (stand_in.observation_size, stand_in.action_size) == (native.observation_size, native.action_size)
    np.testing.assert_array_equal(
        stand_in.sys.actuator.ctrl_range, np.asarray(native.sys.actuator.ctrl_range)
    )


def test_episodes_end_every_episode_steps_out_of_step_under_the_training_wrappers() -> None:
    spec = resolve_spec("smoke", ["brax_backend=spring", "episode_length=1000"])
    stand_in = PhysicsFreeEnv.like(brax_native_env(spec), EPISODE_STEPS)
    env = make_train_env(spec, NUM_ENVS, base=stand_in)

    def rollout(key: jax.Array):
        def body(state, _):
            state = env.step(state, jnp.ones((NUM_ENVS, env.action_size)))
            return state, (state.done, state.info["final_obs"], state.obs)

        return jax.lax.scan(body, env.reset(key), None, length=STEPS)[1]

    done, final_obs, obs = (np.asarray(x) for x in jax.jit(rollout)(jax.random.PRNGKey(0)))
    for env_index in range(NUM_ENVS):
        ends = np.flatnonzero(done[:, env_index])
        assert len(ends) >= STEPS // EPISODE_STEPS - 1
        assert np.all(np.diff(ends) <= EPISODE_STEPS)  # a fresh start draws a counter in [0, EPISODE_STEPS)
    assert len({int(np.flatnonzero(done[:, i])[0]) for i in range(NUM_ENVS)}) > 1  # not in lockstep
    ended = done > 0
    assert not np.allclose(final_obs[ended], obs[ended])  # the pre-reset observation is kept apart
