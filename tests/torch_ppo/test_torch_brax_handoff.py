"""torch-brax's packed hand-off: one DLPack crossing out per step carries exactly what five carried, and the
step's normalization gives the same numbers compiled (`--compile`) as eager.

The Brax env is the smoke preset's inverted pendulum on the spring backend with 8-step episodes: pushed hard,
two envs fall (terminate) at step 7, the two others run into the time limit at step 8, and all go on past the
auto-reset.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest
import torch
from brax.io.torch import jax_to_torch

from ppo_envs.brax_envs import make_eval_env, make_train_env
from shared_spec.presets import resolve_spec
from torch_ppo.brax_env import (
    BraxEvalEnv,
    BraxTrainEnv,
    normalize_packed_step,
    pack_train_step,
    unpack_eval_step,
    unpack_train_step,
    use_jax_device_of,
)
from torch_ppo.compiled import compile_normalization
from torch_ppo.normalization import DeviceNormalizer

NUM_ENVS, STEPS = 4, 10
CPU = torch.device("cpu")
SPEC = resolve_spec("smoke", ["brax_backend=spring", "episode_length=8"])
PUSH = jnp.array([3.0, -3.0, 0.0, 0.1])
"""Each env's action (the first two fall, the last two stay up)."""
COMPILED_TOLERANCE = {"rtol": 1e-5, "atol": 1e-6}
"""Compiled vs eager normalization: inductor may fuse and reorder float32 arithmetic, so not bit for bit;
1e-5 relative is a few float32 ulps of the normalized values (at most 10 by the clip)."""


def exactly_equal(actual: torch.Tensor, expected: torch.Tensor) -> None:
    torch.testing.assert_close(actual, expected, rtol=0, atol=0, equal_nan=True)


def actions(step: int, act_size: int) -> jax.Array:
    """Each env's `PUSH` plus a little noise, different every step."""
    noise = 0.05 * jax.random.uniform(jax.random.PRNGKey(step), (NUM_ENVS, act_size), minval=-1.0)
    return PUSH[:, None] + noise


@pytest.fixture(scope="module")
def train_env() -> tuple[BraxTrainEnv, object]:
    """BraxTrainEnv (packed step) and the same env's plain step compiled ahead of time (unpacked)."""
    use_jax_device_of(CPU)
    envs = BraxTrainEnv(SPEC, NUM_ENVS, CPU)
    env = make_train_env(SPEC, NUM_ENVS)
    zeros = jnp.zeros((NUM_ENVS, envs.act_size), jnp.float32)
    plain_step = jax.jit(env.step).lower(envs._state, zeros).compile()
    return envs, plain_step


def unpacked(state) -> tuple[torch.Tensor, ...]:
    """What the five crossings of the unpacked hand-off gave torch."""
    info = state.info
    return tuple(
        jax_to_torch(x) for x in (state.obs, info["final_obs"], state.reward, state.done, info["truncation"])
    )


def test_packed_step_carries_exactly_the_fields_of_the_unpacked_one(train_env) -> None:
    envs, plain_step = train_env
    state = envs._reset(jax.random.PRNGKey(3))
    ended = {"done": 0.0, "truncation": 0.0}
    final_differs = False
    for t in range(STEPS):
        packed_state, packed = envs._step(state, actions(t, envs.act_size))
        plain_state = plain_step(state, actions(t, envs.act_size))
        views = unpack_train_step(jax_to_torch(packed), envs.obs_size)
        assert packed.shape == (NUM_ENVS, 2 * envs.obs_size + 3) and packed.dtype == jnp.float32
        for name, view, expected in zip(views._fields, views, unpacked(plain_state), strict=True):
            exactly_equal(view, expected)
            assert view.untyped_storage().data_ptr() == views.obs.untyped_storage().data_ptr(), name  # a view
        for a, b in zip(jax.tree.leaves(packed_state), jax.tree.leaves(plain_state), strict=True):
            np.testing.assert_array_equal(np.asarray(a), np.asarray(b))  # the physics itself unchanged
        ended = {k: ended[k] + float(getattr(views, k).sum()) for k in ended}
        final_differs |= not torch.equal(views.final_obs, views.obs)  # an auto-reset: two observations
        state = plain_state
    assert ended["done"] > ended["truncation"] > 0 and final_differs  # both kinds of end, and resets


