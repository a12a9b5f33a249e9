"""Steady-state SPS of jax_ppo vs Brax's own PPO on the same env, backend, num_envs, unroll and minibatches.

Trains both, one after the other, in this one process and prints both figures and their ratio (a benchmark,
not a test; fairness rule 3: the JAX side must be at least as fast as Brax's own PPO). Brax's figure is its
own `training/sps` of each training epoch, from the third epoch on: the first holds compilation and the
second recompiles in Brax 0.14.2 (reset and step states differ in weak types). Ours is `run_training`'s
steady-state sps (after the first update, evaluation excluded). Also prints jax_ppo's sps with the chunked
loop vs one long call.
Exits 4 (EXIT_UNAVAILABLE) when Brax's PPO cannot run with the installed JAX.

    .venv/bin/python -m bench.scripts.perf_jax_vs_brax [--preset smoke] [--set key=value ...]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time

from baselines import brax_ppo
from jax_ppo import run, train
from shared_spec.exit_codes import EXIT_OK, EXIT_UNAVAILABLE
from shared_spec.presets import resolve_spec
from shared_spec.spec import PPOSpec

DEFAULT_OVERRIDES = ("total_timesteps=12288", "num_evals=6", "eval_episodes=2", "episode_length=200")


def jax_sps(spec: PPOSpec) -> tuple[float, float]:
    """(chunked steady-state sps, sps of one long call of all remaining updates) of jax_ppo."""
    import jax
    import jax.numpy as jnp

    outcome = run.run_training(spec, seed=0)
    trainer = train.make_trainer(spec)
    state = jax.jit(lambda key: train.init_train_state(trainer, key))(jax.random.PRNGKey(0))
    carry = train.ChunkCarry(state, train.initial_metrics())
    chunk, _ = run.compiled_programs(trainer, carry, 1)
    carry = jax.block_until_ready(chunk(carry, jnp.int32(1)))
    rest = spec.num_updates - 1
    start = time.perf_counter()
    jax.block_until_ready(chunk(carry, jnp.int32(rest)))
    return outcome.sps, rest * spec.batch_size / (time.perf_counter() - start)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--preset", default="smoke")
    parser.add_argument("--set", dest="overrides", action="append", default=[])
    args = parser.parse_args()
    spec = resolve_spec(args.preset, [*DEFAULT_OVERRIDES, *args.overrides])
    print(
        f"spec: {args.preset} {spec.task}/{spec.brax_backend} num_envs={spec.num_envs} num_steps={spec.num_steps} "
        f"minibatches={spec.num_minibatches} epochs={spec.update_epochs} updates={spec.num_updates}",
        file=sys.stderr,
    )
    chunked, one_call = jax_sps(spec)
    log, error = brax_ppo.run(spec, seed=0)
    if error:
        print(error, file=sys.stderr)
        return EXIT_UNAVAILABLE
    brax = statistics.median(log.epoch_sps[2:]) if len(log.epoch_sps) > 2 else float("nan")
    print(f"jax_ppo sps (chunked, {spec.num_evals} evals): {chunked:.0f}")
    print(f"jax_ppo sps (one call of {spec.num_updates - 1} updates): {one_call:.0f}")
    print(
        f"brax ppo sps (epochs 3+ {log.epoch_sps[2:]}): {brax:.0f}  brax shape {brax_ppo.brax_batch_shape(spec)}"
    )
    print(f"ratio jax_ppo / brax: {chunked / brax:.2f}")
    return EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
