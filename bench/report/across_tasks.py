"""Across tasks: one number per contender over several tasks, rliable's way (normalized scores, IQM, stratified CI).

Per task, a final return means little next to another task's; divided by the task's return threshold (the
registry's `return_threshold`: 1.0 = reached) the tasks share a scale. Runs are pooled only within one
source, hardware, preset and code version, and only for a contender with ok runs on at least two tasks; the
tasks are named beside every figure, with n.
"""

from __future__ import annotations

from collections import defaultdict
from html import escape

import pandas as pd

from bench.report.data import GroupKey, Run, by_contender
from bench.report.stats import stratified_iqm_estimate
from bench.report.tables import fmt_estimate, frame_html
from shared_spec.tasks import TASKS, get_task

BucketKey = tuple[str, str, str, str]
"""(source, hardware, preset, code_version): what the pooled runs share."""


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


def across_tasks_section(groups: dict[GroupKey, list[Run]], seed: int = 0) -> tuple[str, str, str]:
    """The across-task table per bucket with two or more tasks, or 'not measured'."""
    intro = (
        '<p class="note">Final return divided by each task\'s return threshold (1.0 = threshold reached), '
        "pooled over every run of every task named: interquartile mean with a 95% stratified bootstrap CI "
        "(runs resampled within each task; rliable's method). Only within one source, hardware, preset and "
        "code version, and only for contenders with ok runs on two or more tasks.</p>"
    )
    body = ""
    for (source, hardware, preset, code), contenders in normalized_scores(groups).items():
        rows = [
            {
                "contender": contender,
                "tasks": ", ".join(sorted(by_task)),
                "runs per task": ", ".join(f"{task} {len(v)}" for task, v in sorted(by_task.items())),
                "normalized final return": fmt_estimate(stratified_iqm_estimate(by_task, seed)),
            }
            for contender, by_task in contenders.items()
            if len(by_task) >= 2
        ]
        if rows:
            caption = f"Across tasks · {hardware}, preset {preset}, {source}, code {code}"
            body += f"<h3>{escape(caption)}</h3>" + frame_html(pd.DataFrame(rows), "across-tasks", caption)
    if not body:
        body = (
            '<p class="note">Not measured: no contender has ok runs on two or more tasks within one source, '
            "hardware, preset and code version.</p>"
        )
    return "across-tasks", "Across tasks", intro + body
