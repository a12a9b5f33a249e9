"""The code version of a run: a hash of the source that ran, committed or not.

A commit hash alone cannot tell two runs of one commit apart when the working tree was edited in between,
and a resumed bench must never reuse a run of other code (a behaviour fix would silently not apply). The
version hashes the contents of every source file of the packages a contender can execute, plus the
contender's own script when it is one (a file path rather than `-m package`), so any edit, committed or
not, gives a new version. Files are read as they are on disk: that is the code the child process runs.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from pathlib import Path

from bench.harness.contenders import Contender

REPO_ROOT = Path(__file__).resolve().parents[2]
SOURCE_PACKAGES = ("shared_spec", "ppo_envs", "jax_ppo", "torch_ppo", "baselines", "field")
"""Everything a contender process can import from this project (the bench itself never runs in it)."""
SOURCE_SUFFIXES = (".py", ".toml")
VERSION_LENGTH = 16


def source_files(root: Path = REPO_ROOT, packages: Iterable[str] = SOURCE_PACKAGES) -> list[Path]:
    """The source files of `packages` under `root`, in a stable order (caches left out)."""
    files = []
    for package in packages:
        for path in (root / package).rglob("*"):
            if path.is_file() and path.suffix in SOURCE_SUFFIXES and "__pycache__" not in path.parts:
                files.append(path)
    return sorted(files)


def contender_script(contender: Contender) -> Path | None:
    """The script a contender runs directly (its first argument, when that is a file), else None."""
    first = contender.base_args[0] if contender.base_args else ""
    path = Path(first)
    return path if first != "-m" and path.suffix == ".py" and path.is_file() else None


def code_version(contender: Contender, root: Path = REPO_ROOT) -> str:
    """Hex digest over (relative path, bytes) of every source file the contender's process can run."""
    digest = hashlib.sha256()
    files = source_files(root)
    script = contender_script(contender)
    if script is not None:
        files.append(script.resolve())
    for path in files:
        name = path.relative_to(root) if path.is_relative_to(root) else Path(path.name)
        digest.update(str(name).encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()[:VERSION_LENGTH]
