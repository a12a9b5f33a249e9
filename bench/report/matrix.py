"""The framework x simulator matrix of one group: its cells and the paired speed ratios between them.

Rows are learners, columns simulators (`settings.MATRIX`), so a column compares the frameworks on one simulator
and a row the simulators under one learner: the only way to say how much of a speed gap is the framework and how
much the simulator. The 2x2 core is always shown; the compiled row and the MuJoCo Warp column only in groups
where they have runs. This is a view model of numbers and verdict codes: `templates/sections/matrix.html.j2`
says it, and the answer panel (`answer.GroupPanel`) and the debate read the same view.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from bench.report import settings
from bench.report.data import LOCAL_SOURCE, GroupKey, source_label
from bench.report.plots import color
from bench.report.render import Section, section
from bench.report.settings import MATRIX, MATRIX_CORE, MATRIX_LEARNERS, MATRIX_SIMULATORS
from bench.report.stats import Estimate, verdict
from bench.report.tables import Summary, pair_band, paired_ratio

LITTLE_SPEEDUP = 1.25
"""A framework speed ratio within 1/1.25 to 1.25 (steady SPS, same simulator) counts as "little" speed."""


@dataclass(frozen=True)
class Caption:
    """What every sentence and panel of a group names: hardware (or published card and date), preset, task, n
    and code version."""

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
    in_time: bool = True
    """Every run records its interleaved round; False for a store recorded before interleaving, whose pairs
    are by seed index only (said beside every ratio)."""


@dataclass(frozen=True)
class Cell:
    """One framework x simulator cell: its contender and that contender's summary (None: no ok run)."""

    contender: str
    learner: str
    simulator: str
    color: str
    summary: Summary | None

    @property
    def sps(self) -> Estimate | None:
        return self.summary.sps if self.summary else None

    @property
    def sps_runs(self) -> tuple[float, ...]:
        return self.summary.sps_values if self.summary else ()


@dataclass(frozen=True)
class PairRatio:
    """Steady SPS of `first` over `second` over pairs of runs (same seed): a framework ratio when the two cells
    share a simulator, a simulator ratio when they share a learner."""

    first: Cell
    second: Cell
    ratio: Estimate | None
    """Over pairs of runs (`tables.paired_ratio`); None when no seed has an ok run of both."""
    band: float | None
    """The noise band of steady SPS of the two cells' runs (`tables.pair_band`), the margin a verdict must clear."""
    verdict: str | None
    """`stats.verdict`'s decision as a code: "faster", "slower", "no_difference"; None: figures only."""
    beyond_little: bool | None
    """With a verdict: True when the whole interval lies beyond LITTLE_SPEEDUP either way, False when wholly
    within it, None when the interval straddles it (or without a verdict)."""

    @property
    def left(self) -> str:
        return self.first.contender

    @property
    def right(self) -> str:
        return self.second.contender

    @property
    def simulator(self) -> str:
        """The first cell's simulator: for a framework ratio, the one both share."""
        return self.first.simulator


@dataclass(frozen=True)
class MatrixView:
    """One group's matrix: the shown rows and columns, their cells and the ratios between them."""

    caption: Caption
    learners: tuple[str, ...]
    simulators: tuple[str, ...]
    cells: tuple[tuple[Cell, ...], ...]
    """cells[row][column], rows `learners`, columns `simulators`."""
    ratios: tuple[PairRatio, ...]
    """The framework effect: the JAX row over each other row, per column."""
    simulator_ratios: tuple[PairRatio, ...]
    """The simulator effect: the first column over each other column, per row."""


def beyond_little(ratio: Estimate | None) -> bool | None:
    """True: the interval lies wholly beyond LITTLE_SPEEDUP either way; False: wholly within; None: neither."""
    if ratio is None or ratio.low is None or ratio.high is None:
        return None
    if ratio.low > LITTLE_SPEEDUP or ratio.high < 1 / LITTLE_SPEEDUP:
        return True
    if 1 / LITTLE_SPEEDUP <= ratio.low and ratio.high <= LITTLE_SPEEDUP:
        return False
    return None


def pair_ratio(first: Cell, second: Cell) -> PairRatio:
    ratio, band = None, None
    if first.summary is not None and second.summary is not None:
        ratio = paired_ratio(first.summary, second.summary, "sps")
        band = pair_band(first.summary, second.summary, "sps")
    code = verdict(ratio, band)
    return PairRatio(first, second, ratio, band, code, beyond_little(ratio) if code else None)


HASH = re.compile(r"^[0-9a-f]{9,}$")
"""A code version's hash, shown by its first 8 characters (one per contender's code where they differ)."""


def caption_of(key: GroupKey, summaries: list[Summary]) -> Caption:
    counts = [s.ok_runs for s in summaries if s.ok_runs] or [0]
    source, hardware, preset, task, _spec, code = key
    published, label = source != LOCAL_SOURCE, source_label(source, hardware)
    failed = sum(s.failed_runs for s in summaries)
    short_code = "+".join(HASH.sub(lambda m: m.group()[:8], version) for version in code.split("+"))
    in_time = all(s.in_time for s in summaries)
    return Caption(
        hardware, label, published, preset, task, short_code, min(counts), max(counts), failed, in_time
    )


def matrix_view(key: GroupKey, summaries: list[Summary]) -> MatrixView:
    """The core 2x2 always; a further row or column where one of its cells has an ok run."""
    measured = {s.contender: s for s in summaries if s.ok_runs}
    has_runs = [[name in measured for name in row] for row in MATRIX]
    columns = [c for c in range(len(MATRIX_SIMULATORS)) if c < MATRIX_CORE or any(r[c] for r in has_runs)]
    rows = [r for r in range(len(MATRIX)) if r < MATRIX_CORE or any(has_runs[r][c] for c in columns)]

    def cell(r: int, c: int) -> Cell:
        name = MATRIX[r][c]
        return Cell(name, MATRIX_LEARNERS[r], MATRIX_SIMULATORS[c], color(name), measured.get(name))

    cells = tuple(tuple(cell(r, c) for c in columns) for r in rows)
    return MatrixView(
        caption_of(key, summaries),
        tuple(MATRIX_LEARNERS[r] for r in rows),
        tuple(MATRIX_SIMULATORS[c] for c in columns),
        cells,
        tuple(pair_ratio(cells[0][c], row[c]) for row in cells[1:] for c in range(len(columns))),
        tuple(pair_ratio(row[0], row[c]) for c in range(1, len(columns)) for row in cells),
    )


def matrix_section(views: Sequence[MatrixView]) -> Section:
    """Every group's framework x simulator table and its two effects, or 'not measured'."""
    return section("matrix", collapse=True, views=views, settings=settings)
