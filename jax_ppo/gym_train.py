"""PPO's training steps in JAX on Gymnasium MuJoCo (contender `jax-gym`), named as in train.py and torch_ppo.

The JAX learner of train.py (the same network, `ppo_loss`, `compute_gae`, `flatten_batch` and
`learn_from_batch`, so the same update) driven the way JAX users drive a CPU simulator (SBX, CleanRL's JAX
variants): a host loop over the envs of `ppo_envs.gym_envs.TrainVecEnv`, the very class torch_ppo steps
(its wrappers normalize observations and scale rewards, on the host, as for torch).
Hot-loop choices, and why:
- the policy step is one compiled function (actor params, obs, key) -> (action, next key): the observation
  goes in and the action comes out, the one host/device hand-over of a step (the key stays on the device);
  on the CPU the CLI turns JAX's async dispatch off, which only adds a thread hand-off to such tiny calls;
- every program is compiled ahead of time (`lower().compile()`), so nothing can retrace in the loop;
- the rollout buffer is preallocated numpy on the host, filled in place, and goes to the device in one
  `device_put` per rollout; V(obs), V(next obs), log-probs, GAE and the flattening are one compiled program;
- the update is train.py's `learn_from_batch`, compiled with the learner state donated (updated in place).
Not in here: envs (ppo_envs.gym_envs), loss maths (losses.py), timing and the result line (gym_run.py).
"""

from __future__ import annotations

import dataclasses
import functools
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, NamedTuple

import jax
import jax.numpy as jnp
import numpy as np

from jax_ppo import train as core
from jax_ppo.losses import Batch, compute_gae
from jax_ppo.networks import ActorCritic, Params, gaussian_log_prob, make_network, make_optimizer
from jax_ppo.train import Trainer as Learner
from jax_ppo.train import TrainState as LearnerState
from jax_ppo.train import Transition, UpdateMetrics, flatten_batch
from ppo_envs.gym_envs import EvalVecEnv, TrainVecEnv
from shared_spec.spec import PPOSpec

EVAL_SEED_OFFSET = 10_000
"""Evaluation envs are reset with seed + this, as torch_ppo's, so both evaluate from the same starts."""


# ----------------------------------------------------------------------------------------------- state
@dataclass
class RolloutBuffer:
    """Preallocated rollout storage, [T, B, ...], numpy on the host (filled in place every update)."""

    obs: np.ndarray
    next_obs: np.ndarray
    """True next observation of each step (the final observation where the episode ended)."""
    actions: np.ndarray
    rewards: np.ndarray
    terminations: np.ndarray
    truncations: np.ndarray
    episode_returns: list[float]

    @classmethod
    def allocate(cls, num_steps: int, envs: TrainVecEnv) -> RolloutBuffer:
        t, b = num_steps, envs.num_envs
        return cls(
            obs=np.zeros((t, b, envs.obs_size), np.float32),
            next_obs=np.zeros((t, b, envs.obs_size), np.float32),
            actions=np.zeros((t, b, envs.act_size), np.float32),
            rewards=np.zeros((t, b), np.float32),
            terminations=np.zeros((t, b), bool),
            truncations=np.zeros((t, b), bool),
            episode_returns=[],
        )

    def arrays(self) -> HostRollout:
        return HostRollout(
            self.obs, self.next_obs, self.actions, self.rewards, self.terminations, self.truncations
        )


class HostRollout(NamedTuple):
    """The buffer's arrays as one pytree: what crosses to the device once per rollout."""

    obs: Any
    next_obs: Any
    actions: Any
    rewards: Any
    terminations: Any
    truncations: Any


@dataclass
class TrainState:
    """What changes from one update to the next: the learner's state on the device, the observation on the host.

    `learner` is train.py's `TrainState` with no env state, no normalizer and no observation (None): here
    Gymnasium's wrappers hold the envs and the normalization statistics, on the host.
    """

    learner: LearnerState
    obs: np.ndarray
    """float32 [B, O]: current normalized observation (host)."""

    @property
    def update_index(self) -> int:
        return int(self.learner.update_index)


@dataclass(frozen=True, eq=False)
class Trainer:
    """Static context of one training run: envs, the learner, the rollout buffer and the compiled programs."""

    spec: PPOSpec
    envs: TrainVecEnv
    eval_envs: EvalVecEnv
    learner: Learner
    """train.py's static context (spec, network, optimizer); the update never touches its envs (None)."""
    buffer: RolloutBuffer
    programs: Programs | None = None
    """Set by `compile_programs` once the state's shapes are known (after `init_train_state`)."""


