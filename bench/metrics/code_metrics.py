"""Code metrics of each implementation's own files: one tool (radon), one rule, shared code counted once.

Per file: source lines (radon SLOC), comment lines (radon: lines holding a `#` comment), docstring lines
(radon "multi"), cyclomatic complexity of every function, method and closure (radon's ComplexityVisitor; class blocks
are left out because radon scores a class as the sum of its methods), the maximum nesting depth and the number
of nested function definitions. Radon does not compute nesting depth, so an AST visitor here does (rule below).

Each trainer's files are split by job (`PART_OF_FILE`): the **core** PPO (`networks.py`, `losses.py`,
`train.py`: the algorithm, which the length and readability claims use), the **adapters** (envs, the running
statistics that mirror Gymnasium's wrappers) and the **glue** (CLI, timing, device and result-line plumbing).
A trainer's record carries the core at top level and the other parts under `parts`. Code both trainers use
(`shared_spec/`, `ppo_envs/`) is counted once, on its own; the references in `baselines/` are not counted.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from radon.raw import analyze
from radon.visitors import ComplexityVisitor

REPO_ROOT = Path(__file__).resolve().parents[2]
IMPLEMENTATIONS = ("jax_ppo", "torch_ppo", "ppo_envs", "shared_spec")
SHARED = ("ppo_envs", "shared_spec")
"""Packages both trainers use: one part, "shared"."""
CORE = "core"
PART_OF_FILE = {
    "networks.py": CORE,
    "losses.py": CORE,
    "train.py": CORE,
    "normalization.py": "adapters",
    "envs.py": "adapters",
    "brax_env.py": "adapters",
    "gym_train.py": "jax-gym",
    "gym_run.py": "jax-gym",
}
"""A trainer file's part; any other file of a trainer (CLI, run.py, device.py, __init__.py) is "glue". The
JAX learner's Gymnasium host loop (contender jax-gym) is a part of its own: neither the core the length and
readability claims use nor the glue of the jax contender grows with it."""
BLOCKS = (ast.If, ast.For, ast.AsyncFor, ast.While, ast.With, ast.AsyncWith, ast.Try, ast.Match)
FUNCTIONS = (ast.FunctionDef, ast.AsyncFunctionDef)
NESTING_RULE = (
    "nesting depth: compound statements (def, if, for, while, with, try, match) inside one another; "
    "module level is 0, a class body does not add a level, an elif chain counts as one level"
)


@dataclass
class FileMetrics:
    """Metrics of one source file."""

    path: str
    sloc: int
    comments: int
    docstring_lines: int
    blank: int
    functions: int
    cc_mean: float | None
    cc_max: int | None
    max_nesting: int
    nested_functions: int
    cc_values: list[int] = field(default_factory=list, repr=False)


def _children_depth(nodes: list[ast.stmt], depth: int) -> int:
    return max((_depth(node, depth) for node in nodes), default=depth)


def _depth(node: ast.AST, depth: int) -> int:
    """Deepest nesting under `node`, which sits at `depth`."""
    if isinstance(node, ast.ClassDef):
        return _children_depth(node.body, depth)
    if isinstance(node, ast.If):
        deepest = _children_depth(node.body, depth + 1)
        is_elif = len(node.orelse) == 1 and isinstance(node.orelse[0], ast.If)
        tail = _depth(node.orelse[0], depth) if is_elif else _children_depth(node.orelse, depth + 1)
        return max(deepest, tail)
    if isinstance(node, (*BLOCKS, *FUNCTIONS)):
        inner = depth + 1
        deepest = inner
        for name in ("body", "orelse", "finalbody"):
            deepest = max(deepest, _children_depth(getattr(node, name, []), inner))
        for handler in getattr(node, "handlers", []):
            deepest = max(deepest, _children_depth(handler.body, inner))
        for case in getattr(node, "cases", []):
            deepest = max(deepest, _children_depth(case.body, inner))
        return deepest
    return depth


def max_nesting(tree: ast.Module) -> int:
    """Maximum nesting depth of compound statements (see NESTING_RULE)."""
    return _children_depth(tree.body, 0)


def nested_function_count(tree: ast.AST, inside_function: bool = False) -> int:
    """Functions (def / async def; lambdas excluded) defined inside another function's body, at any depth."""
    count = 0
    for child in ast.iter_child_nodes(tree):
        is_function = isinstance(child, FUNCTIONS)
        if is_function and inside_function:
            count += 1
        count += nested_function_count(child, inside_function or is_function)
    return count


