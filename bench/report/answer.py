"""The view model of the report's opening panel: per hardware group the matrix cells, ratios and curves.

Plain dataclasses of numbers, names and verdict codes; no HTML and no sentences (those live in
`templates/answer.html.j2`), so every wording change is a template change. `answer_figures` draws from it.
"""

from __future__ import annotations

import math
import re
import statistics
from dataclasses import dataclass, replace

from bench.report.data import (
    LOCAL_SOURCE,
    GroupKey,
    Run,
    Store,
    by_contender,
    group_runs,
    latest_code_metrics,
    source_label,
)
from bench.report.debate import (
    CLAIM_TOLERANCE,
    CLAIMED_SHORTER,
    LITTLE_SPEEDUP,
    code_length,
    structural_metrics,
)
from bench.report.field_code import field_rows, pair_ratios
from bench.report.matrix import MATRIX, MATRIX_LEARNERS, MATRIX_SIMULATORS, matrix_cells, shown_rows
from bench.report.plots import color
from bench.report.stats import MIN_RUNS_FOR_CI, NO_DIFFERENCE, Estimate, verdict
from bench.report.tables import Summary, paired_ratio, summarize
from shared_spec.tasks import get_task


@dataclass(frozen=True)
class Cell:
    """One framework x simulator cell: its contender and steady SPS over ok runs (None: not measured)."""

    contender: str
    learner: str
    simulator: str
    color: str
    sps: Estimate | None
    sps_runs: tuple[float, ...] = ()


@dataclass(frozen=True)
class PairRatio:
    """JAX over one PyTorch row on one simulator: steady SPS ratio over pairs of runs (same seed)."""

    simulator: str
    left: str
    right: str
    left_learner: str
    right_learner: str
    ratio: Estimate | None
    """Over pairs of runs (`tables.paired_ratio`); None when no seed has an ok run of both."""
    band: float | None
    """The group's noise band of steady SPS (`Summary.band`), the margin a verdict must clear."""
    verdict: str | None
    """`stats.verdict`'s decision as a code: "faster", "slower", "no_difference"; None: figures only."""
    beyond_little: bool | None
    """With a verdict: True when the whole interval lies beyond LITTLE_SPEEDUP either way, False when wholly
    within it, None when the interval straddles it (or without a verdict)."""


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
class Caption:
    """The one line every panel carries: hardware, preset, task, n and code version."""

    hardware: str
    """As `data.hardware_label` says it: what was used ("GPU requested but absent" only when asked for)."""
    source: str
    """`data.source_label`: "local", or "published, <card>, <date>"."""
    published: bool
    preset: str
    task: str
    code_version: str
    n_min: int
    n_max: int
    """Ok runs per contender, smallest and largest."""
    failed: int


@dataclass(frozen=True)
class GroupPanel:
    """One hardware group's panel: the matrix chart, the ratios, the time-to-threshold curves."""

    slug: str
    caption: Caption
    learners: tuple[str, ...]
    simulators: tuple[str, ...]
    cells: tuple[tuple[Cell, ...], ...]
    """cells[row][column], rows `learners` (the shown ones), columns `simulators`."""
    ratios: tuple[PairRatio, ...]
    curves: tuple[Curve, ...]
    threshold: float | None
    first_results: tuple[FirstResult, ...]


@dataclass(frozen=True)
class CodeLength:
    """SLOC of the two cores and whether the measured difference is within CLAIM_TOLERANCE of the claim."""

    jax_sloc: float
    torch_sloc: float
    percent_shorter: float
    consistent: bool
    claimed: float = CLAIMED_SHORTER
    tolerance: float = CLAIM_TOLERANCE


@dataclass(frozen=True)
class Readability:
    """Structural proxies (name, JAX, PyTorch) and on how many the JAX side is higher or lower."""

    metrics: tuple[tuple[str, float, float], ...]
    jax_higher: int
    jax_lower: int


@dataclass(frozen=True)
class FieldRatio:
    """One independent pair's JAX / PyTorch ratio of a code metric (bench code, pinned versions)."""

    pair: str
    ratio: float


@dataclass(frozen=True)
class AnswerModel:
    panels: tuple[GroupPanel, ...]
    code_length: CodeLength | None
    readability: Readability | None
    field_sloc: tuple[FieldRatio, ...] = ()
    field_vocabulary: tuple[FieldRatio, ...] = ()
    little_speedup: float = LITTLE_SPEEDUP
    min_runs_for_ci: int = MIN_RUNS_FOR_CI


VERDICT_CODES = {"faster": "faster", "slower": "slower", NO_DIFFERENCE: "no_difference"}


def beyond_little(ratio: Estimate | None) -> bool | None:
    """True: the interval lies wholly beyond LITTLE_SPEEDUP either way; False: wholly within; None: neither."""
    if ratio is None or ratio.low is None or ratio.high is None:
        return None
    if ratio.low > LITTLE_SPEEDUP or ratio.high < 1 / LITTLE_SPEEDUP:
        return True
    if 1 / LITTLE_SPEEDUP <= ratio.low and ratio.high <= LITTLE_SPEEDUP:
        return False
    return None


