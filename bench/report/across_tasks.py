"""Across tasks: one number per contender over several tasks, rliable's way (normalized scores, IQM, stratified CI).

Per task, a final return means little next to another task's; divided by the task's return threshold (the
registry's `return_threshold`: 1.0 = reached) the tasks share a scale. Runs are pooled only within one
source, hardware, preset and code version, and only for a contender with ok runs on at least two tasks; the
tasks are named beside every figure, with n.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from bench.report.data import GroupKey, Run, by_contender
from bench.report.render import Section, Table, section
from bench.report.stats import stratified_iqm_estimate
from bench.report.tables import fmt_estimate
from shared_spec.tasks import TASKS, get_task

BucketKey = tuple[str, str, str, str]
"""(source, hardware, preset, code_version): what the pooled runs share."""


@dataclass(frozen=True)
class Bucket:
    source: str
    hardware: str
    preset: str
    code_version: str
    table: Table
    """Per contender: its tasks, runs per task and the normalized final return's IQM with its interval."""


def normalized_scores(
    groups: dict[GroupKey, list[Run]],
) -> dict[BucketKey, dict[str, dict[str, list[float]]]]:
    """bucket -> contender -> task -> final returns / the task's return threshold (ok runs only)."""
    buckets: dict[BucketKey, dict[str, dict[str, list[float]]]] = defaultdict(lambda: defaultdict(dict))
    for (source, hardware, preset, task, _spec, code), runs in groups.items():
        if task not in TASKS:  # a record without a registered task has no threshold to normalize by
            continue
        threshold = get_task(task).return_threshold
        for contender, contender_runs in by_contender(runs).items():
            scores = [value / threshold for run in contender_runs if run.ok for value in run.final_returns()]
            if scores:
                buckets[(source, hardware, preset, code)][contender].setdefault(task, []).extend(scores)
    return buckets


def across_tasks_model(groups: dict[GroupKey, list[Run]], seed: int = 0) -> tuple[Bucket, ...]:
    """One table per bucket holding a contender with ok runs on two or more tasks."""
    out = []
    for key, contenders in normalized_scores(groups).items():
        rows = tuple(
            (
                contender,
                ", ".join(sorted(by_task)),
                ", ".join(f"{task} {len(v)}" for task, v in sorted(by_task.items())),
                fmt_estimate(stratified_iqm_estimate(by_task, seed)),
            )
            for contender, by_task in contenders.items()
            if len(by_task) >= 2
        )
        columns = ("contender", "tasks", "runs per task", "normalized final return")
        if rows:
            out.append(Bucket(*key, table=Table("", columns, rows, "across-tasks")))
    return tuple(out)


def across_tasks_section(groups: dict[GroupKey, list[Run]], seed: int = 0) -> Section:
    """The across-task tables, or 'not measured'."""
    return section("across-tasks", buckets=across_tasks_model(groups, seed))
