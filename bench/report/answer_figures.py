"""The opening panel's figure, one per hardware group: the matrix as a chart beside return vs wall-clock time.

Drawn with matplotlib as lean SVG with text kept as text (`plots.to_svg`), so the file is small, sharp at any
size and its labels can be searched and edited; curves are thinned to what the page's width shows
(`plots.thin`); colours come from the report's one contender table.
"""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
from matplotlib.axes import Axes

from bench.report.answer import Cell, GroupPanel, PairRatio
from bench.report.plots import thin, to_svg
from bench.report.render import fmt
from bench.report.stats import Estimate

FIGSIZE = (12.0, 3.3)
"""Inches; at the page's width this is about 350 px tall, so a panel and its sentences fit a 1280x800 screen."""
LABELS = {
    "sps": "steady env steps / s",
    "seconds": "wall-clock s since process start",
    "return": "evaluation return",
    "threshold": "threshold",
    "missing": "no run",
}
"""The figure's axis labels (labels, not sentences: the sentences live in the templates)."""


def ratio_text(pair: PairRatio) -> str:
    """'jax / torch-brax' over '3.02× [2.81, 3.24] n = 5' (CI), '(2.90–3.10)' (range) or nothing (one pair)."""
    head = f"{pair.left} / {pair.right}"
    ratio = pair.ratio
    if ratio is None:
        return f"{head}\n{LABELS['missing']}"
    value = f"{head}\n{ratio.value:.2f}×"
    if ratio.kind == "ci" and ratio.low is not None and ratio.high is not None:
        return f"{value} [{ratio.low:.2f}, {ratio.high:.2f}] n = {ratio.n}"
    if ratio.kind == "range" and ratio.low is not None and ratio.high is not None:
        return f"{value} ({ratio.low:.2f}–{ratio.high:.2f}) n = {ratio.n}"
    return f"{value} n = {ratio.n}"


def _whisker(estimate: Estimate) -> tuple[list[float], list[float]] | None:
    if estimate.low is None or estimate.high is None:
        return None
    return [estimate.value - estimate.low], [estimate.high - estimate.value]


def draw_matrix(ax: Axes, panel: GroupPanel) -> None:
    """Per simulator a group of bars, one per shown learner row; whiskers the interval; dots each run."""
    rows, width = len(panel.learners), 0.8
    ticks, names, tops = [], [], [0.0]
    for col, simulator in enumerate(panel.simulators):
        start = col * (rows + 1)
        for row in range(rows):
            cell: Cell = panel.cells[row][col]
            x = start + row
            ticks.append(x)
            names.append(cell.contender)
            if cell.sps is None:
                ax.text(
                    x, 0.02, LABELS["missing"], ha="center", va="bottom", fontsize=8, color="#777",
                    rotation=90, transform=ax.get_xaxis_transform(),
                )  # fmt: skip
                continue
            ax.bar(x, cell.sps.value, width, color=cell.color, alpha=0.85)
            whisker = _whisker(cell.sps)
            if whisker is not None:
                ax.errorbar(x, cell.sps.value, yerr=whisker, color="#222", capsize=4, linewidth=1.2)
            ax.scatter([x] * len(cell.sps_runs), cell.sps_runs, s=9, color="#222", zorder=3)
            top = max(cell.sps.value, *cell.sps_runs, cell.sps.high or 0.0)
            ax.text(x, top, fmt(cell.sps.value), ha="center", va="bottom", fontsize=8)
            tops.append(top)
        centre = start + (rows - 1) / 2
        ax.text(
            centre,
            -0.32 if rows > 2 else -0.11,
            simulator,
            ha="center",
            va="top",
            fontsize=9,
            fontweight="bold",
            transform=ax.get_xaxis_transform(),
        )
        lines = [ratio_text(p) for p in panel.ratios if p.simulator == simulator]
        ax.text(
            centre,
            0.98,
            "\n".join(lines),
            ha="center",
            va="top",
            fontsize=8,
            transform=ax.get_xaxis_transform(),
        )
    ax.set_xticks(
        ticks, names, fontsize=8, rotation=25 if rows > 2 else 0, ha="right" if rows > 2 else "center"
    )
    ax.set_ylim(0, (max(tops) or 1.0) * (1.3 + 0.2 * rows))
    ax.set_ylabel(LABELS["sps"])
    ax.grid(axis="y", alpha=0.3)


def draw_curves(ax: Axes, panel: GroupPanel) -> None:
    """Every run's return against wall-clock seconds; one legend entry per contender with its n."""
    counts: dict[str, int] = {}
    for curve in panel.curves:
        counts[curve.contender] = counts.get(curve.contender, 0) + 1
    labelled: set[str] = set()
    for curve in panel.curves:
        label = None if curve.contender in labelled else f"{curve.contender} (n = {counts[curve.contender]})"
        labelled.add(curve.contender)
        seconds, returns = thin(curve.seconds, curve.returns)
        marker = "o" if len(seconds) <= 30 else None  # evaluation points, where they can be told apart
        ax.plot(
            seconds, returns, color=curve.color, linewidth=1.3, alpha=0.85, marker=marker, ms=2.5, label=label
        )
    if panel.threshold is not None:
        ax.axhline(panel.threshold, color="#555", linestyle="--", linewidth=1, label=LABELS["threshold"])
    ax.set_xlabel(LABELS["seconds"])
    ax.set_ylabel(LABELS["return"])
    ax.set_xlim(left=0)
    ax.grid(alpha=0.3)
    if panel.curves or panel.threshold is not None:
        ax.legend(fontsize=8, loc="best")


def panel_svgs(panel: GroupPanel, title: str) -> tuple[str, str]:
    """The group's figure as SVG text twice: for the page (its caption is HTML beside it) and for the file,
    headed by `title` (the caption line, from the template) so a copy taken away still says what it shows."""
    with plt.rc_context({"font.size": 9}):
        fig, (left, right) = plt.subplots(
            1, 2, figsize=FIGSIZE, layout="constrained", gridspec_kw={"width_ratios": [1, 1.2]}
        )
        draw_matrix(left, panel)
        draw_curves(right, panel)
        untitled = to_svg(fig, panel.slug)
        fig.suptitle(title, fontsize=9, color="#333")
        titled = to_svg(fig, panel.slug)
        plt.close(fig)
    return untitled, titled
