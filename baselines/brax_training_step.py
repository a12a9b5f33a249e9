"""One update of Brax's own PPO as a jitted program of ours to time: `training_step` of
`brax/training/agents/ppo/train.py` (Brax 0.14.2), put together from `brax.training`'s own functions.

Why: Brax's `ppo.train` can only be timed from outside, per epoch (`training/sps`), over its whole run, and
its physics cost depends on how its policy learns. To compare the two JAX implementations' own work
(`experiments.perf_jax_vs_brax_controlled`), both update programs must run in one process, from the same
kind of start, on the same env or on the physics-free stand-in (`ppo_envs.physics_free`). This module follows
Brax's `training_step`, `sgd_step` and `minibatch_step` line for line with Brax's own `generate_unroll`,
`make_inference_fn`, `compute_ppo_loss`, `loss_and_pgrad` and `running_statistics`, and the spec mapping of
`baselines.brax_ppo` (same networks, batch shape and loss coefficients).

Left out, as they do not apply to these runs: pmap over one device (jit here), the adaptive-KL learning
rate, pixel observations, `bootstrap_on_timeout`, and the per-epoch training-metrics callback.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any, NamedTuple

import jax
import jax.numpy as jnp
import optax
from brax import envs as brax_envs
from brax.training import gradients
from brax.training.acme import running_statistics
from brax.training.acting import generate_unroll
from brax.training.agents.ppo import losses as ppo_losses
from brax.training.agents.ppo import networks as ppo_networks

from baselines.brax_ppo import brax_batch_shape, brax_train_kwargs, network_factory
from shared_spec.spec import PPOSpec


class BraxCarry(NamedTuple):
    """What Brax's `training_step` carries: its TrainingState's parts, the env state and the key."""

    optimizer_state: optax.OptState
    params: ppo_losses.PPONetworkParams
    normalizer_params: running_statistics.RunningStatisticsState
    env_state: Any
    key: jax.Array


@dataclass(frozen=True, eq=False)
class BraxTrainingStep:
    """Static parts of Brax's PPO for one spec: the wrapped env, networks, loss and optimizer."""

    spec: PPOSpec
    env: brax_envs.Env
    network: ppo_networks.PPONetworks
    optimizer: optax.GradientTransformation
    loss_and_pgrad: Any
    make_policy: Any
    """Brax's `make_inference_fn` of the network (values in the rollout when the value loss is clipped)."""
    shape: dict[str, int]


def make_brax_training_step(spec: PPOSpec, environment: brax_envs.Env) -> BraxTrainingStep:
    """Brax's training wrappers around `environment`, and its networks, loss and optimizer for `spec`."""
    kwargs = brax_train_kwargs(spec, seed=0)
    env = brax_envs.training.wrap(environment, episode_length=spec.episode_length, action_repeat=1)
    normalize = running_statistics.normalize if spec.normalize_obs else (lambda x, _: x)
    network = network_factory(spec)(
        env.observation_size, env.action_size, preprocess_observations_fn=normalize
    )
    loss_fn = functools.partial(
        ppo_losses.compute_ppo_loss,
        ppo_network=network,
        entropy_cost=kwargs["entropy_cost"],
        discounting=kwargs["discounting"],
        reward_scaling=kwargs["reward_scaling"],
        gae_lambda=kwargs["gae_lambda"],
        clipping_epsilon=kwargs["clipping_epsilon"],
        normalize_advantage=kwargs["normalize_advantage"],
        vf_coefficient=kwargs["vf_loss_coefficient"],
        clipping_epsilon_value=kwargs["clipping_epsilon_value"],
    )
    optimizer = optax.chain(optax.clip_by_global_norm(spec.max_grad_norm), optax.adam(spec.learning_rate))
    return BraxTrainingStep(
        spec=spec,
        env=env,
        network=network,
        optimizer=optimizer,
        loss_and_pgrad=gradients.loss_and_pgrad(loss_fn, pmap_axis_name=None, has_aux=True),
        make_policy=ppo_networks.make_inference_fn(
            network, compute_value=kwargs["clipping_epsilon_value"] is not None
        ),
        shape=brax_batch_shape(spec),
    )


