"""Benchmark (not a test): where torch_ppo's env step spends its time, layer by layer, and how it amortizes.

Part 1 builds the trainer's Gymnasium stack one wrapper at a time (same order as `ppo_envs.gym_envs.TrainVecEnv`)
on one Hopper-v5 env and prints the cost per env step after each layer. Part 2 compares the bare vector env
with the trainer's full env (wrappers + torch tensors) over num_envs: the wrappers cost about the same per
*vector* step whatever the batch, so their share shrinks as num_envs grows. Pre-drawn random actions; best of
`--repeats` passes, so load from other processes inflates numbers less.

    .venv/bin/python -m experiments.perf_torch_rollout_layers [--steps 4000] [--repeats 3] [--num-envs 1,8,32]
"""

from __future__ import annotations

import argparse
import time
import warnings
from collections.abc import Callable

import gymnasium as gym
import numpy as np
import torch
from gymnasium.vector import VectorEnv

from ppo_envs.gym_envs import NormalizeObservationSameStep, clip_actions, make_gym_vec
from shared_spec.presets import resolve_spec
from torch_ppo.envs import GymTrainEnv

Layer = tuple[str, Callable[[VectorEnv], VectorEnv]]


def layers(spec) -> list[Layer]:
    """The trainer's wrappers in GymTrainEnv's order."""
    vector = gym.wrappers.vector
    return [
        ("vector env (SyncVectorEnv)", lambda env: env),
        ("+ RecordEpisodeStatistics", vector.RecordEpisodeStatistics),
        ("+ clip_actions (TransformAction)", clip_actions),
        ("+ NormalizeObservationSameStep", lambda env: NormalizeObservationSameStep(env, spec.obs_clip)),
        ("+ NormalizeReward", lambda env: vector.NormalizeReward(env, gamma=spec.gamma)),
        ("+ ClipReward", lambda env: vector.ClipReward(env, -spec.reward_clip, spec.reward_clip)),
    ]


def best_seconds_per_env_step(steppers: list[Callable], actions: list, repeats: int) -> list[float]:
    """Best-of-`repeats` seconds per env step of each stepper over its actions [steps, envs, act].

    The steppers are timed round-robin within each repeat, so a burst of load hits all of them alike.
    """
    for step, acts in zip(steppers, actions, strict=True):
        for action in acts[: max(1, len(acts) // 10)]:  # warm-up
            step(action)
    best = [float("inf")] * len(steppers)
    for _ in range(repeats):
        for index, (step, acts) in enumerate(zip(steppers, actions, strict=True)):
            start = time.perf_counter()
            for action in acts:
                step(action)
            best[index] = min(best[index], (time.perf_counter() - start) / (len(acts) * acts.shape[1]))
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=3000, help="env steps per pass (all envs together)")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--num-envs", default="1,8,32")
    args = parser.parse_args()
    warnings.filterwarnings("ignore")
    torch.set_num_threads(1)
    spec = resolve_spec("hopper-1m", ["device=cpu"])
    rng = np.random.default_rng(0)

    print(
        f"Part 1: Hopper-v5, 1 env, cost per env step after each layer (best of {args.repeats}, round-robin)"
    )
    actions = rng.uniform(-1, 1, (args.steps, 1, 3)).astype(np.float32)
    names, envs = [], []
    for count, (name, _) in enumerate(layers(spec), start=1):
        env = make_gym_vec(spec, 1)
        for _, wrap in layers(spec)[:count]:
            env = wrap(env)
        env.reset(seed=0)
        names.append(name)
        envs.append(env)
    full = GymTrainEnv(spec, 1)
    full.reset(0)
    names.append("+ torch tensors (GymTrainEnv.step)")
    steppers = [env.step for env in envs] + [full.step]
    inputs = [actions] * len(envs) + [torch.from_numpy(actions)]
    for name, cost in zip(names, best_seconds_per_env_step(steppers, inputs, args.repeats), strict=True):
        print(f"  {name:36s} {cost * 1e6:7.1f} us/step")
    for env in [*envs, full]:
        env.close()

    print("Part 2: bare vector env vs the trainer's env, env steps per second")
    for num_envs in (int(n) for n in args.num_envs.split(",")):
        acts = rng.uniform(-1, 1, (max(1, args.steps // num_envs), num_envs, 3)).astype(np.float32)
        bare, full = make_gym_vec(spec, num_envs), GymTrainEnv(spec, num_envs)
        bare.reset(seed=0)
        full.reset(0)
        bare_s, full_s = best_seconds_per_env_step(
            [bare.step, full.step], [acts, torch.from_numpy(acts)], args.repeats
        )
        print(
            f"  num_envs {num_envs:4d}: bare {1 / bare_s:8,.0f} | trainer's env {1 / full_s:8,.0f} steps/s"
            f" | ratio {bare_s / full_s:.2f}"
        )
        bare.close()
        full.close()


if __name__ == "__main__":
    main()
