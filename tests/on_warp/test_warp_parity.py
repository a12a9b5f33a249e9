"""One simulator, checked: torch-warp's env and the MJX env give the same observations, rewards and dones.

Both start from the same state (MJX's random reset, copied into the Warp worlds) and take the same actions
(some beyond the control range, so clipping is compared too), for long enough that the pole falls and the
hinge reaches its joint limit (a constraint). The tolerance is 1e-3, absolute, on observations of size up to
about 5; the measured differences are in docs/RESULTS.md (float32 arithmetic in a different order, grown
through the fall). Rewards and dones must be identical: the return threshold then means the same on both sides.
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


def _actions() -> np.ndarray:
    """[steps, envs, 1] small pushes, and every 7th step one beyond the control range (clipped to +-3)."""
    actions = np.random.default_rng(0).uniform(-1.2, 1.2, (NUM_STEPS, NUM_ENVS, 1))
    actions[::7] = np.random.default_rng(1).choice([-4.0, 4.0], (len(actions[::7]), NUM_ENVS, 1))
    return actions.astype(np.float32)


@pytest.mark.slow
def test_warp_env_and_mjx_env_agree_step_by_step() -> None:
    spec = resolve_spec("smoke", [])
    mjx_env = make_eval_env(spec, NUM_ENVS)
    mjx_state = jax.jit(mjx_env.reset)(jax.random.PRNGKey(3))
    mjx_step = jax.jit(mjx_env.step)
    warp_env = WarpEvalEnv(spec, NUM_ENVS, torch.device("cpu"))
    warp_env.worlds.set_state(
        torch.tensor(np.asarray(mjx_state.pipeline_state.q)),
        torch.tensor(np.asarray(mjx_state.pipeline_state.qd)),
    )
    np.testing.assert_array_equal(warp_env.worlds.observe().numpy(), np.asarray(mjx_state.obs))
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
