"""The scale section's three figures per sweep, against num_envs (log scale): the JAX/PyTorch steady-SPS ratio
of each same-simulator pair with its paired interval and the point's noise band; each contender's steady SPS as
a fraction of the simulator's own rate; the break-even run length. Lean SVG data URIs (`plots.to_data_uri`)."""

from __future__ import annotations

import math
from dataclasses import dataclass

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
from matplotlib.axes import Axes

from bench.report.plots import color, to_data_uri
from bench.report.render import Section, Table, section, table_of_rows
from bench.report.scale import Family
from bench.report.scale_model import MISS_LIMIT

SIZE = (4.0, 2.9)
LABELS = {
    "num_envs": "num_envs (log)",
    "ratio": "steady SPS ratio, JAX / PyTorch",
    "fraction": "fraction of the simulator's rate",
    "break_even": "env steps to pay back compile",
}
"""Axis labels drawn into the images (labels, not sentences)."""


def _axes(label: str, family: Family) -> tuple[plt.Figure, Axes]:
    fig, ax = plt.subplots(figsize=SIZE, layout="constrained")
    ax.set_xscale("log", base=2)
    ax.set_xticks(family.num_envs, [str(n) for n in family.num_envs])
    ax.set_xlabel(LABELS["num_envs"])
    ax.set_ylabel(label)
    ax.grid(alpha=0.3)
    return fig, ax


def ratio_figure(family: Family) -> str | None:
    """Per pair the ratio at each num_envs, whiskers its interval, the shaded band 1 +/- the point's noise."""
    curves = [p for p in family.pairs if any(point.ratio for point in p.points)]
    if not curves:
        return None
    fig, ax = _axes(LABELS["ratio"], family)
    ax.axhline(1.0, color="#555", linewidth=0.8)
    for pair in curves:
        rows = [p for p in pair.points if p.ratio]
        x = [p.point.num_envs for p in rows]
        y = [p.ratio.value for p in rows]  # type: ignore[union-attr]
        low = [v - (p.ratio.low or v) for v, p in zip(y, rows, strict=True)]  # type: ignore[union-attr]
        high = [(p.ratio.high or v) - v for v, p in zip(y, rows, strict=True)]  # type: ignore[union-attr]
        ax.errorbar(x, y, yerr=[low, high], color=color(pair.right), marker="o", ms=3, capsize=3,
                    label=f"{pair.left} / {pair.right}")  # fmt: skip
        banded = [(p.point.num_envs, p.band) for p in rows if p.band is not None]
        if banded:
            bx, band = zip(*banded, strict=True)
            ax.fill_between(
                bx, [1 - b for b in band], [1 + b for b in band], color=color(pair.right), alpha=0.1
            )
        if pair.crossover.kind in ("from", "up_to"):  # where the interval clears the band
            ax.axvline(pair.crossover.num_envs, color=color(pair.right), linestyle=":", linewidth=1)
    ax.legend(fontsize=7)
    return to_data_uri(fig)


def fraction_figure(family: Family) -> str | None:
    """Each contender's steady SPS over the env-only control's rate at the same num_envs (1: the ceiling)."""
    along = [f for f in family.fits if f.point.hidden == family.width and f.fraction is not None]
    if not along:
        return None
    fig, ax = _axes(LABELS["fraction"], family)
    ax.axhline(1.0, color="#555", linewidth=0.8)
    for name in dict.fromkeys(f.contender for f in along):
        rows = sorted((f.point.num_envs, f.fraction) for f in along if f.contender == name)
        ax.plot(*zip(*rows, strict=True), color=color(name), marker="o", ms=3, label=name)
    ax.set_ylim(bottom=0)
    ax.legend(fontsize=7)
    return to_data_uri(fig)


def break_even_figure(family: Family) -> str | None:
    """Per pair the env steps after which JAX's first-update cost is paid back (finite, positive ones only: the
    table gives 0 and never)."""
    curves = [(p, [(r.point.num_envs, r.break_even) for r in p.points if r.break_even and math.isfinite(r.break_even)])
              for p in family.pairs]  # fmt: skip
    curves = [(pair, rows) for pair, rows in curves if rows]
    if not curves:
        return None
    fig, ax = _axes(LABELS["break_even"], family)
    ax.set_yscale("log")
    for pair, rows in curves:
        ax.plot(
            *zip(*rows, strict=True),
            color=color(pair.right),
            marker="o",
            ms=3,
            label=f"{pair.left} / {pair.right}",
        )
    ax.legend(fontsize=7)
    return to_data_uri(fig)


@dataclass(frozen=True)
class FamilyView:
    family: Family
    ratio: str | None
    fraction: str | None
    break_even: str | None
    model: Table


def _ms(seconds: float | None) -> float | None:
    return None if seconds is None else 1e3 * seconds


def model_table(family: Family) -> Table:
    """Per point and contender: measured vs predicted steady SPS, the terms (ms per update), the error."""
    rows = [
        {
            "num_envs": f.point.num_envs, "num_steps": f.point.num_steps, "width": list(f.point.hidden),
            "contender": f.contender, "steady SPS": f.measured_sps, "simulator's rate": f.ceiling_sps,
            "fraction": f.fraction, "env ms": _ms(f.terms.env_s), "learner ms": _ms(f.terms.learner_s),
            "rest ms": _ms(f.terms.rest_s), "predicted SPS": f.predicted_sps,
            "error": None if f.error is None else f"{100 * f.error:+.0f}%", "dominant": f.terms.dominant,
            "miss in": f.miss_term,
        }
        for f in sorted(family.fits, key=lambda f: (f.point.hidden != family.width, f.point, f.contender))
    ]  # fmt: skip
    return table_of_rows(rows, css_class="scale-model")


def scale_section(families: tuple[Family, ...]) -> Section:
    views = [
        FamilyView(f, ratio_figure(f), fraction_figure(f), break_even_figure(f), model_table(f))
        for f in families
    ]
    return section("scale", views=views, miss_limit=MISS_LIMIT, inf=math.inf)
