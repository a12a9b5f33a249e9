"""One simulator, checked: torch-warp's env and the MJX env give the same observations, rewards and dones.

Both start from the same state (MJX's random reset, copied into the Warp worlds) and take the same actions
(some beyond the control range, so clipping is compared too), for long enough that every episode ends by the
task's own rule, so termination is compared on both sides of its threshold, not only on healthy steps.

inverted_pendulum: the hinge reaches its joint limit (a constraint). The tolerance is 1e-3, absolute, on
observations of size up to about 5; the measured differences are in docs/RESULTS.md (float32 arithmetic in a
different order, grown through the fall). Rewards and dones must be identical: the return threshold then
means the same on both sides.

hopper: the foot is in contact with the floor (4 solver iterations per frame, 4 frames per step) in every
world. Observations and rewards agree to 1e-4, absolute, over 50 steps (docs/WARP.md): float32 keeps about 7
digits, so quantities up to 10 (velocities, clipped there in the observation) carry rounding of ~1e-6 per
operation; MJX and Warp sum in different orders, through the constraint solver, and the measured worst
difference grows from ~1e-6 after the first step to 2.3e-5 over the 50 steps (obs; 7.5e-6 reward) and a few
1e-4 around the 200th: no sudden divergence from the contacts, but a horizon of 50 steps (every episode here
is over by the 29th) keeps a margin of about 4x. The forward reward divides a torso x difference by
dt = 0.008: a difference of one float32 step of x near 1 (1.2e-7) becomes 1.5e-5 of reward, so 1e-4 is a few
such steps. Dones must be identical on every step.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest
import torch

from ppo_envs.brax_envs import make_eval_env
from shared_spec.presets import resolve_spec
from torch_ppo.warp_env import WarpEvalEnv

OBS_TOLERANCE = 1e-3
NUM_ENVS, NUM_STEPS = 8, 60
HOPPER_TOLERANCE = 1e-4
"""Absolute, on hopper's observations and rewards (module docstring)."""
HOPPER_STEPS = 50


def _actions() -> np.ndarray:
    """[steps, envs, 1] small pushes, and every 7th step one beyond the control range (clipped to +-3)."""
    actions = np.random.default_rng(0).uniform(-1.2, 1.2, (NUM_STEPS, NUM_ENVS, 1))
    actions[::7] = np.random.default_rng(1).choice([-4.0, 4.0], (len(actions[::7]), NUM_ENVS, 1))
    return actions.astype(np.float32)


def _same_start(task: str, key: int) -> tuple[object, object, object, WarpEvalEnv]:
    """(spec, MJX eval env's state, its jitted step, the Warp eval env in the same state)."""
    spec = resolve_spec("smoke", [f"task={task}"])
    mjx_env = make_eval_env(spec, NUM_ENVS)
    mjx_state = jax.jit(mjx_env.reset)(jax.random.PRNGKey(key))
    warp_env = WarpEvalEnv(spec, NUM_ENVS, torch.device("cpu"))
    warp_env.worlds.set_state(
        torch.tensor(np.asarray(mjx_state.pipeline_state.q)),
        torch.tensor(np.asarray(mjx_state.pipeline_state.qd)),
    )
    np.testing.assert_array_equal(warp_env.worlds.observe().numpy(), np.asarray(mjx_state.obs))
    return spec, mjx_state, jax.jit(mjx_env.step), warp_env


@pytest.mark.slow
def test_warp_env_and_mjx_env_agree_step_by_step() -> None:
    _, mjx_state, mjx_step, warp_env = _same_start("inverted_pendulum", 3)
    ever_done = np.zeros(NUM_ENVS, bool)
    for step, action in enumerate(_actions()):
        mjx_state = mjx_step(mjx_state, jnp.asarray(action))
        obs, reward, done = warp_env.step(torch.from_numpy(action))
        np.testing.assert_allclose(
            obs.numpy(), np.asarray(mjx_state.obs), rtol=0, atol=OBS_TOLERANCE, err_msg=f"step {step}"
        )
        np.testing.assert_array_equal(reward.numpy(), np.asarray(mjx_state.reward), err_msg=f"step {step}")
        np.testing.assert_array_equal(done.numpy(), np.asarray(mjx_state.done) > 0, err_msg=f"step {step}")
        ever_done |= done.numpy()
    assert ever_done.all()  # every pole fell: the termination rule was compared, not only upright steps
    hinge_limit = warp_env.worlds.worlds.mj_model.jnt_range[1, 1]
    assert np.abs(obs.numpy()[:, 1]).max() > 0.9 * hinge_limit  # the joint limit (a constraint) was reached


@pytest.mark.slow
def test_warp_hopper_and_mjx_hopper_agree_step_by_step() -> None:
    _, mjx_state, mjx_step, warp_env = _same_start("hopper", 3)
    # Uniform in +-1.5: a third of the entries beyond the control range (+-1), clipped on both sides.
    actions = np.random.default_rng(3).uniform(-1.5, 1.5, (HOPPER_STEPS, NUM_ENVS, 3)).astype(np.float32)
    ever_done = np.zeros(NUM_ENVS, bool)
    in_contact = np.zeros(NUM_ENVS, bool)
    for step, action in enumerate(actions):
        mjx_state = mjx_step(mjx_state, jnp.asarray(action))
        obs, reward, done = warp_env.step(torch.from_numpy(action))
        np.testing.assert_allclose(
            obs.numpy(), np.asarray(mjx_state.obs), rtol=0, atol=HOPPER_TOLERANCE, err_msg=f"step {step}"
        )
        np.testing.assert_allclose(
            reward.numpy(),
            np.asarray(mjx_state.reward),
            rtol=0,
            atol=HOPPER_TOLERANCE,
            err_msg=f"step {step}",
        )
        np.testing.assert_array_equal(done.numpy(), np.asarray(mjx_state.done) > 0, err_msg=f"step {step}")
        ever_done |= done.numpy()
        in_contact |= (np.asarray(mjx_state.pipeline_state.contact.dist) < 0).any(axis=1)
    assert ever_done.all()  # every hopper fell: termination was compared on both sides of the threshold
    assert in_contact.all()  # the foot pressed into the floor in every world: contact dynamics compared
