"""Test helper: parse the report's HTML with the standard library (tables, captions, images, links)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from html.parser import HTMLParser


@dataclass
class Table:
    css_class: str
    caption: str = ""
    header: list[str] = field(default_factory=list)
    rows: list[list[str]] = field(default_factory=list)

    def column(self, name: str) -> list[str]:
        index = self.header.index(name)
        return [row[index] for row in self.rows]

    def row_by(self, column: str, value: str) -> dict[str, str]:
        for row in self.rows:
            record = dict(zip(self.header, row, strict=True))
            if record[column] == value:
                return record
        raise KeyError(f"no row with {column}={value!r} in table {self.caption!r}")


class ReportParser(HTMLParser):
    """Collects tables (with caption, header and body rows), image sources, and every src/href value."""

    def __init__(self) -> None:
        super().__init__()
        self.tables: list[Table] = []
        self.images: list[str] = []
        self.links: list[str] = []
        self._stack: list[Table] = []
        self._cell: list[str] | None = None
        self._row: list[str] | None = None
        self._in_caption = False
        self._in_head = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        for key in ("src", "href"):
            if values.get(key):
                self.links.append(values[key] or "")
        if tag == "img":
            self.images.append(values.get("src") or "")
        elif tag == "table":
            self._stack.append(Table(css_class=values.get("class") or ""))
        elif tag == "caption":
            self._in_caption = True
        elif tag == "thead":
            self._in_head = True
        elif tag == "tr" and self._stack:
            self._row = []
        elif tag in ("td", "th") and self._row is not None:
            self._cell = []

    def handle_endtag(self, tag: str) -> None:
        if tag == "table" and self._stack:
            self.tables.append(self._stack.pop())
        elif tag == "caption":
            self._in_caption = False
        elif tag == "thead":
            self._in_head = False
        elif tag in ("td", "th") and self._cell is not None and self._row is not None:
            self._row.append(" ".join("".join(self._cell).split()))
            self._cell = None
        elif tag == "tr" and self._row is not None and self._stack:
            table = self._stack[-1]
            if self._in_head:
                table.header = self._row
            else:
                table.rows.append(self._row)
            self._row = None

    def handle_data(self, data: str) -> None:
        if self._in_caption and self._stack:
            self._stack[-1].caption += data
        elif self._cell is not None:
            self._cell.append(data)


def parse(html: str) -> ReportParser:
    parser = ReportParser()
    parser.feed(html)
    return parser


NUMBER = r"-?\d[\d,]*(?:\.\d+)?(?:e[+-]?\d+)?"


def numbers(cell: str) -> list[float]:
    """All numbers in a table cell, in order ('9,010 [8,789, 9,232]' -> [9010, 8789, 9232])."""
    return [
        float(m.replace(",", "")) for m in re.findall(rf"{NUMBER}(?=[\s\]\)]|$)", cell.replace(", ", " , "))
    ]
