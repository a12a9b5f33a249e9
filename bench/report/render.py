"""One Jinja2 environment for every part of the page: view models in, HTML out.

Python computes numbers and verdict codes; every word and tag of the page lives in `templates/`. Tables are
passed as `Table` (caption, columns, rows of already formatted cells) and drawn by `macros.html.j2`; a section
is one template under `templates/sections/` (`section`), a table cell's wording one macro of `cells.txt.j2`
(`cell`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from bench.report import stats
from bench.report.data import LOCAL_SOURCE, source_label

TEMPLATES = Path(__file__).resolve().parent / "templates"
MISSING = "–"
FOLD_ROWS = 10
"""Tables longer than this fold away (`<details>`, caption as summary): the page stays skimmable."""

Section = tuple[str, str, str]
"""(anchor, title, body HTML): what the page template lays out."""


@dataclass(frozen=True)
class Table:
    """A table's content; `macros.table` draws it, folded when it has more than FOLD_ROWS rows (or `fold`)."""

    caption: str
    columns: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    css_class: str = ""
    fold: bool = False

    @property
    def folded(self) -> bool:
        return self.fold or len(self.rows) > FOLD_ROWS


def table_of_rows(
    rows: Sequence[dict[str, Any]],
    caption: str = "",
    css_class: str = "",
    fold: bool = False,
    columns: Sequence[str] | None = None,
) -> Table:
    """Dict rows as a Table: `columns` (default: every key, in order of first appearance), a missing key as
    MISSING."""
    columns = tuple(columns or dict.fromkeys(key for row in rows for key in row))
    cells = tuple(tuple(cell_text(row.get(c)) for c in columns) for row in rows)
    return Table(caption, tuple(map(str, columns)), cells, css_class, fold)


def cell_text(value: Any) -> str:
    """A value as a table cell: floats via `fmt`, lists as 64x64, None and NaN as MISSING."""
    if isinstance(value, list | tuple):
        return "x".join(map(str, value))
    if value is None or (isinstance(value, float) and value != value):
        return MISSING
    return fmt(value) if isinstance(value, float) else str(value)


def fmt(value: float | None) -> str:
    """A number for a table cell: 4 significant digits, thousands separated, MISSING when missing."""
    if value is None:
        return MISSING
    if abs(value) >= 10_000:
        return f"{value:,.0f}"
    return f"{value:.4g}"


def fmt_times(value: float) -> str:
    """A ratio as '1.63x' (two decimals; two significant digits below 0.1)."""
    return f"{value:.2f}x" if value >= 0.1 else f"{value:.2g}x"


@cache
def environment() -> Environment:
    """Templates with HTML escaping (`.html.j2`), strict undefined names, and the report's number formats."""
    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(enabled_extensions=("html.j2",), default_for_string=False),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=False,
    )
    env.filters["num"] = fmt
    env.filters["x"] = lambda value: f"{value:.2f}"
    env.filters["times"] = fmt_times
    env.globals |= {
        "MISSING": MISSING,
        "LOCAL": LOCAL_SOURCE,
        "published_source": source_label,
        "stats": stats,
    }
    return env


def render(template: str, **context: Any) -> str:
    """Render one template of `templates/` with `context`."""
    return environment().get_template(template).render(**context)


def text(template: str, **context: Any) -> str:
    """Render a `.txt.j2` template to one line (captions, labels): whitespace collapsed."""
    return " ".join(render(template, **context).split())


def cell(macro: str, *args: Any) -> str:
    """One macro of `cells.txt.j2` (a table cell's or a label's wording) on `args`, as one line."""
    return " ".join(str(getattr(environment().get_template("cells.txt.j2").module, macro)(*args)).split())


def section(anchor: str, template: str | None = None, collapse: bool = False, **context: Any) -> Section:
    """`templates/sections/<template or anchor>.html.j2` over `context`: (anchor, the template's `title`, its
    body; with `collapse`, its whitespace runs made one space: the claims sections' long sentences)."""
    module = environment().get_template(f"sections/{template or anchor}.html.j2").make_module(context)
    body = " ".join(str(module).split()) if collapse else str(module)
    return anchor, str(module.title), body
