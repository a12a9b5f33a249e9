"""Where jax_ppo's steady time goes beside Brax's PPO (fairness rule 3): each candidate cause as a
measured change, in one process, interleaved.

Programs, each timed per update (median of chained calls, `interleaved` rounds so load drifts over all alike):
- `jax`: jax_ppo's `train_chunk` of `--updates` updates, as `jax_ppo.run` calls it;
- `jax-rollout` / `brax-rollout`: the rollout halves alone (jax_ppo's `collect_batch`; Brax's unroll scan of
  `baselines.brax_training_step`, Brax's own `generate_unroll` on its training wrappers);
- `brax`: `--updates` of Brax's `training_step` in one scan, jitted with the carry donated, as Brax's
  `training_epoch` (Brax pmaps it over one device here);
- variants of `jax` (`--variants`), one cause changed each:
  `first-state` (Brax's auto-reset choice: every finished env returns to one cached first state instead of a
  fresh random start, a semantic difference), `scan` (a static-length scan of updates instead of the traced
  `fori_loop`), `no-reward-norm` (no per-step reward normalization: Brax's PPO scales no reward) and `no-norm`
  (no per-step normalization at all: Brax's PPO updates its observation statistics once per batch);
- `--env-only`: the envs alone, `num_steps` steps of uniformly random actions in one scan (no learner, so no
  learning changes how often episodes end): jax_ppo's training env (`make_train_env`) beside Brax's training
  wrappers (`envs.training.wrap`, as Brax's PPO builds them) on Brax's native env. Run it from two checkouts
  to compare two forms of the training env.

Whole updates depend on how each program's policy learns (a falling pendulum ends episodes, and restarts cost);
the env-only programs do not.

    .venv/bin/python -m experiments.rule3_gap [--shape cpu-quick|hopper-64x32] [--rounds 7] [--updates 4]
        [--variants first-state,scan,no-reward-norm,no-norm] [--env-only]
"""

from __future__ import annotations

import argparse
import dataclasses
import functools
import json
import statistics
import sys
from typing import Any

import jax
import jax.numpy as jnp
from brax import envs as brax_envs

from baselines.brax_training_step import (
    brax_rollout,
    brax_training_step,
    init_brax_carry,
    make_brax_training_step,
)
from experiments.perf_jax_vs_brax import SHAPES
from experiments.profile_jax_rollout import interleaved
from jax_ppo import train
from ppo_envs import brax_envs as our_envs
from shared_spec.presets import resolve_spec
from shared_spec.spec import PPOSpec

Program = list[Any]
"""[fn, state]: `interleaved` calls fn(state) and keeps the result as the next state."""


class FirstStateAutoReset(brax_envs.Wrapper):
    """Brax's `AutoResetWrapper` (every finished env returns to its cached first state, a select on every step)
    that also keeps the pre-reset observation in `info["final_obs"]`, as jax_ppo's step needs."""

    def reset(self, rng: jax.Array) -> brax_envs.State:
        state = our_envs.strong_dtypes(self.env.reset(rng))
        state.info["first_pipeline_state"] = state.pipeline_state
        state.info["first_obs"] = state.obs
        state.info["final_obs"] = state.obs
        return state

    def step(self, state: brax_envs.State, action: jax.Array) -> brax_envs.State:
        steps = jnp.where(state.done > 0, jnp.zeros_like(state.info["steps"]), state.info["steps"])
        state.info.update(steps=steps)
        state = self.env.step(state.replace(done=jnp.zeros_like(state.done)), action)
        done = state.done > 0

        def where_done(first: jax.Array, current: jax.Array) -> jax.Array:
            return jnp.where(jnp.reshape(done, done.shape + (1,) * (current.ndim - 1)), first, current)

        pipeline = jax.tree.map(where_done, state.info["first_pipeline_state"], state.pipeline_state)
        state.info["final_obs"] = state.obs
        obs = where_done(state.info["first_obs"], state.obs)
        return our_envs.strong_dtypes(state.replace(pipeline_state=pipeline, obs=obs))


NORMALIZATION_VARIANTS = {
    "no-reward-norm": {"normalize_reward": False},
    "no-norm": {"normalize_reward": False, "normalize_obs": False},
}
"""Spec changes of the normalization variants: Brax's PPO (reward_scaling 1) scales no reward, and updates its
observation statistics once per batch where jax_ppo, as Gymnasium's wrappers, updates both on every step."""


def jax_trainer(spec: PPOSpec, variant: str) -> train.Trainer:
    """jax_ppo's trainer; `first-state` swaps its auto-reset wrapper for Brax's choice; the normalization
    variants change the spec (semantic differences, each sized on its own)."""
    trainer = train.make_trainer(spec.replace(**NORMALIZATION_VARIANTS.get(variant, {})))
    wrappers = {"first-state": FirstStateAutoReset}
    if variant in wrappers:
        env = wrappers[variant](our_envs._batched(spec, spec.num_envs))
        trainer = dataclasses.replace(trainer, env=env)
    return trainer


