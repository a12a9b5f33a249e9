"""The Brax training env's auto-reset: every episode starts from its own fresh random state (a pool entry used
once, never a cached first state), and the pre-reset observation is kept for the bootstrap."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from ppo_envs.brax_envs import make_train_env
from shared_spec.presets import resolve_spec

NUM_ENVS, STEPS = 4, 40
INIT_NOISE = 0.01
"""Brax's inverted pendulum starts at qpos, qvel ~ U(-0.01, 0.01): every start observation lies in that box."""


@pytest.fixture(scope="module")
def trajectory() -> dict[str, np.ndarray]:
    spec = resolve_spec("smoke", ["brax_backend=spring", "episode_length=7"])
    env = make_train_env(spec, NUM_ENVS)

    def rollout(key: jax.Array):
        state = env.reset(key)
        actions = 3.0 * jax.random.uniform(jax.random.fold_in(key, 9), (STEPS, NUM_ENVS, 1), minval=-1.0)

        def body(state, action):
            next_state = env.step(state, action)
            out = (state.obs, next_state.obs, next_state.info["final_obs"], next_state.done)
            return next_state, (*out, next_state.info["pool_next"])

        return jax.lax.scan(body, state, actions)[1]

    run = jax.jit(rollout)
    obs, next_obs, final_obs, done, pool_next = (np.asarray(x) for x in run(jax.random.PRNGKey(0)))
    again = run(jax.random.PRNGKey(0))
    return {"obs": obs, "next_obs": next_obs, "final_obs": final_obs, "done": done > 0, "pool_next": pool_next,
            "again_obs": np.asarray(again[0])}  # fmt: skip


def test_every_episode_starts_from_its_own_fresh_random_state(trajectory) -> None:
    done = trajectory["done"]
    starts = [trajectory["obs"][0]] + [trajectory["next_obs"][t][done[t]] for t in range(STEPS)]
    starts = np.concatenate(starts)
    assert done.sum() > 2 * NUM_ENVS  # enough episodes ended that the pool was redrawn more than once
    assert len(np.unique(starts.round(7), axis=0)) == len(starts)  # no start state is ever reused
    assert np.all(np.abs(starts) <= INIT_NOISE + 1e-6)  # each drawn from the reset distribution
    assert trajectory["pool_next"].max() <= NUM_ENVS  # the pool index never runs past the pool


def test_final_observation_is_kept_where_the_episode_ended(trajectory) -> None:
    done, final, nxt = trajectory["done"], trajectory["final_obs"], trajectory["next_obs"]
    np.testing.assert_array_equal(final[~done], nxt[~done])  # mid-episode: the next observation itself
    assert np.all(np.any(final[done] != nxt[done], axis=-1))  # ended: the pre-reset one, not the fresh start
    # a pre-reset observation is usually far outside the start box (the pendulum moved for >= 1 step)
    assert np.mean(np.abs(final[done]).max(axis=-1) > INIT_NOISE) > 0.9


def test_the_same_key_gives_the_same_episodes(trajectory) -> None:
    np.testing.assert_array_equal(trajectory["obs"], trajectory["again_obs"])
    assert jnp.asarray(trajectory["obs"]).dtype == jnp.float32
