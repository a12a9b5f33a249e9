"""The JAX learner on Gymnasium MuJoCo (contender `jax-gym`): a host loop around compiled pure functions.

train.py's learner (the same network, `ppo_loss`, `compute_gae`, `flatten_batch` and `learn_from_batch`, so the
same update) driven the way JAX users drive a CPU simulator (SBX, CleanRL's JAX variants): an object holds the
envs of `ppo_envs.gym_envs.TrainVecEnv` (the very class torch_ppo steps, whose wrappers normalize on the host),
the host rollout buffer and the learner state, and calls functions compiled ahead of time, so nothing can
retrace in the loop. One compiled policy call per env step (the observation goes in, the action comes out, the
key stays on the device); the buffer goes to the device in one transfer per rollout; values, log-probs, GAE and
the flattening are one program; the update is train.py's `learn_from_batch` with the learner state donated.
Not in here: envs (ppo_envs.gym_envs), loss maths (losses.py), the timed loop (shared_spec.host_loop, run.py).
"""

from __future__ import annotations

import functools
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, NamedTuple

import jax
import jax.numpy as jnp
import numpy as np

from jax_ppo.losses import Batch, compute_gae
from jax_ppo.networks import ActorCritic, Params, gaussian_log_prob
from jax_ppo.train import (
    Learner,
    LearnerState,
    Transition,
    UpdateMetrics,
    flatten_batch,
    init_learner_state,
    learn_from_batch,
    make_learner,
)
from ppo_envs.gym_envs import EvalVecEnv, TrainVecEnv
from shared_spec.spec import PPOSpec


# ----------------------------------------------------------------------------------------------- data
class HostRollout(NamedTuple):
    """The rollout buffer's arrays as one pytree: what crosses to the device once per rollout."""

    obs: Any
    next_obs: Any
    """True next observation of each step (the final observation where the episode ended)."""
    actions: Any
    rewards: Any
    terminations: Any
    truncations: Any


def allocate_rollout(num_steps: int, envs: TrainVecEnv) -> HostRollout:
    """Preallocated host storage, numpy [T, B, ...], filled in place every rollout."""
    t, b = num_steps, envs.num_envs
    return HostRollout(
        obs=np.zeros((t, b, envs.obs_size), np.float32),
        next_obs=np.zeros((t, b, envs.obs_size), np.float32),
        actions=np.zeros((t, b, envs.act_size), np.float32),
        rewards=np.zeros((t, b), np.float32),
        terminations=np.zeros((t, b), bool),
        truncations=np.zeros((t, b), bool),
    )


class Programs(NamedTuple):
    """The ahead-of-time compiled functions of the loop."""

    policy_step: Callable[[Params, np.ndarray, jax.Array], tuple[jax.Array, jax.Array]]
    """(policy_params(params), obs [B, O], key) -> (sampled action [B, A], next key)."""
    finish_batch: Callable[[Params, HostRollout], Batch]
    """(params, rollout) -> the flat [T*B] batch with advantages and returns."""
    learn: Callable[[LearnerState, Batch], tuple[LearnerState, UpdateMetrics]]
    """train.py's `learn_from_batch`, the learner state donated."""
    eval_policy: Callable[[Params, np.ndarray], jax.Array]
    """(params, normalized obs [E, O]) -> mean action [E, A]."""


# ----------------------------------------------------------------------------------------------- pure functions
def policy_params(params: Params) -> Params:
    """The actor and log-std alone: what the policy step reads (fewer arrays to hand over per env step)."""
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


def finish_batch(spec: PPOSpec, network: ActorCritic, params: Params, rollout: HostRollout) -> Batch:
    """V(obs), V(next obs) and log-probs in one batched pass, `compute_gae`, `flatten_batch`."""
    values, next_values = network.apply(
        params, jnp.stack([rollout.obs, rollout.next_obs]), method=ActorCritic.value
    )
    mean = network.apply(params, rollout.obs, method=ActorCritic.action_mean)
    transition = Transition(
        obs=rollout.obs,
        actions=rollout.actions,
        log_probs=gaussian_log_prob(mean, params["params"]["log_std"], rollout.actions),
        values=values,
        rewards=rollout.rewards,
        terminations=rollout.terminations.astype(jnp.float32),
        truncations=rollout.truncations.astype(jnp.float32),
        next_values=next_values,
    )
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


# ----------------------------------------------------------------------------------------------- the driver
@dataclass
class CompileSeconds:
    """Lower+compile seconds of each ahead-of-time program."""

    init: float = 0.0
    policy_step: float = 0.0
    finish_batch: float = 0.0
    learn: float = 0.0
    eval_policy: float = 0.0

    @property
    def train(self) -> float:
        return self.policy_step + self.finish_batch + self.learn


