"""The actor-critic network (flax linen), the diagonal Gaussian policy, Adam and the learning-rate schedule.

Why linen and not nnx: the trainer is one pure function scanned and `fori_loop`-ed under `jax.jit` and
vmapped over seeds. Linen's `init`/`apply` give parameters as a plain pytree that goes straight into a scan
carry, `optax` and `jax.vmap`; nnx objects are mutable and would need `nnx.split`/`nnx.merge` at every
transform boundary for no gain here.

Not here: losses (losses.py), sampling inside the rollout (train.py).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import flax.linen as nn
import jax
import jax.numpy as jnp
import optax

from shared_spec.spec import PPOSpec

Params = Any
"""The `{"params": {...}}` pytree of `ActorCritic`."""

ACTIVATIONS = {"tanh": jnp.tanh, "relu": jax.nn.relu}
LOG_2PI = math.log(2.0 * math.pi)


class MLP(nn.Module):
    """Dense layers `layer_0..layer_{n}`: hidden layers (orthogonal sqrt 2 init) then a linear head."""

    hidden: Sequence[int]
    out_size: int
    activation: str
    head_gain: float

    @nn.compact
    def __call__(self, x: jax.Array) -> jax.Array:
        act = ACTIVATIONS[self.activation]
        for i, size in enumerate(self.hidden):
            layer = nn.Dense(size, kernel_init=nn.initializers.orthogonal(math.sqrt(2.0)), name=f"layer_{i}")
            x = act(layer(x))
        head = nn.Dense(
            self.out_size,
            kernel_init=nn.initializers.orthogonal(self.head_gain),
            name=f"layer_{len(self.hidden)}",
        )
        return head(x)


class ActorCritic(nn.Module):
    """Separate actor (action mean) and critic (value) MLPs plus a state-independent `log_std` [A]."""

    action_size: int
    actor_hidden: Sequence[int]
    critic_hidden: Sequence[int]
    activation: str
    init_log_std: float

    def setup(self) -> None:
        self.actor = MLP(self.actor_hidden, self.action_size, self.activation, head_gain=0.01)
        self.critic = MLP(self.critic_hidden, 1, self.activation, head_gain=1.0)
        self.log_std = self.param("log_std", nn.initializers.constant(self.init_log_std), (self.action_size,))

    def __call__(self, obs: jax.Array) -> tuple[jax.Array, jax.Array, jax.Array]:
        """(action mean [..., A], log_std [A], value [...]) for normalized observations [..., O]."""
        return self.actor(obs), self.log_std, self.critic(obs)[..., 0]

    def action_mean(self, obs: jax.Array) -> jax.Array:
        """The actor's mean action [..., A] alone (rollout and evaluation need no value)."""
        return self.actor(obs)

    def value(self, obs: jax.Array) -> jax.Array:
        """V(obs) [...] alone (for the final observations of ended episodes)."""
        return self.critic(obs)[..., 0]


def make_network(spec: PPOSpec, action_size: int) -> ActorCritic:
    """The network the spec describes."""
    return ActorCritic(
        action_size=action_size,
        actor_hidden=tuple(spec.actor_hidden),
        critic_hidden=tuple(spec.critic_hidden),
        activation=spec.activation,
        init_log_std=spec.init_log_std,
    )


def make_optimizer(spec: PPOSpec) -> optax.GradientTransformation:
    """Global grad-norm clip then Adam (betas 0.9/0.999, eps `adam_eps`) on `learning_rate_at`'s schedule.

    Optax counts optimizer steps, `update_epochs * num_minibatches` per update, so the schedule maps its
    count back to the update index: the rate stays constant within one update, as on the torch side
    (purejaxrl's `linear_schedule` does the same).
    """
    steps_per_update = spec.update_epochs * spec.num_minibatches

    def schedule(count: jax.Array) -> jax.Array:
        return learning_rate_at(spec, count // steps_per_update)

    return optax.chain(
        optax.clip_by_global_norm(spec.max_grad_norm), optax.adam(learning_rate=schedule, eps=spec.adam_eps)
    )


def learning_rate_at(spec: PPOSpec, update_index: jax.Array | int) -> jax.Array | float:
    """Learning rate of update `update_index` (0-based): lr * (1 - update_index / num_updates) if annealed."""
    if not spec.anneal_lr:
        return spec.learning_rate
    return spec.learning_rate * (1.0 - update_index / spec.num_updates)


def gaussian_log_prob(mean: jax.Array, log_std: jax.Array, actions: jax.Array) -> jax.Array:
    """Log-density of `actions` under N(mean, exp(log_std)^2), summed over the last (action) axis."""
    z = (actions - mean) * jnp.exp(-log_std)
    return jnp.sum(-0.5 * jnp.square(z) - log_std - 0.5 * LOG_2PI, axis=-1)


def gaussian_entropy(log_std: jax.Array, mean: jax.Array) -> jax.Array:
    """Entropy of the diagonal Gaussian, summed over actions, broadcast to the batch shape of `mean`."""
    per_dim = jnp.broadcast_to(log_std + 0.5 * (1.0 + LOG_2PI), mean.shape)
    return jnp.sum(per_dim, axis=-1)
