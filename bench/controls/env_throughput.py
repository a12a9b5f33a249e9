"""Control 1, environment-only throughput: random-action stepping of one task in Brax and in Gymnasium MuJoCo.

Why: JAX+Brax steps physics on the accelerator, PyTorch+MuJoCo on the CPU, so end-to-end PPO numbers mix the
learning framework with the simulator. This measures the simulators alone over num_envs, with the envs the
trainers build (`ppo_envs`): Brax with each backend (a jitted `lax.scan` of auto-resetting steps, compile timed
apart), Gymnasium with sync and async vector envs. Each (simulator, setting) sweep runs in its own process
(`python -m bench.controls.env_throughput ...`, one JSON line per num_envs), so the two never share one.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
import warnings
from pathlib import Path
from typing import Any

from bench.harness.provenance import append_measured
from bench.harness.runner import run_rows
from shared_spec.spec import PPOSpec

CPU_SWEEP = (1, 4, 16, 64, 256)
GPU_SWEEP = (1, 16, 256, 1024, 4096, 8192)


def env_spec(task_name: str, num_envs: int, **setting: str) -> PPOSpec:
    """The spec `ppo_envs`' builders take: the task, num_envs, backend or vectorization, 1000-step episodes."""
    return PPOSpec(task=task_name, num_envs=num_envs, episode_length=1000, **setting)


def brax_throughput(
    task_name: str, backend: str, num_envs: int, num_steps: int, seed: int = 0
) -> dict[str, Any]:
    """Env steps/s of the trainers' Brax env (`ppo_envs.brax_envs.make_train_env`) under random actions.

    The same env both Brax-side trainers step: actions in actuator units, clipped, auto-reset of finished
    episodes to a fresh random start. Compile time is measured apart (AOT `lower().compile()`).
    """
    import jax
    import jax.numpy as jnp

    from ppo_envs.brax_envs import action_bounds, make_train_env

    env = make_train_env(env_spec(task_name, num_envs, brax_backend=backend), num_envs)
    low, high = action_bounds(env)

    def rollout(state, key):
        def step(carry, step_key):
            actions = jax.random.uniform(step_key, (num_envs, env.action_size), minval=low, maxval=high)
            next_state = env.step(carry, actions)
            return next_state, next_state.reward.sum()

        state, rewards = jax.lax.scan(step, state, jax.random.split(key, num_steps))
        return state, rewards.sum()

    key = jax.random.PRNGKey(seed)
    state = jax.jit(env.reset)(key)
    start = time.perf_counter()
    compiled = jax.jit(rollout).lower(state, key).compile()
    compile_s = time.perf_counter() - start
    state, total = compiled(state, key)  # warm-up call (first execution allocates)
    jax.block_until_ready(total)
    start = time.perf_counter()
    state, total = compiled(state, jax.random.PRNGKey(seed + 1))
    jax.block_until_ready(total)
    elapsed = time.perf_counter() - start
    device = jax.devices()[0]
    return {
        "simulator": "brax",
        "backend": backend,
        "num_envs": num_envs,
        "steps_per_s": num_envs * num_steps / elapsed,
        "compile_s": compile_s,
        "measured_steps": num_envs * num_steps,
        "finite": bool(jnp.isfinite(total)),
        "env_stack": "ppo_envs.brax_envs.make_train_env (the trainers' Brax env)",
        "device": {"kind": "gpu" if device.platform == "gpu" else "cpu", "name": str(device.device_kind)},
    }


