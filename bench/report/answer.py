"""The view model of the report's opening panel: per hardware group the matrix cells, ratios and curves.

Plain dataclasses of numbers, names and verdict codes; no HTML and no sentences (those live in
`templates/answer.html.j2`), so every wording change is a template change. `answer_figures` draws from it.
"""

from __future__ import annotations

import math
import re
import statistics
from dataclasses import dataclass, fields, replace

from bench.report.data import LOCAL_SOURCE, GroupKey, Run, by_contender
from bench.report.debate import CodeLength, FieldRatio, Readability
from bench.report.matrix import LITTLE_SPEEDUP, Caption, Cell, MatrixView, PairRatio
from bench.report.model import Group, ReportModel
from bench.report.plots import color
from bench.report.scale import Family
from bench.report.settings import COMPARISONS, MATRIX
from bench.report.stats import MIN_RUNS_FOR_CI, Estimate, verdict
from bench.report.tables import Summary, pair_band, paired_ratio

__all__ = ["AnswerModel", "Caption", "Cell", "GroupPanel", "PairRatio", "answer_model", "group_panel"]


@dataclass(frozen=True)
class Curve:
    """One run's evaluation return against wall-clock seconds since its process started."""

    contender: str
    color: str
    seed: str
    seconds: tuple[float, ...]
    returns: tuple[float, ...]


@dataclass(frozen=True)
class FirstResult:
    """How soon a contender has something: end of the first update, and time to the task's threshold."""

    contender: str
    color: str
    first_update_s: float | None
    """Median over the cold-start ok runs."""
    threshold_s: float | None
    """Median over the cold-start runs that reached the threshold."""
    reached: int
    runs: int
    """Cold-start runs, failed ones included (warm-cache runs are left out of wall-clock figures)."""
    warm: int
    """Ok runs that started with a warm compilation cache."""


@dataclass(frozen=True)
class ReferenceCheck:
    """Fairness rule 3 on one group's hardware: a side against its camp's own PPO, paired steady SPS."""

    side: str
    reference: str
    ratio: Estimate | None
    """side / reference steady SPS over seed pairs (the report's one pairing rule); None without a pair."""
    band: float | None
    verdict: str | None
    """"faster", "slower", "no_difference", or None (figures only)."""


@dataclass(frozen=True)
class GroupPanel(MatrixView):
    """One hardware group's panel: its matrix (drawn as a chart), time-to-threshold curves, first results and
    each side against its reference."""

    slug: str
    curves: tuple[Curve, ...]
    threshold: float | None
    first_results: tuple[FirstResult, ...]
    references: tuple[ReferenceCheck, ...] = ()


@dataclass(frozen=True)
class AnswerModel:
    panels: tuple[GroupPanel, ...]
    code_length: CodeLength | None
    readability: Readability | None
    field_sloc: tuple[FieldRatio, ...] = ()
    field_vocabulary: tuple[FieldRatio, ...] = ()
    field_concepts: tuple[FieldRatio, ...] = ()
    scale: tuple[Family, ...] = ()
    """The scale sweeps: the speed claim as a function of num_envs."""
    little_speedup: float = LITTLE_SPEEDUP
    min_runs_for_ci: int = MIN_RUNS_FOR_CI


def slug(key: GroupKey) -> str:
    """A file name for the group's figure: source, hardware, preset, task and code version, lower-case."""
    source, hardware, preset, task, _spec, code = key
    text = "-".join((source, hardware.split("(")[0], preset, task, code[:8]))
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def curves_of(runs: list[Run]) -> tuple[Curve, ...]:
    """Every ok run's (wall seconds, return) curve, in contender order, then seed order."""
    return tuple(
        Curve(name, color(name), str(run.seed), tuple(p[1] for p in points), tuple(p[2] for p in points))
        for name, group in by_contender(runs).items()
        for run in sorted(group, key=lambda r: str(r.seed).zfill(6))
        if run.ok and (points := run.curve())
    )


def first_result(summary: Summary, runs: list[Run]) -> FirstResult:
    """Medians over the contender's cold-start ok runs, so first update and threshold are read alike."""
    cold = [
        r.metric("first_update_s")
        for r in runs
        if r.contender == summary.contender and r.ok and not r.warm_cache
    ]
    first_updates = [value for value in cold if value is not None]
    return FirstResult(
        summary.contender,
        color(summary.contender),
        statistics.median(first_updates) if first_updates else None,
        summary.tt_threshold_median,
        summary.tt_reached,
        summary.ok_runs - summary.warm_runs + summary.failed_runs,
        summary.warm_runs,
    )


def reference_checks(summaries: list[Summary]) -> tuple[ReferenceCheck, ...]:
    """Every "reference" comparison of the settings whose two contenders both have ok runs in the group."""
    by_name = {s.contender: s for s in summaries if s.ok_runs}
    checks = []
    for comparison in COMPARISONS:
        side, reference = by_name.get(comparison.left), by_name.get(comparison.right)
        if comparison.question != "reference" or side is None or reference is None:
            continue
        ratio, band = paired_ratio(side, reference, "sps"), pair_band(side, reference, "sps")
        checks.append(ReferenceCheck(side.contender, reference.contender, ratio, band, verdict(ratio, band)))
    return tuple(checks)


def group_panel(group: Group) -> GroupPanel:
    return GroupPanel(
        **{f.name: getattr(group.matrix, f.name) for f in fields(MatrixView)},
        slug=slug(group.key),
        curves=curves_of(group.runs),
        threshold=group.threshold,
        first_results=tuple(first_result(s, group.runs) for s in group.summaries if s.ok_runs),
        references=reference_checks(group.summaries),
    )


def answer_model(model: ReportModel) -> AnswerModel:
    """Panels of every group with runs: local groups first, then published ones, newest source first; within a
    source the groups with a JAX-on-Brax run first (the pair most readers ask about), then the newest."""
    newest: dict[str, float] = {}
    for g in model.groups:
        newest[g.key[0]] = max(newest.get(g.key[0], -math.inf), *(r.started for r in g.runs))

    def order(g: Group) -> tuple[bool, float, str, bool, float]:
        without_jax = not any(r.contender == MATRIX[0][0] and r.ok for r in g.runs)
        source = g.key[0]
        return (source != LOCAL_SOURCE, -newest[source], source, without_jax, -max(r.started for r in g.runs))

    panels: list[GroupPanel] = []
    for g in sorted(model.groups, key=order):
        if any(s.ok_runs for s in g.summaries):
            panel = group_panel(g)
            taken = sum(p.slug == panel.slug or p.slug.startswith(panel.slug + "--") for p in panels)
            panels.append(replace(panel, slug=f"{panel.slug}--{taken}") if taken else panel)
    code = model.code
    field = code.field.pairs
    return AnswerModel(
        tuple(panels),
        code.length,
        code.readability,
        field["sloc"],
        field["vocabulary"],
        field["concepts"],
        model.scale,
    )
