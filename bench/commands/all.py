"""`python -m bench all` (`make bench`): the main contenders, then the controls and the env parity check, code
metrics (this pair's and the field's) and the report; prints the total wall time; non-zero if anything failed."""

from __future__ import annotations

import dataclasses
import sys
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from bench.commands import code, envs, learner, report, run
from bench.commands.common import EXIT_RUN_FAILED, flag, split
from bench.harness.contenders import CONTROL_CONTENDERS, FIELD_PAIRS_IN_BENCH, REFERENCES, Contender
from bench.harness.devices import DeviceChoice
from bench.harness.env_parity import check_and_store
from bench.metrics.field_code import DEFAULT_CACHE
from bench.report import DEFAULT_OUT
from shared_spec.exit_codes import EXIT_OK, EXIT_UNAVAILABLE


@dataclass(frozen=True)
class AllArgs(run.RunArgs):
    seeds: int = flag(5, "seeds 0..N-1 of each contender")  # 5: the fewest the report puts an interval on
    out: Path = flag(DEFAULT_OUT, "report path")
    no_controls: bool = flag(False, "skip the control contenders (1 seed each), the env parity check and the "
                             "short env-only and learner-only sweeps")  # fmt: skip
    cache: Path = flag(DEFAULT_CACHE, "field code archives (bench code)")


def run_all(args: AllArgs, table: Mapping[str, Contender], bench_argv: list[str]) -> int:
    """run, controls (unless `no_controls`), code (the field's part not fatal offline), report; the worst
    status of them."""
    start = time.monotonic()
    device = run.choose_device(args)  # once: on a GPU host each choice probes both frameworks
    try:
        statuses = [run_main_with_references(args, table, bench_argv, device)]
        if not args.no_controls:
            # The controls with one seed; the third-party pairs with the main seeds where they fit `make
            # bench`'s time, else one seed (FIELD_PAIRS_IN_BENCH).
            side = [(CONTROL_CONTENDERS, 1)]
            side += [(pair, args.seeds if all_seeds else 1) for pair, all_seeds in FIELD_PAIRS_IN_BENCH]
            statuses += [
                run_side_contenders(args, table, bench_argv, names, seeds, device) for names, seeds in side
            ]
            statuses.append(run_quick_controls(args, bench_argv, device))
        code.code(code.CodeArgs(cache=args.cache, store=args.store), bench_argv, not_fatal=True)
        statuses.append(report.report(report.ReportArgs(args.store, args.out)))
    finally:
        print(f"bench all: total wall time {time.monotonic() - start:.0f} s", file=sys.stderr)
    return max(statuses)


def with_references(contenders: str, table: Mapping[str, Contender]) -> tuple[str, list[str]]:
    """`contenders` plus each listed contender's reference (REFERENCES) that the table knows; the added names."""
    names = split(contenders)
    added = [REFERENCES[n] for n in names if n in REFERENCES and REFERENCES[n] in table]
    added = [name for name in dict.fromkeys(added) if name not in names]
    return ",".join([*names, *added]), added


def run_main_with_references(
    args: AllArgs, table: Mapping[str, Contender], bench_argv: list[str], device: DeviceChoice
) -> int:
    """The main contenders and their references (fairness rule 3) in the same interleaved rounds, every seed.

    A reference unavailable here (EXIT_UNAVAILABLE: brax-ppo on a JAX too new for brax.training) is recorded
    with its reason and does not fail `make bench`; any other failure does.
    """
    contenders, references = with_references(args.contenders, table)
    if references:
        print(
            f"bench all: with each side's reference (fairness rule 3): {', '.join(references)}",
            file=sys.stderr,
        )
    main = dataclasses.replace(args, contenders=contenders)
    return run.run(main, table, bench_argv, device, tolerate_unavailable=references)


def run_side_contenders(
    args: AllArgs,
    table: Mapping[str, Contender],
    bench_argv: list[str],
    names: tuple[str, ...],
    seeds: int,
    device: DeviceChoice,
) -> int:
    """`names` on the same preset with `seeds` seeds; a contender unavailable here (EXIT_UNAVAILABLE, e.g.
    brax-ppo on a JAX too new for brax.training, or a field library not installed) is recorded as failed with
    its reason but does not fail `make bench`."""
    names = tuple(name for name in names if name in table)
    if not names:
        return EXIT_OK
    print(f"bench all: {', '.join(names)} ({seeds} seed(s) each)", file=sys.stderr)
    records = run.run_contenders(
        dataclasses.replace(args, contenders=",".join(names), seeds=seeds), table, bench_argv, device
    )
    not_ok = [record for record in records if record["status"] != "ok"]
    for record in not_ok:
        if record.get("exit_code") == EXIT_UNAVAILABLE:
            print(f"bench all: {record['contender']} unavailable here (recorded): {record.get('error')}")
    return EXIT_RUN_FAILED if any(r.get("exit_code") != EXIT_UNAVAILABLE for r in not_ok) else EXIT_OK


def run_quick_controls(args: AllArgs, bench_argv: list[str], device: DeviceChoice) -> int:
    """The env parity check, then short control sweeps sized for `make bench` (full sweeps: `bench env` /
    `bench learner`)."""
    preset, spec, device = run.resolve(args, device)
    gpu = device.kind == "gpu"
    print(f"bench all: env parity check, quick controls for preset {preset} ({spec.task})", file=sys.stderr)
    parity_ok = check_and_store(args.store, args.logs_dir, bench_argv)
    env_args = envs.EnvArgs(
        task=spec.task, num_envs="1,64,1024,4096" if gpu else "1,16,256", brax_backends=spec.brax_backend,
        gym_modes="sync", budget_steps=100_000 if gpu else 10_000, store=args.store, logs_dir=args.logs_dir,
    )  # fmt: skip
    learner_args = learner.LearnerArgs(
        frameworks="jax-jit,torch-eager", preset=preset, batch_sizes="2048,8192,32768" if gpu else "512,2048,8192",
        hiddens="64x64", rounds=3, device=device.kind, store=args.store, logs_dir=args.logs_dir,
    )  # fmt: skip
    statuses = [envs.run(env_args, bench_argv, device), learner.run(learner_args, bench_argv, device)]
    return max([*statuses, EXIT_OK if parity_ok else EXIT_RUN_FAILED])
