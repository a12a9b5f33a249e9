"""What the four field contenders share: the CLI, device and thread choice, the update clock, the evaluation
protocol and the result line.

The clock is the one every contender uses (docs/DESIGN.md): each update's rollout and update halves timed at
the library's own seam, the first update apart, evaluations every `updates_per_eval` updates excluded from
training time. The evaluation is torch_ppo's protocol on `ppo_envs.gym_envs.EvalVecEnv`: mean action, the
preset's episodes, raw rewards, observation normalization frozen. Why here: the libraries' own evaluation
helpers differ from ours (and from each other) in seeding, episode counting and normalization.
"""

from __future__ import annotations

import math
import os
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from shared_spec.cli import spec_or_exit, trainer_parser
from shared_spec.exit_codes import EXIT_BAD_SPEC, EXIT_UNAVAILABLE
from shared_spec.host import cpu_name
from shared_spec.host_loop import EVAL_SEED_OFFSET, Timings
from shared_spec.result import RunResult, seconds_since_start, time_to_threshold
from shared_spec.spec import PPOSpec
from shared_spec.startup import STARTUP
from shared_spec.tasks import get_task

INSTALL_HINT = "pip install -c constraints/cpu.txt -e '.[field]'"


def parse_cli(contender: str, description: str, argv: list[str] | None) -> tuple[PPOSpec, Any]:
    """(spec, args) from `--preset/--seed/--set`; a bad value exits 2 before any import of the library."""
    STARTUP.mark("interpreter")
    parser = trainer_parser(f"python -m field.{contender.replace('-', '_')}", description)
    args = parser.parse_args(argv)
    return spec_or_exit(args.preset, args.overrides), args


def unavailable(contender: str, err: ImportError) -> int:
    """One line on stderr and exit code 4: the extra is not installed."""
    print(
        f"error: {contender} unavailable: {err.name or err} is not installed ({INSTALL_HINT})",
        file=sys.stderr,
    )
    return EXIT_UNAVAILABLE


def bad_device(message: str) -> SystemExit:
    print(f"error: bad spec: {message}", file=sys.stderr)
    return SystemExit(EXIT_BAD_SPEC)


def torch_device(requested: str) -> tuple[str, dict[str, Any]]:
    """The torch device name for spec.device and its record; gpu without CUDA exits 2."""
    import torch

    has_cuda = torch.cuda.is_available()
    if requested == "gpu" and not has_cuda:
        raise bad_device("device: got 'gpu'; allowed here: auto, cpu (torch sees no CUDA device)")
    use_cuda = has_cuda and requested in ("gpu", "auto")
    name = torch.cuda.get_device_name(0) if use_cuda else cpu_name()
    record = {"kind": "gpu" if use_cuda else "cpu", "name": name, "requested": requested,
              "fallback": requested == "auto" and not use_cuda}  # fmt: skip
    return ("cuda" if use_cuda else "cpu"), record


def jax_device(requested: str) -> tuple[Any, dict[str, Any]]:
    """The JAX device for spec.device and its record; gpu without a JAX GPU exits 2."""
    import jax

    try:
        gpus = jax.devices("gpu")
    except RuntimeError:
        gpus = []
    if requested == "gpu" and not gpus:
        raise bad_device("device: got 'gpu'; allowed here: auto, cpu (JAX sees no GPU)")
    use_gpu = bool(gpus) and requested in ("gpu", "auto")
    device = gpus[0] if use_gpu else jax.devices("cpu")[0]
    record = {"kind": "gpu" if use_gpu else "cpu", "name": device.device_kind if use_gpu else cpu_name(),
              "requested": requested, "fallback": requested == "auto" and not use_gpu}  # fmt: skip
    return device, record


def torch_settings(spec: PPOSpec) -> dict[str, Any]:
    """torch threads and matmul precision from the spec (as torch_ppo sets them); the settings to record."""
    import torch

    from shared_spec.resources import TORCH_PRECISION

    threads = spec.torch_threads or len(os.sched_getaffinity(0))
    torch.set_num_threads(threads)
    torch.set_float32_matmul_precision(TORCH_PRECISION[spec.matmul_precision])
    torch.backends.cuda.matmul.allow_tf32 = torch.backends.cudnn.allow_tf32 = spec.matmul_precision == "tf32"
    return {
        "torch_intra_op_threads": threads,
        "torch_float32_matmul_precision": torch.get_float32_matmul_precision(),
    }


