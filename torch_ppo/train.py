"""PPO's training steps in PyTorch, CleanRL style, named as in jax_ppo/train.py (docs/ALGORITHM.md).

One update is `collect_batch` (`collect_rollout`: T env steps, then values and log-probs in one batched
pass; `compute_gae`; `flatten_batch`) then `learn_from_batch` (`update_epochs` x `num_minibatches` of
`minibatch_step` on `ppo_loss`); `update_step` is both. Static context (spec, envs, network, optimizer,
rollout buffers) lives in one `Trainer`; what changes between updates in a `TrainState`.
Hot-loop choices, and why:
- rollout buffers are preallocated on the env's device and filled in place; nothing is synced per step
  beyond the unavoidable action hand-over to the env;
- the rollout step only runs the actor (mean + pre-drawn, pre-scaled noise); values, next_values and
  log-probs are computed afterwards in one batched no-grad pass (same parameters, so the same numbers, and
  far fewer small kernel launches than per-step calls);
- the NaN check and metric read-out happen once per update, not per minibatch.
Not in here: envs (envs.py, brax_env.py), loss maths (losses.py), timing and the result line (run.py).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import NamedTuple

import torch

from shared_spec.spec import PPOSpec
from torch_ppo.compiled import compile_step
from torch_ppo.envs import EvalEnv, TrainEnv
from torch_ppo.losses import Batch, compute_gae, ppo_loss
from torch_ppo.networks import (
    ActorCritic,
    gaussian_log_prob,
    learning_rate_at,
    make_network,
    make_optimizer,
    set_learning_rate,
)

MinibatchStep = Callable[[Batch], tuple[torch.Tensor, dict[str, torch.Tensor]]]
PolicyStep = Callable[[torch.Tensor, torch.Tensor], torch.Tensor]


# ----------------------------------------------------------------------------------------------- state
@dataclass
class RolloutBuffer:
    """Preallocated rollout storage, [T, B, ...], on the env's device (filled in place every update)."""

    obs: torch.Tensor
    next_obs: torch.Tensor
    """True next observation of each step (the final observation where the episode ended)."""
    actions: torch.Tensor
    rewards: torch.Tensor
    terminations: torch.Tensor
    truncations: torch.Tensor
    episode_returns: list[float] = field(default_factory=list)

    @classmethod
    def allocate(cls, num_steps: int, envs: TrainEnv) -> RolloutBuffer:
        t, b, dev = num_steps, envs.num_envs, envs.device
        return cls(
            obs=torch.zeros(t, b, envs.obs_size, device=dev),
            next_obs=torch.zeros(t, b, envs.obs_size, device=dev),
            actions=torch.zeros(t, b, envs.act_size, device=dev),
            rewards=torch.zeros(t, b, device=dev),
            terminations=torch.zeros(t, b, dtype=torch.bool, device=dev),
            truncations=torch.zeros(t, b, dtype=torch.bool, device=dev),
        )


class Transition(NamedTuple):
    """One rollout on the learner's device, every field with leading axes [T, B]."""

    obs: torch.Tensor
    """float32 [T, B, O]: normalized observations the policy acted on."""
    actions: torch.Tensor
    """float32 [T, B, A]: sampled actions, unclipped."""
    log_probs: torch.Tensor
    values: torch.Tensor
    rewards: torch.Tensor
    """float32 [T, B]: scaled rewards (raw if `normalize_reward` is off)."""
    terminations: torch.Tensor
    """bool [T, B]: the episode ended by the task's own condition."""
    truncations: torch.Tensor
    """bool [T, B]: the episode ended by the time limit only."""
    next_values: torch.Tensor
    """float32 [T, B]: V of the true next observation (the final one before an auto-reset)."""


@dataclass
class TrainState:
    """What changes from one update to the next (parameters and Adam moments live in `Trainer`'s objects)."""

    obs: torch.Tensor
    """float32 [B, O]: current normalized observation, on the env's device."""
    update_index: int = 0
    """Updates done so far (drives the learning-rate schedule)."""


class UpdateMetrics(NamedTuple):
    """Diagnostics of one update (the last minibatch's losses; tensors, read once per update)."""

    pg_loss: torch.Tensor
    v_loss: torch.Tensor
    entropy_loss: torch.Tensor
    approx_kl: torch.Tensor
    clipfrac: torch.Tensor
    explained_variance: torch.Tensor
    all_finite: torch.Tensor
    """bool: every loss of the update and all parameters finite."""


@dataclass(frozen=True, eq=False)
class Trainer:
    """Static context of one training run: the objects the steps act on."""

    spec: PPOSpec
    envs: TrainEnv
    eval_envs: EvalEnv
    network: ActorCritic
    optimizer: torch.optim.Optimizer
    policy_step: PolicyStep
    """(normalized obs [B, O], scaled noise [B, A]) -> action [B, A]; compiled with `--compile`."""
    minibatch_step: MinibatchStep
    buffer: RolloutBuffer
    device: torch.device
    generator: torch.Generator


