"""`python -m bench run | loc | code | env | learner | all | report`: the command line of the harness.

Everything that can be wrong in the arguments (unknown contender, bad preset or `--set`, `--device gpu`
without a GPU) exits 2 (`EXIT_BAD_SPEC`) before any run starts. `run` exits 1 when any run did not end `ok`.
"""

from __future__ import annotations

import argparse
import importlib.util
import shlex
import sys
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from bench.controls.env_throughput import CPU_SWEEP, GPU_SWEEP, run_env_sweep, store_env_rows
from bench.controls.learner_throughput import CPU_GRID, GPU_GRID, run_learner_sweep, store_learner_rows
from bench.harness.campaign import plan_runs, run_campaign
from bench.harness.contenders import (
    CONTENDERS,
    CONTROL_CONTENDERS,
    MAIN_CONTENDERS,
    Contender,
    UnknownContenderError,
    parse_contenders,
)
from bench.harness.devices import DeviceChoice, DeviceError, select_device
from bench.harness.provenance import run_provenance
from bench.harness.ray_executor import ExecutorError
from bench.harness.store import DEFAULT_STORE, append_record
from bench.metrics.code_metrics import REPO_ROOT, format_table, measure_all
from bench.metrics.field_code import (
    DEFAULT_CACHE,
    RECORD_TYPE,
    FieldCodeError,
    format_rows,
    load_table,
    measure_field,
    measure_project,
)
from bench.report import DEFAULT_OUT, render_report
from bench.report.cli import rerender_published
from shared_spec.cli import spec_or_exit
from shared_spec.exit_codes import EXIT_BAD_SPEC, EXIT_OK, EXIT_UNAVAILABLE
from shared_spec.spec import BRAX_BACKENDS, VECTOR_ENVS, PPOSpec
from shared_spec.tasks import TASKS

AUTO_PRESETS = {"cpu": "cpu-quick", "gpu": "gpu-quick"}
"""What `--preset auto` means on each device kind."""
DEFAULT_LOGS = Path("reports/logs")
EXIT_RUN_FAILED = 1
"""`python -m bench`'s own status when a run, sweep or report did not end ok (arguments: EXIT_BAD_SPEC)."""
EXIT_INTERRUPTED = 130
"""Stopped with Ctrl-C (128 + SIGINT, as a shell reports it); finished runs are in the store."""


