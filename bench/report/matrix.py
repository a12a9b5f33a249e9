"""The framework x simulator table: rows JAX / PyTorch learner, columns Brax MJX / Gymnasium MuJoCo C.

Four contenders fill it (`bench.report.settings.MATRIX`: jax, jax-gym, torch-brax, torch), so a column
compares the two frameworks on one simulator and a row the two simulators under one learner: the only way to
say how much of a speed gap is the framework and how much the simulator. One table per group (hardware,
preset, task, spec, code); two generated sentences below each; the newest group opens the report.
"""

from __future__ import annotations

from html import escape

from bench.report.data import GroupKey, Run, source_label
from bench.report.settings import MATRIX, MATRIX_CORE_ROWS, MATRIX_LEARNERS, MATRIX_SIMULATORS
from bench.report.tables import (
    MISSING,
    Summary,
    fmt,
    fmt_estimate,
    fmt_ratio,
    fmt_threshold_cell,
    paired_ratio,
)

Cells = tuple[tuple[Summary | None, ...], ...]
"""The cells' summaries, MATRIX's layout; None where the contender has no ok run in the group."""


def matrix_cells(rows: list[Summary]) -> Cells:
    """The group's summaries in MATRIX's layout (a contender without ok runs is an empty cell)."""
    by_name = {s.contender: s for s in rows if s.ok_runs}
    return tuple(tuple(by_name.get(name) for name in row) for row in MATRIX)  # type: ignore[return-value]


def shown_rows(cells: Cells) -> list[int]:
    """The table's rows: the two core learners always, a further one (compiled torch) where it has runs."""
    return [i for i, row in enumerate(cells) if i < MATRIX_CORE_ROWS or any(c is not None for c in row)]


def has_cells(rows: list[Summary]) -> bool:
    return any(cell is not None for row in matrix_cells(rows) for cell in row)


def where(key: GroupKey) -> str:
    """The hardware and what ran, for every sentence: '<hardware>, preset P, task T, local', or for published
    runs 'published, <card>, <date>, preset P, task T' (data.source_label)."""
    source, hardware, preset, task, _spec, _code = key
    label = source_label(source, hardware)
    if label == source:  # local runs
        return f"{hardware}, preset {preset}, task {task}, {source}"
    return f"{label}, preset {preset}, task {task}"


def _runs(summary: Summary) -> int:
    return summary.ok_runs + summary.failed_runs


def cell_lines(name: str, summary: Summary | None) -> list[str]:
    """What one cell says: steady SPS, the rollout/update seconds per 1M steps, compile, time to threshold, n."""
    if summary is None:
        return [name, "not measured (no ok run)"]
    split = (
        f"rollout {fmt(summary.rollout_s_per_mstep)} s + update {fmt(summary.update_s_per_mstep)} s per 1M steps"
        if summary.rollout_s_per_mstep is not None
        else "rollout / update: not separable"
    )
    return [
        f"{name} (n = {_runs(summary)} run{'s' if _runs(summary) != 1 else ''})",
        f"steady SPS {fmt_estimate(summary.sps)}",
        split,
        (
            f"compile {fmt(summary.compile_s)} s (mean of {summary.ok_runs - summary.warm_runs} cold-start runs)"
            if summary.compile_s is not None
            else "compile: no cold-start run (warm compilation cache only)"
        ),
        f"time to threshold: {fmt_threshold_cell(summary)}",
    ]


def matrix_table_html(key: GroupKey, rows: list[Summary]) -> str:
    """The 2x2 table of one group (hand-built: each cell holds several lines)."""
    cells = matrix_cells(rows)
    head = "".join(f"<th>{escape(simulator)}</th>" for simulator in MATRIX_SIMULATORS)
    body = ""
    for index in shown_rows(cells):
        learner, names, row = MATRIX_LEARNERS[index], MATRIX[index], cells[index]
        tds = "".join(
            "<td>" + "<br>".join(escape(line) for line in cell_lines(name, cell)) + "</td>"
            for name, cell in zip(names, row, strict=True)
        )
        body += f"<tr><th>{escape(learner)} learner</th>{tds}</tr>"
    caption = f"Framework x simulator · {where(key)}"
    return (
        f'<table class="matrix"><caption>{escape(caption)}</caption>'
        f"<thead><tr><th>learner \\ simulator</th>{head}</tr></thead><tbody>{body}</tbody></table>"
    )


