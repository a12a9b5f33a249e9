"""Running normalization against numpy references (Welford / Gymnasium's own RunningMeanStd)."""

from __future__ import annotations

import numpy as np
from gymnasium.wrappers.utils import RunningMeanStd as GymRunningMeanStd

from jax_ppo.normalization import (
    init_normalization,
    init_running_mean_std,
    normalize_obs,
    normalize_reward,
    update_running_mean_std,
)


def welford(samples: np.ndarray, prior_count: float = 1e-4) -> tuple[np.ndarray, np.ndarray]:
    """Sample-by-sample Welford in float64, starting from the prior (mean 0, var 1, count 1e-4)."""
    mean = np.zeros(samples.shape[1:])
    m2 = np.ones(samples.shape[1:]) * prior_count
    count = prior_count
    for x in samples:
        count += 1
        delta = x - mean
        mean = mean + delta / count
        m2 = m2 + delta * (x - mean)
    return mean, m2 / count


def test_running_mean_std_matches_welford_and_gymnasium():
    rng = np.random.default_rng(0)
    batches = [rng.normal(3.0, 2.0, size=(n, 4)).astype(np.float32) for n in (1, 5, 8, 3)]
    rms = init_running_mean_std((4,))
    gym_rms = GymRunningMeanStd(shape=(4,))
    for batch in batches:
        rms = update_running_mean_std(rms, batch)
        gym_rms.update(batch)
    mean, var = welford(np.concatenate(batches).astype(np.float64))
    np.testing.assert_allclose(np.asarray(rms.mean), mean, rtol=1e-5)
    np.testing.assert_allclose(np.asarray(rms.var), var, rtol=1e-4)
    np.testing.assert_allclose(np.asarray(rms.var), gym_rms.var, rtol=1e-4)
    np.testing.assert_allclose(float(rms.count), 17 + 1e-4, rtol=1e-6)


def test_normalize_obs_updates_then_clips():
    obs = np.array([[0.0, 100.0], [2.0, -100.0]], np.float32)
    state, normalized = normalize_obs(init_normalization(2, 2), obs, obs_clip=0.5)
    mean, var = welford(obs.astype(np.float64))
    expected = np.clip((obs - mean) / np.sqrt(var + 1e-8), -0.5, 0.5)
    np.testing.assert_allclose(np.asarray(normalized), expected, rtol=1e-5)
    np.testing.assert_allclose(np.asarray(state.obs_rms.mean), mean, rtol=1e-5, atol=1e-6)


def test_normalize_reward_follows_gymnasium_vector_wrapper():
    """The numpy loop below is Gymnasium 1.4's vector NormalizeReward.step (SAME_STEP autoreset)."""
    rng = np.random.default_rng(2)
    steps, envs, gamma, clip = 30, 3, 0.9, 10.0
    rewards = rng.normal(1.0, 3.0, size=(steps, envs)).astype(np.float32)
    term = (rng.random((steps, envs)) < 0.1).astype(np.float32)
    trunc = ((rng.random((steps, envs)) < 0.1) & (term == 0)).astype(np.float32)

    gym_rms, accumulated = GymRunningMeanStd(shape=()), np.zeros(envs)
    state = init_normalization(1, envs)
    for t in range(steps):
        accumulated = accumulated * gamma * (1 - term[t]) + rewards[t]
        gym_rms.update(accumulated)
        accumulated[(term[t] + trunc[t]) > 0] = 0
        expected = np.clip(rewards[t] / np.sqrt(gym_rms.var + 1e-8), -clip, clip)
        state, scaled = normalize_reward(state, rewards[t], term[t], trunc[t], gamma, clip)
        np.testing.assert_allclose(np.asarray(scaled), expected, rtol=1e-4)
        np.testing.assert_allclose(np.asarray(state.discounted_return), accumulated, rtol=1e-4, atol=1e-5)


def test_disabled_normalizers_pass_through():
    state = init_normalization(2, 2)
    obs = np.ones((2, 2), np.float32) * 7
    same_state, same_obs = normalize_obs(state, obs, 10.0, enabled=False)
    assert same_state is state
    np.testing.assert_array_equal(np.asarray(same_obs), obs)
    reward = np.array([3.0, -2.0], np.float32)
    _, same_reward = normalize_reward(state, reward, np.zeros(2), np.zeros(2), 0.99, 10.0, enabled=False)
    np.testing.assert_array_equal(np.asarray(same_reward), reward)
