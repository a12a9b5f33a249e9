"""torch-warp's env: graph replay equals eager stepping, zero-copy views, Brax's auto-reset and time limit.

The task's own numbers (observation, reward, termination) are compared with the MJX env in
test_warp_parity.py; here, what the trainer relies on around them.

Needs Warp's kernels (slow on a cold cache, see conftest.py). Warp 1.18 captures and replays graphs on its CPU
device too, so the path that runs as CUDA graphs on a GPU is exercised here; what only a GPU checks (CUDA
streams and events around the replay) is named in test_cuda_stream_path_needs_a_gpu.
"""

from __future__ import annotations

import pytest
import torch

from shared_spec.presets import resolve_spec
from torch_ppo.warp_env import TASK_WORLDS, HopperWorlds, PendulumWorlds, WarpTrainEnv

CPU = torch.device("cpu")


def _spec(*overrides: str):
    return resolve_spec("smoke", list(overrides))


@pytest.mark.slow
@pytest.mark.parametrize("task", sorted(TASK_WORLDS))
def test_captured_graphs_step_exactly_as_eager_calls(task: str) -> None:
    spec, worlds = _spec(f"task={task}"), TASK_WORLDS[task]
    captured, eager = worlds(spec, 6, CPU, capture=True), worlds(spec, 6, CPU, capture=False)
    captured.reset_all(seed=5)
    eager.reset_all(seed=5)
    actions = torch.linspace(-4.0, 4.0, 6)[:, None].expand(6, worlds.act_size)
    for _ in range(30):
        out_captured, out_eager = captured.step(actions), eager.step(actions)
        for a, b in zip(out_captured, out_eager, strict=True):
            assert torch.equal(a, b)
    done = out_eager[2] | out_eager[3]
    assert done.any()
    captured.reset_where(done)
    eager.reset_where(done)
    assert torch.equal(captured.observe(), eager.observe())


@pytest.mark.slow
def test_torch_views_share_warps_memory() -> None:
    worlds = PendulumWorlds(_spec(), 3, CPU)
    worlds.qpos[1, 1] = 0.125  # written through the torch view, read back through Warp
    assert worlds.worlds.data.qpos.numpy()[1, 1] == 0.125
    assert worlds.qpos.data_ptr() == worlds.worlds.data.qpos.ptr


@pytest.mark.slow
def test_finished_worlds_restart_fresh_and_keep_their_final_observation() -> None:
    env = WarpTrainEnv(_spec("normalize_obs=false", "normalize_reward=false"), 4, CPU)
    env.reset(seed=0)
    worlds = env.worlds
    assert worlds.observe().abs().max() <= PendulumWorlds.reset_noise
    pushes = torch.tensor([[3.0], [0.0], [0.0], [-3.0]])  # worlds 0 and 3 fall, 1 and 2 stay up a while
    for _ in range(100):
        result = env.step(pushes)
        if result.terminated[0]:
            break
    assert result.terminated[0] and not result.truncated.any()
    assert result.true_next_obs[0, 1].abs() > 0.2  # the final observation, past the angle limit
    assert result.next_obs[0].abs().max() <= PendulumWorlds.reset_noise  # a fresh start: Brax's noise only
    assert worlds.steps[0] == 0 and (worlds.steps[1:3] > 0).all()
    ongoing = ~(result.terminated | result.truncated)
    assert torch.equal(result.next_obs[ongoing], result.true_next_obs[ongoing])
    assert torch.equal(result.reward, torch.ones(4))  # +1 on every step, the last one included


def _hopper_fresh(obs: torch.Tensor) -> bool:
    """Whether hopper observations are Brax's reset: torso z at 1.25, everything else 0, each +- the noise."""
    start = torch.zeros(HopperWorlds.obs_size)
    start[0] = 1.25
    return bool((obs - start).abs().max() <= HopperWorlds.reset_noise + 1e-6)  # 1.25 + noise in float32


@pytest.mark.slow
def test_fallen_hoppers_restart_fresh_and_keep_their_final_observation() -> None:
    env = WarpTrainEnv(_spec("task=hopper", "normalize_obs=false", "normalize_reward=false"), 4, CPU)
    assert _hopper_fresh(env.reset(seed=0))
    worlds = env.worlds
    # Full torque backward topples world 3 within a few steps; worlds 1 and 2 (no torque) stand a while.
    torques = torch.tensor([[1.0, 1.0, 1.0], [0.0, 0.0, 0.0], [0.0, 0.0, 0.0], [-1.0, -1.0, -1.0]])
    for _ in range(20):
        result = env.step(torques)
        if result.terminated[3]:
            break
    assert result.terminated[3] and not result.terminated[1:3].any() and not result.truncated.any()
    assert result.true_next_obs[3, 1] < -0.2  # the final observation: torso pitch past Brax's healthy range
    assert _hopper_fresh(result.next_obs[3]) and worlds.steps[3] == 0 and (worlds.steps[:3] > 0).all()
    ongoing = ~(result.terminated | result.truncated)
    assert torch.equal(result.next_obs[ongoing], result.true_next_obs[ongoing])
    # The restarted world's torso position, kept for the next forward reward, is what Warp's own kinematics
    # makes of its new qpos (the torch env computes it without them).
    import mujoco_warp

    mujoco_warp.kinematics(worlds.worlds.model, worlds.worlds.data)
    torch.testing.assert_close(worlds.torso_xz[3], worlds.torso_pos[3, [0, 2]], rtol=0, atol=1e-6)


@pytest.mark.slow
def test_time_limit_truncates_and_restarts() -> None:
    env = WarpTrainEnv(_spec("episode_length=5", "normalize_obs=false", "normalize_reward=false"), 3, CPU)
    env.reset(seed=1)
    for step in range(1, 6):
        result = env.step(torch.zeros(3, 1))
        assert result.truncated.all() == (step == 5) and not result.terminated.any()
    assert (env.worlds.steps == 0).all()


def test_cuda_stream_path_needs_a_gpu() -> None:
    if not torch.cuda.is_available():
        pytest.skip("CUDA graphs on Warp's stream, synchronized with torch's by events: needs a CUDA device")
    env = WarpTrainEnv(_spec(), 16, torch.device("cuda"))
    env.reset(seed=0)
    for _ in range(50):
        result = env.step(torch.zeros(16, 1, device="cuda"))
    assert result.next_obs.is_cuda and torch.isfinite(result.next_obs).all()