@dataclass
class UpdateClock:
    """Each update's rollout and update halves at the library's seam; evaluations every `updates_per_eval`.

    The library calls `rollout_start`, `rollout_end`, `update_end` in that order, once per update;
    `update_end` runs the evaluation when one is due (timed as evaluation, not training).
    """

    spec: PPOSpec
    evaluate: Callable[[], float]
    timings: Timings = field(default_factory=Timings)
    curve: list[list[float]] = field(default_factory=list)
    eval_s: float = 0.0
    updates: int = 0
    first_update_s: float | None = None
    _marks: list[float] = field(default_factory=lambda: [0.0, 0.0])

    def rollout_start(self) -> None:
        self._marks[0] = time.perf_counter()

    def rollout_end(self) -> None:
        self._marks[1] = time.perf_counter()

    def update_end(self) -> None:
        now = time.perf_counter()
        start, mid = self._marks
        self.updates += 1
        if self.updates == 1:
            self.timings.first_iteration_s = now - start
            self.first_update_s = seconds_since_start() - self.eval_s  # as torch: evaluation excluded
        else:
            self.timings.rollout_s += mid - start
            self.timings.update_s += now - mid
            self.timings.steady_updates += 1
        if self.updates % self.spec.updates_per_eval == 0:
            self.run_eval()

    def run_eval(self) -> float:
        start = time.perf_counter()
        ret = self.evaluate()
        self.eval_s += time.perf_counter() - start
        self.curve.append([self.updates * self.spec.batch_size, seconds_since_start(), ret])
        print(f"[field] step {self.curve[-1][0]} | eval return {ret:.1f} | elapsed {self.curve[-1][1]:.1f}s",
              file=sys.stderr, flush=True)  # fmt: skip
        return ret


def evaluate_policy(
    spec: PPOSpec,
    seed: int,
    mean_action: Callable[[np.ndarray], np.ndarray],
    normalize: Callable[[np.ndarray], np.ndarray],
) -> float:
    """Mean raw return of the mean action over the preset's `eval_episodes` fresh envs (torch_ppo's protocol).

    Each env's first episode counts; `normalize` applies the training statistics without updating them.
    """
    from ppo_envs.gym_envs import EvalVecEnv

    envs = EvalVecEnv(spec, spec.eval_episodes)
    try:
        obs = envs.reset(seed + EVAL_SEED_OFFSET)
        returns = np.zeros(spec.eval_episodes)
        active = np.ones(spec.eval_episodes, dtype=bool)
        for _ in range(spec.episode_length):
            actions = np.asarray(mean_action(normalize(obs)), dtype=np.float32)
            obs, reward, done = envs.step(actions)
            returns += np.where(active, reward, 0.0)
            active &= ~done
            if not active.any():
                break
    finally:
        envs.close()
    return float(returns.mean())


def build_result(
    spec: PPOSpec,
    args: Any,
    *,
    contender: str,
    device: dict[str, Any],
    clock: UpdateClock,
    startup_s: float,
    loop_s: float,
    loop_eval_s: float,
    jit: bool,
    extra: dict[str, Any],
) -> RunResult:
    """The RunResult from the clock: buckets, steady SPS, curve, final return, time to threshold.

    `loop_s` is the wall time inside the library's training call and `loop_eval_s` the evaluations within it.
    With `jit`, compilation is the first update's time minus a steady update's (as torch-compile estimates
    it): JAX libraries compile inside their first rollout and update, with no seam to time it apart.
    """
    timings = clock.timings
    steady_mean = timings.steady_s / timings.steady_updates if timings.steady_updates else 0.0
    compile_s = max(0.0, timings.first_iteration_s - steady_mean) if jit and timings.steady_updates else 0.0
    result = RunResult.for_spec(spec, contender=contender, preset=args.preset, seed=args.seed, device=device)
    result.total_env_steps = clock.updates * spec.batch_size
    result.startup_s, result.compile_s, result.eval_s = startup_s, compile_s, clock.eval_s
    result.train_s = loop_s - loop_eval_s - compile_s
    result.first_update_s = clock.first_update_s
    if timings.steady_updates and timings.steady_s > 0:
        result.sps = timings.sps(spec.batch_size)
        result.rollout_s, result.update_s = timings.rollout_s, timings.update_s
    result.curve = clock.curve
    result.final_return = clock.curve[-1][2] if clock.curve else None
    if result.final_return is not None and not math.isfinite(result.final_return):
        result.status, result.error = "diverged", "non-finite evaluation return"
    result.time_to_threshold_s = time_to_threshold(clock.curve, get_task(spec.task).return_threshold)
    result.extra = {
        **extra,
        "compile_note": (
            "first update minus a steady update (JIT compilation inside the library's first update)"
            if jit
            else "0: PyTorch eager, nothing compiled"
        ),
        "first_iteration_s": timings.first_iteration_s,
        "steady_iteration_s": steady_mean or None,
        "startup_phases": STARTUP.phases(),
    }
    result.wall_s = seconds_since_start()
    return result
