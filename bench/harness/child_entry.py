"""`python -m bench.harness.child_entry MODULES_FILE (-m MODULE | SCRIPT) ARGS...`: run a contender, then list
the project modules it loaded (names and files, as JSON in MODULES_FILE), so the harness can check the code
version's import closure against what really ran (code_version.py).

It also dies with the harness that started it (PR_SET_PDEATHSIG): a bench killed with kill -9, or a Ray worker
lost mid-run, leaves no trainer running on to compete with the runs that follow.
"""

from __future__ import annotations

import ctypes
import json
import os
import runpy
import signal
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
HARNESS_PID_ENV = "PPO_BENCH_HARNESS_PID"
"""The pid of the harness that started this process (set by bench.harness.runner)."""
PR_SET_PDEATHSIG = 1


def die_with_harness() -> None:
    """Ask Linux for SIGKILL when the harness dies; exit now if it already has (we were re-parented)."""
    expected = os.environ.pop(HARNESS_PID_ENV, "")
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    except (OSError, AttributeError):  # not Linux: the harness's own kill on timeout or Ctrl-C remains
        return
    if expected.isdigit() and os.getppid() != int(expected):
        sys.exit(f"child_entry: the harness (pid {expected}) ended before this run started")


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
    die_with_harness()
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
