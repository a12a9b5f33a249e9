"""The PyTorch PPO training loop, CleanRL style: one readable loop, the steps named as in jax_ppo/train.py.

`train` runs: evaluate at step 0, then per update `collect_rollout` -> `prepare_batch` (values, log-probs,
`compute_gae`) -> `update_ppo` (epochs x minibatches of `ppo_loss`), evaluating every `updates_per_eval`
updates. Hot-loop choices, and why:
- rollout buffers are preallocated on the env's device and filled in place; nothing is synced per step
  beyond the unavoidable action hand-over to the env;
- the rollout step only runs the actor (mean + pre-drawn, pre-scaled noise); values, next_values and
  log-probs are computed afterwards in one batched no-grad pass (same parameters, so the same numbers, and
  far fewer small kernel launches than per-step calls);
- the NaN check and metric read-out happen once per update, not per minibatch.
Not in here: env construction (envs.py, brax_env.py), loss maths (losses.py), the CLI (__main__.py).
"""

from __future__ import annotations

import math
import os
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import torch

from shared_spec.result import RunResult, package_versions, seconds_since_start, time_to_threshold
from shared_spec.spec import PPOSpec
from shared_spec.tasks import get_task
from torch_ppo.envs import EvalEnv, TrainEnv
from torch_ppo.losses import Batch, compute_gae, ppo_loss
from torch_ppo.networks import ActorCritic, gaussian_log_prob, make_agent, make_optimizer

EVAL_SEED_OFFSET = 10_000
"""Evaluation envs are reset with seed + this, so they never replay the training envs' starts."""


class DeviceError(RuntimeError):
    """The requested device is not available (e.g. device=gpu without CUDA)."""


def resolve_device(requested: str) -> tuple[torch.device, dict[str, Any]]:
    """The torch device for spec.device and the result's device record; gpu without CUDA is an error."""
    has_cuda = torch.cuda.is_available()
    if requested == "gpu" and not has_cuda:
        raise DeviceError("device: got 'gpu'; allowed here: auto, cpu (torch sees no CUDA device)")
    use_cuda = has_cuda and requested in ("gpu", "auto")
    device = torch.device("cuda" if use_cuda else "cpu")
    name = torch.cuda.get_device_name(device) if use_cuda else _cpu_name()
    record = {
        "kind": "gpu" if use_cuda else "cpu",
        "name": name,
        "requested": requested,
        "fallback": requested == "auto" and not use_cuda,
    }
    return device, record


def _cpu_name() -> str:
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    import platform

    return platform.processor() or "cpu"


def set_threads(requested: int) -> int:
    """Set torch's intra-op threads: `requested`, or one per available core when 0. Returns the count."""
    threads = requested or len(os.sched_getaffinity(0))
    torch.set_num_threads(threads)
    return threads


def learning_rate_at(spec: PPOSpec, update_index: int) -> float:
    """Learning rate of update `update_index` (0-based): linearly annealed to 0 when `anneal_lr`."""
    if not spec.anneal_lr:
        return spec.learning_rate
    return spec.learning_rate * (1.0 - update_index / spec.num_updates)


@dataclass
class Rollout:
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
    def allocate(cls, num_steps: int, envs: TrainEnv) -> Rollout:
        t, b, dev = num_steps, envs.num_envs, envs.device
        return cls(
            obs=torch.zeros(t, b, envs.obs_size, device=dev),
            next_obs=torch.zeros(t, b, envs.obs_size, device=dev),
            actions=torch.zeros(t, b, envs.act_size, device=dev),
            rewards=torch.zeros(t, b, device=dev),
            terminations=torch.zeros(t, b, dtype=torch.bool, device=dev),
            truncations=torch.zeros(t, b, dtype=torch.bool, device=dev),
        )


def collect_rollout(
    policy: Callable[[torch.Tensor], torch.Tensor],
    envs: TrainEnv,
    rollout: Rollout,
    obs: torch.Tensor,
    scaled_noise: torch.Tensor,
    device: torch.device,
) -> torch.Tensor:
    """Step the envs T times with actions mean(obs) + std * noise; fill `rollout`; return the next obs.

    `policy` maps normalized obs [B, O] to the action mean; `scaled_noise` [T, B, A] is std * N(0, 1),
    drawn for the whole rollout at once. Actions are stored unclipped; the env clips them to its bounds.
    """
    rollout.episode_returns.clear()
    with torch.inference_mode():
        for t in range(scaled_noise.shape[0]):
            rollout.obs[t] = obs
            action = (policy(obs.to(device, non_blocking=True)) + scaled_noise[t]).to(envs.device)
            rollout.actions[t] = action
            step = envs.step(action)
            rollout.next_obs[t] = step.true_next_obs
            rollout.rewards[t] = step.reward
            rollout.terminations[t] = step.terminated
            rollout.truncations[t] = step.truncated
            rollout.episode_returns.extend(step.episode_returns)
            obs = step.next_obs
    return obs


