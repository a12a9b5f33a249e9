"""PPO's training steps in PyTorch, as CleanRL and LeanRL write them: objects that own their state, plain
loops, the step names of jax_ppo/train.py (docs/ALGORITHM.md).

A `Learner` owns the network, Adam and the shuffle generator; its `learn_from_batch` runs `update_epochs` x
`num_minibatches` of `minibatch_step` on `ppo_loss`. A `Trainer` is a learner with envs and a rollout buffer:
`collect_batch` (`collect_rollout`: T env steps, then values and log-probs in one batched pass; `compute_gae`;
`flatten_batch`), and `update_step`, both halves: three levels from an update to the loss, as on the JAX side.
Methods change their object (parameters, optimizer, buffer, the current observation) and return new values
(batches, metrics), never the object. Hot-loop choices: buffers preallocated on the env's device and filled in
place; the rollout runs only the actor (values afterwards in one batched pass); the NaN check and metric
read-out once per update. Speed choices (Adam kernel, torch.compile, CUDA graphs) live in compiled.py.
Not in here: envs (envs.py, brax_env.py), loss maths (losses.py), timing and the result line (run.py).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import NamedTuple

import torch

from shared_spec.spec import PPOSpec
from torch_ppo.compiled import DEFAULT_CUDA_GRAPH_RECIPE, CudaGraphRecipe, compile_env_side, compile_step
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


# ----------------------------------------------------------------------------------------------- data
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


# ----------------------------------------------------------------------------------------------- steps
def make_policy_step(
    network: ActorCritic, compiled: bool, cuda_graph_recipe: CudaGraphRecipe = DEFAULT_CUDA_GRAPH_RECIPE
) -> PolicyStep:
    """The rollout's action: mean(obs) + the step's pre-scaled noise (one compiled call with `compiled`)."""

    def policy_step(obs: torch.Tensor, scaled_noise: torch.Tensor) -> torch.Tensor:
        return network.action_mean(obs) + scaled_noise

    if compiled:
        device = next(network.parameters()).device
        return compile_step(policy_step, device, cuda_graph_recipe=cuda_graph_recipe)
    return policy_step


def make_minibatch_step(
    network: ActorCritic,
    optimizer: torch.optim.Optimizer,
    spec: PPOSpec,
    compiled: bool,
    cuda_graphs: bool | None = None,
    cuda_graph_recipe: CudaGraphRecipe = DEFAULT_CUDA_GRAPH_RECIPE,
) -> MinibatchStep:
    """One optimizer step on one minibatch: ppo_loss, backward, global grad-norm clip, Adam.

    With `compiled`, the whole step is one torch.compile'd function (compiled.py says what that covers);
    `cuda_graphs` (default: on a GPU) and `cuda_graph_recipe` are for the learner-only ladder.
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
        return compile_step(minibatch_step, params[0].device, cuda_graphs, cuda_graph_recipe)
    return minibatch_step


def flatten_batch(rollout: Transition, advantages: torch.Tensor, returns: torch.Tensor) -> Batch:
    """The rollout as one [T*B] batch of loss inputs."""
    batch = Batch(rollout.obs, rollout.actions, rollout.log_probs, rollout.values, advantages, returns)
    return Batch(*(x.flatten(0, 1) for x in batch))


def epoch_permutations(generator: torch.Generator, spec: PPOSpec) -> torch.Tensor:
    """int64 [update_epochs, batch_size]: a fresh shuffle of the batch for each epoch."""
    return torch.stack(
        [
            torch.randperm(spec.batch_size, generator=generator, device=generator.device)
            for _ in range(spec.update_epochs)
        ]
    )


def shuffled_minibatches(batch: Batch, permutations: torch.Tensor, spec: PPOSpec) -> Iterator[Batch]:
    """The batch in each epoch's `permutations` order, cut into `num_minibatches` minibatches."""
    for permutation in permutations:
        for indices in permutation.split(spec.minibatch_size):
            yield Batch(*(x[indices] for x in batch))


def explained_variance(values: torch.Tensor, returns: torch.Tensor) -> torch.Tensor:
    """1 - Var(returns - values) / Var(returns): how much of the return variance the critic explains."""
    return 1.0 - (returns - values).var(correction=0) / returns.var(correction=0)


def all_finite(network: ActorCritic) -> torch.Tensor:
    """bool: every parameter of `network` finite."""
    return torch.stack([torch.isfinite(p).all() for p in network.parameters()]).all()


class Learner:
    """The learning half of PPO: the network, Adam, the minibatch step and the shuffle generator of one seed."""

    def __init__(
        self,
        spec: PPOSpec,
        obs_size: int,
        act_size: int,
        device: torch.device,
        seed: int,
        compile_mode: bool = False,
        cuda_graph_recipe: CudaGraphRecipe = DEFAULT_CUDA_GRAPH_RECIPE,
    ) -> None:
        """`compile_mode`: the minibatch step (and a trainer's policy step) go through torch.compile, replayed
        as CUDA graphs on a GPU by `cuda_graph_recipe` (compiled.py)."""
        torch.manual_seed(seed)
        self.spec = spec
        self.device = device
        self.network = make_network(spec, obs_size, act_size).to(device)
        self.optimizer = make_optimizer(self.network, spec, compiled=compile_mode)
        self.cuda_graph_recipe = cuda_graph_recipe
        self.minibatch_step = make_minibatch_step(
            self.network, self.optimizer, spec, compile_mode, cuda_graph_recipe=cuda_graph_recipe
        )
        self.compiled_parts = ["minibatch_step"] if compile_mode else []
        """What went through torch.compile, for the record (`compiled.describe_compilation`)."""
        self.generator = torch.Generator(device=device).manual_seed(seed)
        self.update_index = 0
        """Updates done so far (drives the learning-rate schedule)."""

    def learn_from_batch(self, batch: Batch) -> UpdateMetrics:
        """The learning half of an update: `update_epochs` x `num_minibatches` of `minibatch_step`."""
        set_learning_rate(self.optimizer, learning_rate_at(self.spec, self.update_index))
        permutations = epoch_permutations(self.generator, self.spec)
        nonfinite = torch.zeros((), dtype=torch.bool, device=batch.obs.device)
        for minibatch in shuffled_minibatches(batch, permutations, self.spec):
            loss, last = self.minibatch_step(minibatch)
            nonfinite |= ~torch.isfinite(loss)
        self.update_index += 1
        with torch.no_grad():
            return UpdateMetrics(
                **last,
                explained_variance=explained_variance(batch.values, batch.returns),
                all_finite=~nonfinite & all_finite(self.network),
            )


