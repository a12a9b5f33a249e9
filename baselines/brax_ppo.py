"""Brax's own PPO (`brax.training.agents.ppo.train`) on the spec's env and backend: contender `brax-ppo`.

`python -m baselines.brax_ppo --preset NAME --seed N [--set k=v ...]` prints the same RunResult line.
It is the reference the JAX side must match or beat in speed (docs/DESIGN.md, fairness rule 3: "JAX side at
its best"), not a second implementation of our algorithm.

Spec mapping. One of our updates is num_envs * num_steps transitions split into num_minibatches; Brax's
training step is `batch_size * num_minibatches` sequences of `unroll_length` steps. We pick the largest
`unroll_length` dividing num_steps such that the sequences split evenly into num_minibatches, then
`batch_size = num_envs * num_steps / (unroll_length * num_minibatches)`: same transitions per update and per
minibatch. num_updates_per_batch = update_epochs, entropy_cost = ent_coef, discounting = gamma, gae_lambda,
clipping_epsilon = clip_coef, clipping_epsilon_value = clip_coef if clip_vloss, vf_loss_coefficient =
vf_coef (same 0.5 factor), max_grad_norm, normalize_advantage = norm_adv, bootstrap_on_timeout = False (truncated steps masked out of GAE, Brax's default), not
bootstrap_on_truncation, normalize_observations = normalize_obs, network sizes and activation from the spec,
`distribution_type="normal"` and `noise_std_type="log"` with init std exp(init_log_std).

Where Brax's algorithm still differs from docs/ALGORITHM.md (so its returns are not our algorithm's):
- no linear LR annealing (constant learning_rate); Adam eps 1e-8 (optax default), not adam_eps;
- reward scaling is a constant factor (we pass 1.0), not a running std of the discounted return; no obs clip;
- shuffles whole unroll sequences, not single transitions; GAE inside the loss per minibatch;
- lecun-uniform init, not orthogonal; actions sent unclipped (the physics clamps controls to ctrlrange)
  and in Brax's own convention (`brax_native_env`: inverted_pendulum and humanoid map [-1, 1] onto the
  actuator range, so a unit action is a larger control there than in our trainers, which send actuator units);
- its auto-reset returns the cached first state; evaluation: `num_eval_envs = eval_episodes`, deterministic.

Measured honestly: the curve (eval return at each progress callback, wall time since process start) and
sps on jax_ppo's definition: env steps of the steady training epochs over their host-clock seconds (Brax times
each epoch from the host, blocking on its result, evaluation excluded; `steady_sps`). Steady epochs are those
after the first two: the first holds compilation and Brax 0.14.2 compiles again in the second
(docs/RESULTS.md); with fewer than three epochs, those after the first. Until 2026-12-05 the figure was the
arithmetic mean of the epochs' rates, which weighs a fast epoch more than its seconds do (kept in `extra`). Not measurable from outside Brax: compile_s, startup_s, first_update_s (the first callback comes
after a whole epoch of updates), rollout_s/update_s: reported null, with the time to the first and second
callbacks in `extra`. If `brax.training` cannot be imported or run here, the result line carries the error
and the exit code is 4.
"""

from __future__ import annotations

import sys
import time
import traceback
from collections.abc import Callable
from typing import Any

from ppo_envs.quiet import stdout_noise_to_stderr
from shared_spec.cli import spec_or_exit, trainer_parser
from shared_spec.exit_codes import EXIT_OK, EXIT_UNAVAILABLE
from shared_spec.resources import xla_resources_record
from shared_spec.result import (
    RunResult,
    emit_result,
    package_versions,
    seconds_since_start,
    time_to_threshold,
)
from shared_spec.spec import PPOSpec
from shared_spec.tasks import get_task

COMPILING_EPOCHS = 2
"""Training epochs whose `training/sps` holds compilation (Brax 0.14.2 compiles in the first two)."""


def brax_batch_shape(spec: PPOSpec) -> dict[str, int]:
    """Brax's unroll_length / batch_size / num_minibatches giving our update and minibatch sizes."""
    for unroll_length in range(spec.num_steps, 0, -1):
        if spec.num_steps % unroll_length:
            continue
        sequences = spec.num_envs * spec.num_steps // unroll_length
        if sequences % spec.num_minibatches == 0:
            batch_size = sequences // spec.num_minibatches
            return {
                "unroll_length": unroll_length,
                "batch_size": batch_size,
                "num_minibatches": spec.num_minibatches,
            }
    raise ValueError(f"num_minibatches: got {spec.num_minibatches}; no Brax unroll shape fits this spec")


def brax_train_kwargs(spec: PPOSpec, seed: int) -> dict:
    """Keyword arguments of `brax.training.agents.ppo.train` mapped from the spec (module docstring)."""
    return {
        "num_timesteps": spec.num_updates * spec.batch_size,
        "num_envs": spec.num_envs,
        "episode_length": spec.episode_length,
        "learning_rate": spec.learning_rate,
        "entropy_cost": spec.ent_coef,
        "discounting": spec.gamma,
        "gae_lambda": spec.gae_lambda,
        "num_updates_per_batch": spec.update_epochs,
        "normalize_observations": spec.normalize_obs,
        "reward_scaling": 1.0,
        "clipping_epsilon": spec.clip_coef,
        "clipping_epsilon_value": spec.clip_coef if spec.clip_vloss else None,
        "max_grad_norm": spec.max_grad_norm,
        "normalize_advantage": spec.norm_adv,
        "vf_loss_coefficient": spec.vf_coef,
        # Brax's own episode wrapper never sets info["time_out"], which bootstrap_on_timeout=True reads
        # (KeyError); its default handling masks truncated steps out of GAE instead (a listed difference).
        "bootstrap_on_timeout": False,
        "num_evals": spec.num_evals + 1,
        "num_eval_envs": spec.eval_episodes,
        "deterministic_eval": True,
        "seed": seed,
        **brax_batch_shape(spec),
    }


