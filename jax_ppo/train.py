"""PPO's training steps in JAX, as Brax and purejaxrl write them: pure functions over one typed state, every
loop a `lax.scan`, the step names of torch_ppo/train.py (docs/ALGORITHM.md).

One update, `update_step`, is `collect_batch` (a scan of `env_step`, values in one batched critic call,
`compute_gae`, `flatten_batch`) then `learn_from_batch` (`update_epochs` x `num_minibatches` of
`minibatch_step` on `ppo_loss`, one scan): three levels from an update to the loss, as Brax's
`training_step -> sgd_step -> minibatch_step`. Static context (network, optimizer, envs, spec) is a frozen
`Learner` / `Trainer` bound with `functools.partial`; what changes is `LearnerState` (the learning half's) inside
`TrainState` (plus the envs and the normalizer). `train_chunk` runs a traced number of updates in one
`lax.fori_loop`, so the host can run any number between evaluations without recompiling.
Not in here: envs (ppo_envs.brax_envs), loss maths (losses.py), timing and the result line (run.py).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any, NamedTuple

import jax
import jax.numpy as jnp
import optax

from jax_ppo.losses import Batch, LossMetrics, compute_gae, ppo_loss
from jax_ppo.networks import (
    ActorCritic,
    Params,
    gaussian_log_prob,
    make_network,
    make_optimizer,
)
from jax_ppo.normalization import (
    NormalizationState,
    RunningMeanStd,
    init_normalization,
    normalize_obs,
    normalize_reward,
    scale_obs,
)
from shared_spec.spec import PPOSpec


# ----------------------------------------------------------------------------------------------- state
class Transition(NamedTuple):
    """One rollout, every field with leading axes [T, B]."""

    obs: jax.Array
    """float32 [T, B, O]: normalized observations the policy acted on."""
    actions: jax.Array
    """float32 [T, B, A]: sampled actions, unclipped."""
    log_probs: jax.Array
    """float32 [T, B]."""
    values: jax.Array
    """float32 [T, B]: V(obs)."""
    rewards: jax.Array
    """float32 [T, B]: scaled rewards (raw if `normalize_reward` is off)."""
    terminations: jax.Array
    """float32 [T, B]: 1 where the episode ended by the task's own condition."""
    truncations: jax.Array
    """float32 [T, B]: 1 where the episode ended by the time limit only."""
    next_values: jax.Array
    """float32 [T, B]: V of the true next observation (the final one before an auto-reset)."""


class EnvStep(NamedTuple):
    """What one env step of the rollout scan records; values are computed after the scan in one batch."""

    obs: jax.Array
    actions: jax.Array
    log_probs: jax.Array
    rewards: jax.Array
    terminations: jax.Array
    truncations: jax.Array
    next_obs: jax.Array
    """float32 [B, O]: normalized true next observation (pre-reset where the episode ended)."""


class LearnerState(NamedTuple):
    """What the learning half changes: parameters, Adam state, the PRNG key and the update count."""

    params: Params
    opt_state: optax.OptState
    key: jax.Array
    update_index: jax.Array
    """int32 scalar: updates done so far (the optimizer counts its own steps for the learning-rate schedule)."""


class TrainState(NamedTuple):
    """Everything that changes during training on Brax: the learner, the envs, the normalizer, the observation."""

    learner: LearnerState
    env_state: Any
    """brax.envs.State of the `num_envs` training envs."""
    norm: NormalizationState
    obs: jax.Array
    """float32 [B, O]: current normalized observation."""


class UpdateMetrics(NamedTuple):
    """Diagnostics of one update (losses averaged over its epochs and minibatches)."""

    pg_loss: jax.Array
    v_loss: jax.Array
    entropy_loss: jax.Array
    approx_kl: jax.Array
    clipfrac: jax.Array
    explained_variance: jax.Array
    all_finite: jax.Array
    """bool: loss, metrics and all parameters finite after this update."""


class EvalCarry(NamedTuple):
    """The evaluation loop's carry."""

    env_state: Any
    returns: jax.Array
    """float32 [E]: undiscounted raw return so far."""
    active: jax.Array
    """float32 [E]: 1 until the episode has ended."""
    steps: jax.Array
    """int32 []: env steps taken (the loop stops at `episode_length` or when every episode is done)."""


@dataclass(frozen=True, eq=False)
class Learner:
    """Static context of the learning half: never traced, bound into the compiled functions."""

    spec: PPOSpec
    network: ActorCritic
    optimizer: optax.GradientTransformation


@dataclass(frozen=True, eq=False)
class Trainer(Learner):
    """Static context of a training run on Brax: the learner and its envs."""

    env: Any
    eval_env: Any


def make_learner(spec: PPOSpec, action_size: int) -> Learner:
    """Network and optimizer of `spec` for an env with `action_size` actions."""
    return Learner(spec, make_network(spec, action_size), make_optimizer(spec))