def gym_throughput(task_name: str, mode: str, num_envs: int, num_steps: int, seed: int = 0) -> dict[str, Any]:
    """Env steps/s of the trainers' bare Gymnasium vector env (`ppo_envs.gym_envs.make_gym_vec`), sync or
    async, under random actions sampled in advance (no normalization wrappers: the simulator's own cost)."""
    import numpy as np

    from ppo_envs.gym_envs import make_gym_vec

    envs = make_gym_vec(env_spec(task_name, num_envs, vector_env=mode), num_envs)
    try:
        envs.reset(seed=seed)
        space = envs.single_action_space
        actions = np.random.default_rng(seed).uniform(
            space.low, space.high, (num_steps, num_envs, space.shape[0])
        )
        for warm in actions[: min(10, num_steps)]:
            envs.step(warm.astype(np.float32))
        start = time.perf_counter()
        for action in actions:
            envs.step(action.astype(np.float32))
        elapsed = time.perf_counter() - start
    finally:
        envs.close()
    return {
        "simulator": "gymnasium",
        "backend": mode,
        "num_envs": num_envs,
        "steps_per_s": num_envs * num_steps / elapsed,
        "compile_s": 0.0,
        "measured_steps": num_envs * num_steps,
        "finite": True,
        "env_stack": "ppo_envs.gym_envs.make_gym_vec (the trainers' vector env, SAME_STEP autoreset)",
        "device": {"kind": "cpu", "name": "CPU (MuJoCo C)"},
    }


def child_main(argv: list[str] | None = None) -> int:
    """Measure one (simulator, setting) sweep and print one JSON line per num_envs."""
    parser = argparse.ArgumentParser(prog="python -m bench.controls.env_throughput")
    parser.add_argument("--simulator", choices=("brax", "gymnasium"), required=True)
    parser.add_argument("--setting", required=True, help="Brax backend, or Gymnasium sync/async")
    parser.add_argument("--task", default="hopper")
    parser.add_argument("--num-envs", default=",".join(map(str, CPU_SWEEP)))
    parser.add_argument("--budget-steps", type=int, default=20_000)
    args = parser.parse_args(argv)
    warnings.filterwarnings("ignore")
    measure = brax_throughput if args.simulator == "brax" else gym_throughput
    for num_envs in map(int, args.num_envs.split(",")):
        steps = max(50, args.budget_steps // num_envs)  # about budget_steps env steps, at least 50 per env
        row = measure(args.task, args.setting, num_envs, steps)
        print(json.dumps({**row, "task": args.task}), flush=True)
        rate = f"{row['steps_per_s']:,.0f} steps/s"
        print(f"  {args.simulator}/{args.setting} envs={num_envs}: {rate}", file=sys.stderr)
    return 0


def run_env_sweep(
    task: str,
    brax_backends: list[str],
    gym_modes: list[str],
    num_envs: list[int],
    budget_steps: int,
    logs_dir: Path,
    store: Path,
    bench_argv: list[str],
    timeout_s: float = 900,
) -> list[dict[str, Any]]:
    """Each sweep in a child process; its rows (a failed sweep's with its error) go to the store as
    `env_throughput` records as soon as the process ends, so a bench stopped part-way keeps what it measured."""
    rows: list[dict[str, Any]] = []
    for simulator, setting in [("brax", b) for b in brax_backends] + [("gymnasium", m) for m in gym_modes]:
        cmd = [sys.executable, "-m", "bench.controls.env_throughput", "--simulator", simulator, "--setting",
               setting, "--task", task, "--num-envs", ",".join(map(str, num_envs)), "--budget-steps", str(budget_steps)]  # fmt: skip
        print(f"env throughput: {simulator}/{setting} on {task}, num_envs {num_envs}", file=sys.stderr)
        got, error = run_rows(cmd, timeout_s, logs_dir / f"env-{task}-{simulator}-{setting}.log")
        failed = {"simulator": simulator, "backend": setting, "task": task, "status": "failed", "error": error,
                  "device": {"kind": "cpu", "name": "unknown"}}  # fmt: skip
        done = {row["num_envs"] for row in got}
        sweep = [{**row, "status": "ok"} for row in got]
        sweep += [{**failed, "num_envs": n} for n in num_envs if error is not None and n not in done]
        for row in sweep:
            append_measured({**row, "record_type": "env_throughput"}, store, bench_argv, "env-only", cmd)
        rows += sweep
    return rows


if __name__ == "__main__":
    sys.exit(child_main())