def slug(key: GroupKey) -> str:
    """A file name for the group's figure: source, hardware, preset, task and code version, lower-case."""
    source, hardware, preset, task, _spec, code = key
    text = "-".join((source, hardware.split("(")[0], preset, task, code[:8]))
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def caption_of(key: GroupKey, summaries: list[Summary]) -> Caption:
    counts = [s.ok_runs for s in summaries if s.ok_runs] or [0]
    return Caption(
        hardware=key[1],
        source=source_label(key[0], key[1]),
        published=key[0] != LOCAL_SOURCE,
        preset=key[2],
        task=key[3],
        code_version=key[5],
        n_min=min(counts),
        n_max=max(counts),
        failed=sum(s.failed_runs for s in summaries),
    )


def cells_and_ratios(
    summaries: list[Summary],
) -> tuple[tuple[str, ...], tuple[tuple[Cell, ...], ...], tuple[PairRatio, ...]]:
    """The shown matrix rows, their cells, and JAX against each other shown row on each simulator."""
    layout = matrix_cells(summaries)
    rows = shown_rows(layout)
    cells = tuple(
        tuple(
            Cell(
                name,
                MATRIX_LEARNERS[row],
                MATRIX_SIMULATORS[col],
                color(name),
                summary.sps if summary else None,
                summary.sps_values if summary else (),
            )
            for col, (name, summary) in enumerate(zip(MATRIX[row], layout[row], strict=True))
        )
        for row in rows
    )
    ratios = []
    for row in rows[1:]:
        for col, simulator in enumerate(MATRIX_SIMULATORS):
            jax, torch = layout[0][col], layout[row][col]
            ratio = paired_ratio(jax, torch, "sps") if jax and torch else None
            band = jax.band("sps") if jax else None
            word = verdict(ratio, band)
            ratios.append(
                PairRatio(
                    simulator,
                    MATRIX[0][col],
                    MATRIX[row][col],
                    MATRIX_LEARNERS[0],
                    MATRIX_LEARNERS[row],
                    ratio,
                    band,
                    VERDICT_CODES[word] if word else None,
                    beyond_little(ratio) if word else None,
                )
            )
    return tuple(MATRIX_LEARNERS[row] for row in rows), cells, tuple(ratios)


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


def threshold_of(task: str) -> float | None:
    try:
        return get_task(task).return_threshold
    except Exception:  # a task name from an old record: no threshold line
        return None


def group_panel(key: GroupKey, runs: list[Run], summaries: list[Summary]) -> GroupPanel:
    learners, cells, ratios = cells_and_ratios(summaries)
    return GroupPanel(
        slug=slug(key),
        caption=caption_of(key, summaries),
        learners=learners,
        simulators=MATRIX_SIMULATORS,
        cells=cells,
        ratios=ratios,
        curves=curves_of(runs),
        threshold=threshold_of(key[3]),
        first_results=tuple(first_result(s, runs) for s in summaries if s.ok_runs),
    )


def code_claims(store: Store) -> tuple[CodeLength | None, Readability | None]:
    """SLOC of the two cores and the structural proxies, from the latest code_metrics records (as the debate)."""
    records = latest_code_metrics(store)
    measured = code_length(records)
    length = None if measured is None else CodeLength(measured[0], measured[1], measured[2], measured[4])
    metrics = structural_metrics(records)
    readability = (
        Readability(tuple(metrics), sum(a > b for _, a, b in metrics), sum(a < b for _, a, b in metrics))
        if metrics
        else None
    )
    return length, readability


def field_claims(store: Store) -> tuple[tuple[FieldRatio, ...], tuple[FieldRatio, ...]]:
    """The independent pairs' JAX / PyTorch SLOC and framework-vocabulary ratios (this project left out)."""
    ratios = [r for r in pair_ratios(field_rows(store)[0]) if not r["project"]]
    return tuple(
        tuple(FieldRatio(r["pair"], r[key]) for r in ratios if r[key] is not None)
        for key in ("sloc", "vocabulary")
    )


def answer_model(store: Store, seed: int = 0) -> AnswerModel:
    """Panels of every group with runs: local groups first, then published ones, newest source first; within a
    source the groups with a JAX-on-Brax run first (the pair most readers ask about), then the newest."""
    groups = group_runs(store.runs)
    newest: dict[str, float] = {}
    for key, runs in groups.items():
        newest[key[0]] = max(newest.get(key[0], -math.inf), *(r.started for r in runs))

    def order(key: GroupKey) -> tuple[bool, float, str, bool, float]:
        without_jax = not any(r.contender == MATRIX[0][0] and r.ok for r in groups[key])
        return (
            key[0] != LOCAL_SOURCE,
            -newest[key[0]],
            key[0],
            without_jax,
            -max(r.started for r in groups[key]),
        )

    panels: list[GroupPanel] = []
    for key in sorted(groups, key=order):
        summaries = summarize(groups[key], seed)
        if any(s.ok_runs for s in summaries):
            panel = group_panel(key, groups[key], summaries)
            taken = sum(p.slug == panel.slug or p.slug.startswith(panel.slug + "--") for p in panels)
            panels.append(replace(panel, slug=f"{panel.slug}--{taken}") if taken else panel)
    length, readability = code_claims(store)
    return AnswerModel(tuple(panels), length, readability, *field_claims(store))