def _add_run_arguments(parser: argparse.ArgumentParser, preset: str, seeds: int) -> None:
    parser.add_argument(
        "--preset", default=preset, help="preset name, or auto (cpu-quick on CPU, gpu-quick on GPU)"
    )
    parser.add_argument("--seeds", type=int, default=seeds, help="seeds 0..N-1 of each contender")
    parser.add_argument(
        "--first-seed", type=int, default=0, help="start at this seed (K..K+N-1): add seeds to earlier runs"
    )
    parser.add_argument("--contenders", default=",".join(MAIN_CONTENDERS), help="comma-separated names")
    parser.add_argument(
        "--tasks",
        default=None,
        help="comma-separated tasks, each run with the preset's other values (default: its own)",
    )
    parser.add_argument(
        "--device", default="auto", choices=("auto", "cpu", "gpu"), help="device of every run"
    )
    parser.add_argument(
        "--set", dest="overrides", action="append", default=[], metavar="KEY=VALUE", help="spec override"
    )
    parser.add_argument("--force", action="store_true", help="rerun runs already recorded ok")
    parser.add_argument(
        "--executor",
        default="local",
        help="local (here, one run at a time) or ray (a Ray cluster: docs/CLUSTER.md)",
    )
    parser.add_argument("--address", default=None, help="the Ray cluster's address (with --executor ray)")
    parser.add_argument("--logs-dir", type=Path, default=DEFAULT_LOGS, help="child stdout/stderr logs")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--store", type=Path, default=DEFAULT_STORE, help="result store (JSON lines)")
    sub = parser.add_subparsers(dest="command", required=True)
    _add_run_arguments(
        sub.add_parser("run", help="run contenders x seeds, each in its own process"), "auto", 1
    )
    sub.add_parser("loc", help="code metrics of each implementation (radon)")
    code = sub.add_parser(
        "code", help="the field's PPO (pinned PyPI archives, never installed) and this pair"
    )
    code.add_argument(
        "--from", dest="from_dir", type=Path, default=None, help="archives already here (offline)"
    )
    code.add_argument("--cache", type=Path, default=DEFAULT_CACHE, help="where downloaded archives are kept")
    everything = sub.add_parser("all", help="run the main contenders, measure code, render the report")
    _add_run_arguments(everything, "auto", 5)  # 5: the fewest seeds the report puts an interval on
    everything.add_argument("--out", type=Path, default=DEFAULT_OUT, help="report path")
    everything.add_argument(
        "--no-controls",
        action="store_true",
        help="skip the control contenders (1 seed each) and the short env-only and learner-only sweeps",
    )
    everything.add_argument(
        "--cache", type=Path, default=DEFAULT_CACHE, help="field code archives (bench code)"
    )
    env = sub.add_parser("env", help="control: env-only throughput, Brax vs Gymnasium, over num_envs")
    env.add_argument("--task", default="hopper", help="task registry name")
    env.add_argument(
        "--num-envs", default=None, help="comma-separated sweep (default: CPU 1..256, GPU 1..8192)"
    )
    env.add_argument("--brax-backends", default="mjx,generalized", help="comma-separated Brax backends")
    env.add_argument("--gym-modes", default="sync,async", help="comma-separated Gymnasium vector modes")
    env.add_argument("--budget-steps", type=int, default=20_000, help="env steps measured per point")
    learner = sub.add_parser(
        "learner", help="control: learner-only throughput (pytest-benchmark, bench/controls)"
    )
    learner.add_argument("--frameworks", default="jax-jit,torch-eager,torch-compile", help="comma-separated")
    learner.add_argument(
        "--preset",
        default="cpu-quick",
        help="whose update is measured first (task sizes, batch, minibatches, epochs, networks); the sweep keeps its minibatch count and epochs",
    )
    learner.add_argument("--batch-sizes", default=None, help="comma-separated (default: by device)")
    learner.add_argument("--hiddens", default=None, help="e.g. 64x64,256x256 (default: by device)")
    learner.add_argument("--rounds", type=int, default=None, help="timed updates per point")
    learner.add_argument("--device", default="auto", choices=("auto", "cpu", "gpu"))
    report = sub.add_parser("report", help="render the HTML report from the store")
    report.add_argument("--out", type=Path, default=DEFAULT_OUT, help="report path")
    report.add_argument(
        "--published", type=Path, default=None, metavar="DIR", help="re-render DIR/index.html"
    )
    return parser


def _fail(message: str) -> SystemExit:
    print(f"error: {message}", file=sys.stderr)
    return SystemExit(EXIT_BAD_SPEC)


def _check_arguments(args: argparse.Namespace, table: Mapping[str, Contender]) -> list[Contender]:
    """Everything that needs no device: contenders, seeds, overrides, a named preset."""
    try:
        contenders = parse_contenders(args.contenders, table)
    except UnknownContenderError as err:
        raise _fail(str(err)) from None
    if args.executor not in EXECUTORS:
        raise _fail(f"--executor: got {args.executor!r}; allowed: {', '.join(EXECUTORS)}")
    if args.executor == "ray" and importlib.util.find_spec("ray") is None:
        raise _fail("--executor ray: Ray is not installed; install it with: pip install 'ppo-bench[cluster]'")
    if args.seeds < 1:
        raise _fail(f"--seeds: got {args.seeds}; allowed: an integer >= 1")
    if args.first_seed < 0:
        raise _fail(f"--first-seed: got {args.first_seed}; allowed: an integer >= 0")
    if any(text.split("=", 1)[0].strip() == "device" for text in args.overrides):
        raise _fail("--set device=...: not allowed here; use --device auto|cpu|gpu")
    for task in parse_tasks(args):
        if any(text.split("=", 1)[0].strip() == "task" for text in args.overrides):
            raise _fail("--set task=...: not allowed with --tasks; name every task in --tasks")
        if args.preset != "auto":
            spec_or_exit(args.preset, [*args.overrides, f"task={task}"])
    if args.preset != "auto":
        spec_or_exit(args.preset, args.overrides)
    return contenders


def _resolve(args: argparse.Namespace) -> tuple[str, PPOSpec, DeviceChoice]:
    """Device, then the preset `auto` stands for, then the spec the children will run (device included)."""
    try:
        device = select_device(args.device)
    except DeviceError as err:
        raise _fail(str(err)) from None
    preset = AUTO_PRESETS[device.kind] if args.preset == "auto" else args.preset
    spec = spec_or_exit(preset, [*args.overrides, f"device={device.kind}"])
    return preset, spec, device


