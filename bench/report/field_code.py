"""Report section "Code: this project and the field": independent PPO implementations and this project's pair,
measured by one rule (`bench code`), with each pair's JAX/PyTorch ratios and this project placed among them.

Why: one pair written by one team to mirror itself says more about its authors than about the frameworks; the
spread across independent pairs is what a length or complexity claim about the frameworks can be held against.
"""

from __future__ import annotations

from html import escape
from typing import Any

import matplotlib.pyplot as plt

from bench.report.data import LOCAL_SOURCE, Store
from bench.report.plots import to_data_uri
from bench.report.tables import fmt, frame_html, records_frame

RECORD_TYPE = "field_code_metrics"
PROJECT = "ppo-bench"
RATIO_KEYS = (
    ("sloc", "SLOC"),
    ("cognitive", "cognitive"),
    ("cyclomatic", "cyclomatic"),
    ("halstead_volume", "Halstead volume"),
    ("halstead_difficulty", "Halstead difficulty"),
    ("vocabulary", "vocabulary"),
)
COLUMNS = (
    "pair", "implementation", "framework", "version", "classification", "sloc", "cognitive", "cognitive_max",
    "cyclomatic", "halstead_volume", "halstead_difficulty", "max_nesting", "closures", "vocabulary",
    "transforms", "python_loops",
)  # fmt: skip
LABEL = (
    "static analysis of pinned sources (bench code), no hardware involved; one deterministic measurement per "
    "implementation and version (n = 1), ratios JAX / PyTorch"
)
CITATIONS = (
    "Cognitive complexity (complexipy) is the one code metric validated against human comprehension in a large "
    "study (Muñoz Barón, Wyrich and Wagner, ESEM 2020); Scalabrino et al. found that no single metric captures "
    "understandability. complexipy does not raise the nesting level inside a nested function as SonarSource's "
    "rule does, so code built from closures scores somewhat lower than that rule would give (closures column)."
)


def field_rows(store: Store) -> tuple[list[dict[str, Any]], str | None]:
    """(latest measured row per implementation and classification, local first; why nothing was measured)."""
    records = sorted(store.others.get(RECORD_TYPE, []), key=lambda r: r.get("_source") == LOCAL_SOURCE)
    latest: dict[tuple[str, str], dict[str, Any]] = {}
    reason = None
    for record in records:
        if record.get("status") == "not_measured":
            reason = str(record.get("reason"))
            continue
        latest[(str(record.get("implementation")), str(record.get("classification")))] = record
    return list(latest.values()), None if latest else reason