def jax_program(spec: PPOSpec, variant: str, updates: int) -> Program:
    """`updates` jax_ppo updates per call (train_chunk), in the variant's form."""
    trainer = jax_trainer(spec, variant)
    state = jax.jit(functools.partial(train.init_train_state, trainer))(jax.random.PRNGKey(0))
    carry = (state, train.initial_metrics())
    if variant == "scan":

        def chunk(carry: tuple) -> tuple:
            def body(c: tuple, _: None) -> tuple:
                return train.update_step(trainer, c[0]), None

            return jax.lax.scan(body, carry, None, length=updates)[0]

        return [jax.jit(chunk).lower(carry).compile(), carry]
    donate = (0, 1) if variant == "donate" else ()
    fn = jax.jit(functools.partial(train.train_chunk, trainer), donate_argnums=donate)
    compiled = fn.lower(*carry, jnp.int32(updates)).compile()
    return [lambda c: compiled(*c, jnp.int32(updates)), carry]


def jax_rollout_program(spec: PPOSpec) -> Program:
    """jax_ppo's rollout half alone (collect_batch); the state advances, the batch is dropped."""
    trainer = train.make_trainer(spec)
    state = jax.jit(functools.partial(train.init_train_state, trainer))(jax.random.PRNGKey(0))
    fn = jax.jit(lambda s: train.collect_batch(trainer, s)[0])
    return [fn.lower(state).compile(), state]


def brax_programs(spec: PPOSpec, updates: int) -> dict[str, Program]:
    """Brax's training step (`updates` per call, carry donated) and its rollout half alone."""
    step = make_brax_training_step(spec, our_envs.brax_native_env(spec))
    carry = jax.jit(functools.partial(init_brax_carry, step))(jax.random.PRNGKey(0))

    def epoch(c: Any) -> Any:
        return jax.lax.scan(lambda x, _: (brax_training_step(step, x), None), c, None, length=updates)[0]

    def rollout(c: Any) -> Any:
        key, next_key = jax.random.split(c.key)
        env_state, data = brax_rollout(step, c, key)
        return c._replace(env_state=env_state, key=next_key), data.observation.sum()

    rollout_fn = jax.jit(rollout).lower(carry).compile()
    rollout_carry = jax.tree.map(jnp.copy, carry)
    return {
        "brax": [jax.jit(epoch, donate_argnums=0).lower(carry).compile(), carry],
        "brax-rollout": [lambda c: rollout_fn(c)[0], rollout_carry],
    }


def env_only_programs(spec: PPOSpec) -> dict[str, Program]:
    """`num_steps` steps of uniformly random actions: jax_ppo's training env and Brax's training wrappers."""
    ours = our_envs.make_train_env(spec, spec.num_envs)
    low, high = our_envs.action_bounds(ours)
    brax_env = brax_envs.training.wrap(our_envs.brax_native_env(spec), episode_length=spec.episode_length)

    def program(env: brax_envs.Env, reset_key: jax.Array, low: Any, high: Any) -> Program:
        def run(carry: tuple) -> tuple:
            state, key = carry
            key, action_key = jax.random.split(key)
            shape = (spec.num_steps, spec.num_envs, env.action_size)
            actions = jax.random.uniform(action_key, shape, minval=low, maxval=high)
            state = jax.lax.scan(lambda s, a: (env.step(s, a), None), state, actions)[0]
            return state, key

        state = jax.jit(env.reset)(reset_key)
        carry = (state, jax.random.PRNGKey(1))
        return [jax.jit(run).lower(carry).compile(), carry]

    key = jax.random.PRNGKey(0)
    return {
        "env-ours": program(ours, key, low, high),
        "env-brax": program(brax_env, jax.random.split(key, spec.num_envs), -1.0, 1.0),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shape", default="cpu-quick", choices=sorted(SHAPES))
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--updates", type=int, default=4, help="updates per timed call")
    parser.add_argument("--variants", default="first-state")
    parser.add_argument("--env-only", action="store_true", help="time the envs alone (random actions)")
    args = parser.parse_args(argv)
    shape = SHAPES[args.shape]
    spec = resolve_spec(shape.preset, list(shape.overrides))
    variants = [v for v in args.variants.split(",") if v]
    if args.env_only:
        programs = env_only_programs(spec)
        args.updates = 1  # one call is `num_steps` steps of every env: one update's worth
    else:
        programs = {"jax": jax_program(spec, "default", args.updates)}
        programs |= {f"jax-{v}": jax_program(spec, v, args.updates) for v in variants}
        programs["jax-rollout"] = jax_rollout_program(spec)
        programs |= brax_programs(spec, args.updates)
    for program in programs.values():  # one warm-up call each, not timed
        program[1] = jax.block_until_ready(program[0](program[1]))
    seconds = interleaved(programs, args.rounds, calls=3)
    per_update = {
        name: statistics.median(times) / (1 if name.endswith("rollout") else args.updates)
        for name, times in seconds.items()
    }
    base = per_update["env-ours" if args.env_only else "jax"]
    print(f"shape {args.shape}: {spec.num_envs} envs x {spec.num_steps} steps; ms per update (median)")
    for name, value in per_update.items():
        print(
            f"  {name:18s} {value * 1e3:8.2f} ms   {spec.batch_size / value:9.0f} SPS   x{base / value:.3f} vs the first"
        )
    print(json.dumps({"shape": args.shape, "ms_per_update": {k: v * 1e3 for k, v in per_update.items()}}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
