""" "Framework, measured on third-party code": each pair's JAX/PyTorch ratios beside this project's own pair.

Within SBX/SB3 and skrl-JAX/skrl-PyTorch one team wrote the same PPO in both frameworks, so their ratio
measures the framework on code this project did not write; `jax-gym`/`torch` is this project's pair on the
same simulator (Gymnasium MuJoCo C). Ratios are JAX over PyTorch per seed (runs paired by seed, ok runs only,
one group = one hardware, preset, task, spec and code version: never pooled), summarized as every ratio of
the report is (`stats.ratio_estimate`: the one ratio at n = 1, geometric mean and range below 5 pairs, from 5 a
95% Student-t interval on the log ratios). Fields a library could not express (`extra.unmapped`) are listed
beside its numbers.
"""

from __future__ import annotations

from html import escape

import pandas as pd

from bench.report.data import GroupKey, Run
from bench.report.stats import ratio_estimate
from bench.report.tables import MISSING, fmt_estimate, frame_html

FIELD_PAIRS: tuple[tuple[str, str, str], ...] = (
    ("SBX / Stable-Baselines3 (one team, both frameworks)", "sbx", "sb3"),
    ("skrl JAX / skrl PyTorch (one team, both frameworks)", "skrl-jax", "skrl-torch"),
    ("this project: jax-gym / torch", "jax-gym", "torch"),
)
"""(label, JAX contender, PyTorch contender)."""
RATIOS = (
    ("steady SPS (JAX/PyTorch; > 1: JAX faster)", "sps"),
    ("time to first update (JAX/PyTorch; < 1: JAX sooner)", "first_update_s"),
    ("time to threshold (JAX/PyTorch; < 1: JAX sooner)", "time_to_threshold_s"),
)


def paired_values(jax_runs: list[Run], torch_runs: list[Run], metric: str) -> list[tuple[float, float]]:
    """(metric(JAX run), metric(PyTorch run)) for every seed both sides ran ok and measured."""
    torch_by_seed = {r.seed: r.metric(metric) for r in torch_runs if r.ok}
    pairs = []
    for run in jax_runs:
        value, other = run.metric(metric), torch_by_seed.get(run.seed)
        if run.ok and value is not None and other:
            pairs.append((value, other))
    return pairs


def unmapped_note(runs: list[Run]) -> str:
    """The spec fields the contender's library could not express, from its newest record."""
    for run in sorted(runs, key=lambda r: r.started, reverse=True):
        unmapped = (run.record.get("extra") or {}).get("unmapped")
        if isinstance(unmapped, dict):
            return ", ".join(sorted(unmapped)) or "none"
    return MISSING


def pairs_frame(runs: list[Run], seed: int = 0) -> pd.DataFrame:
    """One row per pair present in `runs` (one group): the three ratios with n, and the unmapped fields."""
    rows = []
    for label, jax_name, torch_name in FIELD_PAIRS:
        jax_runs = [r for r in runs if r.contender == jax_name]
        torch_runs = [r for r in runs if r.contender == torch_name]
        if not jax_runs or not torch_runs:
            continue
        row = {"pair": label}
        for title, metric in RATIOS:
            estimate = ratio_estimate(paired_values(jax_runs, torch_runs, metric))
            row[title] = fmt_estimate(estimate) if estimate else MISSING
        row["not expressible (JAX side; PyTorch side)"] = (
            f"{unmapped_note(jax_runs)}; {unmapped_note(torch_runs)}" if jax_name != "jax-gym" else "none"
        )
        rows.append(row)
    return pd.DataFrame(rows)


def field_pairs_section(
    groups: dict[GroupKey, list[Run]], label: dict[GroupKey, str], seed: int = 0
) -> tuple[str, str, str]:
    """The section: one table per group holding at least one third-party pair."""
    blocks = [
        '<p class="note">Ratios per seed (runs paired by seed), JAX over PyTorch; n = pairs. Below 5 pairs: '
        "geometric mean and range, no interval claimed; from 5, a 95% Student-t interval on the log ratios. Time to threshold: seeds where both sides reached it. The "
        "third-party pairs run their libraries' own PPO, mapped from the spec as far as each allows; the last "
        "column lists the spec fields a library cannot express (field/mapping.py gives the reasons).</p>"
    ]
    for key, runs in groups.items():
        frame = pairs_frame(runs, seed)
        if frame.empty or not frame["pair"].str.contains("one team").any():
            continue
        blocks.append(frame_html(frame, "field-pairs", f"Framework on third-party code · {label[key]}"))
    if len(blocks) == 1:
        blocks.append(
            f'<p class="note">{escape("No third-party pair (sbx/sb3, skrl-jax/skrl-torch) in the store.")}</p>'
        )
    return "field-pairs", "Framework, measured on third-party code", "".join(blocks)
