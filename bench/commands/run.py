"""`python -m bench run`: contenders x seeds, each in its own process, interleaved round by round, resumable.

Everything that can be wrong in the arguments (unknown contender, bad preset or `--set`, `--device gpu`
without a GPU) exits 2 before any run starts; the command exits 1 when any run did not end `ok`.
"""

from __future__ import annotations

import dataclasses
import importlib.util
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench.commands.common import DEFAULT_LOGS, EXIT_RUN_FAILED, fail, flag, split
from bench.harness.contenders import MAIN_CONTENDERS, Contender, UnknownContenderError, parse_contenders
from bench.harness.devices import DeviceChoice, DeviceError, select_device
from bench.harness.ray_executor import ExecutorError
from bench.harness.runner import default_memory_limit_mb
from bench.harness.schedule import RunContext, ScheduledRun, schedule_runs
from bench.harness.store import DEFAULT_STORE
from bench.harness.sweep import run_sweep
from shared_spec.cli import spec_or_exit
from shared_spec.exit_codes import EXIT_OK, EXIT_UNAVAILABLE
from shared_spec.spec import PPOSpec
from shared_spec.tasks import TASKS

AUTO_PRESETS = {"cpu": "cpu-quick", "gpu": "gpu-quick"}
"""What `--preset auto` means on each device kind."""
EXECUTORS = ("local", "ray")
"""Where the runs run: here, one run at a time, or on a Ray cluster (one run per node)."""


@dataclass(frozen=True)
class RunArgs:
    """The arguments of `bench run` (and of the runs of `bench all`)."""

    preset: str = flag("auto", "preset name, or auto (cpu-quick on CPU, gpu-quick on GPU)")
    seeds: int = flag(1, "seeds 0..N-1 of each contender")
    first_seed: int = flag(0, "start at this seed (K..K+N-1): add seeds to earlier runs")
    contenders: str = flag(",".join(MAIN_CONTENDERS), "comma-separated names")
    tasks: str | None = flag(
        None, "comma-separated tasks, each run with the preset's other values (default: its own)"
    )
    device: str = flag("auto", "device of every run", choices=("auto", "cpu", "gpu"))
    overrides: Sequence[str] = flag((), "spec override", flag="--set", action="append", metavar="KEY=VALUE")
    force: bool = flag(False, "rerun runs already recorded ok")
    executor: str = flag("local", "local (here, one run at a time) or ray (a Ray cluster: docs/CLUSTER.md)")
    address: str | None = flag(None, "the Ray cluster's address (with --executor ray)")
    logs_dir: Path = flag(DEFAULT_LOGS, "child stdout/stderr logs")
    memory_limit_mb: float | None = flag(
        None, "each run's memory cap (its process tree's resident MB); default 75%% of the machine's memory"
    )
    store: Path = DEFAULT_STORE


def parse_tasks(args: RunArgs) -> list[str]:
    """`--tasks a,b` -> the task names in order, each in the registry (else one line, exit 2); [] without it."""
    if args.tasks is None:
        return []
    names = list(dict.fromkeys(split(args.tasks)))
    if not names or any(name not in TASKS for name in names):
        raise fail(f"--tasks: got {args.tasks!r}; allowed: comma-separated names of {', '.join(TASKS)}")
    return names


def check_arguments(args: RunArgs, table: Mapping[str, Contender]) -> list[Contender]:
    """Everything that needs no device: contenders, seeds, overrides, a named preset."""
    try:
        contenders = parse_contenders(args.contenders, table)
    except UnknownContenderError as err:
        raise fail(str(err)) from None
    if args.executor not in EXECUTORS:
        raise fail(f"--executor: got {args.executor!r}; allowed: {', '.join(EXECUTORS)}")
    if args.executor == "ray" and importlib.util.find_spec("ray") is None:
        raise fail("--executor ray: Ray is not installed; install it with: pip install 'ppo-bench[cluster]'")
    if args.seeds < 1:
        raise fail(f"--seeds: got {args.seeds}; allowed: an integer >= 1")
    if args.first_seed < 0:
        raise fail(f"--first-seed: got {args.first_seed}; allowed: an integer >= 0")
    if args.memory_limit_mb is not None and not args.memory_limit_mb > 0:
        raise fail(f"--memory-limit-mb: got {args.memory_limit_mb:g}; allowed: a number of MB > 0")
    keys = [text.split("=", 1)[0].strip() for text in args.overrides]
    if "device" in keys:
        raise fail("--set device=...: not allowed here; use --device auto|cpu|gpu")
    for task in parse_tasks(args):
        if "task" in keys:
            raise fail("--set task=...: not allowed with --tasks; name every task in --tasks")
        if args.preset != "auto":
            spec_or_exit(args.preset, [*args.overrides, f"task={task}"])
    if args.preset != "auto":
        spec_or_exit(args.preset, list(args.overrides))
    return contenders