def _complexities(source: str) -> list[int]:
    """Cyclomatic complexity of every function, method and closure in `source` (each counted once)."""

    def functions(blocks: list[Any]) -> Iterator[int]:
        for block in blocks:
            yield block.complexity
            yield from functions(block.closures)

    def classes(blocks: list[Any]) -> Iterator[int]:
        for block in blocks:  # score a class's methods, not the class (radon sums the methods into it)
            yield from functions(block.methods)
            yield from classes(block.inner_classes)

    visitor = ComplexityVisitor.from_code(source)
    return [*functions(visitor.functions), *classes(visitor.classes)]


def file_metrics(path: Path, root: Path = REPO_ROOT) -> FileMetrics:
    """All metrics of one file."""
    source = path.read_text()
    raw = analyze(source)
    tree = ast.parse(source)
    cc = _complexities(source)
    return FileMetrics(
        path=str(path.relative_to(root)),
        sloc=raw.sloc,
        comments=raw.comments,
        docstring_lines=raw.multi,
        blank=raw.blank,
        functions=len(cc),
        cc_mean=round(sum(cc) / len(cc), 2) if cc else None,
        cc_max=max(cc) if cc else None,
        max_nesting=max_nesting(tree),
        nested_functions=nested_function_count(tree),
        cc_values=cc,
    )


def part_of(package: str, path: Path) -> str:
    """ "shared" for a shared package, else the file's part in `PART_OF_FILE` ("glue" if unlisted)."""
    return "shared" if package in SHARED else PART_OF_FILE.get(path.name, "glue")


def package_files(package: str, root: Path = REPO_ROOT) -> dict[str, list[Path]]:
    """part -> the `*.py` files of `package` in it, sorted."""
    files = sorted(p for p in (root / package).rglob("*.py") if "__pycache__" not in p.parts)
    parts: dict[str, list[Path]] = {}
    for path in files:
        parts.setdefault(part_of(package, path), []).append(path)
    return parts


def summarize(implementation: str, part: str, files: list[FileMetrics]) -> dict[str, Any]:
    """Totals of one group of files; the complexity mean is over all its functions, not a mean of file means."""
    cc = [value for f in files for value in f.cc_values]
    return {
        "implementation": implementation,
        "part": part,
        "num_files": len(files),
        "sloc": sum(f.sloc for f in files),
        "comments": sum(f.comments for f in files),
        "docstring_lines": sum(f.docstring_lines for f in files),
        "functions": len(cc),
        "cc_mean": round(sum(cc) / len(cc), 2) if cc else None,
        "cc_max": max(cc) if cc else None,
        "max_nesting": max((f.max_nesting for f in files), default=0),
        "nested_functions": sum(f.nested_functions for f in files),
        "files": [{k: v for k, v in asdict(f).items() if k != "cc_values"} for f in files],
        "tool": "radon",
        "nesting_rule": NESTING_RULE,
    }


def measure_all(root: Path = REPO_ROOT) -> list[dict[str, Any]]:
    """One summary per implementation: its core (or shared) files at top level, its other parts under `parts`."""
    summaries = []
    for package in IMPLEMENTATIONS:
        by_part = {
            part: [file_metrics(p, root) for p in paths]
            for part, paths in package_files(package, root).items()
        }
        main_part = "shared" if package in SHARED else CORE
        summary = summarize(package, main_part, by_part.pop(main_part, []))
        summary["parts"] = {part: summarize(package, part, files) for part, files in sorted(by_part.items())}
        summaries.append(summary)
    return summaries


def format_table(summaries: list[dict[str, Any]]) -> str:
    """Per-file rows under each group's total row, as plain text."""
    header = f"{'file / group':44s} {'SLOC':>6s} {'comm':>5s} {'doc':>5s} {'funcs':>5s} {'CCmean':>6s} {'CCmax':>5s} {'nest':>4s} {'nestdef':>7s}"
    lines = [header, "-" * len(header)]

    def row(name: str, m: dict[str, Any]) -> str:
        mean = "-" if m["cc_mean"] is None else f"{m['cc_mean']:.2f}"
        cmax = "-" if m["cc_max"] is None else str(m["cc_max"])
        return (
            f"{name:44s} {m['sloc']:6d} {m['comments']:5d} {m['docstring_lines']:5d} {m['functions']:5d} "
            f"{mean:>6s} {cmax:>5s} {m['max_nesting']:4d} {m['nested_functions']:7d}"
        )

    groups = [group for summary in summaries for group in (summary, *summary.get("parts", {}).values())]
    for group in groups:
        lines.append(row(f"{group['implementation']} [{group['part']}] TOTAL", group))
        lines += [row("  " + f["path"], f) for f in group["files"]]
    lines.append(f"complexity over functions, methods and closures (radon cc); {NESTING_RULE}")
    return "\n".join(lines)
