"""The results documents, rendered from committed stores: docs/*.md and each published folder's README.md.

Why: a figure a reader cites must come from a store through the report's own rules (pairing, intervals, noise
band, verdict words), never be copied by hand. Each document is a template beside its output (`docs/RESULTS.md.j2`,
`reports/published/<folder>/README.md.j2`) whose hand-written prose explains and quotes no figure;
`{{ figures("<folder>") }}` inserts that published store's figures, computed by the model the HTML report uses
(`model.build_model`) and worded by `templates/results/figures.md.j2`. `python -m bench results` writes them;
tests/report/test_results_docs.py regenerates them and fails on any difference.
"""

from __future__ import annotations

import re
from functools import partial
from pathlib import Path

from jinja2 import FileSystemLoader

from bench.report.data import PUBLISHED_PREFIX, latest_code_metrics, load_store
from bench.report.debate import pair_answers
from bench.report.field_pairs import COLUMNS as PAIR_COLUMNS
from bench.report.field_pairs import pair_rows
from bench.report.model import build_model
from bench.report.render import TEMPLATES, Table, cell, environment, table_of_rows
from bench.report.sections import CODE_COLUMNS, controls_model
from bench.report.tables import fmt_band, fmt_ratio, headline_table, phase_split_table

PUBLISHED = Path("reports/published")
SOURCES = ("docs/*.md.j2", f"{PUBLISHED}/*/README.md.j2")
"""The document templates, relative to the repository root: each renders to its own path without `.j2`."""
COMPARISON_COLUMNS = (
    "comparison", "steady SPS ratio", "noise band of the two", "verdict", "first update ratio (cold starts)",
    "time to threshold ratio",
)  # fmt: skip


def store_figures(published: Path, folder: str) -> str:
    """Markdown of one published store's figures: per group its headline, comparisons, phase split and
    third-party pairs; the controls and code metrics it holds."""
    store = load_store(published / folder / "results.jsonl", None, PUBLISHED_PREFIX + folder)
    model = build_model(store)
    groups = []
    for g in model.groups:
        answers = [a for found in pair_answers([(g.matrix.caption, g.summaries)]).values() for a in found]
        comparisons = tuple(
            (f"{a.comparison.left} / {a.comparison.right}", fmt_ratio(a.sps), fmt_band(a.band),
             cell("verdict", a.verdict), fmt_ratio(a.first_update), fmt_ratio(a.threshold))
            for a in answers
        )  # fmt: skip
        gpu = any(r.device_kind == "gpu" for r in g.runs)
        groups.append({
            "caption": cell("caption", g.matrix.caption),
            "headline": headline_table(g.summaries, gpu, {}),
            "comparisons": Table("", COMPARISON_COLUMNS, comparisons),
            "split": phase_split_table(g.summaries),
            "pairs": Table("", PAIR_COLUMNS, tuple(pair_rows(g.summaries, g.runs))),
        })  # fmt: skip
    controls = controls_model(store)
    code = latest_code_metrics(store)
    shown = {k: h for k, h in CODE_COLUMNS.items() if any(r.get(k) is not None for r in code)}
    code_table = table_of_rows([{h: r.get(k) for k, h in shown.items()} for r in code]) if code else None
    text = (
        environment()
        .get_template("results/figures.md.j2")
        .render(groups=groups, controls=controls, code=code_table, length=model.code.length)
    )
    return re.sub(r"\n{3,}", "\n\n", text).strip()


def render_documents(root: Path) -> dict[Path, str]:
    """Every results document under `root` (SOURCES) -> the text its template and stores render to."""
    env = environment().overlay(loader=FileSystemLoader([root, TEMPLATES]))
    env.globals["figures"] = partial(store_figures, root / PUBLISHED)
    sources = sorted(path for pattern in SOURCES for path in root.glob(pattern))
    return {
        path.with_suffix(""): env.get_template(path.relative_to(root).as_posix()).render() + "\n"
        for path in sources
    }


def stale_documents(root: Path) -> dict[Path, str]:
    """The documents whose file differs from what they render to (missing ones included), with their text."""
    rendered = render_documents(root)
    return {p: text for p, text in rendered.items() if not p.is_file() or p.read_text() != text}
