"""One Jinja2 environment for every part of the page: view models in, HTML out.

Python computes numbers and verdict codes; every word and tag of the page lives in `templates/`. Tables are
passed as `Table` (caption, columns, rows of already formatted cells) and drawn by `macros.html.j2`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import pandas as pd
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

TEMPLATES = Path(__file__).resolve().parent / "templates"
MISSING = "–"
FOLD_ROWS = 10
"""Tables longer than this fold away (`<details>`, caption as summary): the page stays skimmable."""


@dataclass(frozen=True)
class Table:
    """A table's content; `macros.table` draws it, folded when it has more than FOLD_ROWS rows."""

    caption: str
    columns: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    css_class: str = ""

    @property
    def folded(self) -> bool:
        return len(self.rows) > FOLD_ROWS


def table_of(frame: pd.DataFrame, caption: str, css_class: str = "") -> Table:
    """A DataFrame as a Table: every cell a string, missing values as MISSING."""
    rows = tuple(
        tuple(MISSING if _missing(v) else str(v) for v in row) for row in frame.itertuples(index=False)
    )
    return Table(caption, tuple(str(c) for c in frame.columns), rows, css_class)


def table_of_rows(rows: Sequence[dict[str, Any]], caption: str, css_class: str = "") -> Table:
    """Dict rows (one key per column, first row's keys in order) as a Table."""
    return table_of(pd.DataFrame(list(rows)), caption, css_class)


def _missing(value: Any) -> bool:
    try:
        return value is None or bool(pd.isna(value))
    except (TypeError, ValueError):  # lists and arrays are values, not missing
        return False


def fmt(value: float | None) -> str:
    """A number for a table cell: 4 significant digits, thousands separated, MISSING when missing."""
    if value is None:
        return MISSING
    if abs(value) >= 10_000:
        return f"{value:,.0f}"
    return f"{value:.4g}"


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
    env.globals["MISSING"] = MISSING
    return env


def render(template: str, **context: Any) -> str:
    """Render one template of `templates/` with `context`."""
    return environment().get_template(template).render(**context)


def text(template: str, **context: Any) -> str:
    """Render a `.txt.j2` template to one line (captions, labels): whitespace collapsed."""
    return " ".join(render(template, **context).split())