class Programs(NamedTuple):
    """The ahead-of-time compiled functions of the loop, and each one's lower+compile seconds."""

    policy_step: Callable[[Params, np.ndarray, jax.Array], tuple[jax.Array, jax.Array]]
    """(policy_params(params), obs [B, O], key) -> (sampled action [B, A], next key)."""
    finish_batch: Callable[[Params, HostRollout], Batch]
    """(params, rollout) -> the flat [T*B] batch with advantages and returns."""
    learn: Callable[[LearnerState, Batch], tuple[LearnerState, UpdateMetrics]]
    """train.py's `learn_from_batch`, the learner state donated."""
    eval_policy: Callable[[Params, np.ndarray], jax.Array]
    """(params, normalized obs [E, O]) -> mean action [E, A]."""
    compile_s: dict[str, float]


# ----------------------------------------------------------------------------------------------- programs
def policy_params(params: Params) -> Params:
    """The actor and log-std alone: what the policy step reads. Fewer arrays to hand to the compiled call on
    every env step (8 instead of 14: 30 us instead of 35 per call at hopper 1 env on the 2-core CPU)."""
    inner = params["params"]
    return {"params": {"actor": inner["actor"], "log_std": inner["log_std"]}}


def sample_action(
    network: ActorCritic, params: Params, obs: jax.Array, key: jax.Array
) -> tuple[jax.Array, jax.Array]:
    """The policy step: mean(obs) + std * noise, unclipped (the env clips), and the key for the next step."""
    key, action_key = jax.random.split(key)
    mean = network.apply(params, obs, method=ActorCritic.action_mean)
    noise = jax.random.normal(action_key, mean.shape)
    return mean + jnp.exp(params["params"]["log_std"]) * noise, key


def values_and_log_probs(network: ActorCritic, params: Params, rollout: HostRollout) -> Transition:
    """The rollout on the device with V(obs), V(next obs) and log-probs from one batched pass (as torch)."""
    both_obs = jnp.stack([rollout.obs, rollout.next_obs])
    values, next_values = network.apply(params, both_obs, method=ActorCritic.value)
    mean = network.apply(params, rollout.obs, method=ActorCritic.action_mean)
    return Transition(
        obs=rollout.obs,
        actions=rollout.actions,
        log_probs=gaussian_log_prob(mean, params["params"]["log_std"], rollout.actions),
        values=values,
        rewards=rollout.rewards,
        terminations=rollout.terminations.astype(jnp.float32),
        truncations=rollout.truncations.astype(jnp.float32),
        next_values=next_values,
    )


def finish_batch(spec: PPOSpec, network: ActorCritic, params: Params, rollout: HostRollout) -> Batch:
    """Values and log-probs, `compute_gae`, `flatten_batch`: everything of the rollout half after the env loop."""
    transition = values_and_log_probs(network, params, rollout)
    advantages, returns = compute_gae(
        transition.rewards,
        transition.values,
        transition.next_values,
        transition.terminations,
        transition.truncations,
        spec.gamma,
        spec.gae_lambda,
        spec.bootstrap_on_truncation,
    )
    return flatten_batch(transition, advantages, returns)


def eval_action(network: ActorCritic, params: Params, obs: jax.Array) -> jax.Array:
    """The deterministic evaluation action: the policy mean."""
    return network.apply(params, obs, method=ActorCritic.action_mean)


def make_trainer(spec: PPOSpec) -> Trainer:
    """Envs (the same classes torch_ppo steps), train.py's learner and the host rollout buffer of `spec`."""
    envs = TrainVecEnv(spec, spec.num_envs)
    network = make_network(spec, action_size=envs.act_size)
    return Trainer(
        spec=spec,
        envs=envs,
        eval_envs=EvalVecEnv(spec, spec.eval_episodes),
        learner=Learner(spec=spec, env=None, eval_env=None, network=network, optimizer=make_optimizer(spec)),
        buffer=RolloutBuffer.allocate(spec.num_steps, envs),
    )


def compile_programs(trainer: Trainer, state: TrainState) -> Trainer:
    """The trainer with every program of the loop compiled ahead of time for `state`'s shapes (`compile_s`)."""
    spec, network, learner, seconds = trainer.spec, trainer.learner.network, state.learner, {}

    def aot(name: str, fn: Callable, *args: Any, donate: tuple[int, ...] = ()) -> Callable:
        start = time.perf_counter()
        compiled = jax.jit(fn, donate_argnums=donate).lower(*args).compile()
        seconds[name] = time.perf_counter() - start
        return compiled

    policy_step = aot(
        "policy_step",
        functools.partial(sample_action, network),
        policy_params(learner.params),
        state.obs,
        learner.key,
    )
    finish = aot(
        "finish_batch",
        functools.partial(finish_batch, spec, network),
        learner.params,
        trainer.buffer.arrays(),
    )
    learn_fn = functools.partial(core.learn_from_batch, trainer.learner)
    learn = aot("learn", learn_fn, learner, finish.out_info, donate=(0,))  # the batch as finish makes it
    eval_obs = jax.ShapeDtypeStruct((spec.eval_episodes, state.obs.shape[1]), jnp.float32)
    programs = Programs(
        policy_step=policy_step,
        finish_batch=finish,
        learn=learn,
        eval_policy=aot("eval_policy", functools.partial(eval_action, network), learner.params, eval_obs),
        compile_s=seconds,
    )
    return dataclasses.replace(trainer, programs=programs)


