"""The results documents are generated: docs/RESULTS.md and every published README are what their templates and
committed stores render to (`python -m bench results`), and their hand-written prose quotes no figure."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from bench.report.results_docs import SOURCES, render_documents

ROOT = Path(__file__).resolve().parents[2]
TEMPLATES = sorted(path for pattern in SOURCES for path in ROOT.glob(pattern))
MEASURED = re.compile(
    r"(?<![\d.\w])\d[\d,]*(\.\d+)?\s?(s|ms|us|SPS|%|x|GB|MB)\b|(?<![\d.\w])\d+\.\d+(?![\d.])"
)
"""A measured figure: a number with a unit of time, speed, share or memory, or any decimal (versions, having two
dots, are not decimals)."""


def test_every_document_is_what_its_store_renders() -> None:
    rendered = render_documents(ROOT)
    assert {p.relative_to(ROOT).as_posix() for p in rendered} >= {"docs/RESULTS.md"}
    stale = [str(p.relative_to(ROOT)) for p, text in rendered.items() if p.read_text() != text]
    assert not stale, f"regenerate with `python -m bench results`: {stale}"


@pytest.mark.parametrize("template", TEMPLATES, ids=lambda p: str(p.relative_to(ROOT)))
def test_the_prose_quotes_no_figure(template: Path) -> None:
    prose = re.sub(r"```.*?```|`[^`]*`|\{\{.*?\}\}|\{#.*?#\}", "", template.read_text(), flags=re.S)
    assert not [m.group() for m in MEASURED.finditer(prose)]


def test_bench_results_writes_stale_documents_and_check_names_them(tmp_path: Path, capsys) -> None:
    from bench.commands.results import ResultsArgs, results

    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "X.md.j2").write_text("# X\n\nProse only.")
    assert results(ResultsArgs(check=True, root=tmp_path)) == 1 and not (tmp_path / "docs" / "X.md").exists()
    assert "stale: " in capsys.readouterr().out
    assert results(ResultsArgs(root=tmp_path)) == 0
    assert (tmp_path / "docs" / "X.md").read_text() == "# X\n\nProse only.\n"
    assert results(ResultsArgs(check=True, root=tmp_path)) == 0
