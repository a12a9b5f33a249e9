"""The report's words and tags live in templates: no HTML tag and no English sentence in a report code string.

Docstrings, error messages (`raise`, lines starting "error: ", argparse `help=` and `description=`) and the strings
in ALLOWED are not page text.
"""

from __future__ import annotations

import ast
import itertools
import re
from pathlib import Path

import pytest

REPORT = Path(__file__).resolve().parents[2] / "bench" / "report"
TAG = re.compile(r"</?[a-zA-Z][a-zA-Z0-9-]*(\s[^<>]*)?/?>")
WORD = re.compile(r"[A-Za-z][A-Za-z'-]+")
PUNCTUATION = re.compile(r"[a-z)]([.;:!?])(\s|$)")
ALLOWED: dict[str, set[str]] = {
    # SVG markup patterns of the figures' minifier (plots.minify_svg): the images' own tags, not page text.
    "plots.py": {
        '<use xlink:href="#\\w+" x="[^"]*" y="[^"]*" style="([^"]*)"/>(?:<use [^>]*style="\\1"/>)+',
        '<g id="[^"]*">',
        "<g>",
        "</g>",
        '<g style="{}">',
    },
}
"""file name -> exact strings allowed (figure labels drawn into images by matplotlib, say), each for a reason."""


def _docstrings(tree: ast.AST) -> set[int]:
    ids = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef) and node.body:
            first = node.body[0]
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
                ids.add(id(first.value))
    for node in ast.walk(tree):
        body = getattr(node, "body", None)
        if isinstance(body, list):
            for before, after in itertools.pairwise(body):
                is_assign = isinstance(before, ast.Assign | ast.AnnAssign)
                if is_assign and isinstance(after, ast.Expr) and isinstance(after.value, ast.Constant):
                    ids.add(id(after.value))
    return ids


def _not_page_text(tree: ast.AST) -> set[int]:
    """Strings inside raise statements and argparse help= and description= keywords."""
    ids = set()
    for node in ast.walk(tree):
        inside = []
        if isinstance(node, ast.Raise) and node.exc is not None:
            inside.append(node.exc)
        if isinstance(node, ast.keyword) and node.arg in ("help", "description"):
            inside.append(node.value)
        for root in inside:
            ids.update(id(n) for n in ast.walk(root))
    return ids


def _strings(path: Path) -> list[tuple[int, str]]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    skip = _docstrings(tree) | _not_page_text(tree)
    out = []
    for node in ast.walk(tree):
        if id(node) in skip:
            continue
        if isinstance(node, ast.JoinedStr):
            parts = [v.value if isinstance(v, ast.Constant) else "{}" for v in node.values]
            out.append((node.lineno, "".join(str(p) for p in parts)))
            skip.update(id(v) for v in node.values)
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            out.append((node.lineno, node.value))
    return out


def page_text(path: Path) -> list[str]:
    """Each string of `path` that is an HTML tag or an English sentence: 'line: text'."""
    allowed = ALLOWED.get(path.name, set())
    found = []
    for line, text in _strings(path):
        if text in allowed or text.startswith("error: "):
            continue
        words = len(WORD.findall(text))
        if TAG.search(text) or (words >= 4 and PUNCTUATION.search(text)) or words >= 8:
            found.append(f"{line}: {text[:80]!r}")
    return found


@pytest.mark.parametrize("path", sorted(REPORT.rglob("*.py")), ids=lambda p: p.name)
def test_report_code_writes_no_page_text(path: Path) -> None:
    found = page_text(path)
    assert not found, f"{path.name} writes page text outside the templates:\n" + "\n".join(found)


def test_the_check_sees_tags_and_sentences(tmp_path: Path) -> None:
    sample = tmp_path / "sample.py"
    sample.write_text(
        '"""A docstring is fine. It says why."""\n'
        'A = f"<p>{1}</p>"\n'
        'B = "The JAX side is shorter; read both files."\n'
        'C = "steady SPS"\n'
        'def f():\n    raise ValueError("a clear error message for the user, with a value.")\n',
        encoding="utf-8",
    )
    found = page_text(sample)
    assert [f.split(":")[0] for f in found] == ["2", "3"]
