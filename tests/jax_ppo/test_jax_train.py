"""The training loop: carry shapes stay fixed, the final observation survives auto-reset, runs are deterministic."""

from __future__ import annotations

import dataclasses
import functools

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from jax_ppo import train
from jax_ppo.networks import learning_rate_at
from jax_ppo.run import params_digest
from shared_spec.presets import resolve_spec
from tests.parity.weights import jax_params_to_numpy, to_jax

TINY = (
    "brax_backend=spring",  # the fastest backend to compile; the loop does not depend on it
    "num_envs=3",
    "num_steps=12",
    "num_minibatches=2",
    "update_epochs=2",
    "total_timesteps=72",
    "num_evals=2",
    "eval_episodes=2",
    "episode_length=5",
)


@pytest.fixture(scope="module")
def trainer() -> train.Trainer:
    return train.make_trainer(resolve_spec("smoke", TINY))


def signature(tree) -> list:
    """Structure, shape, dtype and weak type of every leaf: what decides whether a carry recompiles."""
    leaves, treedef = jax.tree.flatten(tree)
    return [str(treedef)] + [(x.shape, x.dtype, getattr(x, "weak_type", False)) for x in leaves]


def test_every_scan_carry_keeps_its_shape(trainer):
    state = jax.eval_shape(functools.partial(train.init_train_state, trainer), jax.random.PRNGKey(0))
    stepped, record = jax.eval_shape(functools.partial(train.env_step, trainer), state, None)
    assert signature(stepped) == signature(state)
    assert record.next_obs.shape == record.obs.shape == (3, trainer.env.observation_size)

    stepped, metrics = jax.eval_shape(functools.partial(train.update_step, trainer), state)
    assert signature(stepped) == signature(state)
    assert signature(metrics) == signature(train.initial_metrics())

    _, rollout = jax.eval_shape(functools.partial(train.collect_rollout, trainer), state)
    assert rollout.values.shape == rollout.next_values.shape == rollout.rewards.shape == (12, 3)

    eval_state = jax.eval_shape(trainer.eval_env.reset, jax.random.PRNGKey(0))
    zeros = jax.ShapeDtypeStruct((2,), jnp.float32)
    eval_carry = train.EvalCarry(eval_state, zeros, zeros, jax.ShapeDtypeStruct((), jnp.int32))
    step = functools.partial(train.eval_step, trainer)
    stepped_eval = jax.eval_shape(step, state.learner.params, state.norm.obs_rms, eval_carry)
    assert signature(stepped_eval) == signature(eval_carry)


@pytest.mark.slow
def test_rollout_keeps_final_obs_and_runs_are_deterministic(trainer):
    key = jax.random.PRNGKey(7)
    init = jax.jit(functools.partial(train.init_train_state, trainer))
    state = init(key)
    _, rollout = jax.jit(functools.partial(train.collect_rollout, trainer))(state)
    truncations = np.asarray(rollout.truncations)
    # episode_length=5 and the pendulum cannot fall in 5 steps: every env truncates at steps 4 and 9
    np.testing.assert_array_equal(truncations[[4, 9]], 1.0)
    assert truncations.sum() == 2 * 3
    assert np.all(np.asarray(rollout.terminations) == 0)
    values, next_values = np.asarray(rollout.values), np.asarray(rollout.next_values)
    # V(next obs) equals V(obs of the next step) except at the reset, where it is V(final obs)
    continuing = truncations[:-1] == 0
    np.testing.assert_allclose(next_values[:-1][continuing], values[1:][continuing], rtol=1e-5, atol=1e-6)
    assert not np.allclose(next_values[4], values[5])

    chunk = jax.jit(functools.partial(train.train_chunk, trainer))
    first, first_metrics = chunk(state, train.initial_metrics(), jnp.int32(2))
    again, _ = chunk(init(key), train.initial_metrics(), jnp.int32(2))
    assert params_digest(first.learner.params) == params_digest(again.learner.params)
    assert int(first.learner.update_index) == 2
    assert bool(first_metrics.all_finite)
    evaluate = jax.jit(functools.partial(train.evaluate, trainer))
    returns = [np.asarray(evaluate(s.learner.params, s.norm.obs_rms, key)) for s in (first, again)]
    np.testing.assert_array_equal(returns[0], returns[1])


