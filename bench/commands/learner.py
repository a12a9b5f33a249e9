"""`python -m bench learner`: learner-only throughput, one framework per pytest-benchmark process."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from bench.commands.common import DEFAULT_LOGS, EXIT_RUN_FAILED, fail, flag, split
from bench.controls.learner_throughput import CPU_GRID, GPU_GRID, run_learner_sweep, store_learner_rows
from bench.harness.devices import DeviceChoice, DeviceError, select_device
from bench.harness.store import DEFAULT_STORE
from shared_spec.cli import spec_or_exit
from shared_spec.exit_codes import EXIT_OK


@dataclass(frozen=True)
class LearnerArgs:
    frameworks: str = flag("jax-jit,torch-eager,torch-compile", "comma-separated")
    preset: str = flag("cpu-quick", "whose update is measured first (task sizes, batch, minibatches, epochs, "
                       "networks); the sweep keeps its minibatch count and epochs")  # fmt: skip
    batch_sizes: str | None = flag(None, "comma-separated (default: by device)")
    hiddens: str | None = flag(None, "e.g. 64x64,256x256 (default: by device)")
    rounds: int | None = flag(None, "timed updates per point")
    device: str = flag("auto", "the device", choices=("auto", "cpu", "gpu"))
    logs_dir: Path = flag(DEFAULT_LOGS, "each framework's stdout/stderr log")
    store: Path = DEFAULT_STORE


def run(args: LearnerArgs, bench_argv: list[str], device: DeviceChoice | None = None) -> int:
    """Learner-only sweeps, one framework per process; each framework's rows go to the store when it ends.
    `device`: the command's device where it chose one already, else `--device` chosen here."""
    try:
        device = device or select_device(args.device)
    except DeviceError as err:
        raise fail(str(err)) from None
    grid = dict(GPU_GRID if device.kind == "gpu" else CPU_GRID)
    spec_or_exit(args.preset, [])  # a bad preset: one line, exit 2, before any process starts
    grid["preset"] = args.preset
    try:
        if args.batch_sizes:
            grid["batch_sizes"] = [int(n) for n in split(args.batch_sizes)]
        if args.hiddens:
            grid["hiddens"] = [[int(n) for n in h.split("x")] for h in split(args.hiddens)]
    except ValueError:
        raise fail("--batch-sizes / --hiddens: allowed e.g. 512,2048 / 64x64,256x256") from None
    if args.rounds:
        grid["rounds"] = args.rounds
    try:
        rows = run_learner_sweep(
            split(args.frameworks), grid, device.kind, args.logs_dir,
            on_rows=lambda rows: store_learner_rows(rows, args.store, bench_argv, device.name, args.preset),
        )  # fmt: skip
    except ValueError as err:
        raise fail(str(err)) from None
    for row in rows:
        if row.get("status") == "ok":
            shape = f"preset {args.preset}" if row.get("preset_shape") else "sweep"
            print(
                f"{row['framework']:14s} batch {row['batch_size']:>7d} hidden {'x'.join(map(str, row['hidden'])):>8s} "
                f"{row['samples_per_s']:>12,.0f} samples/s ({shape})"
            )
        else:
            print(f"{row['framework']:14s} FAILED: {row.get('error', '')[-300:]}")
    return EXIT_OK if all(row.get("status") == "ok" for row in rows) else EXIT_RUN_FAILED