def pair_ratios(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Per pair and classification with one JAX and one PyTorch side: JAX / PyTorch of each RATIO_KEYS metric."""
    sides: dict[tuple[str, str], dict[str, dict[str, Any]]] = {}
    for row in rows:
        sides.setdefault((str(row.get("pair")), str(row.get("classification"))), {})[row.get("framework")] = (
            row
        )
    ratios = []
    for (pair, classification), by_framework in sides.items():
        jax, torch = by_framework.get("jax"), by_framework.get("torch")
        if jax is None or torch is None:
            continue
        ratio = {"pair": pair, "classification": classification, "project": jax.get("package") == PROJECT}
        ratio["versions"] = (
            f"{jax.get('implementation')} {jax.get('version')} / {torch.get('implementation')} {torch.get('version')}"
        )
        for key, _ in RATIO_KEYS:
            a, b = jax.get(key), torch.get(key)
            ratio[key] = round(a / b, 2) if isinstance(a, int | float) and b else None
        ratios.append(ratio)
    return ratios


def spread(ratios: list[dict[str, Any]], key: str) -> tuple[float, float] | None:
    """(min, max) of one ratio over the field's independent pairs (this project left out)."""
    values = [r[key] for r in ratios if not r["project"] and r[key] is not None]
    return (min(values), max(values)) if values else None


def ratio_plot(ratios: list[dict[str, Any]], label: str) -> str:
    """Each pair's ratio per metric, log scale: field pairs as dots, this project's classifications in red."""
    fig, ax = plt.subplots(figsize=(10, 4), layout="constrained")
    field = [r for r in ratios if not r["project"]]
    mine = [r for r in ratios if r["project"]]
    markers = iter("*PDXsv^<>")
    for group, start, style in ((field, -0.35, {}), (mine, 0.08, {"color": "crimson", "s": 70})):
        for k, ratio in enumerate(group):
            x = [i + start + 0.08 * k for i in range(len(RATIO_KEYS))]
            y = [ratio[key] or float("nan") for key, _ in RATIO_KEYS]
            label = f"this project [{ratio['classification']}]" if group is mine else ratio["pair"]
            extra = {"marker": next(markers)} if group is mine else {"color": f"C{k if k < 3 else k + 1}"}
            ax.scatter(x, y, label=label, **style, **extra)
    ax.axhline(1.0, color="grey", lw=1)
    ax.axhline(0.8, color="grey", lw=1, ls="--", label="the claim: JAX 20% shorter (SLOC 0.8)")
    ax.set_yscale("log")
    ticks = [t for t in (0.2, 0.3, 0.5, 0.8, 1, 1.25, 2, 3, 5) if ax.get_ylim()[0] <= t <= ax.get_ylim()[1]]
    ax.set_yticks(ticks, [f"{t:g}" for t in ticks])
    ax.minorticks_off()
    ax.set_xticks(range(len(RATIO_KEYS)), [name.replace(" ", "\n") for _, name in RATIO_KEYS])
    ax.set_ylabel("JAX / PyTorch (log scale)")
    ax.legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.01, 1))
    ax.set_title(f"{len(field)} field pairs and this project's pair\n{label}", fontsize=9)
    return to_data_uri(fig)


def field_code_section(store: Store) -> tuple[str, str, str]:
    """Per implementation each metric; per pair the ratios; the spread with this project placed in it."""
    rows, reason = field_rows(store)
    title = "Code: this project and the field"
    if not rows:
        why = reason or "no field_code_metrics records in the store (run `python -m bench code`)"
        return "field-code", title, f'<p class="note">The field code was not measured: {escape(why)}.</p>'
    ratios = pair_ratios(rows)
    commits = sorted({str((r.get("provenance") or {}).get("git_commit", "?"))[:7] for r in rows})
    label = f"{LABEL} · code {', '.join(commits)}"
    ratio_columns = ("pair", "classification", "versions", *(key for key, _ in RATIO_KEYS))
    spreads = "; ".join(
        f"{name} {fmt(s[0])} to {fmt(s[1])}" for key, name in RATIO_KEYS if (s := spread(ratios, key))
    )
    notes = "".join(
        f"<li>{escape(str(r.get('implementation')))} [{escape(str(r.get('classification')))}]: "
        f"{escape(str(r.get('counts', '')))}; files: {escape(', '.join(map(str, r.get('files') or [])))}"
        + (f"; absent here: {escape(', '.join(map(str, r['absent'])))}" if r.get("absent") else "")
        + "</li>"
        for r in rows
    )
    body = (
        f"<p>{escape(CITATIONS)} Vocabulary, a proxy for what a reader must learn and not a measure of learning "
        "time, counts distinct framework names reached through each file's imports; "
        "transforms counts uses of jit, vmap, scan, grad, cond, tree_map and kin, beside Python for/while "
        "loops. Test helpers and measurement glue never count.</p>"
        f'<figure><img src="{ratio_plot(ratios, label)}" alt="JAX / PyTorch ratio per pair and metric"></figure>'
        f"<p>Across the field's pairs, JAX / PyTorch: {escape(spreads or 'no pair measured')}.</p>"
        + frame_html(records_frame(ratios, ratio_columns), "code", f"JAX / PyTorch per pair · {label}")
        + frame_html(records_frame(rows, COLUMNS), "code", f"Per implementation · {label}")
        + f"<details><summary>What each implementation counts</summary><ul>{notes}</ul></details>"
    )
    return "field-code", title, body