def prepare_batch(agent: ActorCritic, rollout: Rollout, spec: PPOSpec, device: torch.device) -> Batch:
    """Values, next_values and log-probs in one batched pass, then `compute_gae`; flattened to [T*B, ...]."""
    with torch.no_grad():
        obs = rollout.obs.to(device)
        actions = rollout.actions.to(device)
        values = agent.value(obs)
        next_values = agent.value(rollout.next_obs.to(device))
        log_probs = gaussian_log_prob(agent.action_mean(obs), agent.log_std, actions)
        advantages, returns = compute_gae(
            rollout.rewards.to(device),
            values,
            next_values,
            rollout.terminations.to(device),
            rollout.truncations.to(device),
            spec.gamma,
            spec.gae_lambda,
            spec.bootstrap_on_truncation,
        )
    return Batch(
        obs=obs.flatten(0, 1),
        actions=actions.flatten(0, 1),
        log_probs=log_probs.flatten(),
        values=values.flatten(),
        advantages=advantages.flatten(),
        returns=returns.flatten(),
    )


def make_minibatch_step(
    agent: ActorCritic, optimizer: torch.optim.Optimizer, spec: PPOSpec, compile_loss: bool
) -> Callable[[Batch], tuple[torch.Tensor, dict[str, torch.Tensor]]]:
    """One optimizer step on one minibatch: ppo_loss, backward, global grad-norm clip, Adam."""
    params = list(agent.parameters())

    def loss_fn(minibatch: Batch) -> tuple[torch.Tensor, dict[str, torch.Tensor]]:
        return ppo_loss(agent, minibatch, spec)

    if compile_loss:
        loss_fn = torch.compile(loss_fn, mode=_compile_mode(params[0].device))

    def minibatch_step(minibatch: Batch) -> tuple[torch.Tensor, dict[str, torch.Tensor]]:
        optimizer.zero_grad(set_to_none=True)
        loss, metrics = loss_fn(minibatch)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(params, spec.max_grad_norm, foreach=True)
        optimizer.step()
        return loss.detach(), metrics

    return minibatch_step


def _compile_mode(device: torch.device) -> str | None:
    """CUDA graphs ("reduce-overhead") on GPU; the default inductor mode on CPU."""
    return "reduce-overhead" if device.type == "cuda" else None


def epoch_permutations(generator: torch.Generator, spec: PPOSpec) -> torch.Tensor:
    """int64 [update_epochs, batch_size]: a fresh shuffle of the batch for each epoch."""
    return torch.stack(
        [
            torch.randperm(spec.batch_size, generator=generator, device=generator.device)
            for _ in range(spec.update_epochs)
        ]
    )


