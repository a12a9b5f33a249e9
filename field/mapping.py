"""The spec mapped onto each third-party library's PPO: one function per library, returning (kwargs, unmapped).

`kwargs` is plain data (no library imported here): "algo" holds the library's PPO arguments by their own names,
"net" the network, "norm" the normalization wrappers or preprocessors, "lr" the schedule, "run" what the
contender module applies itself (env, time limit, evaluation schedule, device, threads). `unmapped` is
{field: reason} for every spec field whose value the library cannot express exactly, and for what the algorithm
fixes without a field (`network_init`) where a library builds it otherwise: the record keeps it
(`extra.unmapped`) and the report shows it beside the numbers. Nothing is silently replaced: a reason says what
the library does instead. Why data first: every field's fate is testable without the libraries installed.
"""

from __future__ import annotations

from typing import Any

from shared_spec.spec import PPOSpec
from shared_spec.tasks import get_task

Mapping = tuple[dict[str, Any], dict[str, str]]

NO_BRAX = "not applicable: the library steps Gymnasium MuJoCo C, as the torch contender does"
VALUE_CLIP_FORM = (
    "value clipped around the old value by clip_coef, but the loss is the squared error of the clipped value "
    "alone, not the max of clipped and unclipped errors (docs/ALGORITHM.md)"
)
SBX_INIT = (
    "only the action head is orthogonal (gain 0.01, zero bias); the hidden layers and the value head keep "
    "Flax's default init (LeCun-normal kernels, zero biases), where the algorithm (docs/ALGORITHM.md) and SB3 "
    "are orthogonal throughout (gain sqrt 2 hidden, 1 value head)"
)
"""Not a spec field: the algorithm's network init, which SBX's `ortho_init` covers only in part."""
PER_NETWORK_CLIP = "gradients clipped per network (actor and critic each to max_grad_norm), not over both"


def run_fields(spec: PPOSpec) -> dict[str, Any]:
    """What the contender module applies itself, the same for every library."""
    task = get_task(spec.task)
    return {
        "gym_id": task.gym_id,
        "gym_make_kwargs": task.gym_make_kwargs(),
        "task": spec.task,
        "episode_length": spec.episode_length,
        "total_timesteps": spec.num_updates * spec.batch_size,
        "num_updates": spec.num_updates,
        "updates_per_eval": spec.updates_per_eval,
        "num_evals": spec.num_evals,
        "eval_episodes": spec.eval_episodes,
        "device": spec.device,
        "vector_env": spec.vector_env,
        "torch_threads": spec.torch_threads,
        "matmul_precision": spec.matmul_precision,
        "run_timeout_s": spec.run_timeout_s,  # applied by the harness
    }


def net_fields(spec: PPOSpec) -> dict[str, Any]:
    """Separate actor and critic MLPs with a state-independent log-std."""
    return {
        "actor_hidden": list(spec.actor_hidden),
        "critic_hidden": list(spec.critic_hidden),
        "activation": spec.activation,
        "init_log_std": spec.init_log_std,
    }


def lr_fields(spec: PPOSpec) -> dict[str, Any]:
    """CleanRL's schedule: update u (from 0) uses learning_rate * (1 - u / num_updates) when annealed."""
    return {"initial": spec.learning_rate, "anneal_over_updates": spec.num_updates if spec.anneal_lr else None,
            "update_epochs": spec.update_epochs}  # fmt: skip


def _sb3_common(spec: PPOSpec) -> Mapping:
    """What SB3 and SBX share: SB3's PPO arguments, VecNormalize, the run."""
    unmapped: dict[str, str] = {"brax_backend": NO_BRAX, "mjx_impl": NO_BRAX}
    if not spec.bootstrap_on_truncation:
        unmapped["bootstrap_on_truncation"] = "always bootstraps at a time-limit truncation (cannot be off)"
    algo = {
        "n_steps": spec.num_steps,
        "batch_size": spec.minibatch_size,
        "n_epochs": spec.update_epochs,
        "gamma": spec.gamma,
        "gae_lambda": spec.gae_lambda,
        "clip_range": spec.clip_coef,
        "normalize_advantage": spec.norm_adv,
        "ent_coef": spec.ent_coef,
        # SB3's value loss is the plain mean squared error; ours carries CleanRL's factor 0.5
        "vf_coef": 0.5 * spec.vf_coef,
        "max_grad_norm": spec.max_grad_norm,
    }
    norm = {
        "norm_obs": spec.normalize_obs,
        "norm_reward": spec.normalize_reward,
        "clip_obs": spec.obs_clip,
        "clip_reward": spec.reward_clip,
        "gamma": spec.gamma,
        "epsilon": 1e-8,
    }
    kwargs = {"algo": algo, "net": {**net_fields(spec), "adam_eps": spec.adam_eps}, "norm": norm,
              "lr": lr_fields(spec), "run": {**run_fields(spec), "num_envs": spec.num_envs}}  # fmt: skip
    return kwargs, unmapped


