"""CLI: `python -m jax_ppo --preset NAME --seed N [--set key=value ...] [--vmap-seeds N]`.

Progress goes to stderr; the last stdout line is one `RunResult` JSON object. Exit codes: 0 ok, 2 bad spec
(or a device that is not there), 3 diverged.
"""

from __future__ import annotations

import os
import platform
import sys
import time
from typing import TYPE_CHECKING, Any

from shared_spec.cli import spec_or_exit, trainer_parser
from shared_spec.result import (
    RunResult,
    emit_result,
    package_versions,
    seconds_since_start,
    time_to_threshold,
)
from shared_spec.spec import PPOSpec
from shared_spec.tasks import get_task

if TYPE_CHECKING:
    from jax_ppo.train import PhaseSplit, TrainingOutcome

EXIT_DIVERGED = 3
EXIT_NO_DEVICE = 2
VERSIONED = ("jax", "jaxlib", "flax", "optax", "brax", "mujoco", "mujoco-mjx", "numpy")


def cpu_name() -> str:
    """CPU model and core count, for the result's device name."""
    try:
        with open("/proc/cpuinfo") as cpuinfo:
            model = next(line.split(":", 1)[1].strip() for line in cpuinfo if line.startswith("model name"))
    except (OSError, StopIteration):
        model = platform.processor() or "cpu"
    return f"{model} ({os.cpu_count()} cores)"


def pick_device(requested: str) -> tuple[Any, dict[str, Any]]:
    """The jax device for `requested` (auto/cpu/gpu) and the record; exits 2 if a GPU is required but absent."""
    import jax

    try:
        gpus = jax.devices("gpu")
    except RuntimeError:
        gpus = []
    if requested == "gpu" and not gpus:
        print("error: device: got 'gpu' but JAX sees no GPU; allowed here: auto, cpu", file=sys.stderr)
        raise SystemExit(EXIT_NO_DEVICE)
    if gpus and requested in ("auto", "gpu"):
        device = gpus[0]
        return device, {"kind": "gpu", "name": device.device_kind, "requested": requested, "fallback": False}
    device = jax.devices("cpu")[0]
    record = {"kind": "cpu", "name": cpu_name(), "requested": requested, "fallback": requested == "auto"}
    return device, record


def peak_device_mb(device: Any) -> float | None:
    """Peak accelerator memory in use (XLA's allocator statistics); None on CPU, where none is reported."""
    if device.platform == "cpu":
        return None
    stats = device.memory_stats() or {}
    peak = stats.get("peak_bytes_in_use")
    return None if peak is None else peak / 2**20


def apportion_steady_time(
    outcome: TrainingOutcome, split: PhaseSplit | None
) -> tuple[float | None, float | None, dict[str, Any]]:
    """rollout_s and update_s: the fused program's steady seconds, split by the halves' measured fraction."""
    if split is None or outcome.steady_s <= 0:
        reason = "not measured (--no-phase-split)" if split is None else "no steady-state updates"
        return None, None, {"phase_split": reason}
    rollout_s = outcome.steady_s * split.rollout_fraction
    return (
        rollout_s,
        outcome.steady_s - rollout_s,
        {
            "phase_split": "steady time of the fused program apportioned by separately jitted halves, timed after training",
            "split_rollout_per_update_s": split.rollout_per_update_s,
            "split_update_per_update_s": split.update_per_update_s,
            "split_compile_s": split.compile_s,
            "split_repeats": split.repeats,
            "fused_per_update_s": outcome.steady_s / max(outcome.steady_updates, 1),
        },
    )


