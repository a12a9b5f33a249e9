"""PPO's training steps in JAX, named as in torch_ppo/train.py (docs/ALGORITHM.md): rollout, GAE, epochs and
minibatches as `lax.scan`, updates as a `fori_loop`.

One update is `collect_batch` (`collect_rollout`: a scan of `env_step`, then values in one batched critic
call; `compute_gae`; `flatten_batch`) then `learn_from_batch` (`update_epochs` x `num_minibatches` of
`minibatch_step` on `ppo_loss`); `update_step` is both. State is named (`TrainState`, `Transition`, ...),
never positional tuples. Static context (envs, network, optimizer, spec) lives in one frozen `Trainer` and is
bound with `functools.partial`, so no closure nests more than two deep.

One compiled program, `train_chunk(trainer, carry, num_updates)`, runs `num_updates` updates in a
`lax.fori_loop` whose trip count is a traced argument, so the host can run any number of updates between
evaluations without recompiling. Not in here: envs (ppo_envs.brax_envs), loss maths (losses.py), timing,
compilation ahead of time and the result line (run.py). The learning half (`learn_from_batch` and below) is
also the learner of `gym_train.py` (contender `jax-gym`, on Gymnasium), so Brax is imported only where an env
is built or stepped: importing it costs about 1.4 s of `startup_s` on CPU.
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
    learning_rate_at,
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


class TrainState(NamedTuple):
    """Everything that changes during training (the carry of every loop)."""

    params: Params
    opt_state: optax.OptState
    env_state: Any
    """brax.envs.State of the `num_envs` training envs."""
    norm: NormalizationState
    obs: jax.Array
    """float32 [B, O]: current normalized observation."""
    key: jax.Array
    update_index: jax.Array
    """int32 scalar: updates done so far (drives the learning-rate schedule)."""


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


class ChunkCarry(NamedTuple):
    """The `fori_loop` carry over updates: the state and the metrics of the last update."""

    state: TrainState
    metrics: UpdateMetrics


class OptimizerState(NamedTuple):
    """The minibatch scan carry."""

    params: Params
    opt_state: optax.OptState


class EvalCarry(NamedTuple):
    """The evaluation scan carry."""

    env_state: Any
    returns: jax.Array
    """float32 [E]: undiscounted raw return so far."""
    active: jax.Array
    """float32 [E]: 1 until the episode has ended."""
    steps: jax.Array
    """int32 []: env steps taken (the loop stops at `episode_length` or when every episode is done)."""


@dataclass(frozen=True, eq=False)
class Trainer:
    """Static context of one training run: never traced, bound into the compiled functions."""

    spec: PPOSpec
    env: Any
    eval_env: Any
    network: ActorCritic
    optimizer: optax.GradientTransformation


def make_trainer(spec: PPOSpec) -> Trainer:
    """Envs, network and optimizer of `spec`."""
    from ppo_envs import brax_envs  # here, not at the top: gym_train.py reuses the update without Brax

    env = brax_envs.make_train_env(spec, spec.num_envs)
    return Trainer(
        spec=spec,
        env=env,
        eval_env=brax_envs.make_eval_env(spec, spec.eval_episodes),
        network=make_network(spec, action_size=env.action_size),
        optimizer=make_optimizer(spec),
    )


# ----------------------------------------------------------------------------------------------- steps
def init_train_state(trainer: Trainer, key: jax.Array) -> TrainState:
    """Fresh parameters, optimizer state, envs (reset) and normalization statistics for one seed."""
    spec = trainer.spec
    key, net_key, env_key = jax.random.split(key, 3)
    obs_size = trainer.env.observation_size
    params = trainer.network.init(net_key, jnp.zeros((1, obs_size), jnp.float32))
    env_state = trainer.env.reset(env_key)
    norm = init_normalization(obs_size, spec.num_envs)
    norm, obs = normalize_obs(norm, env_state.obs, spec.obs_clip, spec.normalize_obs)
    return TrainState(
        params=params,
        opt_state=trainer.optimizer.init(params),
        env_state=env_state,
        norm=norm,
        obs=obs,
        key=key,
        update_index=jnp.zeros((), jnp.int32),
    )


def env_step(trainer: Trainer, state: TrainState, _: None) -> tuple[TrainState, EnvStep]:
    """Sample actions from the Gaussian policy, step the envs, normalize what comes back (one scan step).

    Actions are stored unclipped; the env clips them to its bounds.
    """
    from ppo_envs import brax_envs  # at trace time only (see make_trainer)

    spec = trainer.spec
    key, action_key = jax.random.split(state.key)
    mean = trainer.network.apply(state.params, state.obs, method=ActorCritic.action_mean)
    log_std = state.params["params"]["log_std"]
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
    return state._replace(env_state=env_state, norm=norm, obs=next_obs, key=key), record


def collect_rollout(trainer: Trainer, state: TrainState) -> tuple[TrainState, Transition]:
    """`num_steps` steps of all envs; V(obs) and V(next obs) in one batched critic call after the scan."""
    step_fn = functools.partial(env_step, trainer)
    state, steps = jax.lax.scan(step_fn, state, None, length=trainer.spec.num_steps)
    both_obs = jnp.stack([steps.obs, steps.next_obs])
    values, next_values = trainer.network.apply(state.params, both_obs, method=ActorCritic.value)
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
    trainer: Trainer, learning_rate: jax.Array, carry: OptimizerState, minibatch: Batch
) -> tuple[OptimizerState, tuple[jax.Array, LossMetrics]]:
    """One optimizer step on `ppo_loss`: clip, Adam, then scale by -learning_rate."""
    grad_fn = jax.value_and_grad(ppo_loss, has_aux=True)
    (loss, metrics), grads = grad_fn(carry.params, minibatch, trainer.spec)
    updates, opt_state = trainer.optimizer.update(grads, carry.opt_state, carry.params)
    updates = jax.tree.map(lambda u: -learning_rate * u, updates)
    return OptimizerState(optax.apply_updates(carry.params, updates), opt_state), (loss, metrics)


def epoch_permutations(key: jax.Array, spec: PPOSpec) -> jax.Array:
    """int32 [update_epochs, batch_size]: a fresh shuffle of the batch for each epoch."""
    keys = jax.random.split(key, spec.update_epochs)
    return jax.vmap(lambda k: jax.random.permutation(k, spec.batch_size))(keys)


def epoch_step(
    trainer: Trainer,
    learning_rate: jax.Array,
    batch: Batch,
    carry: OptimizerState,
    permutation: jax.Array,
) -> tuple[OptimizerState, tuple[jax.Array, LossMetrics]]:
    """One epoch: the batch in `permutation` order, split into `num_minibatches` minibatches, scanned."""
    spec = trainer.spec
    shuffled = jax.tree.map(
        lambda x: x[permutation].reshape((spec.num_minibatches, spec.minibatch_size, *x.shape[1:])), batch
    )
    return jax.lax.scan(functools.partial(minibatch_step, trainer, learning_rate), carry, shuffled)


def update_ppo(
    trainer: Trainer, state: TrainState, batch: Batch, permutations: jax.Array
) -> tuple[TrainState, jax.Array, LossMetrics]:
    """`update_epochs` epochs of minibatch steps on the flattened batch [T*B]; returns losses [E, M].

    `permutations` [E, T*B] (from `epoch_permutations`) orders the batch in each epoch; passing them in keeps
    this function deterministic given its inputs, which the cross-framework parity test relies on.
    """
    learning_rate = learning_rate_at(trainer.spec, state.update_index)
    carry = OptimizerState(state.params, state.opt_state)
    carry, (losses, metrics) = jax.lax.scan(
        functools.partial(epoch_step, trainer, learning_rate, batch), carry, permutations
    )
    return state._replace(params=carry.params, opt_state=carry.opt_state), losses, metrics


def explained_variance(values: jax.Array, returns: jax.Array) -> jax.Array:
    """1 - Var(returns - values) / Var(returns) (NaN when the returns are constant, as CleanRL)."""
    return 1.0 - jnp.var(returns - values) / jnp.var(returns)


def _tree_all_finite(tree: Any) -> jax.Array:
    leaves = [jnp.all(jnp.isfinite(x)) for x in jax.tree.leaves(tree)]
    return jnp.all(jnp.stack(leaves))


def learn_from_batch(trainer: Trainer, state: TrainState, batch: Batch) -> tuple[TrainState, UpdateMetrics]:
    """The learning half of an update: fresh epoch permutations, update_ppo, the update's diagnostics."""
    key, update_key = jax.random.split(state.key)
    permutations = epoch_permutations(update_key, trainer.spec)
    state, losses, loss_metrics = update_ppo(trainer, state._replace(key=key), batch, permutations)
    metrics = UpdateMetrics(
        *jax.tree.map(jnp.mean, loss_metrics),
        explained_variance=explained_variance(batch.values, batch.returns),
        all_finite=jnp.all(jnp.isfinite(losses)) & _tree_all_finite(state.params),
    )
    return state._replace(update_index=state.update_index + 1), metrics


