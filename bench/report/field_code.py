"""Report section "Code: this project and the field": independent PPO implementations and this project's pair,
measured by one rule (`bench code`), with each pair's JAX/PyTorch ratios and this project placed among them.

Why: one pair written by one team to mirror itself says more about its authors than about the frameworks; the
spread across independent pairs is what a length or complexity claim about the frameworks can be held against.
`templates/sections/field_code.html.j2` says it; the debate reads the same ratios (`pair_ratios`).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import matplotlib.pyplot as plt

from bench.report.data import LOCAL_SOURCE, Store
from bench.report.plots import to_data_uri
from bench.report.render import Section, fmt, section, table_of_rows, text

RECORD_TYPE = "code_metrics"
PROJECT = "ppo-bench"
RATIO_KEYS = {
    "sloc": "SLOC",
    "cognitive": "cognitive",
    "cyclomatic": "cyclomatic",
    "halstead_volume": "Halstead volume",
    "halstead_difficulty": "Halstead difficulty",
    "vocabulary": "vocabulary",
    "concepts": "concepts",
}
"""The metrics taken as JAX / PyTorch ratios, with their short names in the figure and the text."""
COLUMNS = (
    "pair", "implementation", "framework", "version", "classification", "sloc", "cognitive", "cognitive_max",
    "cyclomatic", "halstead_volume", "halstead_difficulty", "max_nesting", "closures", "vocabulary",
    "concepts", "transforms", "python_loops",
)  # fmt: skip
CLAIMED_SLOC_RATIO = 0.8
"""The claim "JAX code is about 20% shorter" as a SLOC ratio, drawn in the figure."""


def field_rows(store: Store) -> tuple[list[dict[str, Any]], str | None]:
    """(latest row measured as one of a pair, per implementation and classification, local first; why
    nothing was measured)."""
    records = sorted(store.others.get(RECORD_TYPE, []), key=lambda r: r.get("_source") == LOCAL_SOURCE)
    latest: dict[tuple[str, str], dict[str, Any]] = {}
    reason = None
    for record in records:
        if record.get("status") == "not_measured":
            reason = str(record.get("reason"))
            continue
        if record.get("pair"):
            latest[(str(record.get("implementation")), str(record.get("classification")))] = record
    return list(latest.values()), None if latest else reason


def pair_ratios(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Per pair and classification with one JAX and one PyTorch side: JAX / PyTorch of each RATIO_KEYS metric
    (rounded to 2 decimals, None where a side lacks it), `project` for this project's pair."""
    sides: dict[tuple[str, str], dict[str, dict[str, Any]]] = {}
    for row in rows:
        pair = (str(row.get("pair")), str(row.get("classification")))
        sides.setdefault(pair, {})[str(row.get("framework"))] = row
    ratios = []
    for (pair, classification), by_framework in sides.items():
        jax, torch = by_framework.get("jax"), by_framework.get("torch")
        if jax is None or torch is None:
            continue
        ratio = {"pair": pair, "classification": classification, "project": jax.get("package") == PROJECT}
        ratio["versions"] = " / ".join(f"{r.get('implementation')} {r.get('version')}" for r in (jax, torch))
        for key in RATIO_KEYS:
            a, b = jax.get(key), torch.get(key)
            ratio[key] = round(a / b, 2) if isinstance(a, int | float) and b else None
        ratios.append(ratio)
    return ratios


def spread(ratios: list[dict[str, Any]], key: str) -> tuple[float, float] | None:
    """(min, max) of one ratio over the field's independent pairs (this project left out)."""
    values = [r[key] for r in ratios if not r["project"] and r[key] is not None]
    return (min(values), max(values)) if values else None


def ratio_plot(ratios: list[dict[str, Any]]) -> str:
    """Each pair's ratio per metric, log scale: field pairs as dots, this project's classifications in red."""
    fig, ax = plt.subplots(figsize=(10, 4), layout="constrained")
    field = [r for r in ratios if not r["project"]]
    mine = [r for r in ratios if r["project"]]
    markers = iter("*PDXsv^<>")
    for group, start, style in ((field, -0.35, {}), (mine, 0.08, {"color": "crimson", "s": 70})):
        for k, ratio in enumerate(group):
            x = [i + start + 0.08 * k for i in range(len(RATIO_KEYS))]
            y = [ratio[key] or float("nan") for key in RATIO_KEYS]
            label = f"{PROJECT} [{ratio['classification']}]" if group is mine else ratio["pair"]
            extra = {"marker": next(markers)} if group is mine else {"color": f"C{k if k < 3 else k + 1}"}
            ax.scatter(x, y, label=label, **style, **extra)
    ax.axhline(1.0, color="grey", lw=1)
    ax.axhline(CLAIMED_SLOC_RATIO, color="grey", lw=1, ls="--", label=f"claimed: SLOC {CLAIMED_SLOC_RATIO}")
    ax.set_yscale("log")
    ticks = [t for t in (0.2, 0.3, 0.5, 0.8, 1, 1.25, 2, 3, 5) if ax.get_ylim()[0] <= t <= ax.get_ylim()[1]]
    ax.set_yticks(ticks, [f"{t:g}" for t in ticks])
    ax.minorticks_off()
    ax.set_xticks(range(len(RATIO_KEYS)), [name.replace(" ", "\n") for name in RATIO_KEYS.values()])
    ax.set_ylabel("JAX / PyTorch (log scale)")
    ax.legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.01, 1))
    ax.set_title(f"{len(field)} field pairs, {PROJECT} in red", fontsize=9)
    return to_data_uri(fig)


def _cell(value: Any) -> Any:
    return fmt(value) if isinstance(value, float) else value


def field_code_section(
    rows: Sequence[dict[str, Any]], ratios: Sequence[dict[str, Any]], reason: str | None
) -> Section:
    """Per implementation each metric; per pair the ratios; the spread with this project placed in it."""
    context: dict[str, Any] = {"rows": list(rows), "reason": reason, "names": RATIO_KEYS}
    if rows:
        commits = sorted({str((r.get("provenance") or {}).get("git_commit", "?"))[:7] for r in rows})
        ratio_columns = ("pair", "classification", "versions", *RATIO_KEYS)
        context |= {
            "caption": text("sections/field_captions.txt.j2", part="figure", commits=commits),
            "figure": ratio_plot(list(ratios)),
            "spreads": {key: s for key in RATIO_KEYS if (s := spread(list(ratios), key))},
            "tables": [
                table_of_rows(
                    [{c: _cell(r.get(c)) for c in columns} for r in records],
                    text("sections/field_captions.txt.j2", part=part, commits=commits),
                    "code",
                )
                for part, records, columns in (("ratios", ratios, ratio_columns), ("rows", rows, COLUMNS))
            ],
        }
    return section("field-code", "field_code", collapse=True, **context)
