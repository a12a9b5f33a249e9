"""The two core `train.py` files side by side, syntax-highlighted by Pygments with inline styles.

Why: the debate's "harder to read" claim is one no metric settles; the reader judges, so the report shows the
two files that hold the algorithm (the same step names on both sides, docs/ALGORITHM.md) next to each other.
Inline styles (`noclasses=True`) keep the page self-contained: no stylesheet to fetch.
"""

from __future__ import annotations

from html import escape
from pathlib import Path

from pygments import highlight
from pygments.formatters import HtmlFormatter
from pygments.lexers import PythonLexer

REPO_ROOT = Path(__file__).resolve().parents[2]
CORE_FILES = (("JAX", "jax_ppo/train.py"), ("PyTorch", "torch_ppo/train.py"))
STYLE = "friendly"


def highlighted(path: Path) -> str:
    """`path` as an HTML block with inline styles and line numbers."""
    formatter = HtmlFormatter(noclasses=True, style=STYLE, linenos="inline", wrapcode=True)
    return highlight(path.read_text(encoding="utf-8"), PythonLexer(), formatter)


def side_by_side(root: Path = REPO_ROOT) -> str:
    """Both core train.py files in two scrolling columns, each headed by its path; a note if one is missing."""
    columns = []
    for side, relative in CORE_FILES:
        path = root / relative
        if not path.is_file():
            return f'<p class="note">Not shown: {escape(relative)} is not in this checkout.</p>'
        lines = len(path.read_text(encoding="utf-8").splitlines())
        columns.append(
            f'<div class="source"><h4>{escape(side)}: <code>{escape(relative)}</code> ({lines} lines)</h4>'
            f"{highlighted(path)}</div>"
        )
    return f'<div class="side-by-side">{"".join(columns)}</div>'