EXECUTORS = ("local", "ray")
"""Where `bench run` runs its plan: here, one run at a time, or on a Ray cluster (one run per node)."""


def parse_tasks(args: argparse.Namespace) -> list[str]:
    """`--tasks a,b` -> the task names in order, each in the registry (else one line, exit 2); [] without it."""
    if getattr(args, "tasks", None) is None:
        return []
    names = list(dict.fromkeys(part.strip() for part in args.tasks.split(",") if part.strip()))
    unknown = [name for name in names if name not in TASKS]
    if not names or unknown:
        raise _fail(f"--tasks: got {args.tasks!r}; allowed: comma-separated names of {', '.join(TASKS)}")
    return names


def cmd_run(args: argparse.Namespace, table: Mapping[str, Contender], bench_argv: list[str]) -> int:
    """Plan, run and record (task by task with `--tasks`); exit 1 if any run did not end ok."""
    tasks = parse_tasks(args)
    _check_arguments(args, table)  # every task's spec checked before any run starts
    records = []
    for task in tasks or [None]:
        task_args = (
            args
            if task is None
            else argparse.Namespace(
                **{**vars(args), "tasks": None, "overrides": [*args.overrides, f"task={task}"]}
            )
        )
        records += run_contenders(task_args, table, bench_argv)
    return EXIT_RUN_FAILED if any(r["status"] != "ok" for r in records) else EXIT_OK


def run_contenders(
    args: argparse.Namespace, table: Mapping[str, Contender], bench_argv: list[str]
) -> list[dict]:
    """Plan and run `args.contenders` x `args.seeds`; the records of this invocation."""
    contenders = _check_arguments(args, table)
    preset, spec, device = _resolve(args)
    overrides = [*args.overrides, f"device={device.kind}"]
    label = " (CPU fallback: " + device.reason + ")" if device.fallback else ""
    print(
        f"bench: preset {preset} (spec {spec.spec_hash()}), {args.seeds} seed(s), "
        f"contenders {', '.join(c.name for c in contenders)}, device {device.kind} {device.name}{label}, "
        f"timeout {spec.run_timeout_s} s per run, store {args.store}",
        file=sys.stderr,
    )
    # Absolute: a Ray worker's working directory is not the driver's.
    plan = plan_runs(
        contenders, args.seeds, preset, overrides, spec, args.logs_dir.resolve(), args.first_seed
    )
    try:
        records = run_campaign(
            plan,
            spec=spec,
            preset=preset,
            device=device.to_dict(),
            store=args.store,
            force=args.force,
            bench_argv=bench_argv,
            executor=getattr(args, "executor", "local"),
            address=getattr(args, "address", None),
        )
    except ExecutorError as err:
        raise _fail(str(err)) from None
    print(_summary(records))
    return records


def _summary(records: list[dict[str, Any]]) -> str:
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


def cmd_loc(args: argparse.Namespace, bench_argv: list[str]) -> int:
    """Measure, store one `code_metrics` record per (implementation, part), print the table."""
    summaries = measure_all()
    machine = {"kind": None, "name": None, "requested": None, "fallback": False}
    for summary in summaries:
        provenance = run_provenance(
            contender=None,
            preset="",
            spec_hash="",
            seed=None,
            device=machine,
            command=None,
            bench_argv=bench_argv,
        )
        append_record({**summary, "record_type": "code_metrics", "provenance": provenance}, args.store)
    print(format_table(summaries))
    return EXIT_OK


def cmd_code(args: argparse.Namespace, bench_argv: list[str], not_fatal: bool = False) -> int:
    """Measure the field's PPO archives and this project's pair by one rule; one record per implementation
    and classification. An archive that cannot be had or fails its hash: one line, exit 2; with `not_fatal`
    (`bench all`) a record of why instead, so the report can say it."""
    table = load_table()
    try:
        rows = measure_field(table, getattr(args, "from_dir", None), args.cache)
    except FieldCodeError as err:
        if not not_fatal:
            raise _fail(f"field code: {err}") from None
        print(f"bench all: field code not measured: {err}", file=sys.stderr)
        append_record({"record_type": RECORD_TYPE, "status": "not_measured", "reason": str(err)}, args.store)
        return EXIT_OK
    rows += measure_project(table, REPO_ROOT)
    provenance = run_provenance(
        contender=None, preset="", spec_hash="", seed=None, device={"kind": None, "name": None},
        command=None, bench_argv=bench_argv,
    )  # fmt: skip
    for row in rows:
        append_record(
            {**row, "record_type": RECORD_TYPE, "status": "ok", "provenance": provenance}, args.store
        )
    print(format_rows(rows))
    return EXIT_OK