def network_factory(spec: PPOSpec) -> Callable[..., Any]:
    """Brax's PPO networks with the spec's sizes, activation and an untransformed Gaussian."""
    import functools
    import math

    import jax
    from brax.training.agents.ppo import networks as ppo_networks

    activation = {"tanh": jax.numpy.tanh, "relu": jax.nn.relu}[spec.activation]
    return functools.partial(
        ppo_networks.make_ppo_networks,
        policy_hidden_layer_sizes=tuple(spec.actor_hidden),
        value_hidden_layer_sizes=tuple(spec.critic_hidden),
        activation=activation,
        distribution_type="normal",
        noise_std_type="log",
        init_noise_std=math.exp(spec.init_log_std),
    )


def steady_sps(epoch_sps: list[float]) -> float | None:
    """Steps over seconds of equal-step epochs, from their per-epoch rates: the harmonic mean of the rates.

    Every Brax training epoch has the same env steps, so total steps / total seconds is n / sum(1 / rate).
    """
    if not epoch_sps:
        return None
    return len(epoch_sps) / sum(1.0 / rate for rate in epoch_sps)


class ProgressLog:
    """Brax's `progress_fn`: records the curve and Brax's per-epoch training sps."""

    def __init__(self, spec: PPOSpec) -> None:
        self.spec = spec
        self.curve: list[list[float]] = []
        self.epoch_sps: list[float] = []
        self.callback_s: list[float] = []
        self.jax_shim: str | None = None
        """What stood in for a JAX call brax.training needs and this JAX lacks (None: nothing)."""

    def __call__(self, step: int, metrics: dict) -> None:
        now = seconds_since_start()
        self.callback_s.append(now)
        ret = float(metrics.get("eval/episode_reward", float("nan")))
        self.curve.append([int(step), now, ret])
        if "training/sps" in metrics:
            self.epoch_sps.append(float(metrics["training/sps"]))
        print(f"[brax-ppo] steps {step}  return {ret:.1f}  elapsed {now:.1f}s", file=sys.stderr, flush=True)


def run(spec: PPOSpec, seed: int) -> tuple[ProgressLog, str | None]:
    """Train with Brax's PPO; returns the log and an error text when brax.training is unusable."""
    log = ProgressLog(spec)
    try:
        from baselines.jax_compat import ensure_device_put_replicated

        log.jax_shim = ensure_device_put_replicated()
        from brax.training.agents.ppo import train as brax_ppo

        from ppo_envs.brax_envs import brax_native_env

        brax_ppo.train(  # its tanh-squashed actions in [-1, 1] are what Brax's env maps onto the actuators
            environment=brax_native_env(spec),
            network_factory=network_factory(spec),
            progress_fn=log,
            **brax_train_kwargs(spec, seed),
        )
    except Exception as err:  # brax.training may break on other JAX versions: report, don't crash
        traceback.print_exc(file=sys.stderr)
        return log, f"brax.training unusable here: {type(err).__name__}: {err}"
    return log, None


def main(argv: list[str] | None = None) -> int:
    parser = trainer_parser("python -m baselines.brax_ppo", "Brax's own PPO (contender 'brax-ppo').")
    args = parser.parse_args(argv)
    spec = spec_or_exit(args.preset, args.overrides)
    with stdout_noise_to_stderr():
        import jax

        from jax_ppo.device import device_or_exit  # the JAX contender's own device choice
        from jax_ppo.run import VERSIONED
        from ppo_envs.precision import apply_jax_matmul_precision

    device, device_record = device_or_exit(spec.device)
    numerics = apply_jax_matmul_precision(spec.matmul_precision)
    start = time.perf_counter()
    with jax.default_device(device):
        log, error = run(spec, args.seed)
    compiling = COMPILING_EPOCHS if len(log.epoch_sps) > COMPILING_EPOCHS else 1
    steady_epochs = log.epoch_sps[compiling:]
    result = RunResult.for_spec(
        spec,
        contender="brax-ppo",
        preset=args.preset,
        seed=args.seed,
        device=device_record,
        total_env_steps=log.curve[-1][0] if log.curve else 0,
        sps=steady_sps(steady_epochs),
        wall_s=seconds_since_start(),
        final_return=log.curve[-1][2] if log.curve and error is None else None,
        time_to_threshold_s=time_to_threshold(log.curve, get_task(spec.task).return_threshold),
        curve=log.curve,
        status="ok",
        error=error,
        versions=package_versions(VERSIONED),
        extra={
            "brax_batch_shape": brax_batch_shape(spec),
            "first_callback_s": log.callback_s[0] if log.callback_s else None,
            "second_callback_s": log.callback_s[1] if len(log.callback_s) > 1 else None,
            "epoch_sps": log.epoch_sps,
            "sps_from_epoch": compiling + 1,
            "sps_definition": "steady epochs' env steps over their host-clock seconds (jax_ppo's definition)",
            "mean_of_epoch_sps": sum(steady_epochs) / len(steady_epochs) if steady_epochs else None,
            "train_s": time.perf_counter() - start,
            "resources": xla_resources_record(**numerics),
            "jax_shim": log.jax_shim,
            "phase_split": (
                "not separable: brax.training runs rollout and update inside one compiled training epoch "
                "and exposes no hook between them"
            ),
        },
    )
    emit_result(result)
    return EXIT_UNAVAILABLE if error else EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
