"""The scale section's view model: per machine and sweep, speed ratios against num_envs, the crossover, each
contender's fraction of the simulator's rate, the break-even run length and the cost model's error.

A sweep (`Family`) is the runs of one machine (local, or published), preset, task and spec apart from
num_envs, num_steps and width, wherever one of them carries a `sweep_point` (`bench scale`); runs of the same
spec made by `bench run` join it (the same learner work). Each point is summarised on its own
(`tables.summarize`): its ratios pair seeds within the point and its noise band is the point's own, so a verdict
at a point means what it means everywhere in the report (`stats.verdict`).
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from bench.report.data import LOCAL_SOURCE, PUBLISHED_PREFIX, Run, Store
from bench.report.scale_model import (
    LEARNER_FRAMEWORKS,
    Fit,
    Point,
    break_even_steps,
    controls_of,
    fit,
    machine_of,
    point_of,
)
from bench.report.settings import COMPARISONS, MATRIX, MATRIX_SIMULATORS
from bench.report.stats import Estimate, verdict
from bench.report.tables import Summary, pair_band, paired_ratio, summarize

SCALE_KEYS = ("num_envs", "num_steps", "actor_hidden", "critic_hidden")
"""The spec fields a sweep moves; every other field is the same at every point of one sweep."""
CLEARED = ("faster", "slower")


@dataclass(frozen=True)
class PointPair:
    """One framework pair at one point: the paired steady-SPS ratio, the point's noise band and verdict code,
    and the run length after which the JAX side's compile is paid back (env steps; 0: nothing to pay back,
    inf: never)."""

    point: Point
    ratio: Estimate | None
    band: float | None
    verdict: str | None
    break_even: float | None


@dataclass(frozen=True)
class Crossover:
    """Where along num_envs the ratio clears the noise band. `kind`: "figures_only" (no point has enough pairs
    for a verdict), "none" (no point clears it), "every" (every point clears it, the same way), "from" (the
    points from `num_envs` up clear it), "up_to" (the points up to `num_envs` clear it, the larger ones not)."""

    kind: str
    num_envs: int | None = None
    word: str | None = None
    low: float | None = None
    high: float | None = None
    """The smallest and largest ratio over the points that clear it."""
    settled_below: bool = False
    """Every point on the other side has a verdict (no difference), none is figures-only."""


@dataclass(frozen=True)
class PairCurve:
    left: str
    right: str
    simulator: str
    points: tuple[PointPair, ...]
    crossover: Crossover


@dataclass(frozen=True)
class Family:
    """One sweep: its caption, the num_envs and width axes per pair, and the cost model at every point."""

    slug: str
    hardware: str
    source: str
    """"local", or the published folders it comes from."""
    published: bool
    preset: str
    task: str
    batch: int
    minibatches: object
    epochs: object
    width: tuple[int, ...]
    width_envs: int | None
    num_envs: tuple[int, ...]
    pairs: tuple[PairCurve, ...]
    """Along num_envs at the sweep's own width."""
    width_pairs: tuple[PairCurve, ...]
    """Along width at `width_envs` (crossover not computed)."""
    fits: tuple[Fit, ...]
    n_min: int
    n_max: int
    code_versions: tuple[str, ...]

    @property
    def misses(self) -> tuple[Fit, ...]:
        return tuple(f for f in self.fits if f.missed)


def family_key(run: Run) -> tuple[object, ...]:
    rest = tuple(sorted((k, repr(v)) for k, v in run.record.spec.items() if k not in SCALE_KEYS))
    return (run.source == LOCAL_SOURCE, run.hardware, run.preset, run.task, rest)


def crossover(points: Sequence[PointPair]) -> Crossover:
    """The num_envs from which (or up to which) the ratio clears the band, the same way to the axis' end."""
    codes = [p.verdict for p in points]
    cleared = [code if code in CLEARED else None for code in codes]
    if all(code is None for code in codes):
        return Crossover("figures_only")
    if not any(cleared):
        return Crossover("none")
    end = max(i for i, code in enumerate(cleared) if code)
    start = end
    while start > 0 and cleared[start - 1] == cleared[end]:
        start -= 1
    values = [p.ratio.value for p in points[start : end + 1] if p.ratio]
    last = end == len(points) - 1
    kind = ("every" if start == 0 else "from") if last else "up_to"
    other = codes[:start] if last else codes[end + 1 :]
    at = points[start].point.num_envs if last else points[end].point.num_envs
    settled = all(code == "no_difference" for code in other)
    return Crossover(kind, at, cleared[end], min(values), max(values), settled)