def cmd_report(store: Path, out: Path) -> int:
    """Render the report (`bench.report.render_report`) from the store to `out`; a missing store is an error."""
    if not store.exists():
        raise _fail(f"--store: got {str(store)!r}; allowed: an existing results.jsonl (nothing to report)")
    render_report(store, out)
    print(f"report: {out.resolve()}")
    return EXIT_OK


def cmd_env(args: argparse.Namespace, bench_argv: list[str]) -> int:
    """Env-only throughput sweeps, each simulator setting in its own process; rows go to the store."""
    if args.task not in TASKS:
        raise _fail(f"--task: got {args.task!r}; allowed: {', '.join(TASKS)}")
    default_sweep = GPU_SWEEP if select_device("auto").kind == "gpu" else CPU_SWEEP
    try:
        num_envs = [int(n) for n in args.num_envs.split(",")] if args.num_envs else list(default_sweep)
    except ValueError:
        raise _fail(f"--num-envs: got {args.num_envs!r}; allowed: comma-separated integers") from None
    backends = [b for b in args.brax_backends.split(",") if b]
    bad = [b for b in backends if b not in BRAX_BACKENDS]
    modes = [m for m in args.gym_modes.split(",") if m]
    if bad or any(m not in VECTOR_ENVS for m in modes):
        raise _fail(
            f"--brax-backends/--gym-modes: allowed {', '.join(BRAX_BACKENDS)} / {', '.join(VECTOR_ENVS)}"
        )
    rows = run_env_sweep(
        args.task, backends, modes, num_envs, args.budget_steps,
        on_rows=lambda sweep: store_env_rows(sweep, args.store, bench_argv),
    )  # fmt: skip
    for row in rows:
        rate = f"{row['steps_per_s']:>12,.0f}" if row.get("status") == "ok" else f"{'FAILED':>12s}"
        print(f"{row['simulator']:10s} {row['backend']:12s} {row['num_envs']:>6d} {rate} steps/s")
    return EXIT_OK if all(row.get("status") == "ok" for row in rows) else EXIT_RUN_FAILED


def cmd_learner(args: argparse.Namespace, bench_argv: list[str]) -> int:
    """Learner-only sweeps, one framework per process; rows go to the store."""
    try:
        device = select_device(args.device)
    except DeviceError as err:
        raise _fail(str(err)) from None
    grid = dict(GPU_GRID if device.kind == "gpu" else CPU_GRID)
    spec_or_exit(args.preset, [])  # a bad preset: one line, exit 2, before any process starts
    grid["preset"] = args.preset
    try:
        if args.batch_sizes:
            grid["batch_sizes"] = [int(n) for n in args.batch_sizes.split(",")]
        if args.hiddens:
            grid["hiddens"] = [[int(n) for n in h.split("x")] for h in args.hiddens.split(",")]
    except ValueError:
        raise _fail("--batch-sizes / --hiddens: allowed e.g. 512,2048 / 64x64,256x256") from None
    if args.rounds:
        grid["rounds"] = args.rounds
    try:
        rows = run_learner_sweep(
            [f for f in args.frameworks.split(",") if f], grid, device.kind,
            on_rows=lambda framework_rows: store_learner_rows(
                framework_rows, args.store, bench_argv, device.name, args.preset
            ),
        )  # fmt: skip
    except ValueError as err:
        raise _fail(str(err)) from None
    for row in rows:
        if row.get("status") == "ok":
            hidden = "x".join(map(str, row["hidden"]))
            shape = f"preset {args.preset}" if row.get("preset_shape") else "sweep"
            print(
                f"{row['framework']:14s} batch {row['batch_size']:>7d} hidden {hidden:>8s} {row['samples_per_s']:>12,.0f} samples/s ({shape})"
            )
        else:
            print(f"{row['framework']:14s} FAILED: {row.get('error', '')[-300:]}")
    return EXIT_OK if all(row.get("status") == "ok" for row in rows) else EXIT_RUN_FAILED


