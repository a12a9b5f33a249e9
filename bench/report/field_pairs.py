""" "Framework, measured on third-party code": each pair's JAX/PyTorch ratios beside this project's own pair.

Within SBX/SB3 and skrl-JAX/skrl-PyTorch one team wrote the same PPO in both frameworks, so their ratio
measures the framework on code this project did not write; `jax-gym`/`torch` is this project's pair on the
same simulator (Gymnasium MuJoCo C). The pairs are `settings.FIELD_PAIRS`. Ratios are JAX over PyTorch per seed
(runs paired by seed, ok runs only, one group = one hardware, preset, task, spec and code version: never
pooled), summarized as every ratio of the report is (`stats.ratio_estimate`: the one ratio at n = 1, geometric
mean and range below 5 pairs, from 5 a 95% Student-t interval on the log ratios). Fields a library could not
express (`extra.unmapped`) are listed beside its numbers. `templates/sections/field_pairs.html.j2` says it.
"""

from __future__ import annotations

from collections.abc import Sequence

from bench.report.data import Run
from bench.report.render import MISSING, Section, Table, section, text
from bench.report.settings import FIELD_PAIRS
from bench.report.stats import ratio_estimate
from bench.report.tables import fmt_estimate

RATIOS = ("sps", "first_update_s", "time_to_threshold_s")
COLUMNS = (
    "pair", "steady SPS, JAX / PyTorch", "time to first update, JAX / PyTorch",
    "time to threshold, JAX / PyTorch", "not expressible (JAX | PyTorch)",
)  # fmt: skip


def paired_values(jax_runs: list[Run], torch_runs: list[Run], metric: str) -> list[tuple[float, float]]:
    """(metric(JAX run), metric(PyTorch run)) for every seed both sides ran ok and measured."""
    torch_by_seed = {r.seed: r.metric(metric) for r in torch_runs if r.ok}
    pairs = []
    for run in jax_runs:
        value, other = run.metric(metric), torch_by_seed.get(run.seed)
        if run.ok and value is not None and other:
            pairs.append((value, other))
    return pairs


def unmapped_fields(runs: list[Run]) -> str:
    """The spec fields the contender's library could not express, from its newest record."""
    for run in sorted(runs, key=lambda r: r.started, reverse=True):
        unmapped = run.record.extra.get("unmapped")  # the field contender's own diagnostics
        if isinstance(unmapped, dict):
            return ", ".join(sorted(unmapped)) or "none"
    return MISSING


def pair_rows(runs: list[Run]) -> list[tuple[str, ...]]:
    """One row per pair present in `runs` (one group): the three ratios with n, and the unmapped fields."""
    rows = []
    for pair in FIELD_PAIRS:
        jax_runs = [r for r in runs if r.contender == pair.jax]
        torch_runs = [r for r in runs if r.contender == pair.torch]
        if jax_runs and torch_runs:
            ratios = (ratio_estimate(paired_values(jax_runs, torch_runs, metric)) for metric in RATIOS)
            sides = (
                (unmapped_fields(jax_runs), unmapped_fields(torch_runs)) if pair.third_party else ("none",)
            )
            rows.append((pair.label, *map(fmt_estimate, ratios), " | ".join(sides)))
    return rows


def field_pairs_section(groups: Sequence[tuple[str, list[Run]]]) -> Section:
    """The section: one table per group (label, runs) holding at least one third-party pair."""
    tables = []
    for label, runs in groups:
        names = {run.contender for run in runs}
        if any(p.third_party and p.jax in names and p.torch in names for p in FIELD_PAIRS):
            caption = text("sections/field_captions.txt.j2", part="pairs", label=label)
            tables.append(Table(caption, COLUMNS, tuple(pair_rows(runs)), "field-pairs"))
    return section("field-pairs", "field_pairs", collapse=True, tables=tables)