def update_ppo(
    minibatch_step: Callable[[Batch], tuple[torch.Tensor, dict[str, torch.Tensor]]],
    batch: Batch,
    spec: PPOSpec,
    permutations: torch.Tensor,
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


def evaluate(
    agent: ActorCritic,
    eval_envs: EvalEnv,
    normalize: Callable[[torch.Tensor], torch.Tensor],
    spec: PPOSpec,
    seed: int,
) -> float:
    """Mean raw undiscounted return of the deterministic (mean-action) policy over each env's first episode.

    Observations are normalized with the training statistics frozen; at most `episode_length` steps.
    """
    device = agent.log_std.device
    obs = eval_envs.reset(seed)
    returns = torch.zeros(eval_envs.num_envs, dtype=torch.float64, device=eval_envs.device)
    active = torch.ones(eval_envs.num_envs, dtype=torch.bool, device=eval_envs.device)
    with torch.inference_mode():
        for _ in range(spec.episode_length):
            action = agent.action_mean(normalize(obs).to(device)).to(eval_envs.device)
            obs, reward, done = eval_envs.step(action)
            returns += torch.where(
                active, reward.to(returns.dtype), 0.0
            )  # where, not *: done Brax envs may go NaN
            active &= ~done
            if not bool(active.any()):
                break
    return float(returns.mean())


def explained_variance(values: torch.Tensor, returns: torch.Tensor) -> torch.Tensor:
    """1 - Var(returns - values) / Var(returns): how much of the return variance the critic explains."""
    var_returns = returns.var(correction=0)
    return 1.0 - (returns - values).var(correction=0) / var_returns


def _params_finite(agent: ActorCritic) -> torch.Tensor:
    return torch.stack([torch.isfinite(p).all() for p in agent.parameters()]).all()


@dataclass
class Timings:
    """Where the wall time went; steady state = every update after the first."""

    first_iteration_s: float = 0.0
    rollout_s: float = 0.0
    update_s: float = 0.0
    steady_updates: int = 0


def train(
    spec: PPOSpec,
    seed: int,
    envs: TrainEnv,
    eval_envs: EvalEnv,
    device: torch.device,
    device_record: dict[str, Any],
    contender: str = "torch",
    preset: str = "",
    compile_mode: bool = False,
    threads: int = 1,
    log: Callable[[str], None] = lambda msg: print(msg, file=sys.stderr, flush=True),
    startup_extra_s: float = 0.0,
) -> RunResult:
    """Train PPO per `spec` and return the filled RunResult (status "diverged" if loss/params go non-finite).

    `startup_extra_s` is compile time of the env itself that happened before training (Brax), added to
    compile_s.
    """
    torch.manual_seed(seed)
    generator = torch.Generator(device=device).manual_seed(seed)
    agent = make_agent(spec, envs.obs_size, envs.act_size).to(device)
    optimizer = make_optimizer(agent, spec)
    policy = agent.action_mean
    if compile_mode:
        policy = torch.compile(agent.action_mean, mode=_compile_mode(device))
    minibatch_step = make_minibatch_step(agent, optimizer, spec, compile_mode)
    rollout = Rollout.allocate(spec.num_steps, envs)
    task = get_task(spec.task)

    result = RunResult.for_spec(
        spec,
        contender=contender,
        preset=preset,
        seed=seed,
        device=device_record,
        versions=package_versions(("torch", "gymnasium", "mujoco", "numpy", "brax", "jax")),
    )
    obs = envs.reset(seed)
    result.startup_s = seconds_since_start()

    def run_eval(env_steps: int) -> float:
        ret = evaluate(agent, eval_envs, envs.normalize_frozen, spec, seed + EVAL_SEED_OFFSET)
        result.curve.append([env_steps, seconds_since_start(), ret])
        return ret

    run_eval(0)
    log(
        f"[torch] {contender} {spec.task} seed {seed} on {device_record['name']}: step 0 eval {result.curve[-1][2]:.1f}"
    )
    timings = Timings()
    metrics: dict[str, float] = {}
    env_steps = 0
    for update in range(spec.num_updates):
        lr = learning_rate_at(spec, update)
        for group in optimizer.param_groups:
            group["lr"] = lr
        t0 = time.perf_counter()
        scaled_noise = torch.randn(
            spec.num_steps, envs.num_envs, envs.act_size, generator=generator, device=device
        ) * torch.exp(agent.log_std.detach())
        obs = collect_rollout(policy, envs, rollout, obs, scaled_noise, device)
        t1 = time.perf_counter()
        batch = prepare_batch(agent, rollout, spec, device)
        nonfinite, last = update_ppo(minibatch_step, batch, spec, epoch_permutations(generator, spec))
        with torch.no_grad():
            last["explained_variance"] = explained_variance(batch.values, batch.returns)
            nonfinite = nonfinite | ~_params_finite(agent)
        diverged = bool(nonfinite)  # the one host sync of the update
        t2 = time.perf_counter()
        env_steps += spec.batch_size
        metrics = {k: float(v) for k, v in last.items()}
        if update == 0:
            timings.first_iteration_s = t2 - t0
            result.first_update_s = seconds_since_start()
        else:
            timings.rollout_s += t1 - t0
            timings.update_s += t2 - t1
            timings.steady_updates += 1
        if diverged:
            result.status = "diverged"
            result.error = f"non-finite loss or parameters in update {update} (env step {env_steps})"
            log(f"[torch] diverged: {result.error}")
            break
        if (update + 1) % spec.updates_per_eval == 0:
            ret = run_eval(env_steps)
            steady = timings.rollout_s + timings.update_s
            sps = timings.steady_updates * spec.batch_size / steady if steady > 0 else math.nan
            recent = rollout.episode_returns[-10:]
            train_ret = sum(recent) / len(recent) if recent else math.nan
            log(
                f"[torch] step {env_steps} | eval return {ret:.1f} | train return {train_ret:.1f} | "
                f"sps {sps:.0f} | elapsed {seconds_since_start():.1f}s"
            )

    result.total_env_steps = env_steps
    steady = timings.rollout_s + timings.update_s
    if timings.steady_updates > 0 and steady > 0:
        result.sps = timings.steady_updates * spec.batch_size / steady
        result.rollout_s, result.update_s = timings.rollout_s, timings.update_s
    steady_iteration_s = steady / timings.steady_updates if timings.steady_updates else None
    if compile_mode:
        # first-call time minus a steady-state call, at the granularity of one whole update
        first_minus_steady = timings.first_iteration_s - (steady_iteration_s or 0.0)
        result.compile_s = max(0.0, first_minus_steady) + startup_extra_s
    else:
        result.compile_s = startup_extra_s
    if result.status == "ok":
        result.final_return = result.curve[-1][2]
    result.time_to_threshold_s = time_to_threshold(result.curve, task.return_threshold)
    result.extra = {
        "threads": threads,
        "env_backend": "brax" if contender == "torch-brax" else "gymnasium",
        "first_iteration_s": timings.first_iteration_s,
        "steady_iteration_s": steady_iteration_s,
        **metrics,
    }
    result.wall_s = seconds_since_start()
    return result
