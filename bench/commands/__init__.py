"""`python -m bench run | scale | all | env | learner | handoff | parity | code | report | results`: the command line of the bench.

Each command is a module with a dataclass of its arguments and one function; this module only parses the
command line into them. Bad arguments exit 2 (`EXIT_BAD_SPEC`) before any run starts. Every command that writes
the store holds its lock for its whole life (bench/harness/store_lock.py; `python -m gpu.campaign` locks its
own store): a
second bench on that store exits 2 naming the holder, or waits with `--wait-for-lock`. A file that cannot be
written (a full disk, no permission) ends the command with one line naming it, exit 2.
"""

from __future__ import annotations

import argparse
import errno
import shlex
import sys
from collections.abc import Mapping
from pathlib import Path

from bench.commands import all as all_command
from bench.commands import code, envs, handoff, learner, parity, report, results, run, scale
from bench.commands.common import EXIT_INTERRUPTED, add_flags, fail, typed
from bench.harness.contenders import CONTENDERS, Contender
from bench.harness.store import DEFAULT_STORE
from bench.harness.store_lock import StoreLockedError, store_lock
from bench.harness.write_errors import WriteError, describe

COMMANDS = {
    "run": (run.RunArgs, "run contenders x seeds, each in its own process"),
    "scale": (scale.ScaleArgs, "speed against num_envs and width, each point beside its controls"),
    "code": (
        code.CodeArgs,
        "code metrics by one rule: this project and the field's PPO (pinned, never installed)",
    ),
    "all": (all_command.AllArgs, "run the main contenders, the controls, measure code, render the report"),
    "env": (envs.EnvArgs, "control: env-only throughput, Brax vs Gymnasium, over num_envs"),
    "learner": (learner.LearnerArgs, "control: learner-only throughput (pytest-benchmark)"),
    "handoff": (handoff.HandoffArgs, "control: the Brax env stepped fused, from a loop, from torch (DLPack)"),
    "parity": (parity.ParityArgs, "env parity check: every task's two envs vs the registry"),
    "report": (report.ReportArgs, "render the HTML report from the store"),
    "results": (results.ResultsArgs, "render docs/RESULTS.md and the published READMEs from their stores"),
}
"""Command -> (its arguments, its help line)."""
UNLOCKED = ("report", "results")
"""Commands that take no lock on `--store`: `report` only reads it (`python -m gpu.campaign` locks its own store)."""
DISK_ERRNOS = (errno.ENOSPC, errno.EDQUOT, errno.EROFS, errno.EFBIG, errno.EACCES, errno.EPERM, errno.EIO)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--store", type=Path, default=DEFAULT_STORE, help="result store (JSON lines)")
    parser.add_argument(
        "--wait-for-lock",
        action="store_true",
        help="if another bench writes the store, wait for it to finish",
    )
    sub = parser.add_subparsers(dest="command", required=True)
    for name, (args, help_line) in COMMANDS.items():
        command = sub.add_parser(name, help=help_line)
        add_flags(command, args)
    return parser


def main(argv: list[str] | None = None, contenders: Mapping[str, Contender] = CONTENDERS) -> int:
    """Entry point; `contenders` is injectable so tests can run fake trainers."""
    bench_argv = list(sys.argv[1:] if argv is None else argv)
    ns = build_parser().parse_args(bench_argv)
    commands = {
        "run": lambda: run.run(typed(run.RunArgs, ns), contenders, bench_argv),
        "scale": lambda: scale.scale(typed(scale.ScaleArgs, ns), contenders, bench_argv),
        "all": lambda: all_command.run_all(typed(all_command.AllArgs, ns), contenders, bench_argv),
        "env": lambda: envs.run(typed(envs.EnvArgs, ns), bench_argv),
        "learner": lambda: learner.run(typed(learner.LearnerArgs, ns), bench_argv),
        "handoff": lambda: handoff.handoff(typed(handoff.HandoffArgs, ns), bench_argv),
        "parity": lambda: parity.parity(typed(parity.ParityArgs, ns), bench_argv),
        "code": lambda: code.code(typed(code.CodeArgs, ns), bench_argv),
        "report": lambda: report.report(typed(report.ReportArgs, ns)),
        "results": lambda: results.results(typed(results.ResultsArgs, ns)),
    }
    try:
        if ns.command in UNLOCKED:
            return commands[ns.command]()
        if ns.command in (
            "run",
            "all",
            "scale",
        ):  # bad arguments exit 2 before the lock makes the store's folder
            run.check_arguments(typed(run.RunArgs, ns), contenders)
        with store_lock(ns.store, wait=ns.wait_for_lock):
            return commands[ns.command]()
    except (StoreLockedError, WriteError) as err:
        raise fail(str(err)) from None
    except OSError as err:  # a write this module did not wrap (a figure, a cache): still one line
        if err.errno not in DISK_ERRNOS:
            raise
        raise fail(describe(err.filename or "a file", err)) from None
    except KeyboardInterrupt:
        rerun = shlex.join(["python", "-m", "bench", *bench_argv])
        print(f"\ninterrupted: finished runs are in the store; rerun `{rerun}` to resume", file=sys.stderr)
        return EXIT_INTERRUPTED