# ----------------------------------------------------------------------------------------------- steps
def init_learner_state(learner: Learner, obs_size: int, key: jax.Array) -> LearnerState:
    """Fresh parameters and Adam state of one seed (keys split as train.py's `init_train_state`)."""
    key, net_key, _env_key = jax.random.split(key, 3)
    params = learner.network.init(net_key, jnp.zeros((1, obs_size), jnp.float32))
    return LearnerState(
        params=params,
        opt_state=learner.optimizer.init(params),
        env_state=None,
        norm=None,
        obs=None,
        key=key,
        update_index=jnp.zeros((), jnp.int32),
    )


def init_train_state(trainer: Trainer, seed: int, compile_s: dict[str, float] | None = None) -> TrainState:
    """Reset the training envs (seeded, as torch) and initialize the learner in one jitted call, as train.py
    does (op by op it took 3.3 s on the 2-core CPU, jitted 2.7 s: mostly XLA compiling the orthogonal init's
    QR decompositions). The init program is compiled ahead of time; its seconds go to `compile_s["init"]`
    when a dict is given (compile time, not startup: docs/DESIGN.md)."""
    key = jax.random.PRNGKey(seed)
    start = time.perf_counter()
    init = (
        jax.jit(functools.partial(init_learner_state, trainer.learner, trainer.envs.obs_size))
        .lower(key)
        .compile()
    )
    if compile_s is not None:
        compile_s["init"] = time.perf_counter() - start
    return TrainState(learner=init(key), obs=trainer.envs.reset(seed))


def collect_rollout(trainer: Trainer, state: TrainState) -> tuple[TrainState, HostRollout]:
    """`num_steps` steps of all envs into the host buffer, one compiled policy call per step; then the buffer
    goes to the device in one transfer. Actions are stored unclipped; the env clips them to its bounds."""
    envs, buffer, policy_step = trainer.envs, trainer.buffer, trainer.programs.policy_step
    params, key = policy_params(state.learner.params), state.learner.key
    buffer.episode_returns.clear()
    obs = state.obs
    for t in range(trainer.spec.num_steps):
        buffer.obs[t] = obs
        action, key = policy_step(params, obs, key)
        action = np.asarray(action)  # the step's one device -> host hand-over
        buffer.actions[t] = action
        step = envs.step(action)
        buffer.next_obs[t] = step.true_next_obs
        buffer.rewards[t] = step.reward
        buffer.terminations[t] = step.terminated
        buffer.truncations[t] = step.truncated
        buffer.episode_returns.extend(step.episode_returns)
        obs = step.next_obs
    rollout = jax.device_put(buffer.arrays())
    return TrainState(state.learner._replace(key=key), obs), rollout


def collect_batch(trainer: Trainer, state: TrainState) -> tuple[TrainState, Batch]:
    """The rollout half of an update: collect_rollout, then values, compute_gae and the flat [T*B] batch."""
    state, rollout = collect_rollout(trainer, state)
    return state, trainer.programs.finish_batch(state.learner.params, rollout)


def learn_from_batch(trainer: Trainer, state: TrainState, batch: Batch) -> tuple[TrainState, UpdateMetrics]:
    """The learning half of an update: train.py's `learn_from_batch`, compiled (the learner state donated)."""
    learner, metrics = trainer.programs.learn(state.learner, batch)
    return TrainState(learner, state.obs), metrics


def update_step(trainer: Trainer, state: TrainState) -> tuple[TrainState, UpdateMetrics]:
    """One full PPO update: collect_batch (rollout + GAE), then learn_from_batch (epochs of minibatches)."""
    state, batch = collect_batch(trainer, state)
    return learn_from_batch(trainer, state, batch)


def evaluate(trainer: Trainer, params: Params, seed: int) -> np.ndarray:
    """Raw undiscounted returns [eval_episodes] of the mean action on fresh envs, normalization frozen.

    Each env's first episode counts; the loop stops when every episode is done (at most `episode_length`),
    as torch's.
    """
    eval_envs, policy = trainer.eval_envs, trainer.programs.eval_policy
    obs = eval_envs.reset(seed)
    returns = np.zeros(eval_envs.num_envs, np.float64)
    active = np.ones(eval_envs.num_envs, bool)
    for _ in range(trainer.spec.episode_length):
        action = np.asarray(policy(params, trainer.envs.normalize_frozen(obs)))
        obs, reward, done = eval_envs.step(action)
        returns += np.where(active, reward, 0.0)
        active &= ~done
        if not active.any():
            break
    return returns
