"""Benchmark (not a test): torch_ppo vs a CleanRL-design loop at CleanRL's batch shape, same machine, same env.

Shape: Hopper-v5, 1 env x 2048 steps, 32 minibatches, 10 epochs, 64x64 tanh (the `hopper-1m` preset).
Reports steady-state rollout and update time separately (first update excluded: warm-up), plus the raw
simulator step rate (one Hopper-v5 env, pre-drawn random actions, no wrappers) as the rollout's ceiling.
The two loops are interleaved (A B A B ...) so that load from other processes hits both alike.

    .venv/bin/python -m experiments.perf_torch_vs_cleanrl --updates 3 --repeats 2 --threads 1

`--device gpu` puts both learners on the GPU with the envs on the CPU (CleanRL's `--cuda` layout); without
CUDA it exits 2 with one line. `--json` prints one JSON line of per-run figures instead of the table.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
import warnings

import gymnasium as gym
import numpy as np
import torch

from baselines.cleanrl_style_ppo import run as run_reference
from shared_spec.presets import resolve_spec
from torch_ppo.device import DeviceError, resolve_device
from torch_ppo.envs import GymEvalEnv, GymTrainEnv
from torch_ppo.run import run_training


def raw_step_rate(gym_id: str, steps: int, seed: int = 0) -> float:
    """Env steps per second of one bare Gymnasium env (auto-reset by hand), random actions drawn up front."""
    env = gym.make(gym_id)
    env.reset(seed=seed)
    actions = np.random.default_rng(seed).uniform(-1, 1, (steps, *env.action_space.shape)).astype(np.float32)
    start = time.perf_counter()
    for action in actions:
        _, _, terminated, truncated, _ = env.step(action)
        if terminated or truncated:
            env.reset()
    rate = steps / (time.perf_counter() - start)
    env.close()
    return rate


def run_torch_ppo(updates: int, seed: int, compile_mode: bool, device_name: str = "cpu") -> dict[str, float]:
    """torch_ppo's own timed run (run.py) on the hopper-1m shape for `updates` updates (one cheap evaluation)."""
    spec = resolve_spec(
        "hopper-1m",
        [f"total_timesteps={2048 * updates}", "num_evals=1", "eval_episodes=1", f"device={device_name}"],
    )
    device, record = resolve_device(device_name)
    envs, eval_envs = GymTrainEnv(spec, spec.num_envs), GymEvalEnv(spec, spec.eval_episodes)
    result = run_training(
        spec, seed, envs, eval_envs, device, record, compile_mode=compile_mode, log=lambda _m: None
    )
    envs.close()
    eval_envs.close()
    return {"rollout_s": result.rollout_s, "update_s": result.update_s, "sps": result.sps}


def _summary(name: str, runs: list[dict[str, float]], steps: int) -> str:
    per_run = ", ".join(f"{r['sps']:.0f}" for r in runs)
    med = {k: statistics.median(r[k] for r in runs) for k in ("rollout_s", "update_s", "sps")}
    return (
        f"{name:22s} sps {med['sps']:7.0f} | rollout {med['rollout_s'] / steps * 1e6:6.0f} us/step "
        f"({steps / med['rollout_s']:6.0f} steps/s) | update {med['update_s'] / (steps / 2048):6.2f} s/update "
        f"| runs: {per_run}"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--updates", type=int, default=3, help="updates per run (the first is warm-up)")
    parser.add_argument("--repeats", type=int, default=2, help="interleaved runs of each loop")
    parser.add_argument("--threads", type=int, default=1, help="torch threads for both loops (0 = all cores)")
    parser.add_argument("--compile", action="store_true", help="also time torch_ppo --compile")
    parser.add_argument("--device", choices=("cpu", "gpu"), default="cpu", help="where both learners run")
    parser.add_argument("--json", action="store_true", help="one JSON line of per-run figures")
    args = parser.parse_args(argv)
    try:
        device, device_record = resolve_device(args.device)
    except DeviceError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    warnings.filterwarnings("ignore", message=".*settotalmass is deprecated.*")
    torch.set_num_threads(args.threads or torch.get_num_threads())
    if args.device == "cpu":
        torch.use_deterministic_algorithms(True)  # as the torch_ppo CLI does on CPU
    loops = {"cleanrl-style": lambda s: run_reference(num_updates=args.updates, seed=s, device=device)}
    loops["torch_ppo"] = lambda s: run_torch_ppo(args.updates, s, compile_mode=False, device_name=args.device)
    if args.compile:
        loops["torch_ppo --compile"] = lambda s: run_torch_ppo(args.updates, s, True, device_name=args.device)
    runs: dict[str, list[dict[str, float]]] = {name: [] for name in loops}
    for rep in range(args.repeats):
        for name, loop in loops.items():
            runs[name].append(loop(rep))
    steady_steps = 2048 * (args.updates - 1)
    if args.json:
        print(json.dumps({"device": device_record, "threads": torch.get_num_threads(), "updates": args.updates,
                          "steady_steps": steady_steps, "runs": runs}))  # fmt: skip
        return 0
    print(
        f"torch threads: {torch.get_num_threads()}; updates per run: {args.updates}; repeats: {args.repeats}"
    )
    print(f"device: {device_record['name']}")
    print(f"raw Hopper-v5 step rate (1 env, no wrappers): {raw_step_rate('Hopper-v5', 5000):.0f} steps/s")
    for name, results in runs.items():
        print(_summary(name, results, steady_steps))
    return 0


if __name__ == "__main__":
    sys.exit(main())
