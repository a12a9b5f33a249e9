"""The Gymnasium env adapter: SAME_STEP final observations, normalization order, next_values inputs."""

from __future__ import annotations

import numpy as np
import torch

from ppo_envs.gym_envs import make_gym_vec
from shared_spec.spec import PPOSpec
from torch_ppo.envs import GymEvalEnv, GymTrainEnv
from torch_ppo.train import Trainer

EPISODE = 5
SPEC = PPOSpec(
    task="inverted_pendulum", episode_length=EPISODE, num_envs=2, num_steps=8, normalize_reward=False
)


def test_true_next_obs_is_the_normalized_final_obs_not_the_reset_obs() -> None:
    envs = GymTrainEnv(SPEC, 2)
    raw = make_gym_vec(SPEC, 2)  # same seed, no wrappers: the raw trajectory to compare with
    envs.reset(seed=3)
    raw.reset(seed=3)
    zeros = torch.zeros(2, 1)
    for _ in range(EPISODE):
        step = envs.step(zeros)
        raw_obs, _, term, trunc, info = raw.step(zeros.numpy())
    assert step.truncated.all() and not step.terminated.any() and trunc.all() and not term.any()
    rms = envs.vec.obs_norm.obs_rms  # statistics already updated with this step's (post-reset) batch
    final = np.stack(info["final_obs"])
    expected_final = np.clip((final - rms.mean) / np.sqrt(rms.var + 1e-8), -10, 10)
    expected_next = np.clip((raw_obs - rms.mean) / np.sqrt(rms.var + 1e-8), -10, 10)
    np.testing.assert_allclose(step.true_next_obs.numpy(), expected_final, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(step.next_obs.numpy(), expected_next, rtol=1e-5, atol=1e-6)
    assert not np.allclose(expected_final, expected_next)
    envs.close()
    raw.close()


def test_next_values_use_the_pre_reset_observation() -> None:
    spec = SPEC.replace(gae_lambda=0.0, init_log_std=-20.0)  # std ~ 0: actions are the mean
    envs = GymTrainEnv(spec, 2)
    trainer = Trainer(spec, envs, GymEvalEnv(spec, 2), torch.device("cpu"), seed=0)
    batch = trainer.collect_batch()
    buffer, network = trainer.buffer, trainer.network
    t = EPISODE - 1  # the truncated step
    assert buffer.truncations[t].all()
    assert not torch.allclose(buffer.next_obs[t], buffer.obs[t + 1])  # final obs vs first obs of next episode
    torch.testing.assert_close(buffer.next_obs[t - 1], buffer.obs[t])  # mid-episode: just the next obs
    with torch.no_grad():  # lambda = 0: advantage = r + gamma * V(true next obs) - V(obs) at a truncation
        expected = (
            buffer.rewards[t] + spec.gamma * network.value(buffer.next_obs[t]) - network.value(buffer.obs[t])
        )
    torch.testing.assert_close(batch.advantages.view(spec.num_steps, 2)[t], expected)
    envs.close()


def test_actions_reach_the_simulator_clipped_to_the_bounds_in_train_and_eval_envs() -> None:
    """Out-of-range actions are clipped to the action space (inverted pendulum: [-3, 3]) before MuJoCo."""
    for envs in (GymTrainEnv(SPEC, 2), GymEvalEnv(SPEC, 2)):
        base = envs.vec.envs.unwrapped  # the SyncVectorEnv under every wrapper
        seen: list[np.ndarray] = []
        step = base.step
        base.step = lambda actions, step=step, seen=seen: (seen.append(np.array(actions)), step(actions))[1]
        envs.reset(seed=5)
        envs.step(torch.tensor([[30.0], [-1.5]]))
        np.testing.assert_array_equal(seen[-1], np.array([[3.0], [-1.5]], np.float32))
        envs.close()
