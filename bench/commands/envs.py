"""`python -m bench env`: env-only throughput, Brax vs Gymnasium over num_envs, one process per simulator setting."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from bench.commands.common import DEFAULT_LOGS, EXIT_RUN_FAILED, fail, flag, split
from bench.controls.env_throughput import CPU_SWEEP, GPU_SWEEP, run_env_sweep
from bench.harness.devices import DeviceChoice, select_device
from bench.harness.store import DEFAULT_STORE
from shared_spec.exit_codes import EXIT_OK
from shared_spec.spec import BRAX_BACKENDS, VECTOR_ENVS
from shared_spec.tasks import TASKS


@dataclass(frozen=True)
class EnvArgs:
    task: str = flag("hopper", "task registry name")
    num_envs: str | None = flag(None, "comma-separated sweep (default: CPU 1..256, GPU 1..8192)")
    brax_backends: str = flag("mjx,generalized", "comma-separated Brax backends")
    gym_modes: str = flag("sync,async", "comma-separated Gymnasium vector modes")
    budget_steps: int = flag(20_000, "env steps measured per point")
    logs_dir: Path = flag(DEFAULT_LOGS, "each sweep's stdout/stderr log")
    store: Path = DEFAULT_STORE


def run(args: EnvArgs, bench_argv: list[str], device: DeviceChoice | None = None) -> int:
    """Each simulator setting's sweep in its own process; its rows go to the store as soon as it ends.
    `device`: the command's device where it chose one already, else `auto` chosen here."""
    if args.task not in TASKS:
        raise fail(f"--task: got {args.task!r}; allowed: {', '.join(TASKS)}")
    default_sweep = GPU_SWEEP if (device or select_device("auto")).kind == "gpu" else CPU_SWEEP
    try:
        num_envs = [int(n) for n in split(args.num_envs)] or list(default_sweep)
    except ValueError:
        raise fail(f"--num-envs: got {args.num_envs!r}; allowed: comma-separated integers") from None
    backends, modes = split(args.brax_backends), split(args.gym_modes)
    if any(b not in BRAX_BACKENDS for b in backends) or any(m not in VECTOR_ENVS for m in modes):
        raise fail(
            f"--brax-backends/--gym-modes: allowed {', '.join(BRAX_BACKENDS)} / {', '.join(VECTOR_ENVS)}"
        )
    rows = run_env_sweep(
        args.task, backends, modes, num_envs, args.budget_steps, args.logs_dir, args.store, bench_argv
    )
    for row in rows:
        rate = f"{row['steps_per_s']:>12,.0f}" if row.get("status") == "ok" else f"{'FAILED':>12s}"
        print(f"{row['simulator']:10s} {row['backend']:12s} {row['num_envs']:>6d} {rate} steps/s")
    return EXIT_OK if all(row.get("status") == "ok" for row in rows) else EXIT_RUN_FAILED