def build_result(
    spec: PPOSpec,
    preset: str,
    seed: int,
    num_seeds: int,
    device: dict,
    outcome: TrainingOutcome,
    wall_s: float,
    split: PhaseSplit | None = None,
) -> RunResult:
    """The RunResult line of a finished (or diverged) run; `wall_s` excludes the phase-split measurement."""
    curve = outcome.curve
    final = curve[-1][2] if curve and not outcome.diverged else None
    extra = {
        **{key: outcome.last_metrics.get(key) for key in ("approx_kl", "clipfrac", "explained_variance")},
        "entropy": outcome.last_metrics.get("entropy_loss"),
        "pg_loss": outcome.last_metrics.get("pg_loss"),
        "v_loss": outcome.last_metrics.get("v_loss"),
        "compile_train_s": outcome.compile_train_s,
        "compile_eval_s": outcome.compile_eval_s,
        "params_sha256": outcome.params_sha256,
        "curve_env_steps": "per seed" if num_seeds > 1 else "per run",
        "xla_flags": os.environ.get("XLA_FLAGS", ""),
    }
    rollout_s, update_s, split_extra = apportion_steady_time(outcome, split)
    extra.update(split_extra)
    return RunResult.for_spec(
        spec,
        contender="jax-vmap" if num_seeds > 1 else "jax",
        preset=preset,
        seed=seed,
        device=device,
        total_env_steps=outcome.total_env_steps,
        startup_s=outcome.startup_s,
        compile_s=outcome.compile_s,
        first_update_s=outcome.first_update_s,
        sps=outcome.sps,
        rollout_s=rollout_s,
        update_s=update_s,
        wall_s=wall_s,
        final_return=final,
        time_to_threshold_s=time_to_threshold(curve, get_task(spec.task).return_threshold),
        curve=curve,
        status="diverged" if outcome.diverged else "ok",
        error=outcome.error,
        num_seeds=num_seeds,
        per_seed_final_return=outcome.per_seed_final_return if num_seeds > 1 else None,
        versions=package_versions(VERSIONED),
        extra=extra,
    )


def main(argv: list[str] | None = None) -> int:
    """Parse, train, print the result line; returns the exit code."""
    parser = trainer_parser("python -m jax_ppo", "PPO in JAX on Brax (ppo-bench contender 'jax').")
    parser.add_argument("--vmap-seeds", type=int, default=1, metavar="N", help="train N seeds in one program")
    parser.add_argument(
        "--no-phase-split",
        dest="phase_split",
        action="store_false",
        help="skip timing the rollout and update halves after training (rollout_s/update_s become null)",
    )
    args = parser.parse_args(argv)
    spec = spec_or_exit(args.preset, args.overrides)
    if args.vmap_seeds < 1:
        print(
            f"error: bad spec: --vmap-seeds: got {args.vmap_seeds}; allowed: an integer >= 1", file=sys.stderr
        )
        return 2

    import jax

    from jax_ppo.train import measure_phase_split, run_training

    device, device_record = pick_device(spec.device)
    start = time.perf_counter()

    def progress(line: str) -> None:
        print(f"[jax] {line}", file=sys.stderr, flush=True)

    with jax.default_device(device):
        outcome = run_training(spec, args.seed, args.vmap_seeds, progress)
        wall_s, peak_mb = seconds_since_start(), peak_device_mb(device)
        progress(f"done in {time.perf_counter() - start:.1f}s (compile {outcome.compile_s:.1f}s)")
        split = None
        if args.phase_split and not outcome.diverged and outcome.steady_s > 0:
            progress("timing the rollout and update halves on their own (not part of wall_s)")
            split = measure_phase_split(outcome.trainer, outcome.final_state, args.vmap_seeds)
            progress(
                f"per update: rollout {split.rollout_per_update_s * 1e3:.1f} ms, "
                f"update {split.update_per_update_s * 1e3:.1f} ms (compile {split.compile_s:.1f}s)"
            )
    result = build_result(
        spec, args.preset, args.seed, args.vmap_seeds, device_record, outcome, wall_s, split
    )
    result.extra["peak_device_mb"] = peak_mb
    emit_result(result)
    return EXIT_DIVERGED if outcome.diverged else 0


if __name__ == "__main__":
    sys.exit(main())