class GymTrainer:
    """One training run of one seed: the envs, the host rollout buffer, the learner state, the compiled programs.

    Built in three steps so the run can time each: the constructor makes the envs and the learner, `reset`
    compiles and runs the init program and resets the envs, `compile_programs` compiles the loop's programs.
    """

    def __init__(self, spec: PPOSpec) -> None:
        self.spec = spec
        self.envs = TrainVecEnv(spec, spec.num_envs)
        self.eval_envs = EvalVecEnv(spec, spec.eval_episodes)
        self.learner: Learner = make_learner(spec, self.envs.act_size)
        self.rollout = allocate_rollout(spec.num_steps, self.envs)
        self.episode_returns: list[float] = []
        self.compile_seconds = CompileSeconds()

    def _aot(self, name: str, fn: Callable, *args: Any, donate: tuple[int, ...] = ()) -> Any:
        start = time.perf_counter()
        compiled = jax.jit(fn, donate_argnums=donate).lower(*args).compile()
        setattr(self.compile_seconds, name, time.perf_counter() - start)
        return compiled

    def reset(self, seed: int) -> None:
        """Fresh learner state (one compiled init program) and the training envs reset with `seed`."""
        key = jax.random.PRNGKey(seed)
        init = self._aot("init", functools.partial(init_learner_state, self.learner, self.envs.obs_size), key)
        self.state: LearnerState = jax.block_until_ready(init(key))
        self.obs: np.ndarray = self.envs.reset(seed)
        """float32 [B, O]: current normalized observation (host)."""

    def compile_programs(self) -> None:
        """Every program of the loop compiled ahead of time for the state's shapes."""
        spec, network, state = self.spec, self.learner.network, self.state
        finish = self._aot(
            "finish_batch", functools.partial(finish_batch, spec, network), state.params, self.rollout
        )
        eval_obs = jax.ShapeDtypeStruct((spec.eval_episodes, self.obs.shape[1]), jnp.float32)
        self.programs = Programs(
            policy_step=self._aot(
                "policy_step",
                functools.partial(sample_action, network),
                policy_params(state.params),
                self.obs,
                state.key,
            ),
            finish_batch=finish,
            learn=self._aot(
                "learn",
                functools.partial(learn_from_batch, self.learner),
                state,
                finish.out_info,  # the batch as finish_batch makes it
                donate=(0,),
            ),
            eval_policy=self._aot(
                "eval_policy", functools.partial(eval_action, network), state.params, eval_obs
            ),
        )

    @property
    def update_index(self) -> int:
        return int(self.state.update_index)

    def collect_rollout(self) -> HostRollout:
        """`num_steps` steps of all envs into the host buffer, one compiled policy call per step; the buffer then
        goes to the device in one transfer. Actions are stored unclipped; the env clips them to its bounds."""
        rollout, policy_step = self.rollout, self.programs.policy_step
        params, key = policy_params(self.state.params), self.state.key
        self.episode_returns = []
        obs = self.obs
        for t in range(self.spec.num_steps):
            rollout.obs[t] = obs
            action, key = policy_step(params, obs, key)
            rollout.actions[t] = np.asarray(action)  # the step's one device -> host hand-over
            step = self.envs.step(rollout.actions[t])
            rollout.next_obs[t] = step.true_next_obs
            rollout.rewards[t] = step.reward
            rollout.terminations[t] = step.terminated
            rollout.truncations[t] = step.truncated
            self.episode_returns.extend(step.episode_returns)
            obs = step.next_obs
        self.obs, self.state = obs, self.state._replace(key=key)
        return jax.device_put(rollout)

    def collect_batch(self) -> Batch:
        """The rollout half of an update: collect_rollout, then values, compute_gae and the flat [T*B] batch."""
        return self.programs.finish_batch(self.state.params, self.collect_rollout())

    def learn_from_batch(self, batch: Batch) -> UpdateMetrics:
        """The learning half of an update: train.py's `learn_from_batch`, compiled (the learner state donated)."""
        self.state, metrics = self.programs.learn(self.state, batch)
        return metrics

    def update_step(self) -> UpdateMetrics:
        """One full PPO update: collect_batch (rollout + GAE), then learn_from_batch (epochs of minibatches)."""
        return self.learn_from_batch(self.collect_batch())

    def evaluate(self, seed: int) -> np.ndarray:
        """Raw undiscounted returns [eval_episodes] of the mean action on fresh envs, normalization frozen.

        Each env's first episode counts; the loop stops when every episode is done (at most `episode_length`),
        as torch's.
        """
        eval_envs, policy, params = self.eval_envs, self.programs.eval_policy, self.state.params
        obs = eval_envs.reset(seed)
        returns = np.zeros(eval_envs.num_envs, np.float64)
        active = np.ones(eval_envs.num_envs, bool)
        for _ in range(self.spec.episode_length):
            action = np.asarray(policy(params, self.envs.normalize_frozen(obs)))
            obs, reward, done = eval_envs.step(action)
            returns += np.where(active, reward, 0.0)
            active &= ~done
            if not active.any():
                break
        return returns

    def sync(self, batch: Batch) -> None:
        """Wait until the device has computed the batch before the clock is read."""
        jax.block_until_ready(batch)

    def recent_train_returns(self) -> list[float]:
        """Returns of the training episodes that ended in the last rollout."""
        return self.episode_returns

    def close(self) -> None:
        self.envs.close()
        self.eval_envs.close()