def _ratio(a: str, left: Summary | None, b: str, right: Summary | None) -> str:
    """'a at R x of b (SPS x, n = k vs y, n = m)', R over pairs of runs (tables.paired_ratio), or what is missing."""
    missing = [name for name, s in ((a, left), (b, right)) if s is None or s.sps is None]
    if missing:
        return f"not measured (no ok run of {' or '.join(missing)})"
    assert left is not None and right is not None and left.sps is not None and right.sps is not None
    ratio = paired_ratio(left, right, "sps")
    if ratio is None:
        return f"not measured (no run of {a} and run of {b} with the same seed and a steady speed)"
    return (
        f"{a} at {fmt_ratio(ratio)} of {b} (steady SPS {fmt_estimate(left.sps)} vs {fmt_estimate(right.sps)})"
    )


def framework_sentence(key: GroupKey, rows: list[Summary]) -> str:
    """The framework effect within each simulator column (simulator held fixed): JAX vs each torch row."""
    cells = matrix_cells(rows)
    pairs = []
    for other in shown_rows(cells)[1:]:
        parts = [
            f"on {simulator}, {_ratio(MATRIX[0][col], cells[0][col], MATRIX[other][col], cells[other][col])}"
            for col, simulator in enumerate(MATRIX_SIMULATORS)
        ]
        pairs.append(f"{MATRIX_LEARNERS[0]} vs {MATRIX_LEARNERS[other]}, {'; '.join(parts)}")
    return f"Framework effect, simulator held fixed ({where(key)}): {' / '.join(pairs)}."


def simulator_sentence(key: GroupKey, rows: list[Summary]) -> str:
    """The simulator effect within each learner row (learner held fixed)."""
    cells = matrix_cells(rows)
    parts = [
        f"with the {MATRIX_LEARNERS[row]} learner, "
        f"{_ratio(MATRIX[row][0], cells[row][0], MATRIX[row][1], cells[row][1])}"
        for row in shown_rows(cells)
    ]
    return (
        f"Simulator effect, learner held fixed ({where(key)}): {MATRIX_SIMULATORS[0]} vs "
        f"{MATRIX_SIMULATORS[1]}, {'; '.join(parts)}."
    )


def matrix_block(key: GroupKey, rows: list[Summary]) -> str:
    """The table and its two sentences."""
    sentences = (framework_sentence(key, rows), simulator_sentence(key, rows))
    return matrix_table_html(key, rows) + "".join(f"<p>{escape(s)}</p>" for s in sentences)


def matrix_groups(summaries: dict[GroupKey, list[Summary]]) -> dict[GroupKey, list[Summary]]:
    """The groups with at least one ok run of a matrix contender."""
    return {key: rows for key, rows in summaries.items() if has_cells(rows)}


def newest_group(
    groups: dict[GroupKey, list[Run]], summaries: dict[GroupKey, list[Summary]]
) -> GroupKey | None:
    """The matrix group whose latest run is the newest (start time, else recorded date): 'the answer so far'."""

    def newest(key: GroupKey) -> tuple[float, str]:
        runs = groups.get(key, [])
        return (
            max((r.started for r in runs), default=float("-inf")),
            max((str(r.provenance.get("date") or "") for r in runs), default=""),
        )

    candidates = matrix_groups(summaries)
    return max(candidates, key=newest) if candidates else None


def matrix_section(summaries: dict[GroupKey, list[Summary]]) -> tuple[str, str, str]:
    """Every group's framework x simulator table, or 'not measured'."""
    intro = (
        f'<p class="note">Rows: the learner ({", ".join(MATRIX_LEARNERS)}; the compiled row only where it '
        f"has runs); columns: the simulator ({', '.join(MATRIX_SIMULATORS)}). Cells: "
        f"{', '.join(n for row in MATRIX for n in row)}. A column holds the simulator fixed (the framework "
        "effect), a row the learner (the simulator effect). Seconds per 1M steps are steady seconds; compile "
        "counts cold starts only; every cell says its n.</p>"
    )
    groups = matrix_groups(summaries)
    if not groups:
        return "matrix", "Framework x simulator", intro + f'<p class="note">Not measured: {MISSING}.</p>'
    return (
        "matrix",
        "Framework x simulator",
        intro
        + "".join(f"<h3>{escape(where(key))}</h3>" + matrix_block(key, rows) for key, rows in groups.items()),
    )