def test_train_env_step_is_the_unpacked_hand_off_then_the_same_normalization(train_env) -> None:
    """BraxTrainEnv.step against the five-crossing hand-off it replaces, normalized by an eager twin."""
    envs, plain_step = train_env
    envs.reset(seed=5)
    state, twin = envs._state, DeviceNormalizer(SPEC, envs.obs_size, NUM_ENVS, CPU)
    twin.observe(jax_to_torch(state.obs))
    for t in range(STEPS):
        result = envs.step(torch.from_dlpack(actions(t, envs.act_size)))
        state = plain_step(state, actions(t, envs.act_size))
        obs, final_obs, reward, done, truncation = unpacked(state)
        truncated = truncation > 0
        terminated = (done > 0) & ~truncated
        expected = (*twin.step(obs, final_obs, reward, terminated, truncated), terminated, truncated)
        got = (result.next_obs, result.true_next_obs, result.reward, result.terminated, result.truncated)
        for actual, wanted in zip(got, expected, strict=True):
            exactly_equal(actual, wanted)


def test_eval_env_step_is_one_crossing_of_the_same_fields() -> None:
    use_jax_device_of(CPU)
    eval_envs = BraxEvalEnv(SPEC, NUM_ENVS, CPU)
    env = make_eval_env(SPEC, NUM_ENVS)
    state = eval_envs._reset(jax.random.PRNGKey(2))
    plain_step = jax.jit(env.step).lower(state, actions(0, env.action_size)).compile()
    for t in range(3):
        _, packed = eval_envs._step(state, actions(t, env.action_size))
        state = plain_step(state, actions(t, env.action_size))
        views = unpack_eval_step(jax_to_torch(packed), eval_envs.obs_size)
        for view, field in zip(views, (state.obs, state.reward, state.done), strict=True):
            exactly_equal(view, jax_to_torch(field))


def test_packing_refuses_a_part_that_is_not_float32() -> None:
    state = type("State", (), {})()
    state.obs = jnp.zeros((2, 3), jnp.float32)
    state.reward, state.done = jnp.zeros(2, jnp.float32), jnp.zeros(2, jnp.int32)
    state.info = {"final_obs": state.obs, "truncation": jnp.zeros(2, jnp.float32)}
    with pytest.raises(TypeError, match="float32"):
        pack_train_step(state)


def synthetic_packed_steps(obs_size: int, steps: int) -> list[torch.Tensor]:
    """Packed steps with spread-out observations, rewards, and episode ends of both kinds."""
    g = torch.Generator().manual_seed(0)
    packed = []
    for _ in range(steps):
        obs = torch.randn(NUM_ENVS, 2 * obs_size, generator=g) * 4.0 + 1.5
        reward = torch.randn(NUM_ENVS, generator=g) * 2.0 + 0.5
        done = (torch.rand(NUM_ENVS, generator=g) < 0.3).float()
        truncation = done * (torch.rand(NUM_ENVS, generator=g) < 0.5).float()
        packed.append(torch.cat([obs, reward[:, None], done[:, None], truncation[:, None]], dim=1))
    return packed


def test_compiled_normalization_gives_the_eager_numbers_without_recompiling() -> None:
    """The step's normalization compiled (inductor) vs eager, from the same statistics, over 12 steps; the
    running statistics are tensors updated in place, so no step recompiles."""
    obs_size = 4
    eager_stats, compiled_stats = (DeviceNormalizer(SPEC, obs_size, NUM_ENVS, CPU) for _ in range(2))
    torch._dynamo.reset()
    compiled_step = compile_normalization(
        lambda packed: normalize_packed_step(compiled_stats, packed, obs_size)
    )
    with torch._dynamo.config.patch(error_on_recompile=True), torch.inference_mode():
        for k, packed in enumerate(synthetic_packed_steps(obs_size, 12)):
            eager = normalize_packed_step(eager_stats, packed, obs_size)
            compiled = compiled_step(packed)
            for name, a, b in zip(("next_obs", "true_next_obs", "reward"), eager, compiled, strict=False):
                torch.testing.assert_close(b, a, **COMPILED_TOLERANCE, msg=f"{name} at step {k}")
            exactly_equal(compiled[3], eager[3])  # terminated
            exactly_equal(compiled[4], eager[4])  # truncated
    torch.testing.assert_close(compiled_stats.obs_rms.var, eager_stats.obs_rms.var, **COMPILED_TOLERANCE)
    exactly_equal(compiled_stats.obs_rms.count, eager_stats.obs_rms.count)
    compiled_return, eager_return = (
        compiled_stats.scale_reward.return_rms,
        eager_stats.scale_reward.return_rms,
    )
    torch.testing.assert_close(compiled_return.var, eager_return.var, **COMPILED_TOLERANCE)


def test_compile_torch_side_compiles_the_normalization(train_env) -> None:
    envs, _ = train_env
    eager = envs._torch_side
    assert envs.compile_torch_side() == ["normalization"]
    assert envs._torch_side is not eager
    envs._torch_side = eager
