"""A sweep: every scheduled (contender, seed) run, one after another (or on Ray), with resume and progress.

Runs are sequential so timings never share a device, in `schedule`'s interleaved order. A run recorded `ok` for
the same spec hash, contender, seed, seed count and code version is skipped unless `force`; a failed run is
recorded and the sweep goes on.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from tqdm import tqdm

from bench.harness.records import execute
from bench.harness.schedule import RunContext, RunKey, ScheduledRun
from bench.harness.store import append_record, read_records


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

    def start(self, run: ScheduledRun) -> None:
        self._say(
            f"[{self.done + 1}/{self.total}] start  {run.contender.name} seed {run.seed}  ({self._eta()})"
        )

    def skip(self, run: ScheduledRun) -> None:
        self.total -= 1
        self._say(f"[skip] {run.contender.name} seed {run.seed}: already recorded ok (--force reruns)")
        if self.bar is not None:
            self.bar.total = self.total
            self.bar.refresh()

    def finish(self, run: ScheduledRun, record: dict[str, Any]) -> None:
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


def run_locally(
    todo: Sequence[ScheduledRun], context: RunContext, progress: Progress
) -> Iterator[tuple[ScheduledRun, dict[str, Any]]]:
    """The local executor: one run at a time on this machine, in schedule order."""
    for run in todo:
        progress.start(run)
        yield run, execute(context, run)


def run_sweep(
    runs: Sequence[ScheduledRun],
    context: RunContext,
    *,
    store: Path,
    force: bool,
    executor: str = "local",
    address: str | None = None,
) -> list[dict[str, Any]]:
    """Run every scheduled run not yet recorded ok, here one by one or on a Ray cluster (`executor` "ray", one
    timed run per node at a time); append each record to `store` on this machine as it comes; return them."""
    done = set() if force else recorded_ok(store)
    todo = [run for run in runs if run.key(context.spec.spec_hash()) not in done]
    progress = Progress(len(runs))
    for run in runs:
        if run not in todo:
            progress.skip(run)
    if executor == "ray":
        from bench.harness.ray_executor import run_on_ray

        results = run_on_ray(todo, context, progress.start, address)
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
