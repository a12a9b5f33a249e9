"""The view model of the report's opening panel: per hardware group the matrix cells, ratios and curves.

Plain dataclasses of numbers, names and verdict codes; no HTML and no sentences (those live in
`templates/answer.html.j2`), so every wording change is a template change. `answer_figures` draws from it.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, replace

import numpy as np
from scipy import stats as scipy_stats

from bench.report.data import (
    LOCAL_SOURCE,
    GroupKey,
    Run,
    Store,
    by_contender,
    group_runs,
    latest_code_metrics,
)
from bench.report.debate import CLAIM_TOLERANCE, CLAIMED_SHORTER, LITTLE_SPEEDUP, READABILITY_KEYS
from bench.report.matrix import MATRIX, MATRIX_LEARNERS, MATRIX_SIMULATORS, matrix_cells, shown_rows
from bench.report.plots import color
from bench.report.stats import CI_SIZE, MIN_RUNS_FOR_CI, Estimate
from bench.report.tables import Summary, summarize
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
    """None when no seed has an ok run of both."""
    verdict: str | None
    """"faster", "slower" or "similar" (within LITTLE_SPEEDUP) only when a 95% CI decides it; else None."""


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
    threshold_s: float | None
    """Median over the cold-start runs that reached the threshold."""
    reached: int
    runs: int
    """Cold-start runs, failed ones included (warm-cache runs are left out of wall-clock figures)."""


@dataclass(frozen=True)
class Device:
    """What the group ran on: `kind` "cpu" or "gpu"; `gpu_requested` only for a CPU run that asked for one."""

    kind: str
    model: str
    cores: int | None
    gpu_requested: bool


@dataclass(frozen=True)
class Caption:
    """The one line every panel carries: hardware, preset, task, n and code version."""

    device: Device
    published: bool
    dates: tuple[str, ...]
    """Days the runs ran (YYYY-MM-DD), sorted."""
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
class AnswerModel:
    panels: tuple[GroupPanel, ...]
    code_length: CodeLength | None
    readability: Readability | None
    little_speedup: float = LITTLE_SPEEDUP
    min_runs_for_ci: int = MIN_RUNS_FOR_CI


def paired_ratio(pairs: list[tuple[float, float]]) -> Estimate | None:
    """left / right over pairs of runs: the geometric mean of the per-pair ratios; one pair its ratio, fewer
    than MIN_RUNS_FOR_CI pairs the range of the ratios, from there a Student-t 95% CI on the log ratios.

    The one adapter to the report's ratio statistic: where `bench.report.stats` has a paired-ratio function,
    this body becomes a call to it. None when no pair has two positive values.
    """
    logs = np.array([math.log(a / b) for a, b in pairs if a > 0 and b > 0], dtype=float)
    if logs.size == 0:
        return None
    value = math.exp(float(logs.mean()))
    if logs.size == 1:
        return Estimate(value, None, None, 1, "single", "ratio")
    if logs.size < MIN_RUNS_FOR_CI:
        return Estimate(value, math.exp(logs.min()), math.exp(logs.max()), int(logs.size), "range", "ratio")
    half = scipy_stats.t.ppf((1 + CI_SIZE) / 2, logs.size - 1) * logs.std(ddof=1) / math.sqrt(logs.size)
    low, high = math.exp(logs.mean() - half), math.exp(logs.mean() + half)
    return Estimate(value, float(low), float(high), int(logs.size), "ci", "ratio")


def ratio_verdict(ratio: Estimate | None) -> str | None:
    """A verdict only from a 95% CI: wholly above LITTLE_SPEEDUP "faster", wholly below its inverse "slower",
    wholly inside the band "similar"; a range, a single ratio or a straddling CI: None (figures only)."""
    if ratio is None or not ratio.has_interval:
        return None
    assert ratio.low is not None and ratio.high is not None
    if ratio.low > LITTLE_SPEEDUP:
        return "faster"
    if ratio.high < 1 / LITTLE_SPEEDUP:
        return "slower"
    if 1 / LITTLE_SPEEDUP <= ratio.low and ratio.high <= LITTLE_SPEEDUP:
        return "similar"
    return None


def seed_pairs(left: list[Run], right: list[Run]) -> list[tuple[float, float]]:
    """(left SPS, right SPS) of every seed with an ok run of both, in seed order."""

    def by_seed(runs: list[Run]) -> dict[str, float]:
        return {str(r.seed): sps for r in runs if r.ok and (sps := r.metric("sps")) is not None}

    a, b = by_seed(left), by_seed(right)
    return [(a[seed], b[seed]) for seed in sorted(a.keys() & b.keys(), key=lambda s: s.zfill(6))]


def device_of(runs: list[Run]) -> Device:
    """The group's device, said as it happened: a CPU run is 'GPU requested' only when one was asked for."""
    record = runs[0].record
    device = record.get("device") if isinstance(record.get("device"), dict) else {}
    provenance = runs[0].provenance
    if runs[0].device_kind == "gpu":
        model = device.get("name") or provenance.get("gpu_name") or "unknown"
        return Device("gpu", str(model), None, False)
    requested = {
        str(r.record["device"].get(k))
        for r in runs
        if isinstance(r.record.get("device"), dict)
        for k in ("requested", "trainer_requested")
    }
    cores = provenance.get("cpu_cores")
    model = provenance.get("cpu_model") or device.get("name") or "unknown"
    return Device("cpu", str(model), cores if isinstance(cores, int) else None, "gpu" in requested)


