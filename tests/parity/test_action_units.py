"""One action is one control on both sides: the control each trainer's env hands to the physics.

Brax's inverted_pendulum and humanoid map an action in [-1, 1] onto the actuator range inside `step`;
Gymnasium's v5 envs take actuator units. The JAX trainer (and torch-brax, which shares its base env) undoes
Brax's map (`ppo_envs.brax_envs.ActuatorUnitsWrapper`), so an action in the action bounds must reach the physics
unchanged on both sides. Brax's physics step is replaced by a spy, so no simulator runs (fast, every task).
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from ppo_envs.brax_envs import base_env
from ppo_envs.gym_envs import make_gym_vec
from shared_spec.spec import PPOSpec
from shared_spec.tasks import TASKS


def brax_control(task: str, action: np.ndarray) -> np.ndarray:
    """The control the JAX trainer's base env passes to Brax's physics step for `action`."""
    env = base_env(PPOSpec(task=task))
    seen: list[jax.Array] = []
    env.unwrapped.pipeline_step = lambda pipeline_state, ctrl: (seen.append(ctrl), pipeline_state)[1]
    shapes = jax.eval_shape(env.reset, jax.random.PRNGKey(0))
    state = jax.tree.map(lambda s: jnp.zeros(s.shape, s.dtype), shapes)  # values are never simulated
    with jax.disable_jit():
        env.step(state, jnp.asarray(action, jnp.float32))
    return np.asarray(seen[0])


def gym_control(task: str, action: np.ndarray) -> np.ndarray:
    """The control the torch trainer's Gymnasium env sets in MuJoCo's data for `action`."""
    envs = make_gym_vec(PPOSpec(task=task, num_envs=1), 1)
    envs.reset(seed=0)
    envs.step(action[None].astype(np.float32))
    ctrl = np.array(envs.envs[0].unwrapped.data.ctrl)
    envs.close()
    return ctrl


@pytest.mark.parametrize("task", [name for name, task in TASKS.items() if task.comparable] + ["humanoid"])
def test_an_action_in_the_bounds_reaches_the_physics_unchanged_on_both_sides(task: str) -> None:
    probe = TASKS[task]
    gym_envs = make_gym_vec(PPOSpec(task=task, num_envs=1), 1)
    low, high = gym_envs.single_action_space.low, gym_envs.single_action_space.high
    gym_envs.close()
    fractions = np.linspace(-0.8, 0.6, probe.act_size, dtype=np.float32)  # distinct values per actuator
    action = low + (fractions + 1.0) / 2.0 * (high - low)
    np.testing.assert_allclose(gym_control(task, action), action, rtol=1e-6)
    np.testing.assert_allclose(brax_control(task, action), action, rtol=1e-5, atol=1e-6)
