"""Where jax_ppo's steady time goes at one shape: the rollout and update halves, under three auto-resets.

An experiment, not a test (fairness rule 3, docs/RESULTS.md). Each half is compiled on its own (as the trainer's phase split does) and
timed in interleaved rounds (every program in turn, chained calls, median and min over all calls), from a
state trained for `--warmup-updates` updates and after untimed rollouts that desynchronize the envs'
episodes (so episode ends happen at the rate training sees); the machine's load drifts over all alike. The
rollout half, and the env alone (zero actions, no learner), are timed with three auto-reset wrappers:

- `full-reset`: the earlier `FinalObsAutoResetWrapper`, one batched reset of every env on each step where any
  episode ended (kept here as `FullResetEveryStep`, for the comparison only);
- `pool` (what the trainers use): fresh reset states from a pool, redrawn when used up;
- `cached` (Brax's `AutoResetWrapper` semantics: every env restarts from its one cached first state), the
  floor no fresh-random-start wrapper can beat.

    .venv/bin/python -m experiments.profile_jax_rollout [--preset hopper-1m] [--set key=value ...]
"""

from __future__ import annotations

import argparse
import dataclasses
import functools
import statistics
import time
from typing import Any

import jax
import jax.numpy as jnp
from brax import envs as brax_envs

from jax_ppo import train
from ppo_envs import brax_envs as envs
from shared_spec.presets import resolve_spec

HOPPER_64X32 = ("num_envs=64", "num_steps=32", "num_minibatches=32", "update_epochs=10",
                  "total_timesteps=81920", "num_evals=4")  # fmt: skip


class FullResetEveryStep(brax_envs.Wrapper):
    """The auto-reset before the pool: a full batched reset on every step where any episode ended."""

    def reset(self, rng: jax.Array) -> brax_envs.State:
        state = self.env.reset(rng)
        state.info["final_obs"] = state.obs
        state.info["reset_key"] = jax.random.fold_in(rng, 1)
        return envs.strong_dtypes(state)

    def step(self, state: brax_envs.State, action: jax.Array) -> brax_envs.State:
        info = dict(state.info)
        reset_key, draw_key = jax.random.split(info.pop("reset_key"))
        info["steps"] = jnp.where(state.done > 0, jnp.zeros_like(info["steps"]), info["steps"])
        state = self.env.step(state.replace(done=jnp.zeros_like(state.done), info=info), action)
        state.info["final_obs"] = state.obs
        state.info["reset_key"] = reset_key
        done = state.done > 0

        def where_done(fresh: jax.Array, current: jax.Array) -> jax.Array:
            return jnp.where(jnp.reshape(done, done.shape + (1,) * (current.ndim - 1)), fresh, current)

        def restart(_: None) -> tuple[Any, jax.Array]:
            fresh = envs.strong_dtypes(self.env.reset(draw_key))
            return envs.strong_dtypes(jax.tree.map(where_done, fresh.pipeline_state, state.pipeline_state)), (
                where_done(fresh.obs, state.obs)
            )

        def keep(_: None) -> tuple[Any, jax.Array]:
            return envs.strong_dtypes(state.pipeline_state), state.obs

        pipeline_state, obs = jax.lax.cond(jnp.any(done), restart, keep, None)
        return envs.strong_dtypes(state.replace(pipeline_state=pipeline_state, obs=obs))


class CachedFirstState(brax_envs.Wrapper):
    """Brax's semantics: each env restarts from the first state it was reset to (no fresh draw)."""

    def reset(self, rng: jax.Array) -> brax_envs.State:
        state = envs.strong_dtypes(self.env.reset(rng))
        state.info["final_obs"] = state.obs
        state.info["first"] = (state.pipeline_state, state.obs)
        return state

    def step(self, state: brax_envs.State, action: jax.Array) -> brax_envs.State:
        info = dict(state.info)
        first = info.pop("first")
        info["steps"] = jnp.where(state.done > 0, jnp.zeros_like(info["steps"]), info["steps"])
        state = self.env.step(state.replace(done=jnp.zeros_like(state.done), info=info), action)
        done = state.done > 0

        def where_done(fresh: jax.Array, current: jax.Array) -> jax.Array:
            return jnp.where(jnp.reshape(done, done.shape + (1,) * (current.ndim - 1)), fresh, current)

        state.info["final_obs"] = state.obs
        state.info["first"] = first
        pipeline_state = jax.tree.map(where_done, first[0], state.pipeline_state)
        return envs.strong_dtypes(
            state.replace(pipeline_state=pipeline_state, obs=where_done(first[1], state.obs))
        )


