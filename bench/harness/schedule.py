"""What a sweep runs: each (contender, seed) as a `ScheduledRun`, in interleaved rounds, and what they share.

Round r runs seed r of every contender, the order rotating, so a slow hour of the machine falls on every
contender alike. Data only: `records.execute` runs one, `sweep` runs them all.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench.harness.code_version import code_version
from bench.harness.contenders import Contender, build_argv
from shared_spec.spec import PPOSpec

RunKey = tuple[str, str, int, int, str]
"""(spec_hash, contender, seed, num_seeds, code_version)."""


@dataclass(frozen=True)
class ScheduledRun:
    """One child process to start."""

    contender: Contender
    seed: int
    num_seeds: int
    argv: list[str]
    log_path: Path
    code_version: str
    """Hash of the files this run can execute (bench.harness.code_version)."""
    position_in_round: int = 0
    """Its place in its round (round r runs seed r of every contender)."""

    def key(self, spec_hash: str) -> RunKey:
        return (spec_hash, self.contender.name, self.seed, self.num_seeds, self.code_version)


@dataclass(frozen=True)
class RunContext:
    """What every run of one sweep shares: the spec, its preset name, the device, the bench command line."""

    spec: PPOSpec
    preset: str
    device: dict[str, Any]
    bench_argv: list[str] | None = None
    timeout_s: float | None = None
    """A tighter limit than spec.run_timeout_s (a campaign's budget), or None."""
    memory_limit_mb: float | None = None
    """Each run's memory cap; None: the default of the machine that runs it (runner.default_memory_limit_mb)."""
    sweep_point: dict[str, Any] | None = None
    """Where the runs sit in a scale sweep (`bench scale`), stored in each record so the report can group them."""


def schedule_runs(
    contenders: Sequence[Contender],
    seeds: int,
    preset: str,
    overrides: Sequence[str],
    spec: PPOSpec,
    logs_dir: Path,
    first_seed: int = 0,
) -> list[ScheduledRun]:
    """Seeds first_seed .. first_seed+seeds-1, round by round: round r is seed r of every contender, in the
    contenders' order rotated by r; a vmapped contender is one run of all seeds, in the first round."""
    versions = {c.name: code_version(c) for c in contenders}
    runs = []
    for seed in range(first_seed, first_seed + seeds):
        shift = seed % len(contenders)
        in_round = [
            c for c in [*contenders[shift:], *contenders[:shift]] if seed == first_seed or not c.vmap_seeds
        ]
        for position, contender in enumerate(in_round):
            num_seeds = seeds if contender.vmap_seeds else 1
            argv = build_argv(contender, preset, seed, overrides, num_seeds)
            log = logs_dir / f"{contender.name}-{preset}-{spec.spec_hash()}-seed{seed}.log"
            runs.append(
                ScheduledRun(contender, seed, num_seeds, argv, log, versions[contender.name], position)
            )
    return runs