def update_step(trainer: Trainer, carry: ChunkCarry) -> ChunkCarry:
    """One full PPO update: collect_batch (rollout + GAE), then learn_from_batch (epochs of minibatches)."""
    state, batch = collect_batch(trainer, carry.state)
    return ChunkCarry(*learn_from_batch(trainer, state, batch))


def _fori_body(trainer: Trainer, _index: jax.Array, carry: ChunkCarry) -> ChunkCarry:
    return update_step(trainer, carry)


def train_chunk(trainer: Trainer, carry: ChunkCarry, num_updates: jax.Array) -> ChunkCarry:
    """`num_updates` (traced) PPO updates: one compiled program for every chunk length."""
    return jax.lax.fori_loop(0, num_updates, functools.partial(_fori_body, trainer), carry)


def eval_step(
    trainer: Trainer, params: Params, obs_rms: RunningMeanStd, carry: EvalCarry, _: None
) -> tuple[EvalCarry, None]:
    """One deterministic step (clipped mean action) of every evaluation episode still running."""
    spec = trainer.spec
    obs = carry.env_state.obs
    if spec.normalize_obs:
        obs = scale_obs(obs_rms, obs, spec.obs_clip)
    mean = trainer.network.apply(params, obs, method=ActorCritic.action_mean)
    env_state = trainer.eval_env.step(carry.env_state, mean)
    returns = carry.returns + jnp.where(carry.active > 0, env_state.reward, 0.0)
    active = carry.active * (1.0 - env_state.done)
    return EvalCarry(env_state, returns, active, carry.steps + 1), None


