"""PPO's pure loss terms: GAE, advantage normalization, clipped surrogate, value loss, and their sum.

Every function is a pure function of tensors (no module state, no env), with the names and semantics of
docs/ALGORITHM.md, so it can be diffed against `jax_ppo/losses.py` and called on identical inputs by the
parity tests. Shapes: T = num_steps, B = num_envs, N = minibatch size, A = action size, O = obs size.
"""

from __future__ import annotations

from typing import NamedTuple

import torch

from shared_spec.spec import PPOSpec
from torch_ppo.networks import ActorCritic, gaussian_entropy, gaussian_log_prob


class Batch(NamedTuple):
    """Flattened rollout transitions for the update (each float32 with leading axis N)."""

    obs: torch.Tensor
    """[N, O] normalized observations."""
    actions: torch.Tensor
    """[N, A] sampled (unclipped) actions."""
    log_probs: torch.Tensor
    """[N] log-probabilities of `actions` under the rollout policy."""
    values: torch.Tensor
    """[N] V(obs) under the rollout critic."""
    advantages: torch.Tensor
    """[N] GAE advantages."""
    returns: torch.Tensor
    """[N] advantages + values (the value targets)."""


def compute_gae(
    rewards: torch.Tensor,
    values: torch.Tensor,
    next_values: torch.Tensor,
    terminations: torch.Tensor,
    truncations: torch.Tensor,
    gamma: float,
    gae_lambda: float,
    bootstrap_on_truncation: bool,
) -> tuple[torch.Tensor, torch.Tensor]:
    """Generalized advantage estimates and returns, both float32 [T, B].

    `next_values[t]` is V of the true next observation of step t (the final observation, before the
    auto-reset, where the step ended an episode). A truncated step bootstraps from it when
    `bootstrap_on_truncation`; a terminated step never does. The recursion never crosses an episode end.
    """
    rewards, values, next_values = (
        torch.as_tensor(x, dtype=torch.float32) for x in (rewards, values, next_values)
    )
    terminated = torch.as_tensor(terminations).to(torch.float32)
    truncated = torch.as_tensor(truncations).to(torch.float32)
    done = torch.maximum(terminated, truncated)
    bootstrap_mask = 1.0 - (terminated if bootstrap_on_truncation else done)
    deltas = rewards + gamma * next_values * bootstrap_mask - values
    carry = (gamma * gae_lambda) * (1.0 - done)
    advantages = torch.empty_like(deltas)
    last = torch.zeros_like(deltas[0])
    for t in range(deltas.shape[0] - 1, -1, -1):
        last = deltas[t] + carry[t] * last
        advantages[t] = last
    return advantages, advantages + values


def normalize_advantages(advantages: torch.Tensor) -> torch.Tensor:
    """(adv - mean) / (population std + 1e-8) over the given (mini)batch."""
    return (advantages - advantages.mean()) / (advantages.std(correction=0) + 1e-8)


def policy_loss(
    new_log_prob: torch.Tensor, old_log_prob: torch.Tensor, advantages: torch.Tensor, clip_coef: float
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Clipped surrogate objective (as a loss) plus the approx_kl and clipfrac diagnostics (no grad)."""
    log_ratio = new_log_prob - old_log_prob
    ratio = torch.exp(log_ratio)
    pg_loss1 = -advantages * ratio
    pg_loss2 = -advantages * torch.clamp(ratio, 1.0 - clip_coef, 1.0 + clip_coef)
    pg_loss = torch.max(pg_loss1, pg_loss2).mean()
    with torch.no_grad():
        approx_kl = ((ratio - 1.0) - log_ratio).mean()
        clipfrac = ((ratio - 1.0).abs() > clip_coef).to(torch.float32).mean()
    return pg_loss, approx_kl, clipfrac


def value_loss(
    new_values: torch.Tensor,
    old_values: torch.Tensor,
    returns: torch.Tensor,
    clip_coef: float,
    clip_vloss: bool,
) -> torch.Tensor:
    """0.5 * mean squared error to the returns; with `clip_vloss`, the max of clipped and unclipped errors."""
    v_loss_unclipped = (new_values - returns).square()
    if not clip_vloss:
        return 0.5 * v_loss_unclipped.mean()
    v_clipped = old_values + torch.clamp(new_values - old_values, -clip_coef, clip_coef)
    v_loss_clipped = (v_clipped - returns).square()
    return 0.5 * torch.max(v_loss_unclipped, v_loss_clipped).mean()


def ppo_loss(
    network: ActorCritic, minibatch: Batch, spec: PPOSpec
) -> tuple[torch.Tensor, dict[str, torch.Tensor]]:
    """pg_loss - ent_coef * entropy_loss + vf_coef * v_loss for one minibatch, and the detached metrics.

    `network` holds the parameters (torch keeps them in the module); `spec` anything with PPOSpec's loss fields.
    """
    mean = network.action_mean(minibatch.obs)
    new_log_prob = gaussian_log_prob(mean, network.log_std, minibatch.actions)
    entropy = gaussian_entropy(network.log_std, mean)
    new_values = network.value(minibatch.obs)

    advantages = minibatch.advantages
    if spec.norm_adv:
        advantages = normalize_advantages(advantages)
    pg_loss, approx_kl, clipfrac = policy_loss(new_log_prob, minibatch.log_probs, advantages, spec.clip_coef)
    v_loss = value_loss(new_values, minibatch.values, minibatch.returns, spec.clip_coef, spec.clip_vloss)
    entropy_loss = entropy.mean()
    loss = pg_loss - spec.ent_coef * entropy_loss + spec.vf_coef * v_loss
    metrics = {
        "pg_loss": pg_loss.detach(),
        "v_loss": v_loss.detach(),
        "entropy_loss": entropy_loss.detach(),
        "approx_kl": approx_kl,
        "clipfrac": clipfrac,
    }
    return loss, metrics