def slug(key: GroupKey) -> str:
    """A file name for the group's figure: source, hardware, preset, task and code version, lower-case."""
    source, hardware, preset, task, _spec, code = key
    text = "-".join((source, hardware.split("(")[0], preset, task, code[:8]))
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def caption_of(key: GroupKey, runs: list[Run], summaries: list[Summary]) -> Caption:
    counts = [s.ok_runs for s in summaries if s.ok_runs] or [0]
    dates = sorted({str(r.provenance.get("date"))[:10] for r in runs if r.provenance.get("date")})
    return Caption(
        device=device_of(runs),
        published=key[0] != LOCAL_SOURCE,
        dates=tuple(dates),
        preset=key[2],
        task=key[3],
        code_version=key[5],
        n_min=min(counts),
        n_max=max(counts),
        failed=sum(s.failed_runs for s in summaries),
    )


def cells_and_ratios(
    runs: list[Run], summaries: list[Summary]
) -> tuple[tuple[str, ...], tuple[tuple[Cell, ...], ...], tuple[PairRatio, ...]]:
    """The shown matrix rows, their cells, and JAX against each other shown row on each simulator."""
    layout = matrix_cells(summaries)
    rows = shown_rows(layout)
    contenders = by_contender(runs)
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
            left, right = MATRIX[0][col], MATRIX[row][col]
            ratio = paired_ratio(seed_pairs(contenders.get(left, []), contenders.get(right, [])))
            ratios.append(
                PairRatio(
                    simulator,
                    left,
                    right,
                    MATRIX_LEARNERS[0],
                    MATRIX_LEARNERS[row],
                    ratio,
                    ratio_verdict(ratio),
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


def first_result(summary: Summary) -> FirstResult:
    return FirstResult(
        summary.contender,
        color(summary.contender),
        summary.first_update_s,
        summary.tt_threshold_median,
        summary.tt_reached,
        summary.ok_runs - summary.warm_runs + summary.failed_runs,
    )


def threshold_of(task: str) -> float | None:
    try:
        return get_task(task).return_threshold
    except Exception:  # a task name from an old record: no threshold line
        return None


def group_panel(key: GroupKey, runs: list[Run], summaries: list[Summary]) -> GroupPanel:
    learners, cells, ratios = cells_and_ratios(runs, summaries)
    return GroupPanel(
        slug=slug(key),
        caption=caption_of(key, runs, summaries),
        learners=learners,
        simulators=MATRIX_SIMULATORS,
        cells=cells,
        ratios=ratios,
        curves=curves_of(runs),
        threshold=threshold_of(key[3]),
        first_results=tuple(first_result(s) for s in summaries if s.ok_runs),
    )


def _number(record: dict | None, key: str) -> float | None:
    value = (record or {}).get(key)
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


def code_claims(store: Store) -> tuple[CodeLength | None, Readability | None]:
    """SLOC of the two cores and the structural proxies, from the latest code_metrics records."""
    latest = {str(r.get("implementation")): r for r in latest_code_metrics(store)}
    jax, torch = latest.get("jax_ppo"), latest.get("torch_ppo")
    jax_sloc, torch_sloc = _number(jax, "sloc"), _number(torch, "sloc")
    length = None
    if jax_sloc is not None and torch_sloc:
        shorter = 100.0 * (torch_sloc - jax_sloc) / torch_sloc
        length = CodeLength(jax_sloc, torch_sloc, shorter, abs(shorter - CLAIMED_SHORTER) <= CLAIM_TOLERANCE)
    metrics = tuple(
        (name, a, b)
        for key, name in READABILITY_KEYS
        if (a := _number(jax, key)) is not None and (b := _number(torch, key)) is not None
    )
    readability = (
        Readability(metrics, sum(a > b for _, a, b in metrics), sum(a < b for _, a, b in metrics))
        if metrics
        else None
    )
    return length, readability


def answer_model(store: Store, seed: int = 0) -> AnswerModel:
    """Panels of every group with runs: local groups first, then published ones, each newest first."""
    groups = group_runs(store.runs)

    def order(key: GroupKey) -> tuple[bool, float]:
        return key[0] != LOCAL_SOURCE, -max(r.started for r in groups[key])

    panels: list[GroupPanel] = []
    for key in sorted(groups, key=order):
        summaries = summarize(groups[key], seed)
        if any(s.ok_runs for s in summaries):
            panel = group_panel(key, groups[key], summaries)
            taken = sum(p.slug == panel.slug or p.slug.startswith(panel.slug + "--") for p in panels)
            panels.append(replace(panel, slug=f"{panel.slug}--{taken}") if taken else panel)
    length, readability = code_claims(store)
    return AnswerModel(tuple(panels), length, readability)