def test_params_round_trip_and_init(trainer):
    params = trainer.network.init(jax.random.PRNGKey(0), jnp.zeros((1, trainer.env.observation_size)))
    tree = jax_params_to_numpy(params)
    assert [layer["kernel"].shape for layer in tree["actor"]] == [(4, 64), (64, 64), (64, 1)]
    assert [layer["kernel"].shape for layer in tree["critic"]] == [(4, 64), (64, 64), (64, 1)]
    np.testing.assert_array_equal(tree["log_std"], np.zeros(1, np.float32))
    assert all(np.all(layer["bias"] == 0) for layer in tree["actor"] + tree["critic"])
    hidden = tree["actor"][1]["kernel"]  # orthogonal with gain sqrt(2): K^T K = 2 I
    np.testing.assert_allclose(hidden.T @ hidden, 2 * np.eye(64), atol=1e-4)
    back = jax_params_to_numpy(to_jax(tree))
    for side in ("actor", "critic"):
        for a, b in zip(tree[side], back[side], strict=True):
            np.testing.assert_array_equal(a["kernel"], b["kernel"])


def test_learning_rate_schedule(trainer):
    spec = trainer.spec  # 72 steps / 36 per update = 2 updates
    assert learning_rate_at(spec, 0) == pytest.approx(3e-4)
    assert learning_rate_at(spec, 1) == pytest.approx(1.5e-4)
    assert learning_rate_at(spec.replace(anneal_lr=False), 1) == pytest.approx(3e-4)


class StepCountingEnv:
    """Forwards to `env`; every executed `step` (not every trace) adds one to `steps[0]`."""

    def __init__(self, env, steps: list[int]) -> None:
        self._env, self._steps = env, steps

    def step(self, state, action):
        jax.debug.callback(lambda: self._steps.__setitem__(0, self._steps[0] + 1), ordered=True)
        return self._env.step(state, action)

    def __getattr__(self, name: str):
        return getattr(self._env, name)


@pytest.mark.slow
def test_evaluation_stops_when_every_episode_is_done():
    """As torch's loop: no steps after the last episode ends, and the returns of a full-length scan."""
    spec = resolve_spec("smoke", ["brax_backend=spring", "eval_episodes=3", "episode_length=1000"])
    plain = train.make_trainer(spec)
    steps = [0]
    counting = dataclasses.replace(plain, eval_env=StepCountingEnv(plain.eval_env, steps))
    state = jax.jit(functools.partial(train.init_train_state, plain))(jax.random.PRNGKey(0))
    key = jax.random.PRNGKey(3)
    params = state.learner.params
    returns = jax.jit(functools.partial(train.evaluate, counting))(params, state.norm.obs_rms, key)
    jax.block_until_ready(returns)
    assert 0 < steps[0] < spec.episode_length  # the untrained pendulum falls long before 1000 steps

    def full_scan(params, obs_rms, key):  # the loop's semantics without the early exit
        zeros = jnp.zeros((spec.eval_episodes,), jnp.float32)
        carry = train.EvalCarry(plain.eval_env.reset(key), zeros, jnp.ones_like(zeros), jnp.int32(0))
        step = functools.partial(train.eval_step, plain, params, obs_rms)
        return jax.lax.scan(lambda c, _: (step(c), None), carry, None, length=spec.episode_length)[0].returns

    full = jax.jit(full_scan)(params, state.norm.obs_rms, key)
    np.testing.assert_array_equal(np.asarray(returns), np.asarray(full))
    assert np.all(np.asarray(returns) < steps[0] + 1)  # pendulum: reward 1 per step alive


def test_matmul_precision_policy_sets_and_records_jax() -> None:
    from ppo_envs.precision import apply_jax_matmul_precision

    before = jax.config.jax_default_matmul_precision
    try:
        assert apply_jax_matmul_precision("tf32")["jax_default_matmul_precision"] == "tensorfloat32"
        assert apply_jax_matmul_precision("float32") == {
            "matmul_precision": "float32",
            "jax_default_matmul_precision": "highest",
        }
    finally:
        jax.config.update("jax_default_matmul_precision", before)