def init_brax_carry(step: BraxTrainingStep, key: jax.Array) -> BraxCarry:
    """Fresh networks (Brax's init), optimizer state, normalizer and `num_envs` reset envs."""
    key_policy, key_value, key_env, key = jax.random.split(key, 4)
    params = ppo_losses.PPONetworkParams(
        policy=step.network.policy_network.init(key_policy),
        value=step.network.value_network.init(key_value),
    )
    obs_spec = jax.ShapeDtypeStruct((step.env.observation_size,), jnp.float32)
    env_state = step.env.reset(jax.random.split(key_env, step.spec.num_envs))  # its VmapWrapper maps keys
    return BraxCarry(
        step.optimizer.init(params), params, running_statistics.init_state(obs_spec), env_state, key
    )


def _minibatch_step(step: BraxTrainingStep, normalizer_params: Any, carry: tuple, minibatch: Any) -> tuple:
    optimizer_state, params, key = carry
    key, key_loss = jax.random.split(key)
    (_, metrics), grads = step.loss_and_pgrad(params, normalizer_params, minibatch, key_loss)
    updates, optimizer_state = step.optimizer.update(grads, optimizer_state)
    return (optimizer_state, optax.apply_updates(params, updates), key), metrics


def _sgd_step(step: BraxTrainingStep, data: Any, normalizer_params: Any, carry: tuple, _: None) -> tuple:
    optimizer_state, params, key = carry
    key, key_perm, key_grad = jax.random.split(key, 3)
    num_minibatches = step.shape["num_minibatches"]

    def shuffle(x: jax.Array) -> jax.Array:
        x = jax.random.permutation(key_perm, x)
        return jnp.reshape(x, (num_minibatches, -1, *x.shape[1:]))

    (optimizer_state, params, _), metrics = jax.lax.scan(
        functools.partial(_minibatch_step, step, normalizer_params),
        (optimizer_state, params, key_grad),
        jax.tree.map(shuffle, data),
        length=num_minibatches,
    )
    return (optimizer_state, params, key), metrics


def brax_rollout(step: BraxTrainingStep, carry: BraxCarry, key: jax.Array) -> tuple[Any, Any]:
    """Brax's data collection of one update: `batch_size * num_minibatches` unrolls of `unroll_length` with its
    own `generate_unroll`; the env state after it and the data, leaves [unrolls, unroll_length, num_envs, ...]."""
    spec, shape = step.spec, step.shape
    policy = step.make_policy((carry.normalizer_params, carry.params.policy, carry.params.value))

    def unroll(inner: tuple, _: None) -> tuple:
        env_state, key = inner
        key, next_key = jax.random.split(key)
        extra_fields = ("truncation", "episode_metrics", "episode_done")
        env_state, data = generate_unroll(
            step.env, env_state, policy, key, shape["unroll_length"], extra_fields=extra_fields
        )
        return (env_state, next_key), data

    num_unrolls = shape["batch_size"] * shape["num_minibatches"] // spec.num_envs
    (env_state, _), data = jax.lax.scan(unroll, (carry.env_state, key), (), length=num_unrolls)
    return env_state, data


def brax_training_step(step: BraxTrainingStep, carry: BraxCarry) -> BraxCarry:
    """One update: `batch_size * num_minibatches` unrolls of `unroll_length`, then the epochs of SGD."""
    spec = step.spec
    key_sgd, key_generate_unroll, new_key = jax.random.split(carry.key, 3)
    env_state, data = brax_rollout(step, carry, key_generate_unroll)
    data = jax.tree.map(lambda x: jnp.swapaxes(x, 1, 2), data)
    data = jax.tree.map(lambda x: jnp.reshape(x, (-1, *x.shape[2:])), data)
    normalizer_params = running_statistics.update(carry.normalizer_params, data.observation)
    (optimizer_state, params, _), _ = jax.lax.scan(
        functools.partial(_sgd_step, step, data, normalizer_params),
        (carry.optimizer_state, carry.params, key_sgd),
        (),
        length=spec.update_epochs,
    )
    return BraxCarry(optimizer_state, params, normalizer_params, env_state, new_key)
