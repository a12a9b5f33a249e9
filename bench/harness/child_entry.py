"""`python -m bench.harness.child_entry MODULES_FILE (-m MODULE | SCRIPT) ARGS...`: run a contender, then list
the project modules it loaded (names and files, as JSON in MODULES_FILE), so the harness can check the code
version's import closure against what really ran (code_version.py).
"""

from __future__ import annotations

import json
import os
import runpy
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def is_project_file(path: Path, root: Path = ROOT, prefix: Path = Path(sys.prefix)) -> bool:
    """A file of the project: under `root`, not the bench (this bootstrap included), and not an installed
    package (a virtualenv inside the checkout, such as `.venv`, holds site-packages under `root` too)."""
    if not path.is_absolute():  # some libraries' pseudo-modules carry relative `__file__` names
        return False
    resolved = path.resolve()
    installed = resolved.is_relative_to(prefix.resolve()) or "site-packages" in resolved.parts
    return resolved.is_relative_to(root) and not resolved.is_relative_to(root / "bench") and not installed


def loaded_project_modules(root: Path = ROOT) -> dict[str, str]:
    """Module name -> file, for every imported module that is a project file."""
    loaded = {}
    for name, module in list(sys.modules.items()):
        path = Path(str(getattr(module, "__file__", None) or "/"))
        if is_project_file(path, root):
            loaded[name] = str(path.resolve())
    return loaded


def main(argv: list[str]) -> None:
    modules_file, target = Path(argv[0]), argv[1:]
    try:
        if target[0] == "-m":
            sys.argv = [target[1], *target[2:]]
            runpy.run_module(target[1], run_name="__main__", alter_sys=True)
        else:
            sys.argv = list(target)
            sys.path[0] = os.path.dirname(os.path.abspath(target[0]))  # as `python SCRIPT` sets it
            runpy.run_path(target[0], run_name="__main__")
    finally:
        modules_file.write_text(json.dumps(loaded_project_modules()))


if __name__ == "__main__":
    main(sys.argv[1:])