def make_trainer(
    spec: PPOSpec,
    envs: TrainEnv,
    eval_envs: EvalEnv,
    device: torch.device,
    seed: int,
    compile_mode: bool = False,
) -> Trainer:
    """Network, optimizer, rollout buffer and random generator of `spec` for one seed.

    `compile_mode`: the policy step and the whole minibatch step go through torch.compile (compiled.py).
    """
    torch.manual_seed(seed)
    network = make_network(spec, envs.obs_size, envs.act_size).to(device)
    optimizer = make_optimizer(network, spec, compiled=compile_mode)
    return Trainer(
        spec=spec,
        envs=envs,
        eval_envs=eval_envs,
        network=network,
        optimizer=optimizer,
        policy_step=make_policy_step(network, compile_mode),
        minibatch_step=make_minibatch_step(network, optimizer, spec, compile_mode),
        buffer=RolloutBuffer.allocate(spec.num_steps, envs),
        device=device,
        generator=torch.Generator(device=device).manual_seed(seed),
    )


def make_policy_step(network: ActorCritic, compiled: bool) -> PolicyStep:
    """The rollout's action: mean(obs) + the step's pre-scaled noise (one compiled call with `compiled`)."""

    def policy_step(obs: torch.Tensor, scaled_noise: torch.Tensor) -> torch.Tensor:
        return network.action_mean(obs) + scaled_noise

    if compiled:
        return compile_step(policy_step, next(network.parameters()).device)
    return policy_step


# ----------------------------------------------------------------------------------------------- steps
def init_train_state(trainer: Trainer, seed: int) -> TrainState:
    """Reset the training envs (seeded) and start at update 0."""
    return TrainState(obs=trainer.envs.reset(seed))


def collect_rollout(trainer: Trainer, state: TrainState) -> tuple[TrainState, Transition]:
    """`num_steps` steps of all envs; V(obs), V(next obs) and log-probs in one batched pass after the loop.

    Actions are mean(obs) + std * noise, with the noise [T, B, A] drawn for the whole rollout at once, and
    stored unclipped; the env clips them to its bounds.
    """
    spec, envs, buffer, device = trainer.spec, trainer.envs, trainer.buffer, trainer.device
    network = trainer.network
    noise = torch.randn(
        spec.num_steps, envs.num_envs, envs.act_size, generator=trainer.generator, device=device
    )
    scaled_noise = noise * torch.exp(network.log_std.detach())
    buffer.episode_returns.clear()
    obs = state.obs
    with torch.inference_mode():
        for t in range(spec.num_steps):
            buffer.obs[t] = obs
            # copied into the buffer at once: a CUDA-graph output is overwritten by the next replay
            buffer.actions[t] = trainer.policy_step(obs.to(device, non_blocking=True), scaled_noise[t])
            step = envs.step(buffer.actions[t])
            buffer.next_obs[t] = step.true_next_obs
            buffer.rewards[t] = step.reward
            buffer.terminations[t] = step.terminated
            buffer.truncations[t] = step.truncated
            buffer.episode_returns.extend(step.episode_returns)
            obs = step.next_obs
    with torch.no_grad():
        rollout_obs, actions = buffer.obs.to(device), buffer.actions.to(device)
        transition = Transition(
            obs=rollout_obs,
            actions=actions,
            log_probs=gaussian_log_prob(network.action_mean(rollout_obs), network.log_std, actions),
            values=network.value(rollout_obs),
            rewards=buffer.rewards.to(device),
            terminations=buffer.terminations.to(device),
            truncations=buffer.truncations.to(device),
            next_values=network.value(buffer.next_obs.to(device)),
        )
    state.obs = obs
    return state, transition


def flatten_batch(rollout: Transition, advantages: torch.Tensor, returns: torch.Tensor) -> Batch:
    """The rollout as one [T*B] batch of loss inputs."""
    batch = Batch(rollout.obs, rollout.actions, rollout.log_probs, rollout.values, advantages, returns)
    return Batch(*(x.flatten(0, 1) for x in batch))


def collect_batch(trainer: Trainer, state: TrainState) -> tuple[TrainState, Batch]:
    """The rollout half of an update: collect_rollout, compute_gae, and the flattened [T*B] batch."""
    spec = trainer.spec
    state, rollout = collect_rollout(trainer, state)
    with torch.no_grad():
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


