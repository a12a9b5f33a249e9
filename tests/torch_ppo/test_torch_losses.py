"""GAE and the PPO loss terms against hand-computed values and an independent numpy implementation."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from shared_spec.spec import PPOSpec
from tests.parity.weights import torch_params_to_numpy
from torch_ppo.losses import Batch, compute_gae, normalize_advantages, policy_loss, ppo_loss, value_loss
from torch_ppo.networks import ActorCritic, learning_rate_at

# Two envs over T = 3 steps, gamma = lambda = 0.5 (so gamma * lambda = 0.25 and every value is exact).
# env 0: truncated at t=1, next_values 2 everywhere; env 1: terminated at t=0.
REWARDS = [[1.0, 1.0], [1.0, 0.0], [1.0, 2.0]]
VALUES = [[0.0, 1.0], [0.0, 1.0], [0.0, 1.0]]
NEXT_VALUES = [[2.0, 4.0], [2.0, 2.0], [2.0, 2.0]]
TERMINATIONS = [[False, True], [False, False], [False, False]]
TRUNCATIONS = [[False, False], [True, False], [False, False]]


def _gae(bootstrap_on_truncation: bool) -> tuple[np.ndarray, np.ndarray]:
    adv, ret = compute_gae(
        torch.tensor(REWARDS),
        torch.tensor(VALUES),
        torch.tensor(NEXT_VALUES),
        torch.tensor(TERMINATIONS),
        torch.tensor(TRUNCATIONS),
        gamma=0.5,
        gae_lambda=0.5,
        bootstrap_on_truncation=bootstrap_on_truncation,
    )
    return adv.numpy(), ret.numpy()


def test_gae_hand_computed_bootstrapping_truncation() -> None:
    adv, ret = _gae(bootstrap_on_truncation=True)
    # env 0: delta = 1 + 0.5 * 2 - 0 = 2 at every step (truncation still bootstraps);
    # adv2 = 2, adv1 = 2 (episode ends at t=1, no carry), adv0 = 2 + 0.25 * 2 = 2.5.
    # env 1: delta0 = 1 - 1 = 0 (terminal), delta1 = 0 + 1 - 1 = 0, delta2 = 2 + 1 - 1 = 2;
    # adv2 = 2, adv1 = 0 + 0.25 * 2 = 0.5, adv0 = 0 (terminal: no carry).
    np.testing.assert_allclose(adv, [[2.5, 0.0], [2.0, 0.5], [2.0, 2.0]])
    np.testing.assert_allclose(ret, [[2.5, 1.0], [2.0, 1.5], [2.0, 3.0]])


def test_gae_hand_computed_truncation_as_terminal() -> None:
    adv, _ = _gae(bootstrap_on_truncation=False)
    # env 0: delta1 = 1 + 0 - 0 = 1 (no bootstrap); adv1 = 1, adv0 = 2 + 0.25 * 1 = 2.25. env 1 unchanged.
    np.testing.assert_allclose(adv, [[2.25, 0.0], [1.0, 0.5], [2.0, 2.0]])


def _numpy_gae(r, v, nv, term, trunc, gamma, lam, boot):
    """Straight transcription of the docs/ALGORITHM.md definition, one env and step at a time."""
    t_len, b = r.shape
    adv = np.zeros_like(r)
    for j in range(b):
        nxt = 0.0
        for t in reversed(range(t_len)):
            done = term[t, j] or trunc[t, j]
            bootstrap = (not term[t, j]) if boot else (not done)
            delta = r[t, j] + gamma * nv[t, j] * bootstrap - v[t, j]
            nxt = delta + gamma * lam * (not done) * nxt
            adv[t, j] = nxt
    return adv, adv + v


@pytest.mark.parametrize("boot", [True, False])
def test_gae_matches_numpy_reference_on_random_rollout(boot: bool) -> None:
    rng = np.random.default_rng(0)
    shape = (17, 5)
    r, v, nv = (rng.normal(size=shape).astype(np.float32) for _ in range(3))
    term, trunc = rng.random(shape) < 0.1, rng.random(shape) < 0.1
    adv, ret = compute_gae(*map(torch.from_numpy, (r, v, nv, term, trunc)), 0.99, 0.95, boot)
    exp_adv, exp_ret = _numpy_gae(r, v, nv, term, trunc, 0.99, 0.95, boot)
    np.testing.assert_allclose(adv.numpy(), exp_adv, rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(ret.numpy(), exp_ret, rtol=1e-5, atol=1e-5)


def test_normalize_advantages_uses_population_std() -> None:
    adv = torch.tensor([1.0, 2.0, 3.0, 6.0])
    expected = (adv.numpy() - 3.0) / (np.std(adv.numpy(), ddof=0) + 1e-8)
    np.testing.assert_allclose(normalize_advantages(adv).numpy(), expected, rtol=1e-6)


def test_policy_loss_hand_computed() -> None:
    new = torch.tensor([0.0, np.log(1.5), np.log(0.5)])
    pg_loss, approx_kl, clipfrac = policy_loss(new, torch.zeros(3), torch.tensor([1.0, 1.0, -1.0]), 0.2)
    # ratios 1, 1.5, 0.5; clipped 1, 1.2, 0.8; per-sample max(-A r, -A clip(r)) = -1, -1.2, 0.8
    assert pg_loss.item() == pytest.approx((-1.0 - 1.2 + 0.8) / 3, rel=1e-6)
    assert approx_kl.item() == pytest.approx((0.0 + (0.5 - np.log(1.5)) + (-0.5 - np.log(0.5))) / 3, rel=1e-6)
    assert clipfrac.item() == pytest.approx(2 / 3)


def test_value_loss_clipped_and_unclipped() -> None:
    new, old, ret = torch.tensor([1.0, 3.0]), torch.zeros(2), torch.tensor([2.0, 2.0])
    # unclipped errors (1-2)^2 = (3-2)^2 = 1; clipped values 0.5, 0.5 -> errors 2.25
    assert value_loss(new, old, ret, 0.5, clip_vloss=False).item() == pytest.approx(0.5)
    assert value_loss(new, old, ret, 0.5, clip_vloss=True).item() == pytest.approx(0.5 * 2.25)


def _numpy_mlp(layers, x):
    for layer in layers[:-1]:
        x = np.tanh(x @ layer["kernel"] + layer["bias"])
    return x @ layers[-1]["kernel"] + layers[-1]["bias"]


def test_ppo_loss_matches_numpy() -> None:
    torch.manual_seed(0)
    spec = PPOSpec(ent_coef=0.01)
    agent = ActorCritic(3, 2, (8,), (8,), "tanh", init_log_std=-0.5)
    rng = np.random.default_rng(1)
    n = 16
    obs = rng.normal(size=(n, 3)).astype(np.float32)
    actions = rng.normal(size=(n, 2)).astype(np.float32)
    old_lp, old_v, adv, ret = (rng.normal(size=n).astype(np.float32) for _ in range(4))
    batch = Batch(*map(torch.from_numpy, (obs, actions, old_lp, old_v, adv, ret)))
    loss, metrics = ppo_loss(agent, batch, spec)

    p = torch_params_to_numpy(agent)
    mean, value = _numpy_mlp(p["actor"], obs), _numpy_mlp(p["critic"], obs)[:, 0]
    log_std = p["log_std"].astype(np.float64)
    logp = (-0.5 * ((actions - mean) / np.exp(log_std)) ** 2 - log_std - 0.5 * np.log(2 * np.pi)).sum(-1)
    entropy = (0.5 + 0.5 * np.log(2 * np.pi) + log_std).sum()
    a = (adv - adv.mean()) / (adv.std() + 1e-8)
    ratio = np.exp(logp - old_lp)
    pg = np.maximum(-a * ratio, -a * np.clip(ratio, 0.8, 1.2)).mean()
    v_clip = old_v + np.clip(value - old_v, -0.2, 0.2)
    v = 0.5 * np.maximum((value - ret) ** 2, (v_clip - ret) ** 2).mean()
    expected = pg - 0.01 * entropy + 0.5 * v
    assert metrics["pg_loss"].item() == pytest.approx(pg, rel=1e-4, abs=1e-6)
    assert metrics["v_loss"].item() == pytest.approx(v, rel=1e-4)
    assert metrics["entropy_loss"].item() == pytest.approx(entropy, rel=1e-5)
    assert loss.item() == pytest.approx(expected, rel=1e-4, abs=1e-6)


def test_learning_rate_schedule() -> None:
    spec = PPOSpec(total_timesteps=4096, num_envs=4, num_steps=128, num_evals=1)  # 8 updates
    assert learning_rate_at(spec, 0) == pytest.approx(3e-4)
    assert learning_rate_at(spec, 4) == pytest.approx(3e-4 * 0.5)
    assert learning_rate_at(spec.replace(anneal_lr=False), 7) == pytest.approx(3e-4)
