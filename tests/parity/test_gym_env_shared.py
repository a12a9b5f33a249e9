"""`jax-gym` and `torch` step the same Gymnasium env: built by the same code, same observations and rewards.

The framework comparison on MuJoCo C (jax-gym vs torch) holds the simulator fixed only if both trainers build
their training and evaluation envs with `ppo_envs.gym_envs` (wrappers, vectorization mode, normalization) and
step them identically. Both are checked here: the constructor each trainer calls, and a scripted-action
rollout through each trainer's own env handle.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch

from jax_ppo import gym_train
from ppo_envs import gym_envs
from shared_spec.presets import resolve_spec
from torch_ppo import envs as torch_envs

SPEC = ["num_envs=3", "episode_length=40", "eval_episodes=2"]


def test_both_trainers_build_their_envs_with_the_same_constructors(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[tuple[str, int]] = []
    original = gym_envs.make_gym_vec

    def recording(spec, num_envs):
        calls.append((spec.task, num_envs))
        return original(spec, num_envs)

    monkeypatch.setattr(gym_envs, "make_gym_vec", recording)
    spec = resolve_spec("smoke", SPEC)
    jax_trainer = gym_train.GymTrainer(spec)
    jax_calls = list(calls)
    torch_train, torch_eval = torch_envs.GymTrainEnv(spec, spec.num_envs), torch_envs.GymEvalEnv(spec, 2)
    torch_calls = calls[len(jax_calls) :]
    assert jax_calls == torch_calls == [(spec.task, 3), (spec.task, 2)]
    assert type(jax_trainer.envs) is type(torch_train.vec) is gym_envs.TrainVecEnv
    assert type(jax_trainer.eval_envs) is type(torch_eval.vec) is gym_envs.EvalVecEnv
    for env in (jax_trainer.envs, jax_trainer.eval_envs, torch_train, torch_eval):
        env.close()


def _scripted_actions(steps: int, num_envs: int, act_size: int) -> np.ndarray:
    """Deterministic actions, some beyond the bounds (the envs clip them), so episodes end and auto-reset."""
    t = np.arange(steps)[:, None, None]
    e = np.arange(num_envs)[None, :, None]
    a = np.arange(act_size)[None, None, :]
    return (1.5 * np.sin(0.3 * t + e + a)).astype(np.float32)


def test_scripted_actions_give_identical_observations_and_rewards() -> None:
    spec = resolve_spec("smoke", SPEC)
    jax_envs = gym_train.GymTrainer(spec).envs
    torch_env = torch_envs.GymTrainEnv(spec, spec.num_envs)
    actions = _scripted_actions(120, spec.num_envs, jax_envs.act_size)  # 3 episodes of at most 40 steps
    jax_obs, torch_obs = jax_envs.reset(seed=3), torch_env.reset(seed=3).numpy()
    np.testing.assert_array_equal(jax_obs, torch_obs)
    ends = 0
    for action in actions:
        a = jax_envs.step(action.copy())
        b = torch_env.step(torch.from_numpy(action.copy()))
        np.testing.assert_array_equal(a.next_obs, b.next_obs.numpy())
        np.testing.assert_array_equal(a.true_next_obs, b.true_next_obs.numpy())
        np.testing.assert_array_equal(a.reward, b.reward.numpy())
        np.testing.assert_array_equal(a.terminated, b.terminated.numpy())
        np.testing.assert_array_equal(a.truncated, b.truncated.numpy())
        assert a.episode_returns == b.episode_returns
        ends += int(np.sum(a.terminated | a.truncated))
    assert ends >= spec.num_envs  # the rollout crossed auto-resets
    jax_envs.close()
    torch_env.close()
