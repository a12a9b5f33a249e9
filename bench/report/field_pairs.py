""" "Framework, measured on third-party code": each pair's JAX/PyTorch ratios beside this project's own pair.

Within SBX/SB3 and skrl-JAX/skrl-PyTorch one team wrote the same PPO in both frameworks, so their ratio
measures the framework on code this project did not write; `jax-gym`/`torch` is this project's pair on the
same simulator (Gymnasium MuJoCo C). The pairs are `settings.FIELD_PAIRS`. Ratios are JAX over PyTorch by the
headline's one pairing rule (`tables.paired_ratio`: same seed index and round, first update and time to threshold
from cold starts only; one group = one hardware, preset, task, spec and code version: never pooled). Fields a
library could not express or builds otherwise (`extra.unmapped`) are listed beside its numbers.
`templates/sections/field_pairs.html.j2` says it.
"""

from __future__ import annotations

from collections.abc import Sequence

from bench.report.data import Run
from bench.report.model import Group
from bench.report.render import MISSING, Section, Table, section, text
from bench.report.settings import FIELD_PAIRS
from bench.report.tables import PAIRED_METRICS, Summary, fmt_estimate, paired_ratio

COLUMNS = (
    "pair", "steady SPS, JAX / PyTorch", "time to first update, JAX / PyTorch",
    "time to threshold, JAX / PyTorch", "not expressible or built otherwise (JAX | PyTorch)",
)  # fmt: skip


def unmapped_fields(runs: list[Run], contender: str) -> str:
    """The spec fields the contender's library could not express, from its newest record."""
    for run in sorted(runs, key=lambda r: r.started, reverse=True):
        unmapped = run.record.extra.get("unmapped")  # the field contender's own diagnostics
        if run.contender == contender and isinstance(unmapped, dict):
            return ", ".join(sorted(unmapped)) or "none"
    return MISSING


def pair_rows(summaries: Sequence[Summary], runs: list[Run]) -> list[tuple[str, ...]]:
    """One row per pair with ok runs of both sides in one group: the three ratios with n, the unmapped fields."""
    by_name = {s.contender: s for s in summaries if s.ok_runs}
    rows = []
    for pair in FIELD_PAIRS:
        jax, torch = by_name.get(pair.jax), by_name.get(pair.torch)
        if jax is not None and torch is not None:
            ratios = (paired_ratio(jax, torch, metric) for metric in PAIRED_METRICS)
            sides = (
                (unmapped_fields(runs, pair.jax), unmapped_fields(runs, pair.torch))
                if pair.third_party
                else ("none",)
            )
            rows.append((pair.label, *map(fmt_estimate, ratios), " | ".join(sides)))
    return rows


def field_pairs_section(groups: Sequence[Group]) -> Section:
    """The section: one table per group holding at least one third-party pair."""
    tables = []
    for g in groups:
        names = {s.contender for s in g.summaries if s.ok_runs}
        if any(p.third_party and p.jax in names and p.torch in names for p in FIELD_PAIRS):
            caption = text("sections/field_captions.txt.j2", part="pairs", label=g.label, c=g.matrix.caption)
            tables.append(Table(caption, COLUMNS, tuple(pair_rows(g.summaries, g.runs)), "field-pairs"))
    return section("field-pairs", "field_pairs", collapse=True, tables=tables)