class Trainer(Learner):
    """A learner with its envs, rollout buffer and current observation: one training run of one seed."""

    def __init__(
        self,
        spec: PPOSpec,
        envs: TrainEnv,
        eval_envs: EvalEnv,
        device: torch.device,
        seed: int,
        compile_mode: bool = False,
    ) -> None:
        """Network, Adam and generator seeded with `seed`; the training envs reset with `seed`."""
        super().__init__(spec, envs.obs_size, envs.act_size, device, seed, compile_mode)
        self.envs, self.eval_envs = envs, eval_envs
        self.policy_step = make_policy_step(self.network, compile_mode, self.cuda_graph_recipe)
        if compile_mode:  # and the env's own torch work per step, where it has some (Brax: normalization)
            self.compiled_parts = ["policy_step", *compile_env_side(envs), *self.compiled_parts]
        self.buffer = RolloutBuffer.allocate(spec.num_steps, envs)
        self.obs = envs.reset(seed)
        """float32 [B, O]: current normalized observation, on the env's device."""

    def collect_rollout(self) -> Transition:
        """`num_steps` steps of all envs; V(obs), V(next obs) and log-probs in one batched pass after the loop.

        Actions are mean(obs) + std * noise, with the noise [T, B, A] drawn for the whole rollout at once, and
        stored unclipped; the env clips them to its bounds.
        """
        spec, envs, buffer, network, device = self.spec, self.envs, self.buffer, self.network, self.device
        noise = torch.randn(
            spec.num_steps, envs.num_envs, envs.act_size, generator=self.generator, device=device
        )
        scaled_noise = noise * torch.exp(network.log_std.detach())
        buffer.episode_returns.clear()
        obs = self.obs
        with torch.inference_mode():
            for t in range(spec.num_steps):
                buffer.obs[t] = obs
                # copied into the buffer at once: a CUDA-graph output is overwritten by the next replay
                buffer.actions[t] = self.policy_step(obs.to(device, non_blocking=True), scaled_noise[t])
                step = envs.step(buffer.actions[t])
                buffer.next_obs[t] = step.true_next_obs
                buffer.rewards[t] = step.reward
                buffer.terminations[t] = step.terminated
                buffer.truncations[t] = step.truncated
                buffer.episode_returns.extend(step.episode_returns)
                obs = step.next_obs
        self.obs = obs
        with torch.no_grad():
            rollout_obs, actions = buffer.obs.to(device), buffer.actions.to(device)
            return Transition(
                obs=rollout_obs,
                actions=actions,
                log_probs=gaussian_log_prob(network.action_mean(rollout_obs), network.log_std, actions),
                values=network.value(rollout_obs),
                rewards=buffer.rewards.to(device),
                terminations=buffer.terminations.to(device),
                truncations=buffer.truncations.to(device),
                next_values=network.value(buffer.next_obs.to(device)),
            )

    def collect_batch(self) -> Batch:
        """The rollout half of an update: collect_rollout, compute_gae, and the flattened [T*B] batch."""
        spec = self.spec
        rollout = self.collect_rollout()
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
        return flatten_batch(rollout, advantages, returns)

    def update_step(self) -> UpdateMetrics:
        """One full PPO update: collect_batch (rollout + GAE), then learn_from_batch (epochs of minibatches)."""
        return self.learn_from_batch(self.collect_batch())

    def evaluate(self, seed: int) -> torch.Tensor:
        """Raw undiscounted returns [eval_episodes] of the mean action on fresh envs, normalization frozen.

        Each env's first episode counts; the loop stops when every episode is done (at most `episode_length`).
        """
        eval_envs, device = self.eval_envs, self.device
        obs = eval_envs.reset(seed)
        returns = torch.zeros(eval_envs.num_envs, dtype=torch.float64, device=eval_envs.device)
        active = torch.ones(eval_envs.num_envs, dtype=torch.bool, device=eval_envs.device)
        with torch.inference_mode():
            for _ in range(self.spec.episode_length):
                obs = self.envs.normalize_frozen(obs).to(device)
                action = self.network.action_mean(obs).to(eval_envs.device)
                obs, reward, done = eval_envs.step(action)
                # where, not *: a finished Brax env may go NaN
                returns += torch.where(active, reward.to(returns.dtype), 0.0)
                active &= ~done
                if not bool(active.any()):
                    break
        return returns

    def sync(self, batch: Batch) -> None:
        """Wait for the device before the clock is read at the rollout/update boundary (a no-op on CPU)."""
        if self.device.type == "cuda":
            torch.cuda.synchronize(self.device)

    def recent_train_returns(self) -> list[float]:
        """Returns of the training episodes that ended in the last rollout."""
        return self.buffer.episode_returns