def sb3_mapping(spec: PPOSpec) -> Mapping:
    """Stable-Baselines3 PPO (PyTorch): CleanRL's algorithm but for the value-loss form."""
    kwargs, unmapped = _sb3_common(spec)
    kwargs["algo"]["clip_range_vf"] = spec.clip_coef if spec.clip_vloss else None
    kwargs["net"]["ortho_init"] = True
    if spec.clip_vloss:
        unmapped["clip_vloss"] = VALUE_CLIP_FORM
    return kwargs, unmapped


def sbx_mapping(spec: PPOSpec) -> Mapping:
    """SBX PPO (JAX port of SB3): no value clipping, per-network gradient clip, Flax's default init."""
    kwargs, unmapped = _sb3_common(spec)
    kwargs["net"]["ortho_init"] = True  # SBX: orthogonal (gain 0.01) on the action head only
    unmapped["network_init"] = SBX_INIT
    if spec.clip_vloss:
        unmapped["clip_vloss"] = "SBX has no value clipping (its clip_range_vf is ignored)"
    unmapped["max_grad_norm"] = PER_NETWORK_CLIP
    return kwargs, unmapped


def _skrl_common(spec: PPOSpec) -> Mapping:
    """What skrl's PyTorch and JAX PPO share (their configs have the same fields)."""
    unmapped: dict[str, str] = {
        "brax_backend": NO_BRAX,
        "mjx_impl": NO_BRAX,
        "norm_adv": (
            "advantages normalized over the whole rollout batch, not per minibatch"
            if spec.norm_adv
            else "advantage normalization cannot be turned off"
        ),
        "adam_eps": "Adam eps is the framework default 1e-8; skrl has no setting for it",
        "reward_clip": "no reward clipping",
    }
    if spec.normalize_reward:
        unmapped["normalize_reward"] = (
            "no reward scaling; skrl standardizes values and returns instead (value_preprocessor = "
            "RunningStandardScaler, as skrl's MuJoCo examples do)"
        )
    if spec.bootstrap_on_truncation:
        unmapped["bootstrap_on_truncation"] = (
            "bootstraps at truncation from the value of the observation the vector env returns, which after "
            "Gymnasium's autoreset is the next episode's first observation, not the final one"
        )
    if spec.clip_vloss:
        unmapped["clip_vloss"] = VALUE_CLIP_FORM
    algo = {
        "rollouts": spec.num_steps,
        "learning_epochs": spec.update_epochs,
        "mini_batches": spec.num_minibatches,
        "discount_factor": spec.gamma,
        "gae_lambda": spec.gae_lambda,
        "ratio_clip": spec.clip_coef,
        "value_clip": spec.clip_coef if spec.clip_vloss else 0.0,
        "entropy_loss_scale": spec.ent_coef,
        "value_loss_scale": 0.5 * spec.vf_coef,  # skrl's value loss is the plain mean squared error
        "grad_norm_clip": spec.max_grad_norm,
        "time_limit_bootstrap": spec.bootstrap_on_truncation,
        "kl_threshold": 0.0,
    }
    norm = {
        "normalize_obs": spec.normalize_obs,
        "obs_clip": spec.obs_clip,
        "standardize_values": spec.normalize_reward,
    }
    kwargs = {"algo": algo, "net": {**net_fields(spec), "ortho_init": True}, "norm": norm,
              "lr": lr_fields(spec), "run": {**run_fields(spec), "num_envs": spec.num_envs}}  # fmt: skip
    return kwargs, unmapped


def skrl_torch_mapping(spec: PPOSpec) -> Mapping:
    """skrl's PyTorch PPO: one Adam over both networks, global gradient clip."""
    return _skrl_common(spec)


def skrl_jax_mapping(spec: PPOSpec) -> Mapping:
    """skrl's JAX PPO: one Adam per network, gradient clip per network."""
    kwargs, unmapped = _skrl_common(spec)
    unmapped["max_grad_norm"] = PER_NETWORK_CLIP
    unmapped["torch_threads"] = "not applicable: skrl's JAX path runs no torch"
    return kwargs, unmapped


MAPPINGS = {
    "sb3": sb3_mapping,
    "sbx": sbx_mapping,
    "skrl-torch": skrl_torch_mapping,
    "skrl-jax": skrl_jax_mapping,
}
"""Contender name -> its mapping function."""