def make_minibatch_step(
    network: ActorCritic,
    optimizer: torch.optim.Optimizer,
    spec: PPOSpec,
    compiled: bool,
    cuda_graphs: bool | None = None,
) -> MinibatchStep:
    """One optimizer step on one minibatch: ppo_loss, backward, global grad-norm clip, Adam.

    With `compiled`, the whole step is one torch.compile'd function (compiled.py says what that covers);
    `cuda_graphs` (default: on a GPU) is for the learner-only ladder.
    """
    params = list(network.parameters())

    def minibatch_step(minibatch: Batch) -> tuple[torch.Tensor, dict[str, torch.Tensor]]:
        optimizer.zero_grad(set_to_none=True)
        loss, metrics = ppo_loss(network, minibatch, spec)
        loss_value = loss.detach()  # before backward: a compiled graph may not return what backward consumed
        loss.backward()
        torch.nn.utils.clip_grad_norm_(params, spec.max_grad_norm, foreach=True)
        optimizer.step()
        return loss_value, metrics

    if compiled:
        return compile_step(minibatch_step, params[0].device, cuda_graphs)
    return minibatch_step


def epoch_permutations(generator: torch.Generator, spec: PPOSpec) -> torch.Tensor:
    """int64 [update_epochs, batch_size]: a fresh shuffle of the batch for each epoch."""
    return torch.stack(
        [
            torch.randperm(spec.batch_size, generator=generator, device=generator.device)
            for _ in range(spec.update_epochs)
        ]
    )


def update_ppo(
    minibatch_step: MinibatchStep, batch: Batch, spec: PPOSpec, permutations: torch.Tensor
) -> tuple[torch.Tensor, dict[str, torch.Tensor]]:
    """`update_epochs` passes over the batch in `permutations` order, each split into `num_minibatches`.

    `permutations` [E, T*B] comes from `epoch_permutations` (passed in so the cross-framework parity test can
    fix it). Returns a bool tensor "some loss was not finite" and the last minibatch's metrics (still
    tensors: the caller reads them once per update).
    """
    size = spec.minibatch_size
    nonfinite = torch.zeros((), dtype=torch.bool, device=batch.obs.device)
    metrics: dict[str, torch.Tensor] = {}
    for perm in permutations:
        for start in range(0, perm.shape[0], size):
            idx = perm[start : start + size]
            loss, metrics = minibatch_step(Batch(*(x[idx] for x in batch)))
            nonfinite |= ~torch.isfinite(loss)
    return nonfinite, metrics


def explained_variance(values: torch.Tensor, returns: torch.Tensor) -> torch.Tensor:
    """1 - Var(returns - values) / Var(returns): how much of the return variance the critic explains."""
    return 1.0 - (returns - values).var(correction=0) / returns.var(correction=0)


def _params_finite(network: ActorCritic) -> torch.Tensor:
    return torch.stack([torch.isfinite(p).all() for p in network.parameters()]).all()


def learn_from_batch(trainer: Trainer, state: TrainState, batch: Batch) -> tuple[TrainState, UpdateMetrics]:
    """The learning half of an update: the update's learning rate, fresh epoch permutations, update_ppo."""
    spec = trainer.spec
    set_learning_rate(trainer.optimizer, learning_rate_at(spec, state.update_index))
    permutations = epoch_permutations(trainer.generator, spec)
    nonfinite, last = update_ppo(trainer.minibatch_step, batch, spec, permutations)
    with torch.no_grad():
        metrics = UpdateMetrics(
            **last,
            explained_variance=explained_variance(batch.values, batch.returns),
            all_finite=~nonfinite & _params_finite(trainer.network),
        )
    state.update_index += 1
    return state, metrics


def update_step(trainer: Trainer, state: TrainState) -> tuple[TrainState, UpdateMetrics]:
    """One full PPO update: collect_batch (rollout + GAE), then learn_from_batch (epochs of minibatches)."""
    state, batch = collect_batch(trainer, state)
    return learn_from_batch(trainer, state, batch)


def evaluate(trainer: Trainer, seed: int) -> torch.Tensor:
    """Raw undiscounted returns [eval_episodes] of the mean action on fresh envs, normalization frozen.

    Each env's first episode counts; the loop stops when every episode is done (at most `episode_length`).
    """
    eval_envs, device = trainer.eval_envs, trainer.device
    obs = eval_envs.reset(seed)
    returns = torch.zeros(eval_envs.num_envs, dtype=torch.float64, device=eval_envs.device)
    active = torch.ones(eval_envs.num_envs, dtype=torch.bool, device=eval_envs.device)
    with torch.inference_mode():
        for _ in range(trainer.spec.episode_length):
            obs = trainer.envs.normalize_frozen(obs).to(device)
            action = trainer.network.action_mean(obs).to(eval_envs.device)
            obs, reward, done = eval_envs.step(action)
            # where, not *: a finished Brax env may go NaN
            returns += torch.where(active, reward.to(returns.dtype), 0.0)
            active &= ~done
            if not bool(active.any()):
                break
    return returns
