"""The code version of a run: a hash of the project files its contender can execute, committed or not.

A commit hash cannot tell two runs of one commit apart when the tree was edited in between, and hashing every
package would make a PyTorch-only edit start the JAX runs over. So the version covers the static import closure
of the contender's entry module (lazy imports inside functions included) and the TOML files (presets) of its
packages. It is known before the run, so resume can use it; after the run, the modules the child really
loaded are checked against it (`missed_modules`).
"""

from __future__ import annotations

import ast
import hashlib
from pathlib import Path

from bench.harness.contenders import Contender

REPO_ROOT = Path(__file__).resolve().parents[2]
VERSION_LENGTH = 16


def entry_file(contender: Contender, root: Path = REPO_ROOT) -> Path:
    """The file a contender's process starts in: `-m pkg` -> pkg/__main__.py (or pkg.py), else its script."""
    if contender.base_args[0] == "-m":
        parts = contender.base_args[1].split(".")
        package = root.joinpath(*parts)
        return package / "__main__.py" if package.is_dir() else package.with_suffix(".py")
    return Path(contender.base_args[0]).resolve()


def _module_files(name: str, search: tuple[Path, ...]) -> list[Path]:
    """The files that `import name` runs from `search` roots: each package's __init__ on the way, then the module."""
    for root in search:
        files, path = [], root
        for part in name.split("."):
            path = path / part
            if (path / "__init__.py").is_file():
                files.append(path / "__init__.py")
            elif path.with_suffix(".py").is_file():
                files.append(path.with_suffix(".py"))
                break
            else:
                files = []
                break
        if files:
            return files
    return []


def _imported_names(path: Path, package: str) -> set[str]:
    """Every module name an import statement of `path` may load (`from a import b`: a and a.b); `package` is
    what its relative imports resolve against."""
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:  # relative: resolved against the importing module's package
                parent = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*parent, base] if base else parent)
            names.add(base)
            names.update(f"{base}.{alias.name}" for alias in node.names)
    return names


def _package_of(path: Path, search: tuple[Path, ...]) -> str:
    """The dotted package a file's relative imports resolve against."""
    for root in search:
        if path.is_relative_to(root):
            return ".".join(path.relative_to(root).parent.parts)
    return ""


def search_roots(contender: Contender, root: Path = REPO_ROOT) -> tuple[Path, ...]:
    """Where the child finds project modules: a script's own folder first (`python SCRIPT`), then the repo."""
    return (root,) if contender.base_args[0] == "-m" else (entry_file(contender, root).parent, root)


def import_closure(contender: Contender, root: Path = REPO_ROOT) -> set[Path]:
    """The project files reachable from the contender's entry by import statements."""
    search = search_roots(contender, root)
    seen: set[Path] = set()
    todo = [entry_file(contender, root)]
    while todo:
        path = todo.pop()
        if path not in seen:
            seen.add(path)
            for name in _imported_names(path, _package_of(path, search)):
                todo.extend(_module_files(name, search))
    return seen


def hashed_files(contender: Contender, root: Path = REPO_ROOT) -> list[Path]:
    """The import closure of the contender's entry plus the TOML files (presets) of the packages in it."""
    closure = import_closure(contender, root)
    packages = {p.relative_to(root).parts[0] for p in closure if p.is_relative_to(root)}
    data = {
        p
        for package in packages
        if (root / package / "__init__.py").is_file()
        for p in (root / package).rglob("*.toml")
    }
    return sorted(closure | data)


def code_version(contender: Contender, root: Path = REPO_ROOT) -> str:
    """Hex digest over (relative path, bytes) of every file of `hashed_files`."""
    digest = hashlib.sha256()
    for path in hashed_files(contender, root):
        name = path.relative_to(root) if path.is_relative_to(root) else Path(path.name)
        digest.update(str(name).encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()[:VERSION_LENGTH]


def missed_modules(
    contender: Contender, loaded: dict[str, str] | None, root: Path = REPO_ROOT
) -> list[str] | None:
    """Modules the run loaded from the project that the static closure missed (None: the child did not say)."""
    if loaded is None:
        return None
    closure = import_closure(contender, root)
    return sorted(name for name, file in loaded.items() if Path(file).resolve() not in closure)