def make_trainer(spec: PPOSpec) -> Trainer:
    """Envs, network and optimizer of `spec`."""
    from ppo_envs import brax_envs  # here, not at the top: jax-gym reuses the learner without Brax

    env = brax_envs.make_train_env(spec, spec.num_envs)
    learner = make_learner(spec, env.action_size)
    eval_env = brax_envs.make_eval_env(spec, spec.eval_episodes)
    return Trainer(learner.spec, learner.network, learner.optimizer, env=env, eval_env=eval_env)


# ----------------------------------------------------------------------------------------------- steps
def init_learner_state(learner: Learner, obs_size: int, key: jax.Array) -> LearnerState:
    """Fresh parameters and Adam state of one seed."""
    key, net_key = jax.random.split(key)
    params = learner.network.init(net_key, jnp.zeros((1, obs_size), jnp.float32))
    return LearnerState(params, learner.optimizer.init(params), key, jnp.zeros((), jnp.int32))


def init_train_state(trainer: Trainer, key: jax.Array) -> TrainState:
    """Fresh learner, envs (reset) and normalization statistics for one seed."""
    key, env_key = jax.random.split(key)
    env_state = trainer.env.reset(env_key)
    obs_size = env_state.obs.shape[-1]  # not Brax's observation_size, which traces a second reset
    norm = init_normalization(obs_size, trainer.spec.num_envs)
    norm, obs = normalize_obs(norm, env_state.obs, trainer.spec.obs_clip, trainer.spec.normalize_obs)
    return TrainState(init_learner_state(trainer, obs_size, key), env_state, norm, obs)


def env_step(trainer: Trainer, state: TrainState, _: None) -> tuple[TrainState, EnvStep]:
    """Sample actions from the Gaussian policy, step the envs, normalize what comes back (one scan step).

    Actions are stored unclipped; the env clips them to its bounds.
    """
    from ppo_envs import brax_envs  # at trace time only (see make_trainer)

    spec, learner = trainer.spec, state.learner
    key, action_key = jax.random.split(learner.key)
    mean = trainer.network.apply(learner.params, state.obs, method=ActorCritic.action_mean)
    log_std = learner.params["params"]["log_std"]
    actions = mean + jnp.exp(log_std) * jax.random.normal(action_key, mean.shape)
    log_probs = gaussian_log_prob(mean, log_std, actions)
    env_state = trainer.env.step(state.env_state, actions)
    terminations, truncations = brax_envs.terminations_and_truncations(env_state)
    norm, rewards = normalize_reward(
        state.norm,
        env_state.reward,
        terminations,
        truncations,
        spec.gamma,
        spec.reward_clip,
        spec.normalize_reward,
    )
    norm, next_obs = normalize_obs(norm, env_state.obs, spec.obs_clip, spec.normalize_obs)
    final_obs = env_state.info["final_obs"]
    if spec.normalize_obs:  # final observations use the current statistics and do not update them
        final_obs = scale_obs(norm.obs_rms, final_obs, spec.obs_clip)

    record = EnvStep(state.obs, actions, log_probs, rewards, terminations, truncations, final_obs)
    return TrainState(learner._replace(key=key), env_state, norm, next_obs), record


def collect_rollout(trainer: Trainer, state: TrainState) -> tuple[TrainState, Transition]:
    """`num_steps` steps of all envs; V(obs) and V(next obs) in one batched critic call after the scan."""
    step_fn = functools.partial(env_step, trainer)
    state, steps = jax.lax.scan(step_fn, state, None, length=trainer.spec.num_steps)
    both_obs = jnp.stack([steps.obs, steps.next_obs])
    values, next_values = trainer.network.apply(state.learner.params, both_obs, method=ActorCritic.value)
    transition = Transition(
        obs=steps.obs,
        actions=steps.actions,
        log_probs=steps.log_probs,
        values=values,
        rewards=steps.rewards,
        terminations=steps.terminations,
        truncations=steps.truncations,
        next_values=next_values,
    )
    return state, transition


def flatten_batch(rollout: Transition, advantages: jax.Array, returns: jax.Array) -> Batch:
    """The rollout as one [T*B] batch of loss inputs."""
    batch = Batch(rollout.obs, rollout.actions, rollout.log_probs, rollout.values, advantages, returns)
    return jax.tree.map(lambda x: x.reshape((-1, *x.shape[2:])), batch)


def collect_batch(trainer: Trainer, state: TrainState) -> tuple[TrainState, Batch]:
    """The rollout half of an update: collect_rollout, compute_gae, and the flattened [T*B] batch."""
    spec = trainer.spec
    state, rollout = collect_rollout(trainer, state)
    advantages, returns = compute_gae(
        rollout.rewards,
        rollout.values,
        rollout.next_values,
        rollout.terminations,
        rollout.truncations,
        spec.gamma,
        spec.gae_lambda,
        spec.bootstrap_on_truncation,
    )
    return state, flatten_batch(rollout, advantages, returns)


def minibatch_step(
    learner: Learner, state: LearnerState, minibatch: Batch
) -> tuple[LearnerState, tuple[jax.Array, LossMetrics]]:
    """One optimizer step on `ppo_loss`: gradients, then the optimizer's clip, Adam and learning rate."""
    loss_fn = functools.partial(ppo_loss, learner.network)
    (loss, metrics), grads = jax.value_and_grad(loss_fn, has_aux=True)(state.params, minibatch, learner.spec)
    updates, opt_state = learner.optimizer.update(grads, state.opt_state, state.params)
    return state._replace(params=optax.apply_updates(state.params, updates), opt_state=opt_state), (
        loss,
        metrics,
    )


