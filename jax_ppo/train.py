"""PPO's training loop in JAX: rollout, GAE, epochs and minibatches as `lax.scan`, updates as a `fori_loop`.

The steps of one update are module-level functions named as in docs/ALGORITHM.md (`collect_rollout`,
`compute_gae`, `update_ppo`) and in torch_ppo; their state is named (`TrainState`, `Transition`, ...),
never positional tuples. Static context (env, network, optimizer, spec) lives in one frozen `Trainer`
and is bound with `functools.partial`, so no closure nests more than two deep.

One compiled program, `train_chunk(trainer, carry, num_updates)`, runs `num_updates` updates in a
`lax.fori_loop` whose trip count is a traced argument: the host calls it first with 1 (to time the first
update honestly) and then with the rest of each evaluation chunk, without recompiling. `run_training` is the
host loop around it: compile ahead of time, time, evaluate, detect divergence.
"""

from __future__ import annotations

import functools
import hashlib
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, NamedTuple

import jax
import jax.numpy as jnp
import numpy as np
import optax

from jax_ppo import envs
from jax_ppo.losses import LossMetrics, Minibatch, compute_gae, ppo_loss
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
from shared_spec.result import seconds_since_start
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


@dataclass(frozen=True, eq=False)
class Trainer:
    """Static context of one training run: never traced, bound into the compiled functions."""

    spec: PPOSpec
    env: Any
    eval_env: Any
    network: ActorCritic
    optimizer: optax.GradientTransformation
    action_low: np.ndarray
    action_high: np.ndarray


