"""PPO's pure loss functions and GAE (docs/ALGORITHM.md, "losses.py"): arrays in, arrays out, no state.

Each function is the one named in docs/ALGORITHM.md, with the same semantics as `torch_ppo.losses`, so the
parity tests can call both on identical inputs. Not here: the network (networks.py), the loop (train.py).
"""

from __future__ import annotations

from typing import NamedTuple

import jax
import jax.numpy as jnp

from jax_ppo.networks import ActorCritic, Params, gaussian_entropy, gaussian_log_prob
from shared_spec.spec import PPOSpec


class Batch(NamedTuple):
    """Flattened transitions, the whole batch [T*B] or one minibatch; every field has leading axis [N]."""

    obs: jax.Array
    """float32 [N, O], normalized as the policy saw them."""
    actions: jax.Array
    """float32 [N, A], unclipped samples."""
    log_probs: jax.Array
    """float32 [N], log-prob of `actions` under the rollout policy."""
    values: jax.Array
    """float32 [N], V(obs) under the rollout critic."""
    advantages: jax.Array
    """float32 [N], GAE advantages (not yet normalized)."""
    returns: jax.Array
    """float32 [N], advantages + values."""


class LossMetrics(NamedTuple):
    """What `ppo_loss` reports besides the scalar loss."""

    pg_loss: jax.Array
    v_loss: jax.Array
    entropy_loss: jax.Array
    approx_kl: jax.Array
    clipfrac: jax.Array


class _GaeStep(NamedTuple):
    delta: jax.Array
    discount: jax.Array


def _gae_backward(next_advantage: jax.Array, step: _GaeStep) -> tuple[jax.Array, jax.Array]:
    """One step of the reverse scan: adv[t] = delta[t] + gamma * lambda * (1 - done[t]) * adv[t+1]."""
    advantage = step.delta + step.discount * next_advantage
    return advantage, advantage


def compute_gae(
    rewards: jax.Array,
    values: jax.Array,
    next_values: jax.Array,
    terminations: jax.Array,
    truncations: jax.Array,
    gamma: float,
    gae_lambda: float,
    bootstrap_on_truncation: bool,
) -> tuple[jax.Array, jax.Array]:
    """GAE advantages and returns, all float32 [T, B].

    `next_values[t]` is V of the true next observation of step t (the final observation before an auto-reset).
    A truncated step bootstraps from it when `bootstrap_on_truncation`, else it counts as terminal; either way
    the advantage recursion stops at any episode end.
    """
    terminations = terminations.astype(jnp.float32)
    truncations = truncations.astype(jnp.float32)
    done = jnp.maximum(terminations, truncations)
    bootstrap_mask = 1.0 - (terminations if bootstrap_on_truncation else done)
    delta = rewards + gamma * next_values * bootstrap_mask - values
    steps = _GaeStep(delta=delta, discount=gamma * gae_lambda * (1.0 - done))
    _, advantages = jax.lax.scan(_gae_backward, jnp.zeros_like(delta[0]), steps, reverse=True)
    return advantages, advantages + values


def normalize_advantages(adv: jax.Array) -> jax.Array:
    """(adv - mean) / (std + 1e-8) with the population std (ddof 0)."""
    return (adv - jnp.mean(adv)) / (jnp.std(adv) + 1e-8)


def policy_loss(
    new_log_prob: jax.Array, old_log_prob: jax.Array, advantages: jax.Array, clip_coef: float
) -> tuple[jax.Array, jax.Array, jax.Array]:
    """(pg_loss, approx_kl, clipfrac) of the clipped surrogate objective."""
    log_ratio = new_log_prob - old_log_prob
    ratio = jnp.exp(log_ratio)
    pg_loss = jnp.mean(
        jnp.maximum(-advantages * ratio, -advantages * jnp.clip(ratio, 1 - clip_coef, 1 + clip_coef))
    )
    approx_kl = jnp.mean((ratio - 1.0) - log_ratio)
    clipfrac = jnp.mean((jnp.abs(ratio - 1.0) > clip_coef).astype(jnp.float32))
    return pg_loss, approx_kl, clipfrac


def value_loss(
    new_values: jax.Array, old_values: jax.Array, returns: jax.Array, clip_coef: float, clip_vloss: bool
) -> jax.Array:
    """0.5 * mean squared error to the returns, optionally clipped around the old values."""
    v_loss_unclipped = jnp.square(new_values - returns)
    if not clip_vloss:
        return 0.5 * jnp.mean(v_loss_unclipped)
    v_clipped = old_values + jnp.clip(new_values - old_values, -clip_coef, clip_coef)
    v_loss_clipped = jnp.square(v_clipped - returns)
    return 0.5 * jnp.mean(jnp.maximum(v_loss_unclipped, v_loss_clipped))


def ppo_loss(
    network: ActorCritic, params: Params, minibatch: Batch, spec: PPOSpec
) -> tuple[jax.Array, LossMetrics]:
    """pg_loss - ent_coef * entropy_loss + vf_coef * v_loss on one minibatch, and its metrics.

    `network` comes first so that `functools.partial(ppo_loss, network)` is a function of the parameters, as
    Brax binds its `compute_ppo_loss`.
    """
    mean, log_std, new_values = network.apply(params, minibatch.obs)
    new_log_prob = gaussian_log_prob(mean, log_std, minibatch.actions)
    advantages = minibatch.advantages
    if spec.norm_adv:
        advantages = normalize_advantages(advantages)
    pg_loss, approx_kl, clipfrac = policy_loss(new_log_prob, minibatch.log_probs, advantages, spec.clip_coef)
    v_loss = value_loss(new_values, minibatch.values, minibatch.returns, spec.clip_coef, spec.clip_vloss)
    entropy_loss = jnp.mean(gaussian_entropy(log_std, mean))
    loss = pg_loss - spec.ent_coef * entropy_loss + spec.vf_coef * v_loss
    return loss, LossMetrics(pg_loss, v_loss, entropy_loss, approx_kl, clipfrac)