def cmd_all(args: argparse.Namespace, table: Mapping[str, Contender], bench_argv: list[str]) -> int:
    """`make bench`: run, loc, code (not fatal offline), report; print the total wall time; non-zero if anything failed."""
    start = time.monotonic()
    try:
        run_status = cmd_run(args, table, bench_argv)
        control_status = EXIT_OK
        if not args.no_controls:
            control_status = max(
                run_control_contenders(args, table, bench_argv), run_quick_controls(args, bench_argv)
            )
        loc_status = cmd_loc(args, bench_argv)
        cmd_code(args, bench_argv, not_fatal=True)
        report_status = cmd_report(args.store, args.out)
    finally:
        print(f"bench all: total wall time {time.monotonic() - start:.0f} s", file=sys.stderr)
    return max(run_status, control_status, loc_status, report_status)


def run_control_contenders(
    args: argparse.Namespace, table: Mapping[str, Contender], bench_argv: list[str]
) -> int:
    """CONTROL_CONTENDERS on the same preset, one seed each; a contender unavailable here (EXIT_UNAVAILABLE,
    e.g. brax-ppo on a JAX too new for brax.training) is recorded as failed with its reason but does not
    fail `make bench`."""
    names = [name for name in CONTROL_CONTENDERS if name in table]
    if not names:
        return EXIT_OK
    control_args = argparse.Namespace(**{**vars(args), "contenders": ",".join(names), "seeds": 1})
    print(f"bench all: control contenders {', '.join(names)} (1 seed each)", file=sys.stderr, flush=True)
    records = run_contenders(control_args, table, bench_argv)
    failed = [r for r in records if r["status"] != "ok" and r.get("exit_code") != EXIT_UNAVAILABLE]
    for record in records:
        if record["status"] != "ok" and record.get("exit_code") == EXIT_UNAVAILABLE:
            print(f"bench all: {record['contender']} unavailable here (recorded): {record.get('error')}")
    return EXIT_RUN_FAILED if failed else EXIT_OK


def run_quick_controls(args: argparse.Namespace, bench_argv: list[str]) -> int:
    """Short control sweeps sized for `make bench` (the full sweeps: `bench env` / `bench learner`)."""
    preset, spec, device = _resolve(args)
    gpu = device.kind == "gpu"
    env_args = argparse.Namespace(
        task=spec.task, num_envs="1,64,1024,4096" if gpu else "1,16,256", brax_backends=spec.brax_backend,
        gym_modes="sync", budget_steps=100_000 if gpu else 10_000, store=args.store,
    )  # fmt: skip
    learner_args = argparse.Namespace(
        frameworks="jax-jit,torch-eager", preset=preset, batch_sizes="2048,8192,32768" if gpu else "512,2048,8192",
        hiddens="64x64", rounds=3, device=device.kind, store=args.store,
    )  # fmt: skip
    print(f"bench all: quick controls for preset {preset} ({spec.task})", file=sys.stderr, flush=True)
    return max(cmd_env(env_args, bench_argv), cmd_learner(learner_args, bench_argv))


def main(argv: list[str] | None = None, contenders: Mapping[str, Contender] = CONTENDERS) -> int:
    """Entry point; `contenders` is injectable so tests can run fake trainers."""
    bench_argv = list(sys.argv[1:] if argv is None else argv)
    args = build_parser().parse_args(bench_argv)
    try:
        if args.command == "run":
            return cmd_run(args, contenders, bench_argv)
        if args.command == "loc":
            return cmd_loc(args, bench_argv)
        if args.command == "code":
            return cmd_code(args, bench_argv)
        if args.command == "all":
            return cmd_all(args, contenders, bench_argv)
        if args.command == "env":
            return cmd_env(args, bench_argv)
        if args.command == "learner":
            return cmd_learner(args, bench_argv)
        if args.published is not None:  # a published folder, from its own results.jsonl
            return rerender_published(args.published)
        return cmd_report(args.store, args.out)
    except KeyboardInterrupt:
        print(
            f"\ninterrupted: finished runs are in the store; rerun `{shlex.join(['python', '-m', 'bench', *bench_argv])}` to resume",
            file=sys.stderr,
        )
        return EXIT_INTERRUPTED
