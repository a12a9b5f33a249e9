"""jax_ppo's update vs Brax's PPO update in one process, on the MJX env and on a physics-free stand-in, at the
three shapes of `perf_jax_vs_brax`: how much of each update is the physics both call, and how much is each
trainer's own work.

A benchmark, not a test (fairness rule 3, docs/RESULTS.md). `perf_jax_vs_brax` compares whole runs in
separate processes: there the physics' cost depends on the states each learner visits, and the machine's
load differs between processes. Here both update programs (`jax_ppo.train.train_chunk` for one update, and
Brax's `training_step` as `baselines.brax_training_step` puts it together from Brax's own functions) start
from fresh parameters and are timed in interleaved rounds in one process (chained calls, median), first on
the spec's MJX env (Brax's native env for Brax, as its PPO uses), then with the physics swapped for
`ppo_envs.physics_free.PhysicsFreeEnv` under each trainer's own wrappers. The difference is the physics; what
is left on the stand-in is the trainer's own work. The last column bounds what any speed-up of jax_ppo's own
work could give: Brax's update time over jax_ppo's physics time alone.

    .venv/bin/python -m experiments.perf_jax_vs_brax_controlled [--shapes cpu-quick,hopper-64x32,...]
        [--rounds 7] [--episode-steps 20]
"""

from __future__ import annotations

import argparse
import dataclasses
import functools
import statistics
import sys
from collections.abc import Callable
from typing import Any

import jax
import jax.numpy as jnp

from baselines.brax_training_step import brax_training_step, init_brax_carry, make_brax_training_step
from experiments.perf_jax_vs_brax import SHAPES
from experiments.profile_jax_rollout import interleaved
from jax_ppo import train
from ppo_envs import brax_envs
from ppo_envs.physics_free import PhysicsFreeEnv
from shared_spec.exit_codes import EXIT_BAD_SPEC, EXIT_OK
from shared_spec.presets import resolve_spec
from shared_spec.spec import PPOSpec


def jax_ppo_program(spec: PPOSpec, base: Any | None) -> tuple[Callable, Any]:
    """One jax_ppo update (`train_chunk` with one update) and its fresh carry; `base` swaps the env."""
    trainer = train.make_trainer(spec)
    if base is not None:
        trainer = dataclasses.replace(trainer, env=brax_envs.make_train_env(spec, spec.num_envs, base=base))
    state = jax.jit(functools.partial(train.init_train_state, trainer))(jax.random.PRNGKey(0))
    carry = (state, train.initial_metrics())
    chunk = functools.partial(train.train_chunk, trainer)
    compiled = jax.jit(chunk).lower(*carry, jnp.int32(1)).compile()
    return (lambda c: compiled(*c, jnp.int32(1))), carry


def brax_program(spec: PPOSpec, environment: Any) -> tuple[Callable, Any]:
    """One update of Brax's PPO training step on `environment`, and its fresh carry."""
    step = make_brax_training_step(spec, environment)
    carry = jax.jit(functools.partial(init_brax_carry, step))(jax.random.PRNGKey(0))
    compiled = jax.jit(functools.partial(brax_training_step, step)).lower(carry).compile()
    return compiled, carry


def measure_shape(spec: PPOSpec, rounds: int, episode_steps: int) -> dict[str, float]:
    """Median seconds per update of the four programs (jax_ppo / Brax x MJX / physics-free)."""
    native = brax_envs.brax_native_env(spec)
    stand_in = PhysicsFreeEnv.like(native, episode_steps)
    programs = {
        "jax_ppo mjx": list(jax_ppo_program(spec, None)),
        "brax mjx": list(brax_program(spec, native)),
        "jax_ppo physics-free": list(jax_ppo_program(spec, stand_in)),
        "brax physics-free": list(brax_program(spec, stand_in)),
    }
    interleaved(programs, rounds=1, calls=3)  # warm-up (the first call after compiling is slower)
    seconds = interleaved(programs, rounds=rounds, calls=3)
    return {name: statistics.median(values) for name, values in seconds.items()}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shapes", default=",".join(SHAPES), help=f"comma-separated: {', '.join(SHAPES)}")
    parser.add_argument("--rounds", type=int, default=7, help="interleaved rounds of 3 chained calls each")
    parser.add_argument("--episode-steps", type=int, default=20, help="episode length of the stand-in env")
    args = parser.parse_args()
    names = [name for name in args.shapes.split(",") if name]
    unknown = [name for name in names if name not in SHAPES]
    if unknown or args.rounds < 1 or args.episode_steps < 1:
        print(
            f"error: --shapes: unknown {unknown}; allowed: {', '.join(SHAPES)} (--rounds, --episode-steps >= 1)",
            file=sys.stderr,
        )
        return EXIT_BAD_SPEC
    print(f"devices {jax.devices()}; median ms per update over {args.rounds} rounds x 3 chained calls")
    print(
        "shape                 env            jax_ppo   Brax  Brax/jax_ppo | physics: jax_ppo  Brax"
        "  share of Brax | bound"
    )
    for name in names:
        shape = SHAPES[name]
        spec = resolve_spec(shape.preset, list(shape.overrides))
        ms = {k: v * 1e3 for k, v in measure_shape(spec, args.rounds, args.episode_steps).items()}
        for env in ("mjx", "physics-free"):
            ours, theirs = ms[f"jax_ppo {env}"], ms[f"brax {env}"]
            print(f"{name:21s} {env:13s} {ours:8.1f} {theirs:6.1f} {theirs / ours:13.2f} |", flush=True)
        physics_ours = ms["jax_ppo mjx"] - ms["jax_ppo physics-free"]
        physics_brax = ms["brax mjx"] - ms["brax physics-free"]
        print(
            f"{name:21s} {'':13s} {'':8s} {'':6s} {'':13s} | {physics_ours:16.1f} {physics_brax:5.1f}"
            f" {physics_brax / ms['brax mjx']:14.0%} | {ms['brax mjx'] / physics_ours:.2f}",
            flush=True,
        )
    return EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
