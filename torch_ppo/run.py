"""The timed training run of the torch trainer: the shared host loop around train.py's `Trainer`, its result line.

Measurement, not algorithm: the loop, its clock and the metric definitions are `shared_spec.host_loop`'s
(docs/DESIGN.md). What is torch's own: the first update holds torch.compile's compilation (`--compile`), and a
Brax env compiled before training counts as compile time.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Any

import torch

from shared_spec.host_loop import run_host_loop
from shared_spec.result import RunResult, package_versions, seconds_since_start
from shared_spec.spec import PPOSpec
from shared_spec.startup import STARTUP
from torch_ppo.compiled import describe_compilation, describe_optimizer
from torch_ppo.envs import EvalEnv, TrainEnv
from torch_ppo.train import Trainer

VERSIONED = ("torch", "gymnasium", "mujoco", "numpy", "brax", "jax")


def _log_to_stderr(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def run_training(
    spec: PPOSpec,
    seed: int,
    envs: TrainEnv,
    eval_envs: EvalEnv,
    device: torch.device,
    device_record: dict[str, Any],
    contender: str = "torch",
    preset: str = "",
    compile_mode: bool = False,
    threads: int = 1,
    log: Callable[[str], None] = _log_to_stderr,
    env_compile_s: float = 0.0,
) -> RunResult:
    """Train PPO per `spec`, timed as docs/DESIGN.md defines; the RunResult ("diverged" on a non-finite loss).

    `env_compile_s` is compile time of the env itself that happened before training (Brax): it moves from
    startup_s to compile_s, so every second of the run falls in one bucket (startup, compile, train, eval).
    """
    trainer = Trainer(spec, envs, eval_envs, device, seed, compile_mode)
    result = RunResult.for_spec(
        spec,
        contender=contender,
        preset=preset,
        seed=seed,
        device=device_record,
        versions=package_versions(VERSIONED),
    )
    STARTUP.mark("train_state")
    result.startup_s = seconds_since_start() - env_compile_s  # the env's compilation is compile time
    result.compile_s = env_compile_s
    loop_extra = run_host_loop(trainer, spec, seed, result, log, first_update_compiles=compile_mode)
    result.extra = {
        "threads": threads,
        "adam": describe_optimizer(trainer.optimizer),
        **describe_compilation(trainer.compiled_parts, device, trainer.cuda_graph_recipe),
        "env_backend": "brax" if contender.startswith("torch-brax") else "gymnasium",
        "phase_split": "timed inline around collect_batch and learn_from_batch"
        + (", the device synchronized at the boundary" if device.type == "cuda" else ""),
        **loop_extra,
    }
    return result
