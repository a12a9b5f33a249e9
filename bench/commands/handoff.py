"""`python -m bench handoff`: the hand-off control (bench/controls/handoff.py) in a child process, stored as one
`handoff` record: ms per env step fused, from a Python loop, and through torch over DLPack, or why it failed."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from bench.commands.common import DEFAULT_LOGS, EXIT_RUN_FAILED, fail, flag
from bench.harness.provenance import append_measured
from bench.harness.runner import run_rows
from bench.harness.store import DEFAULT_STORE
from shared_spec.cli import spec_or_exit
from shared_spec.exit_codes import EXIT_OK

TIMEOUT_S = 900


@dataclass(frozen=True)
class HandoffArgs:
    preset: str = flag("smoke", "the env (task, Brax backend), num_envs and policy measured")
    steps: int = flag(200, "env steps timed per mode")
    overrides: Sequence[str] = flag((), "spec override", flag="--set", action="append", metavar="KEY=VALUE")
    logs_dir: Path = flag(DEFAULT_LOGS, "the child's stdout/stderr log")
    store: Path = DEFAULT_STORE


def handoff(args: HandoffArgs, bench_argv: list[str]) -> int:
    """Measure in a child and append one `handoff` record; exit 1 when the measurement failed."""
    spec = spec_or_exit(args.preset, list(args.overrides))  # a bad preset or --set: one line, exit 2
    if args.steps < 1:
        raise fail(f"--steps: got {args.steps}; allowed: an integer >= 1")
    argv = [sys.executable, "-m", "bench.controls.handoff", "--preset", args.preset]
    argv += ["--steps", str(args.steps), *(word for item in args.overrides for word in ("--set", item))]
    print(f"handoff: preset {args.preset}, {spec.num_envs} envs, {args.steps} steps", file=sys.stderr)
    rows, error = run_rows(argv, TIMEOUT_S, args.logs_dir / f"handoff-{args.preset}.log")
    if rows and error is None:
        record = {**rows[-1], "status": "ok"}
        ms = ", ".join(f"{mode} {value:.2f}" for mode, value in record["ms_per_step"].items())
        print(f"handoff: ms per env step: {ms}; not fused {record['not_fused_ms']:.2f}, "
              f"hand-off and torch {record['handoff_and_torch_ms']:.2f}")  # fmt: skip
    else:
        asked = {"preset": args.preset, "spec_hash": spec.spec_hash(), "num_envs": spec.num_envs}
        record = {**asked, "steps": args.steps, "status": "failed", "error": error or "no result line"}
        print(f"handoff: FAILED: {record['error']}")
    append_measured({**record, "record_type": "handoff"}, args.store, bench_argv, args.preset, argv)
    return EXIT_OK if record["status"] == "ok" else EXIT_RUN_FAILED
