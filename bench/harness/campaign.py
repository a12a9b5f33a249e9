"""A bench campaign: every planned (contender, seed) run, one after another, with resume and progress.

Runs are sequential so timings never share a device, and interleaved: round r runs seed r of every contender,
the order rotating, so a slow hour of the machine falls on every contender alike. A run recorded `ok` for the
same spec hash, contender, seed, seed count and code version is skipped unless `force`; a failed run is
recorded and the campaign goes on.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tqdm import tqdm

from bench.harness.code_version import code_version
from bench.harness.contenders import Contender, build_argv
from bench.harness.records import run_record
from bench.harness.runner import default_memory_limit_mb, run_child
from bench.harness.store import append_record, read_records
from shared_spec.spec import PPOSpec

RunKey = tuple[str, str, int, int, str]
"""(spec_hash, contender, seed, num_seeds, code_version)."""


@dataclass(frozen=True)
class PlannedRun:
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


def plan_runs(
    contenders: Sequence[Contender],
    seeds: int,
    preset: str,
    overrides: Sequence[str],
    spec: PPOSpec,
    logs_dir: Path,
    first_seed: int = 0,
) -> list[PlannedRun]:
    """Seeds first_seed .. first_seed+seeds-1, round by round: round r is seed r of every contender, in the
    contenders' order rotated by r; a vmapped contender is one run of all seeds, in the first round."""
    versions = {c.name: code_version(c) for c in contenders}
    plan = []
    for seed in range(first_seed, first_seed + seeds):
        shift = seed % len(contenders)
        in_round = [
            c for c in [*contenders[shift:], *contenders[:shift]] if seed == first_seed or not c.vmap_seeds
        ]
        for position, contender in enumerate(in_round):
            num_seeds = seeds if contender.vmap_seeds else 1
            argv = build_argv(contender, preset, seed, overrides, num_seeds)
            log = logs_dir / f"{contender.name}-{preset}-{spec.spec_hash()}-seed{seed}.log"
            plan.append(PlannedRun(contender, seed, num_seeds, argv, log, versions[contender.name], position))
    return plan


def recorded_ok(store: Path) -> set[RunKey]:
    """Keys of the `ok` run records already in the store (unreadable lines are reported and skipped)."""
    runs = [r for r in read_records(store, record_type="run") if r.get("status") == "ok"]
    keys = ("spec_hash", "contender", "seed")
    return {(*(r.get(k) for k in keys), r.get("num_seeds") or 1, r.get("code_version")) for r in runs}  # type: ignore[misc]


class Progress:
    """One line per run start and finish with an ETA from the finished runs; a tqdm bar on a terminal only."""

    def __init__(self, total: int) -> None:
        self.total, self.done, self.durations = total, 0, []
        self.bar = (
            tqdm(total=total, unit="run", file=sys.stderr, leave=False) if sys.stderr.isatty() else None
        )

    def _say(self, line: str) -> None:
        (self.bar.write if self.bar is not None else print)(line, file=sys.stderr)  # type: ignore[operator]

    def _eta(self) -> str:
        """The mean duration of the finished runs times the runs left."""
        if not self.durations:
            return "ETA unknown"
        return f"ETA {sum(self.durations) / len(self.durations) * (self.total - self.done) / 60:.1f} min"

    def start(self, run: PlannedRun) -> None:
        self._say(
            f"[{self.done + 1}/{self.total}] start  {run.contender.name} seed {run.seed}  ({self._eta()})"
        )

    def skip(self, run: PlannedRun) -> None:
        self.total -= 1
        self._say(f"[skip] {run.contender.name} seed {run.seed}: already recorded ok (--force reruns)")
        if self.bar is not None:
            self.bar.total = self.total
            self.bar.refresh()

    def finish(self, run: PlannedRun, record: dict[str, Any]) -> None:
        self.done += 1
        self.durations.append(record["harness_wall_s"])
        error = f"  {record['error']}" if record.get("error") else ""
        error += f"  LOADED: {record['loaded_reason']}" if record.get("loaded") else ""
        self._say(
            f"[{self.done}/{self.total}] finish {run.contender.name} seed {run.seed}: {record['status']} in "
            f"{record['harness_wall_s']:.1f} s, peak RSS {record['peak_rss_mb']:.0f} MB  ({self._eta()}){error}"
        )
        if self.bar is not None:
            self.bar.update(1)


@dataclass(frozen=True)
class RunContext:
    """What every run of one campaign shares: the spec, its preset name, the device, the bench command line."""

    spec: PPOSpec
    preset: str
    device: dict[str, Any]
    bench_argv: list[str] | None = None
    timeout_s: float | None = None
    """A tighter limit than spec.run_timeout_s (a campaign's budget), or None."""
    memory_limit_mb: float | None = None
    """Each run's memory cap; None: the default of the machine that runs it (runner.default_memory_limit_mb)."""

    def execute(self, run: PlannedRun) -> dict[str, Any]:
        """One planned run in its own child process on this machine: its record (the caller stores it). A Ray
        task runs this same method, so provenance (hostname, hardware, load) is the machine's that ran it."""
        started, load_before = time.time(), os.getloadavg()[0]
        timeout_s = min(self.spec.run_timeout_s, self.timeout_s or self.spec.run_timeout_s)
        memory_mb = self.memory_limit_mb or default_memory_limit_mb()
        outcome = run_child(run.argv, timeout_s, run.log_path, trace_modules=True, memory_limit_mb=memory_mb)
        record = run_record(self, run, outcome, timeout_s)
        # Other work on the machine skews timings; the 1-minute load average around the run shows it.
        load = {"start": round(load_before, 2), "end": round(os.getloadavg()[0], 2)}
        record["provenance"].update(started_unix=started, load_avg_1m=load)
        return record


def run_locally(
    todo: Sequence[PlannedRun], context: RunContext, progress: Progress
) -> Iterator[tuple[PlannedRun, dict[str, Any]]]:
    """The local executor: one run at a time on this machine, in plan order."""
    for run in todo:
        progress.start(run)
        yield run, context.execute(run)


def run_campaign(
    plan: Sequence[PlannedRun],
    context: RunContext,
    *,
    store: Path,
    force: bool,
    executor: str = "local",
    address: str | None = None,
) -> list[dict[str, Any]]:
    """Run every planned run not yet recorded ok, here one by one or on a Ray cluster (`executor` "ray", one
    timed run per node at a time); append each record to `store` on this machine as it comes; return them."""
    done = set() if force else recorded_ok(store)
    todo = [run for run in plan if run.key(context.spec.spec_hash()) not in done]
    progress = Progress(len(plan))
    for run in plan:
        if run not in todo:
            progress.skip(run)
    if executor == "ray":
        from bench.harness.ray_executor import run_on_ray

        results = run_on_ray(todo, context, progress, address)
    else:
        results = run_locally(todo, context, progress)
    records = []
    try:
        for run, record in results:
            append_record(record, store)
            records.append(record)
            progress.finish(run, record)
    finally:
        if progress.bar is not None:
            progress.bar.close()
    return records
