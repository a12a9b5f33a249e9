"""Network init, the Gaussian helpers and the neutral weight layout."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from scipy import stats

from tests.parity.weights import to_torch, torch_params_to_numpy
from torch_ppo.networks import ActorCritic, gaussian_entropy, gaussian_log_prob


def test_gaussian_log_prob_and_entropy_match_scipy() -> None:
    rng = np.random.default_rng(0)
    mean = rng.normal(size=(5, 3)).astype(np.float32)
    log_std = rng.normal(size=3).astype(np.float32) * 0.3
    actions = rng.normal(size=(5, 3)).astype(np.float32)
    logp = gaussian_log_prob(*map(torch.from_numpy, (mean, log_std, actions)))
    expected = stats.norm.logpdf(actions, mean, np.exp(log_std)).sum(-1)
    np.testing.assert_allclose(logp.numpy(), expected, rtol=1e-5)
    entropy = gaussian_entropy(torch.from_numpy(log_std), torch.from_numpy(mean))
    assert entropy.shape == (5,)
    np.testing.assert_allclose(entropy.numpy(), stats.norm.entropy(0, np.exp(log_std)).sum(), rtol=1e-5)


def test_init_is_orthogonal_with_the_documented_gains_and_zero_bias() -> None:
    torch.manual_seed(0)
    agent = ActorCritic(11, 3, (64, 64), (64, 64), "tanh", init_log_std=-0.5)
    p = torch_params_to_numpy(agent)
    for layers, head_gain in ((p["actor"], 0.01), (p["critic"], 1.0)):
        gains = [np.sqrt(2.0)] * (len(layers) - 1) + [head_gain]
        for layer, gain in zip(layers, gains, strict=True):
            k = layer["kernel"]  # [in, out]; orthogonal along the smaller side
            gram = k.T @ k if k.shape[1] <= k.shape[0] else k @ k.T
            np.testing.assert_allclose(gram, gain**2 * np.eye(gram.shape[0]), atol=1e-5)
            assert not layer["bias"].any()
    np.testing.assert_array_equal(p["log_std"], np.full(3, -0.5, np.float32))


def test_params_round_trip_through_the_neutral_layout() -> None:
    torch.manual_seed(1)
    agent = ActorCritic(4, 2, (16, 8), (32,), "tanh")
    tree = torch_params_to_numpy(agent)
    assert tree["actor"][0]["kernel"].shape == (4, 16) and tree["critic"][-1]["kernel"].shape == (32, 1)
    clone = to_torch(tree)
    obs = torch.randn(7, 4)
    torch.testing.assert_close(clone.action_mean(obs), agent.action_mean(obs))
    torch.testing.assert_close(clone.value(obs), agent.value(obs))
    with pytest.raises(ValueError, match="actor"):
        to_torch({**tree, "actor": tree["actor"][:1]}, ActorCritic(4, 2, (16, 8), (32,)))