def epoch_permutations(key: jax.Array, spec: PPOSpec) -> jax.Array:
    """int32 [update_epochs, batch_size]: a fresh shuffle of the batch for each epoch."""
    keys = jax.random.split(key, spec.update_epochs)
    return jax.vmap(lambda k: jax.random.permutation(k, spec.batch_size))(keys)


def shuffled_minibatches(batch: Batch, permutations: jax.Array, spec: PPOSpec) -> Batch:
    """The batch in each epoch's `permutations` order, cut into minibatches: leaves [E * M, N, ...]."""
    minibatch_shape = (-1, spec.minibatch_size)
    return jax.tree.map(lambda x: x[permutations].reshape((*minibatch_shape, *x.shape[1:])), batch)


def explained_variance(values: jax.Array, returns: jax.Array) -> jax.Array:
    """1 - Var(returns - values) / Var(returns) (NaN when the returns are constant, as CleanRL)."""
    return 1.0 - jnp.var(returns - values) / jnp.var(returns)


def all_finite(tree: Any) -> jax.Array:
    """bool: every leaf of `tree` finite."""
    return jnp.all(jnp.stack([jnp.all(jnp.isfinite(x)) for x in jax.tree.leaves(tree)]))


def learn_from_batch(
    learner: Learner, state: LearnerState, batch: Batch
) -> tuple[LearnerState, UpdateMetrics]:
    """The learning half of an update: `update_epochs` x `num_minibatches` of `minibatch_step`, one scan."""
    key, permutation_key = jax.random.split(state.key)
    minibatches = shuffled_minibatches(batch, epoch_permutations(permutation_key, learner.spec), learner.spec)
    step = functools.partial(minibatch_step, learner)
    state, (losses, loss_metrics) = jax.lax.scan(step, state, minibatches)
    metrics = UpdateMetrics(
        *jax.tree.map(jnp.mean, loss_metrics),
        explained_variance=explained_variance(batch.values, batch.returns),
        all_finite=all_finite(losses) & all_finite(state.params),
    )
    return state._replace(key=key, update_index=state.update_index + 1), metrics


def update_step(trainer: Trainer, state: TrainState) -> tuple[TrainState, UpdateMetrics]:
    """One full PPO update: collect_batch (rollout + GAE), then learn_from_batch (epochs of minibatches)."""
    state, batch = collect_batch(trainer, state)
    learner, metrics = learn_from_batch(trainer, state.learner, batch)
    return state._replace(learner=learner), metrics


def train_chunk(
    trainer: Trainer, state: TrainState, metrics: UpdateMetrics, num_updates: jax.Array
) -> tuple[TrainState, UpdateMetrics]:
    """`num_updates` (traced) PPO updates in one `lax.fori_loop`: one compiled program for every chunk length."""
    return jax.lax.fori_loop(
        0, num_updates, lambda _, carry: update_step(trainer, carry[0]), (state, metrics)
    )


def eval_step(trainer: Trainer, params: Params, obs_rms: RunningMeanStd, carry: EvalCarry) -> EvalCarry:
    """One deterministic step (the mean action, clipped by the env) of every evaluation episode still running."""
    spec = trainer.spec
    obs = carry.env_state.obs
    if spec.normalize_obs:
        obs = scale_obs(obs_rms, obs, spec.obs_clip)
    mean = trainer.network.apply(params, obs, method=ActorCritic.action_mean)
    env_state = trainer.eval_env.step(carry.env_state, mean)
    returns = carry.returns + jnp.where(carry.active > 0, env_state.reward, 0.0)
    return EvalCarry(env_state, returns, carry.active * (1.0 - env_state.done), carry.steps + 1)


def evaluate(trainer: Trainer, params: Params, obs_rms: RunningMeanStd, key: jax.Array) -> jax.Array:
    """Raw undiscounted returns [eval_episodes] of the mean action on fresh envs, normalization frozen.

    Each env's first episode counts; a `lax.while_loop` stops when every episode is done (at most
    `episode_length` steps), as torch's loop does.
    """
    spec = trainer.spec

    def running(carry: EvalCarry) -> jax.Array:
        return (carry.steps < spec.episode_length) & jnp.any(carry.active > 0)

    zeros = jnp.zeros((spec.eval_episodes,), jnp.float32)
    carry = EvalCarry(trainer.eval_env.reset(key), zeros, jnp.ones_like(zeros), jnp.int32(0))
    step = functools.partial(eval_step, trainer, params, obs_rms)
    return jax.lax.while_loop(running, step, carry).returns


def initial_metrics() -> UpdateMetrics:
    """Placeholder metrics before the first update (NaN losses, finite)."""
    nan = jnp.asarray(jnp.nan, jnp.float32)
    return UpdateMetrics(nan, nan, nan, nan, nan, nan, jnp.asarray(True))