def evaluate(trainer: Trainer, params: Params, obs_rms: RunningMeanStd, key: jax.Array) -> jax.Array:
    """Raw undiscounted returns [eval_episodes] of the mean action on fresh envs, normalization frozen.

    Each env's first episode counts; a `lax.while_loop` stops when every episode is done (at most
    `episode_length` steps), as torch's loop does, so neither side pays for steps that no longer count.
    """
    spec = trainer.spec
    env_state = trainer.eval_env.reset(key)
    zeros = jnp.zeros((spec.eval_episodes,), jnp.float32)
    carry = EvalCarry(env_state, zeros, jnp.ones_like(zeros), jnp.int32(0))

    def running(carry: EvalCarry) -> jax.Array:
        return (carry.steps < spec.episode_length) & jnp.any(carry.active > 0)

    def step(carry: EvalCarry) -> EvalCarry:
        return eval_step(trainer, params, obs_rms, carry, None)[0]

    return jax.lax.while_loop(running, step, carry).returns


def initial_metrics() -> UpdateMetrics:
    """Placeholder metrics before the first update (NaN losses, finite)."""
    nan = jnp.asarray(jnp.nan, jnp.float32)
    return UpdateMetrics(nan, nan, nan, nan, nan, nan, jnp.asarray(True))