def pair_curve(
    left: str, right: str, simulator: str, points: Sequence[tuple[Point, list[Summary]]]
) -> PairCurve:
    rows = []
    for point, summaries in points:
        by_name = {s.contender: s for s in summaries if s.ok_runs}
        a, b = by_name.get(left), by_name.get(right)
        if a is None or b is None:
            continue
        ratio, band = paired_ratio(a, b, "sps"), pair_band(a, b, "sps")
        rows.append(PointPair(point, ratio, band, verdict(ratio, band), break_even_steps(a, b)))
    return PairCurve(left, right, simulator, tuple(rows), crossover(rows))


def simulator_of(contender: str) -> str:
    return next(MATRIX_SIMULATORS[c] for row in MATRIX for c, name in enumerate(row) if name == contender)


def family(store: Store, runs: list[Run], slug: str) -> Family:
    by_point: dict[Point, list[Run]] = defaultdict(list)
    for run in runs:
        if (point := point_of(run)) is not None:
            by_point[point].append(run)
    summaries = {point: summarize(members) for point, members in sorted(by_point.items())}
    widths = Counter(p.hidden for p in summaries)
    width = max(widths, key=lambda h: (widths[h], -sum(h)))
    along_envs = [(p, s) for p, s in summaries.items() if p.hidden == width]
    at_envs = Counter(p.num_envs for p in summaries)
    width_envs = next((n for n, count in at_envs.items() if count > 1), None)
    along_width = sorted(
        ((p, s) for p, s in summaries.items() if p.num_envs == width_envs), key=lambda x: sum(x[0].hidden)
    )
    names = {s.contender for rows in summaries.values() for s in rows if s.ok_runs}
    pairs = [c for c in COMPARISONS if c.question == "framework" and {c.left, c.right} <= names]
    first = runs[0]
    controls = controls_of(store, machine_of(first.source, first.provenance))
    fits = [
        fit(
            s.contender,
            point,
            s,
            next(r for r in by_point[point] if r.contender == s.contender and r.ok),
            controls,
        )
        for point, rows in summaries.items()
        for s in rows
        if s.ok_runs and s.contender in LEARNER_FRAMEWORKS
    ]
    spec = first.record.spec
    counts = [s.ok_runs for rows in summaries.values() for s in rows if s.ok_runs] or [0]
    return Family(
        slug, first.hardware, ", ".join(sorted({r.origin.removeprefix(PUBLISHED_PREFIX) for r in runs})),
        first.source != LOCAL_SOURCE,
        first.preset, first.task, along_envs[0][0].batch if along_envs else 0, spec.get("num_minibatches"),
        spec.get("update_epochs"), width, width_envs, tuple(p.num_envs for p, _ in along_envs),
        tuple(pair_curve(c.left, c.right, simulator_of(c.left), along_envs) for c in pairs),
        tuple(pair_curve(c.left, c.right, simulator_of(c.left), along_width) for c in pairs) if width_envs else (),
        tuple(fits), min(counts), max(counts), tuple(sorted({r.code_version for r in runs})),
    )  # fmt: skip


def scale_families(store: Store) -> tuple[Family, ...]:
    """Every sweep of the store, local first; a sweep needs a run made by `bench scale` and two points."""
    families: dict[tuple[object, ...], list[Run]] = defaultdict(list)
    for run in store.runs:
        families[family_key(run)].append(run)
    out = []
    for key, runs in sorted(families.items(), key=lambda item: (not item[0][0], str(item[0][1:4]))):
        if any(r.record.sweep_point for r in runs) and len({point_of(r) for r in runs}) > 1:
            text = "-".join(("scale", "local" if key[0] else "published", *map(str, key[1:4])))
            out.append(family(store, runs, re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")))
    return tuple(out)
