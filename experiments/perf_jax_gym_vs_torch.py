"""Benchmark (not a test): jax-gym vs torch on the same Gymnasium MuJoCo env stack, rollout and update halves.

Both trainers step `ppo_envs.gym_envs.TrainVecEnv` from a host loop, so what differs is the learner: a
compiled JAX policy step per env step and a compiled update (jax-gym) vs PyTorch eager (torch). Two shapes:
`cpu-quick` as is (inverted pendulum, 8 envs x 256 steps, 8 minibatches, 10 epochs) and CleanRL's
(`hopper-1m`: Hopper-v5, 1 env x 2048 steps, 32 minibatches, 10 epochs) cut to `--updates` updates. Each run
is its own process (`python -m jax_ppo --env-backend gymnasium`, `python -m torch_ppo`), the two alternating
(jax-gym, torch, jax-gym, torch, ...) so that load from other processes hits both alike. Per run: steady
seconds per update of each half (the first update excluded), steady SPS, startup and compile.

    .venv/bin/python -m experiments.perf_jax_gym_vs_torch [--shapes cpu-quick,hopper-cleanrl] [--rounds 2]

`--profile` also splits jax-gym's rollout step in-process (policy call + action read-back, env step, buffer
writes) at the hopper shape, to see where a rollout slower than torch's would go.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time

SHAPES = {
    "cpu-quick": ("cpu-quick", []),
    "hopper-cleanrl": ("hopper-1m", ["num_evals=1", "eval_episodes=1"]),
}
CONTENDERS = {
    "jax-gym": ["-m", "jax_ppo", "--env-backend", "gymnasium"],
    "torch": ["-m", "torch_ppo"],
}


def overrides(shape: str, updates: int) -> tuple[str, list[str]]:
    preset, sets = SHAPES[shape]
    if shape == "hopper-cleanrl":
        sets = [*sets, f"total_timesteps={2048 * updates}"]
    return preset, [*sets, "device=cpu"]


def run_once(contender: str, shape: str, updates: int, seed: int) -> dict[str, float]:
    """One trainer process; its result line reduced to per-update halves and the fixed costs."""
    preset, sets = overrides(shape, updates)
    argv = [sys.executable, *CONTENDERS[contender], "--preset", preset, "--seed", str(seed)]
    argv += [arg for value in sets for arg in ("--set", value)]
    proc = subprocess.run(argv, capture_output=True, text=True, check=True)
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    steady_updates = (
        result["total_env_steps"] // result["spec"]["num_envs"] // result["spec"]["num_steps"] - 1
    )
    return {
        "rollout_per_update_s": result["rollout_s"] / steady_updates,
        "update_per_update_s": result["update_s"] / steady_updates,
        "sps": result["sps"],
        "startup_s": result["startup_s"],
        "compile_s": result["compile_s"],
        "wall_s": result["wall_s"],
    }


def profile_rollout(steps: int = 2048, seed: int = 0) -> dict[str, float]:
    """Microseconds per env step of jax-gym's rollout parts at the hopper shape (1 env), in-process."""
    import jax
    import numpy as np

    jax.config.update(
        "jax_cpu_enable_async_dispatch", False
    )  # as `python -m jax_ppo --env-backend gymnasium`
    from jax_ppo import gym_train
    from shared_spec.presets import resolve_spec

    spec = resolve_spec("hopper-1m", ["total_timesteps=4096", "num_evals=1", "device=cpu"])
    trainer = gym_train.GymTrainer(spec)
    trainer.reset(seed)
    trainer.compile_programs()
    trainer.collect_batch()  # warm-up
    policy, envs = trainer.programs.policy_step, trainer.envs
    params, key, obs = gym_train.policy_params(trainer.state.params), trainer.state.key, trainer.obs
    totals = {"policy_call_us": 0.0, "action_to_host_us": 0.0, "env_step_us": 0.0, "buffer_us": 0.0}
    buffer = trainer.rollout
    for t in range(steps):
        t0 = time.perf_counter()
        action, key = policy(params, obs, key)
        t1 = time.perf_counter()
        action = np.asarray(action)
        t2 = time.perf_counter()
        step = envs.step(action)
        t3 = time.perf_counter()
        buffer.obs[t], buffer.actions[t], buffer.next_obs[t] = obs, action, step.true_next_obs
        buffer.rewards[t], buffer.terminations[t], buffer.truncations[t] = (
            step.reward,
            step.terminated,
            step.truncated,
        )
        t4 = time.perf_counter()
        obs = step.next_obs
        for name, seconds in zip(totals, (t1 - t0, t2 - t1, t3 - t2, t4 - t3), strict=True):
            totals[name] += seconds
    start = time.perf_counter()
    jax.block_until_ready(jax.device_put(buffer.arrays()))
    transfer = time.perf_counter() - start
    envs.close()
    trainer.eval_envs.close()
    return {
        **{name: 1e6 * seconds / steps for name, seconds in totals.items()},
        "device_put_per_rollout_ms": 1e3 * transfer,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--shapes", default="cpu-quick,hopper-cleanrl")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument(
        "--updates", type=int, default=4, help="updates per hopper-cleanrl run (first = warm-up)"
    )
    parser.add_argument("--profile", action="store_true", help="also split jax-gym's rollout step in-process")
    args = parser.parse_args(argv)
    for shape in args.shapes.split(","):
        runs: dict[str, list[dict[str, float]]] = {name: [] for name in CONTENDERS}
        for round_index in range(args.rounds):
            for name in CONTENDERS:  # alternating: jax-gym, torch, jax-gym, torch, ...
                runs[name].append(run_once(name, shape, args.updates, seed=round_index))
                last = runs[name][-1]
                print(
                    f"{shape} round {round_index} {name}: rollout {last['rollout_per_update_s'] * 1e3:.0f} ms, "
                    f"update {last['update_per_update_s'] * 1e3:.0f} ms per update, sps {last['sps']:.0f}, "
                    f"startup {last['startup_s']:.1f} s, compile {last['compile_s']:.1f} s",
                    flush=True,
                )
        medians = {
            name: {key: statistics.median(r[key] for r in rows) for key in rows[0]}
            for name, rows in runs.items()
        }
        jax_gym, torch = medians["jax-gym"], medians["torch"]
        print(
            f"{shape} medians of {args.rounds}: rollout jax-gym/torch "
            f"{jax_gym['rollout_per_update_s'] / torch['rollout_per_update_s']:.2f}, update jax-gym/torch "
            f"{jax_gym['update_per_update_s'] / torch['update_per_update_s']:.2f}, sps jax-gym/torch "
            f"{jax_gym['sps'] / torch['sps']:.2f}",
            flush=True,
        )
    if args.profile:
        print("jax-gym rollout step at hopper 1 env:", json.dumps(profile_rollout(), indent=1), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