def make_trainer(spec: PPOSpec) -> Trainer:
    """Envs, network and optimizer of `spec`."""
    env = envs.make_train_env(spec)
    low, high = envs.action_bounds(env)
    return Trainer(
        spec=spec,
        env=env,
        eval_env=envs.make_eval_env(spec),
        network=make_network(spec, action_size=env.action_size),
        optimizer=make_optimizer(spec),
        action_low=np.asarray(low),
        action_high=np.asarray(high),
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
    """Sample actions from the Gaussian policy, step the envs, normalize what comes back (one scan step)."""
    spec = trainer.spec
    key, action_key = jax.random.split(state.key)
    mean = trainer.network.apply(state.params, state.obs, method=ActorCritic.action_mean)
    log_std = state.params["params"]["log_std"]
    actions = mean + jnp.exp(log_std) * jax.random.normal(action_key, mean.shape)
    log_probs = gaussian_log_prob(mean, log_std, actions)
    env_state = trainer.env.step(state.env_state, jnp.clip(actions, trainer.action_low, trainer.action_high))

    truncations = env_state.info["truncation"]
    terminations = env_state.done * (1.0 - truncations)
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


def minibatch_step(
    trainer: Trainer, learning_rate: jax.Array, carry: OptimizerState, minibatch: Minibatch
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
    batch: Minibatch,
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
    trainer: Trainer, state: TrainState, batch: Minibatch, permutations: jax.Array
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


def flatten_batch(rollout: Transition, advantages: jax.Array, returns: jax.Array) -> Minibatch:
    """The rollout as one [T*B] batch of loss inputs."""
    batch = Minibatch(rollout.obs, rollout.actions, rollout.log_probs, rollout.values, advantages, returns)
    return jax.tree.map(lambda x: x.reshape((-1, *x.shape[2:])), batch)


def explained_variance(values: jax.Array, returns: jax.Array) -> jax.Array:
    """1 - Var(returns - values) / Var(returns) (NaN when the returns are constant, as CleanRL)."""
    return 1.0 - jnp.var(returns - values) / jnp.var(returns)


def _tree_all_finite(tree: Any) -> jax.Array:
    leaves = [jnp.all(jnp.isfinite(x)) for x in jax.tree.leaves(tree)]
    return jnp.all(jnp.stack(leaves))


def collect_batch(trainer: Trainer, state: TrainState) -> tuple[TrainState, Minibatch]:
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


def learn_from_batch(
    trainer: Trainer, state: TrainState, batch: Minibatch
) -> tuple[TrainState, jax.Array, LossMetrics]:
    """The learning half of an update: fresh epoch permutations, then update_ppo."""
    key, update_key = jax.random.split(state.key)
    permutations = epoch_permutations(update_key, trainer.spec)
    return update_ppo(trainer, state._replace(key=key), batch, permutations)


def update_step(trainer: Trainer, carry: ChunkCarry) -> ChunkCarry:
    """One full PPO update: collect_batch (rollout + GAE), then learn_from_batch (epochs of minibatches)."""
    state, batch = collect_batch(trainer, carry.state)
    state, losses, loss_metrics = learn_from_batch(trainer, state, batch)
    means = jax.tree.map(jnp.mean, loss_metrics)
    metrics = UpdateMetrics(
        *means,
        explained_variance=explained_variance(batch.values, batch.returns),
        all_finite=jnp.all(jnp.isfinite(losses)) & _tree_all_finite(state.params),
    )
    return ChunkCarry(state._replace(update_index=state.update_index + 1), metrics)


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
    env_state = trainer.eval_env.step(
        carry.env_state, jnp.clip(mean, trainer.action_low, trainer.action_high)
    )
    returns = carry.returns + jnp.where(carry.active > 0, env_state.reward, 0.0)
    active = carry.active * (1.0 - env_state.done)
    return EvalCarry(env_state, returns, active), None


def evaluate(trainer: Trainer, params: Params, obs_rms: RunningMeanStd, key: jax.Array) -> jax.Array:
    """Raw undiscounted returns [eval_episodes] of the mean action on fresh envs, normalization frozen."""
    spec = trainer.spec
    env_state = trainer.eval_env.reset(key)
    zeros = jnp.zeros((spec.eval_episodes,), jnp.float32)
    carry = EvalCarry(env_state, zeros, jnp.ones_like(zeros))
    step_fn = functools.partial(eval_step, trainer, params, obs_rms)
    carry, _ = jax.lax.scan(step_fn, carry, None, length=spec.episode_length)
    return carry.returns


def initial_metrics() -> UpdateMetrics:
    """Placeholder metrics before the first update (NaN losses, finite)."""
    nan = jnp.asarray(jnp.nan, jnp.float32)
    return UpdateMetrics(nan, nan, nan, nan, nan, nan, jnp.asarray(True))


# ----------------------------------------------------------------------------------------------- host loop
@dataclass
class TrainingOutcome:
    """What `run_training` measured; `__main__` turns it into a RunResult."""

    startup_s: float = 0.0
    compile_s: float = 0.0
    compile_train_s: float = 0.0
    compile_eval_s: float = 0.0
    first_update_s: float = 0.0
    sps: float | None = None
    steady_s: float = 0.0
    total_env_steps: int = 0
    curve: list[list[float]] = field(default_factory=list)
    per_seed_final_return: list[float] = field(default_factory=list)
    diverged: bool = False
    error: str | None = None
    last_metrics: dict[str, float] = field(default_factory=dict)
    params_sha256: str = ""
    steady_updates: int = 0
    trainer: Trainer | None = None
    final_state: Any = None
    """The trained TrainState (batched over seeds when vmapped), for measurements after training."""


def seed_keys(seed: int, num_seeds: int) -> jax.Array:
    """PRNG keys of seeds seed .. seed + num_seeds - 1 (stacked when num_seeds > 1)."""
    if num_seeds == 1:
        return jax.random.PRNGKey(seed)
    return jax.vmap(jax.random.PRNGKey)(jnp.arange(seed, seed + num_seeds))


def compiled_programs(trainer: Trainer, carry: ChunkCarry, num_seeds: int) -> tuple[Callable, float]:
    """The AOT-compiled train chunk for `carry`'s shapes, and its lower+compile seconds."""
    chunk = functools.partial(train_chunk, trainer)
    if num_seeds > 1:
        chunk = jax.vmap(chunk, in_axes=(0, None))
    start = time.perf_counter()
    compiled = jax.jit(chunk).lower(carry, jnp.int32(1)).compile()
    return compiled, time.perf_counter() - start


def compiled_evaluate(trainer: Trainer, state: TrainState, num_seeds: int) -> tuple[Callable, float]:
    """The AOT-compiled evaluation (params, obs_rms, key) -> returns, and its lower+compile seconds."""
    fn = functools.partial(evaluate, trainer)
    if num_seeds > 1:
        fn = jax.vmap(fn)
    start = time.perf_counter()
    compiled = jax.jit(fn).lower(state.params, state.norm.obs_rms, state.key).compile()
    return compiled, time.perf_counter() - start


def params_digest(params: Params) -> str:
    """sha256 of the parameters' bytes (bit-for-bit determinism checks across processes)."""
    digest = hashlib.sha256()
    for leaf in jax.tree.leaves(params):
        digest.update(np.asarray(leaf).tobytes())
    return digest.hexdigest()[:16]


def _eval_returns(compiled_eval: Callable, state: TrainState, key: jax.Array) -> np.ndarray:
    """Returns as [seeds, episodes] (one row without vmap)."""
    return np.atleast_2d(np.asarray(compiled_eval(state.params, state.norm.obs_rms, key)))


def run_training(
    spec: PPOSpec, seed: int, num_seeds: int = 1, progress: Callable[[str], None] = lambda _: None
) -> TrainingOutcome:
    """Train `num_seeds` seeds of `spec` in one program; time it as docs/DESIGN.md defines the metrics."""
    out = TrainingOutcome()
    trainer = make_trainer(spec)
    keys = seed_keys(seed, num_seeds)
    init = functools.partial(init_train_state, trainer)
    state = jax.jit(jax.vmap(init) if num_seeds > 1 else init)(keys)
    jax.block_until_ready(state)
    out.startup_s = seconds_since_start()

    metrics = initial_metrics()
    if num_seeds > 1:
        metrics = jax.tree.map(lambda x: jnp.broadcast_to(x, (num_seeds, *x.shape)), metrics)
    initial = ChunkCarry(state, metrics)
    chunk, out.compile_train_s = compiled_programs(trainer, initial, num_seeds)
    carry = jax.block_until_ready(chunk(initial, jnp.int32(1)))
    out.first_update_s = seconds_since_start()
    compiled_eval, out.compile_eval_s = compiled_evaluate(trainer, state, num_seeds)
    out.compile_s = out.compile_train_s + out.compile_eval_s

    eval_key = jax.random.fold_in(jax.random.PRNGKey(seed), 1_000_003)
    eval_keys = jax.random.split(eval_key, num_seeds) if num_seeds > 1 else eval_key
    steps_per_update = spec.batch_size
    returns = _eval_returns(compiled_eval, initial.state, eval_keys)
    out.curve.append([0, seconds_since_start(), float(returns.mean())])
    progress(f"steps 0/{spec.num_updates * steps_per_update}  return {returns.mean():.1f}")

    updates_done, steady_updates = 1, 0
    for chunk_index in range(spec.num_evals):
        todo = spec.updates_per_eval - (1 if chunk_index == 0 else 0)
        if todo > 0:
            start = time.perf_counter()
            carry = jax.block_until_ready(chunk(carry, jnp.int32(todo)))
            out.steady_s += time.perf_counter() - start
            updates_done += todo
            steady_updates += todo
        if not bool(np.all(np.asarray(carry.metrics.all_finite))):
            out.diverged = True
            out.error = (
                f"non-finite loss or parameters by update {updates_done} (learning_rate={spec.learning_rate})"
            )
            break
        returns = _eval_returns(compiled_eval, carry.state, eval_keys)
        out.curve.append([updates_done * steps_per_update, seconds_since_start(), float(returns.mean())])
        out.per_seed_final_return = [float(r) for r in returns.mean(axis=-1)]
        sps = (
            steady_updates * steps_per_update * num_seeds / out.steady_s if out.steady_s > 0 else float("nan")
        )
        progress(
            f"steps {updates_done * steps_per_update}/{spec.num_updates * steps_per_update}  "
            f"return {returns.mean():.1f}  sps {sps:.0f}  elapsed {seconds_since_start():.1f}s"
        )

    out.total_env_steps = updates_done * steps_per_update * num_seeds
    if out.steady_s > 0:
        out.sps = steady_updates * steps_per_update * num_seeds / out.steady_s
    out.last_metrics = {
        name: float(np.mean(np.asarray(v)))
        for name, v in carry.metrics._asdict().items()
        if name != "all_finite"
    }
    out.params_sha256 = params_digest(carry.state.params)
    out.steady_updates = steady_updates
    out.trainer, out.final_state = trainer, carry.state
    return out


# ----------------------------------------------------------------------------------------------- phase split
@dataclass(frozen=True)
class PhaseSplit:
    """Seconds per update of each half, timed as separately compiled programs (`measure_phase_split`)."""

    rollout_per_update_s: float
    update_per_update_s: float
    compile_s: float
    repeats: int

    @property
    def rollout_fraction(self) -> float:
        return self.rollout_per_update_s / (self.rollout_per_update_s + self.update_per_update_s)


def measure_phase_split(
    trainer: Trainer, state: TrainState, num_seeds: int = 1, repeats: int = 5
) -> PhaseSplit:
    """Median seconds per update of the rollout half and of the learning half, each its own jitted program.

    The training program fuses both halves into one XLA program, so its steady time cannot be split from the
    host. This compiles `collect_batch` and `learn_from_batch` on their own (vmapped like the trainer), warms
    each up once, then alternates them `repeats` times from the trained `state`, blocking after each call.
    The halves alone may cost a little more than fused (no overlap across the boundary), so callers use only
    the *fraction* to apportion the fused program's measured steady time.
    """
    rollout_fn = functools.partial(collect_batch, trainer)
    learn_fn = functools.partial(learn_from_batch, trainer)
    if num_seeds > 1:
        rollout_fn, learn_fn = jax.vmap(rollout_fn), jax.vmap(learn_fn)
    start = time.perf_counter()
    rollout = jax.jit(rollout_fn).lower(state).compile()
    _, batch_shape = jax.eval_shape(rollout_fn, state)
    learn = jax.jit(learn_fn).lower(state, batch_shape).compile()
    compile_s = time.perf_counter() - start

    rollout_times, learn_times = [], []
    for repeat in range(repeats + 1):  # the first round is a warm-up, not counted
        t0 = time.perf_counter()
        state, batch = jax.block_until_ready(rollout(state))
        t1 = time.perf_counter()
        state, _, _ = jax.block_until_ready(learn(state, batch))
        t2 = time.perf_counter()
        if repeat > 0:
            rollout_times.append(t1 - t0)
            learn_times.append(t2 - t1)
    return PhaseSplit(float(np.median(rollout_times)), float(np.median(learn_times)), compile_s, repeats)