def choose_device(args: RunArgs) -> DeviceChoice:
    """`--device` resolved (probing the frameworks for `auto`): once per command, passed on from there."""
    try:
        return select_device(args.device)
    except DeviceError as err:
        raise fail(str(err)) from None


def resolve(args: RunArgs, device: DeviceChoice | None = None) -> tuple[str, PPOSpec, DeviceChoice]:
    """Device (`device`, else chosen now), the preset `auto` stands for, the spec the children will run."""
    device = device or choose_device(args)
    preset = AUTO_PRESETS[device.kind] if args.preset == "auto" else args.preset
    return preset, spec_or_exit(preset, [*args.overrides, f"device={device.kind}"]), device


def run(
    args: RunArgs,
    table: Mapping[str, Contender],
    bench_argv: list[str],
    device: DeviceChoice | None = None,
    tolerate_unavailable: Sequence[str] = (),
) -> int:
    """Schedule, run and record (task by task with `--tasks`); exit 1 if any run did not end ok, except runs
    of `tolerate_unavailable` contenders that this install cannot run (EXIT_UNAVAILABLE, recorded failed)."""
    tasks = parse_tasks(args)
    check_arguments(args, table)  # every task's spec checked before any run starts
    device = device or choose_device(args)
    records = []
    for task in tasks or [None]:
        task_args = (
            args
            if task is None
            else dataclasses.replace(args, tasks=None, overrides=[*args.overrides, f"task={task}"])
        )
        records += run_contenders(task_args, table, bench_argv, device)
    failed = [
        r
        for r in records
        if r["status"] != "ok"
        and not (r["contender"] in tolerate_unavailable and r.get("exit_code") == EXIT_UNAVAILABLE)
    ]
    return EXIT_RUN_FAILED if failed else EXIT_OK


def planned(
    args: RunArgs, table: Mapping[str, Contender], bench_argv: list[str], device: DeviceChoice | None = None
) -> tuple[list[ScheduledRun], RunContext]:
    """The runs of `args.contenders` x `args.seeds` in schedule order and what they share (arguments checked
    first)."""
    contenders = check_arguments(args, table)
    preset, spec, device = resolve(args, device)
    overrides = [*args.overrides, f"device={device.kind}"]
    # Absolute: a Ray worker's working directory is not the driver's.
    logs = args.logs_dir.resolve()
    runs = schedule_runs(contenders, args.seeds, preset, overrides, spec, logs, args.first_seed)
    context = RunContext(
        spec, preset, dataclasses.asdict(device), bench_argv, memory_limit_mb=args.memory_limit_mb
    )
    return runs, context


def run_contenders(
    args: RunArgs, table: Mapping[str, Contender], bench_argv: list[str], device: DeviceChoice | None = None
) -> list[dict]:
    """Schedule and run `args.contenders` x `args.seeds`; the records of this invocation."""
    runs, context = planned(args, table, bench_argv, device)
    device, spec = context.device, context.spec
    label = " (CPU fallback: " + device["reason"] + ")" if device["fallback"] else ""
    print(
        f"bench: preset {context.preset} (spec {spec.spec_hash()}), {args.seeds} seed(s), "
        f"contenders {', '.join(dict.fromkeys(split(args.contenders)))}, device {device['kind']} "
        f"{device['name']}{label}, timeout {spec.run_timeout_s} s and memory cap "
        f"{context.memory_limit_mb or default_memory_limit_mb():g} MB per run, store {args.store}",
        file=sys.stderr,
    )
    try:
        records = run_sweep(
            runs, context, store=args.store, force=args.force, executor=args.executor, address=args.address
        )
    except ExecutorError as err:
        raise fail(str(err)) from None
    print(summary(records))
    return records


def summary(records: list[dict[str, Any]]) -> str:
    """One line per run of this invocation (or why nothing ran)."""
    if not records:
        return "nothing to run: every planned run is already recorded ok (--force reruns)"
    lines = [
        f"{'contender':14s} {'seed':>4s} {'status':8s} {'final_return':>12s} {'sps':>9s} {'wall_s':>7s} {'RSS MB':>7s}"
    ]
    for r in records:
        ret = "-" if r.get("final_return") is None else f"{r['final_return']:.1f}"
        sps = "-" if r.get("sps") is None else f"{r['sps']:.0f}"
        lines.append(
            f"{r['contender']:14s} {r['seed']:4d} {r['status']:8s} {ret:>12s} {sps:>9s} "
            f"{r['harness_wall_s']:7.1f} {r['peak_rss_mb']:7.0f}"
        )
    return "\n".join(lines)
