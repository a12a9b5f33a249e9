"""GAE and PPO loss terms against independent numpy references and hand-computed values."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.stats

from jax_ppo.losses import compute_gae, normalize_advantages, policy_loss, value_loss
from jax_ppo.networks import gaussian_entropy, gaussian_log_prob


def gae_reference(rewards, values, next_values, term, trunc, gamma, lam, bootstrap_on_truncation):
    """Plain-python GAE, written from the recursion in docs/ALGORITHM.md."""
    steps, envs = rewards.shape
    adv = np.zeros((steps, envs))
    for b in range(envs):
        running = 0.0
        for t in reversed(range(steps)):
            done = term[t, b] or trunc[t, b]
            ended_without_bootstrap = term[t, b] or (trunc[t, b] and not bootstrap_on_truncation)
            target = rewards[t, b] + (0.0 if ended_without_bootstrap else gamma * next_values[t, b])
            running = target - values[t, b] + (0.0 if done else gamma * lam * running)
            adv[t, b] = running
    return adv, adv + values


def test_gae_hand_computed_single_env():
    # T=3, one env; step 1 is truncated, so the recursion restarts there.
    rewards = np.array([[1.0], [2.0], [3.0]], np.float32)
    values = np.array([[0.5], [1.0], [1.5]], np.float32)
    next_values = np.array([[1.0], [4.0], [2.0]], np.float32)
    term = np.zeros((3, 1), np.float32)
    trunc = np.array([[0.0], [1.0], [0.0]], np.float32)
    gamma, lam = 0.5, 0.5
    # bootstrap on truncation: delta = [1+0.5*1-0.5, 2+0.5*4-1, 3+0.5*2-1.5] = [1, 3, 2.5]
    # adv[2] = 2.5; adv[1] = 3 (done stops recursion); adv[0] = 1 + 0.25 * 3 = 1.75
    adv, ret = compute_gae(rewards, values, next_values, term, trunc, gamma, lam, True)
    np.testing.assert_allclose(np.asarray(adv)[:, 0], [1.75, 3.0, 2.5], rtol=1e-6)
    np.testing.assert_allclose(np.asarray(ret)[:, 0], [2.25, 4.0, 4.0], rtol=1e-6)
    # no bootstrap: delta[1] = 2 - 1 = 1; adv[0] = 1 + 0.25 * 1 = 1.25
    adv, _ = compute_gae(rewards, values, next_values, term, trunc, gamma, lam, False)
    np.testing.assert_allclose(np.asarray(adv)[:, 0], [1.25, 1.0, 2.5], rtol=1e-6)
    # a termination never bootstraps: delta[1] = 2 - 1 = 1 in both settings
    for bootstrap in (True, False):
        adv, _ = compute_gae(rewards, values, next_values, trunc, term, gamma, lam, bootstrap)
        np.testing.assert_allclose(np.asarray(adv)[:, 0], [1.25, 1.0, 2.5], rtol=1e-6)


@pytest.mark.parametrize("bootstrap", [True, False])
def test_gae_matches_reference_on_random_episodes(bootstrap):
    rng = np.random.default_rng(0)
    shape = (17, 5)
    rewards, values, next_values = (rng.normal(size=shape).astype(np.float32) for _ in range(3))
    term = (rng.random(shape) < 0.1).astype(np.float32)
    trunc = ((rng.random(shape) < 0.1) & (term == 0)).astype(np.float32)
    adv, ret = compute_gae(rewards, values, next_values, term, trunc, 0.99, 0.95, bootstrap)
    ref_adv, ref_ret = gae_reference(rewards, values, next_values, term, trunc, 0.99, 0.95, bootstrap)
    np.testing.assert_allclose(np.asarray(adv), ref_adv, rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(np.asarray(ret), ref_ret, rtol=1e-5, atol=1e-5)


def test_normalize_advantages_population_std():
    adv = np.array([1.0, 2.0, 3.0, 6.0], np.float32)
    expected = (adv - adv.mean()) / (adv.std(ddof=0) + 1e-8)
    np.testing.assert_allclose(np.asarray(normalize_advantages(adv)), expected, rtol=1e-6)


def test_policy_loss_against_numpy():
    new = np.array([0.0, 0.5, -0.5, 0.1], np.float32)
    old = np.array([0.0, 0.0, 0.0, 0.0], np.float32)
    adv = np.array([1.0, 1.0, -2.0, -1.0], np.float32)
    clip = 0.2
    ratio = np.exp(new - old)
    expected_pg = np.mean(np.maximum(-adv * ratio, -adv * np.clip(ratio, 1 - clip, 1 + clip)))
    pg, kl, clipfrac = policy_loss(new, old, adv, clip)
    np.testing.assert_allclose(float(pg), expected_pg, rtol=1e-6)
    np.testing.assert_allclose(float(kl), np.mean(ratio - 1 - (new - old)), rtol=1e-5)
    # ratios 1, 1.65, 0.61, 1.105: two lie outside [0.8, 1.2]
    assert float(clipfrac) == pytest.approx(0.5)


@pytest.mark.parametrize("clip_vloss", [True, False])
def test_value_loss_against_numpy(clip_vloss):
    new = np.array([1.0, 2.0, -1.0], np.float32)
    old = np.array([0.5, 2.5, 0.0], np.float32)
    ret = np.array([2.0, 0.0, -0.5], np.float32)
    unclipped = (new - ret) ** 2
    clipped = (old + np.clip(new - old, -0.2, 0.2) - ret) ** 2
    expected = 0.5 * np.mean(np.maximum(unclipped, clipped) if clip_vloss else unclipped)
    np.testing.assert_allclose(float(value_loss(new, old, ret, 0.2, clip_vloss)), expected, rtol=1e-6)


def test_gaussian_log_prob_and_entropy_match_scipy():
    rng = np.random.default_rng(1)
    mean = rng.normal(size=(6, 3)).astype(np.float32)
    log_std = np.array([-0.5, 0.0, 0.3], np.float32)
    actions = rng.normal(size=(6, 3)).astype(np.float32)
    expected = scipy.stats.norm.logpdf(actions, mean, np.exp(log_std)).sum(-1)
    np.testing.assert_allclose(np.asarray(gaussian_log_prob(mean, log_std, actions)), expected, rtol=1e-5)
    entropy = np.asarray(gaussian_entropy(log_std, mean))
    assert entropy.shape == (6,)
    np.testing.assert_allclose(entropy, scipy.stats.norm.entropy(0, np.exp(log_std)).sum(), rtol=1e-5)
