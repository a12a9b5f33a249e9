"""`python -m bench loc`: code metrics of this project's own files, by part, with the rules of `source_metrics`.

Per file: source lines (radon SLOC), comment lines (lines holding a `#` comment), docstring lines (radon
"multi"), the cyclomatic complexity of every function, method and closure, the maximum nesting depth and the
nested function definitions. Each trainer's files are split by job (`PART_OF_FILE`): the **core** PPO (the
algorithm, which the length and readability claims use) at the record's top level, the **adapters** (envs,
the running statistics that mirror Gymnasium's wrappers) and the **glue** (CLI, timing, device and result-line
plumbing) under `parts`. Code both trainers use (`shared_spec/`, `ppo_envs/`) is counted once, on its own.
"""

from __future__ import annotations

import ast
from pathlib import Path
from typing import Any

import pandas as pd
from radon.raw import analyze

from bench.metrics.source_metrics import NESTING_RULE, closures, function_complexities, nesting_depth

REPO_ROOT = Path(__file__).resolve().parents[2]
IMPLEMENTATIONS = ("jax_ppo", "torch_ppo", "ppo_envs", "shared_spec")
SHARED = ("ppo_envs", "shared_spec")
"""Packages both trainers use: one part, "shared"."""
CORE = "core"
PART_OF_FILE = {
    **dict.fromkeys(("networks.py", "losses.py", "train.py"), CORE),
    **dict.fromkeys(("normalization.py", "envs.py", "brax_env.py", "warp_env.py"), "adapters"),
    "gym_train.py": "jax-gym",
}
"""A trainer file's part; any other file of a trainer (CLI, run.py, device.py, __init__.py) is "glue". The
JAX learner's Gymnasium host loop (contender jax-gym) is a part of its own: neither the core the length and
readability claims use nor the glue of the jax contender grows with it."""
COLUMNS = {
    "sloc": "SLOC", "comments": "comm", "docstring_lines": "doc", "functions": "funcs", "cc_mean": "CCmean",
    "cc_max": "CCmax", "max_nesting": "nest", "nested_functions": "nestdef",
}  # fmt: skip
"""The table's columns (record keys -> header)."""


def complexity(cc: list[int]) -> dict[str, Any]:
    """How many functions, their mean complexity (over functions, not a mean of file means) and the maximum."""
    return {
        "functions": len(cc),
        "cc_mean": round(sum(cc) / len(cc), 2) if cc else None,
        "cc_max": max(cc, default=None),
    }


def file_metrics(path: Path, root: Path = REPO_ROOT) -> dict[str, Any]:
    """All metrics of one file; `cc_values` (each function's complexity) is not stored."""
    source = path.read_text()
    raw, tree, cc = analyze(source), ast.parse(source), function_complexities(source)
    return {
        "path": str(path.relative_to(root)),
        "sloc": raw.sloc,
        "comments": raw.comments,
        "docstring_lines": raw.multi,
        "blank": raw.blank,
        **complexity(cc),
        "max_nesting": nesting_depth(tree.body),
        "nested_functions": closures(tree),
        "cc_values": cc,
    }


def package_files(package: str, root: Path = REPO_ROOT) -> dict[str, list[Path]]:
    """part -> the `*.py` files of `package` in it, sorted ("shared" for a shared package)."""
    parts: dict[str, list[Path]] = {}
    for path in sorted(p for p in (root / package).rglob("*.py") if "__pycache__" not in p.parts):
        part = "shared" if package in SHARED else PART_OF_FILE.get(path.name, "glue")
        parts.setdefault(part, []).append(path)
    return parts


def summarize(implementation: str, part: str, files: list[dict[str, Any]]) -> dict[str, Any]:
    """Totals of one group of files."""
    total = {key: sum(f[key] for f in files) for key in ("sloc", "comments", "docstring_lines")}
    return {
        "implementation": implementation,
        "part": part,
        "num_files": len(files),
        **total,
        **complexity([value for f in files for value in f["cc_values"]]),
        "max_nesting": max((f["max_nesting"] for f in files), default=0),
        "nested_functions": sum(f["nested_functions"] for f in files),
        "files": [{k: v for k, v in f.items() if k != "cc_values"} for f in files],
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
    rows = []
    for group in [group for s in summaries for group in (s, *s.get("parts", {}).values())]:
        rows.append({"file / group": f"{group['implementation']} [{group['part']}] TOTAL", **group})
        rows += [{"file / group": "  " + f["path"], **f} for f in group["files"]]
    table = pd.DataFrame(rows, columns=["file / group", *COLUMNS], dtype=object).fillna("-")
    text = table.rename(columns=COLUMNS).to_string(index=False, formatters={"file / group": "{:<44s}".format})
    return f"{text}\ncomplexity over functions, methods and closures (radon cc); {NESTING_RULE}"
