"""The HTML report: `render_report(store, out)` turns the result store into one self-contained page.

Layout: `data` reads and labels records, `stats` computes intervals, paired ratios and the noise band with
scipy.stats, `tables` and `plots` turn them into tables and figures, `sections` and `answer` into view models
(numbers, labels, verdict codes), `debate` answers the quoted claims; `render` holds the one Jinja2 environment
and `templates/` every word and tag of the page (`templates/sections/`: one template per section). `cli.main` is
the command line; `settings` holds the contenders' order and colours, the comparisons and the matrix.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from bench.harness.write_errors import writing
from bench.report.answer_render import answer_section
from bench.report.data import LOCAL_SOURCE, load_store
from bench.report.model import build_model
from bench.report.render import render
from bench.report.sections import build_sections

DEFAULT_OUT = Path("reports/index.html")


def render_report(
    store_path: Path,
    out_path: Path,
    published_dir: Path | None = None,
    seed: int = 0,
    source: str = LOCAL_SOURCE,
    include_loaded: bool = False,
) -> Path:
    """Render `store_path` (plus `published_dir/*/results.jsonl`) to the self-contained page `out_path`.

    `published_dir` defaults to `published/` beside the store; `seed` fixes every bootstrap, so the same store
    renders the same numbers. It reads records only (no environment is built). `source` labels the store's
    records ("published: <folder>" when a published folder is re-rendered); `include_loaded` counts runs
    marked `loaded` (left out by default). Returns `out_path`.
    """
    store_path, out_path = Path(store_path), Path(out_path)
    if published_dir is None:
        published_dir = store_path.parent / "published"
    model = build_model(load_store(store_path, published_dir, source, include_loaded), seed)
    generated = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    answer = answer_section(model, out_path.parent / "figures")  # first: the answer as pictures
    sections = [answer, *build_sections(model)]
    html = render("page.html.j2", generated=generated, store=store_path, seed=seed, sections=sections)
    tmp = out_path.with_suffix(out_path.suffix + ".tmp")
    with writing(out_path):
        out_path.parent.mkdir(parents=True, exist_ok=True)
        try:
            tmp.write_text(html, encoding="utf-8")
            tmp.replace(out_path)  # readers never see a half-written page
        finally:
            tmp.unlink(missing_ok=True)  # a full disk leaves no partial page behind
    return out_path


__all__ = ["render_report"]
