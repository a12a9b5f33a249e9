"""`python -m bench run | all | env | learner | parity | loc | code | report | campaign`: the command line of the bench.

Each command is a module with a dataclass of its arguments and one function; this module only parses the
command line into them. Bad arguments exit 2 (`EXIT_BAD_SPEC`) before any run starts.
"""

from __future__ import annotations

import argparse
import shlex
import sys
from collections.abc import Mapping
from pathlib import Path

from bench.commands import all as all_command
from bench.commands import campaign, code, envs, learner, parity, report, run
from bench.commands.common import EXIT_INTERRUPTED, typed
from bench.harness.contenders import CONTENDERS, Contender
from bench.harness.store import DEFAULT_STORE
from bench.metrics.field_code import DEFAULT_CACHE
from bench.report import DEFAULT_OUT


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--store", type=Path, default=DEFAULT_STORE, help="result store (JSON lines)")
    sub = parser.add_subparsers(dest="command", required=True)
    run.add_arguments(sub.add_parser("run", help="run contenders x seeds, each in its own process"), seeds=1)
    sub.add_parser("loc", help="code metrics of each implementation (radon)")
    code.add_arguments(
        sub.add_parser("code", help="the field's PPO (pinned PyPI archives, never installed) and this pair")
    )
    everything = sub.add_parser(
        "all", help="run the main contenders, the controls, measure code, render the report"
    )
    run.add_arguments(everything, seeds=5)  # 5: the fewest seeds the report puts an interval on
    everything.add_argument("--out", type=Path, default=DEFAULT_OUT, help="report path")
    everything.add_argument(
        "--cache", type=Path, default=DEFAULT_CACHE, help="field code archives (bench code)"
    )
    everything.add_argument(
        "--no-controls", action="store_true",
        help="skip the control contenders (1 seed each), the env parity check and the short env-only and learner-only sweeps",
    )  # fmt: skip
    envs.add_arguments(
        sub.add_parser("env", help="control: env-only throughput, Brax vs Gymnasium, over num_envs")
    )
    learner.add_arguments(
        sub.add_parser("learner", help="control: learner-only throughput (pytest-benchmark)")
    )
    parity.add_arguments(
        sub.add_parser("parity", help="env parity check: every task's two envs vs the registry")
    )
    report_parser = sub.add_parser("report", help="render the HTML report from the store")
    report_parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="report path")
    report_parser.add_argument("--published", type=Path, metavar="DIR", help="re-render DIR/index.html")
    campaign.add_arguments(sub.add_parser("campaign", help="run a campaign plan file (docs/GPU.md)"))
    return parser


def main(argv: list[str] | None = None, contenders: Mapping[str, Contender] = CONTENDERS) -> int:
    """Entry point; `contenders` is injectable so tests can run fake trainers."""
    bench_argv = list(sys.argv[1:] if argv is None else argv)
    ns = build_parser().parse_args(bench_argv)
    commands = {
        "run": lambda: run.run(typed(run.RunArgs, ns), contenders, bench_argv),
        "all": lambda: all_command.run_all(typed(all_command.AllArgs, ns), contenders, bench_argv),
        "env": lambda: envs.run(typed(envs.EnvArgs, ns), bench_argv),
        "learner": lambda: learner.run(typed(learner.LearnerArgs, ns), bench_argv),
        "parity": lambda: parity.parity(typed(parity.ParityArgs, ns), bench_argv),
        "loc": lambda: code.loc(ns.store, bench_argv),
        "code": lambda: code.code(typed(code.CodeArgs, ns), bench_argv),
        "report": lambda: report.report(typed(report.ReportArgs, ns)),
        "campaign": lambda: campaign.campaign(typed(campaign.CampaignArgs, ns), contenders, bench_argv),
    }
    try:
        return commands[ns.command]()
    except KeyboardInterrupt:
        rerun = shlex.join(["python", "-m", "bench", *bench_argv])
        print(f"\ninterrupted: finished runs are in the store; rerun `{rerun}` to resume", file=sys.stderr)
        return EXIT_INTERRUPTED