WRAPPERS = {
    "full-reset": FullResetEveryStep,
    "pool": envs.FinalObsAutoResetWrapper,
    "cached": CachedFirstState,
}


def interleaved(programs: dict[str, list[Any]], rounds: int, calls: int) -> dict[str, list[float]]:
    """Seconds of each call: `rounds` rounds, each calling every program `calls` times in turn, chained (each
    call from the previous one's output), so the machine's load drifts over all programs alike."""
    seconds: dict[str, list[float]] = {name: [] for name in programs}
    for _ in range(rounds):
        for name, program in programs.items():
            fn, state = program
            for _ in range(calls):
                start = time.perf_counter()
                state = jax.block_until_ready(fn(state))
                seconds[name].append(time.perf_counter() - start)
            program[1] = state
    return seconds


def env_only(env: brax_envs.Env, spec: Any) -> Any:
    """`num_steps` steps of `env` with zero actions in one scan: the physics and wrappers, no learner."""

    def run(env_state: Any) -> Any:
        zeros = jnp.zeros((spec.num_envs, env.action_size))
        return jax.lax.scan(lambda s, _: (env.step(s, zeros), None), env_state, None, length=spec.num_steps)[
            0
        ]

    return jax.jit(run)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--preset", default="hopper-1m")
    parser.add_argument("--set", dest="overrides", action="append", default=None)
    parser.add_argument("--warmup-updates", type=int, default=8)
    parser.add_argument("--warmup-rollouts", type=int, default=6, help="untimed rollouts before timing")
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    spec = resolve_spec(args.preset, HOPPER_64X32 if args.overrides is None else args.overrides)
    print(f"{args.preset} {spec.task}/{spec.brax_backend} {spec.num_envs} envs x {spec.num_steps} steps, "
          f"{spec.num_minibatches} minibatches, {spec.update_epochs} epochs; {jax.devices()}")  # fmt: skip
    trainer = train.make_trainer(spec)
    init = jax.jit(functools.partial(train.init_train_state, trainer))
    chunk = jax.jit(functools.partial(train.train_chunk, trainer))
    trained, _ = chunk(init(jax.random.PRNGKey(0)), train.initial_metrics(), args.warmup_updates)
    trained = jax.block_until_ready(trained)
    _, batch = jax.jit(functools.partial(train.collect_batch, trainer))(trained)
    learn = jax.jit(functools.partial(train.learn_from_batch, trainer))
    programs: dict[str, list[Any]] = {
        "update half (learn_from_batch)": [lambda s: learn(s, batch)[0], trained.learner]
    }
    ends: dict[str, tuple[int, int]] = {}
    for name, wrapper in WRAPPERS.items():
        env = wrapper(envs._batched(spec, spec.num_envs))
        variant = dataclasses.replace(trainer, env=env)
        rollout = jax.jit(functools.partial(train.collect_rollout, variant))
        state = trained._replace(env_state=jax.jit(env.reset)(jax.random.PRNGKey(1)))
        for _ in range(args.warmup_rollouts):  # desynchronize the envs' episodes, as in training
            state, _ = rollout(state)
        _, steps = rollout(state)
        ended = steps.terminations + steps.truncations
        ends[name] = (int(jnp.sum(ended)), int(jnp.sum(jnp.any(ended > 0, axis=1))))
        programs[f"rollout, auto-reset {name}"] = [lambda s, fn=rollout: fn(s)[0], state]
        programs[f"env only, auto-reset {name}"] = [env_only(env, spec), state.env_state]
    for program in programs.values():  # compile and warm up every program before timing any
        program[1] = jax.block_until_ready(program[0](program[1]))
    seconds = interleaved(programs, args.rounds, calls=3)
    for name, values in seconds.items():
        note = next((f"; {e} episodes ended, on {s} of {spec.num_steps} steps per rollout" for w, (e, s)
                     in ends.items() if name == f"rollout, auto-reset {w}"), "")  # fmt: skip
        print(f"{name:45s} median {statistics.median(values) * 1e3:7.1f} ms, min {min(values) * 1e3:7.1f} ms "
              f"per update{note}")  # fmt: skip


if __name__ == "__main__":
    main()
