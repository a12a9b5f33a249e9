"""The two core `train.py` files side by side, syntax-highlighted by Pygments with inline styles.

Why: the debate's "harder to read" claim is one no metric settles; the reader judges, so the report shows the
two files that hold the algorithm (the same step names on both sides, docs/ALGORITHM.md) next to each other.
Inline styles (`noclasses=True`) keep the page self-contained; unstyled tokens stay plain text and there are
no line numbers (the files' own step names are what a reader compares), which halves the bytes.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from markupsafe import Markup
from pygments import highlight
from pygments.formatters import HtmlFormatter
from pygments.lexers import PythonLexer

REPO_ROOT = Path(__file__).resolve().parents[2]
CORE_FILES = (("JAX", "jax_ppo/train.py"), ("PyTorch", "torch_ppo/train.py"))
STYLE = "friendly"


@dataclass(frozen=True)
class SourceFile:
    side: str
    path: str
    lines: int
    html: Markup
    """Pygments' highlighted HTML (escaped by Pygments)."""


def side_by_side(root: Path = REPO_ROOT) -> tuple[SourceFile, ...] | str:
    """Both core train.py files, highlighted; or the relative path of the first one this checkout lacks."""
    files = []
    for side, relative in CORE_FILES:
        path = root / relative
        if not path.is_file():
            return relative
        source = path.read_text(encoding="utf-8")
        formatter = HtmlFormatter(noclasses=True, style=STYLE, wrapcode=True)
        html = Markup(highlight(source, PythonLexer(), formatter))
        files.append(SourceFile(side, relative, len(source.splitlines()), html))
    return tuple(files)
