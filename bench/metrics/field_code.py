"""`python -m bench code`: this project's pair and the field's PPO implementations, measured by one rule.

The archives pinned in `field_code.toml` are fetched with `pip download --no-deps` (never installed) into a
cache outside git, checked against their sha256 and read in memory: third-party code never enters the
repository. This pair is measured under each classification of the table (the length verdict turns on which
files count), the packages both trainers share once, whole.
"""

from __future__ import annotations

import hashlib
import io
import subprocess
import sys
import tarfile
import tempfile
import tomllib
import zipfile
from pathlib import Path
from typing import Any

import pandas as pd

from bench.metrics.source_metrics import METRIC_KEYS, Source, measure

TABLE = Path(__file__).with_name("field_code.toml")
DEFAULT_CACHE = Path("reports/field-code")
"""Inside reports/, which git ignores."""
RECORD_TYPE = "code_metrics"
PROJECT = "ppo-bench"
DOWNLOAD_TIMEOUT_S = 120


class FieldCodeError(Exception):
    """An archive that cannot be had or does not match its hash: one line naming the package."""


def load_table(path: Path | None = None) -> dict[str, Any]:
    with (path or TABLE).open("rb") as handle:
        return tomllib.load(handle)


def obtain(archive: dict[str, Any], from_dir: Path | None, cache: Path) -> Path:
    """The verified archive: from `from_dir` (offline), else the cache, else `pip download` into the cache."""
    name = f"{archive['package']} {archive['version']}"
    path = (from_dir or cache) / archive["filename"]
    if from_dir is not None and not path.exists():
        raise FieldCodeError(f"{name}: {archive['filename']} is not in --from {from_dir}")
    if not path.exists() and not pip_download(archive, cache):
        raise FieldCodeError(
            f"{name}: cannot download it with its declared sha256 (offline?) and {cache} has no copy; use --from DIR"
        )
    actual = hashlib.sha256(path.read_bytes()).hexdigest()
    if actual != archive["sha256"]:
        raise FieldCodeError(f"{name}: {path} has sha256 {actual}, declared {archive['sha256']}")
    return path


def pip_download(archive: dict[str, Any], cache: Path) -> bool:
    """`pip download --no-deps` of the pinned version into `cache` (the wheel, or the sdist when that is the
    declared file) in hash-checking mode, so pip refuses another file before building an sdist's metadata;
    True when the declared file is there afterwards."""
    binary = "--no-binary" if archive["filename"].endswith(".tar.gz") else "--only-binary"
    pin = f"{archive['package']}=={archive['version']} --hash=sha256:{archive['sha256']}\n"
    with tempfile.NamedTemporaryFile("w", suffix=".txt") as requirements:
        requirements.write(pin)
        requirements.flush()
        command = [sys.executable, "-m", "pip", "download", "--no-deps", binary, ":all:", "--quiet"]
        command += ["--require-hashes", "--dest", str(cache), "-r", requirements.name]
        try:
            subprocess.run(command, capture_output=True, timeout=DOWNLOAD_TIMEOUT_S, check=False)
        except subprocess.TimeoutExpired:
            return False
    return (cache / archive["filename"]).exists()


def read_members(path: Path, wanted: list[str]) -> dict[str, str]:
    """Text of each wanted file of a wheel, or of an sdist (whose files sit under one top folder)."""
    if path.name.endswith(".tar.gz"):
        with tarfile.open(path) as tar:
            members = {m.name.split("/", 1)[-1]: m for m in tar.getmembers() if m.isfile()}
            found = {w: tar.extractfile(members[w]) for w in wanted if w in members}
            texts = {w: io.TextIOWrapper(f, encoding="utf-8").read() for w, f in found.items() if f}
    else:
        with zipfile.ZipFile(path) as wheel:
            names = set(wheel.namelist())
            texts = {w: wheel.read(w).decode("utf-8") for w in wanted if w in names}
    missing = [w for w in wanted if w not in texts]
    if missing:
        raise FieldCodeError(f"{path.name}: declared file(s) missing from the archive: {', '.join(missing)}")
    return texts


def _split(entry: str) -> tuple[str, tuple[str, ...]]:
    path, _, names = entry.partition("::")
    return path, tuple(n.strip() for n in names.split(",") if n.strip())


def measure_field(table: dict[str, Any], from_dir: Path | None, cache: Path) -> list[dict[str, Any]]:
    """One record body per declared implementation, with its archive's version and hash."""
    cache.mkdir(parents=True, exist_ok=True)
    archives = {a["package"]: a for a in table["archive"]}
    paths = {name: obtain(a, from_dir, cache) for name, a in archives.items()}
    rows = []
    for impl in table["implementation"]:
        archive = archives[impl["package"]]
        entries = [_split(entry) for entry in impl["files"]]
        texts = read_members(paths[impl["package"]], [path for path, _ in entries])
        sources = [Source(path, texts[path], names) for path, names in entries]
        try:
            metrics = measure(sources)
        except (ValueError, SyntaxError) as err:
            raise FieldCodeError(f"{impl['name']}: {err}") from None
        rows.append(
            {
                "implementation": impl["name"],
                "package": impl["package"],
                "version": archive["version"],
                "sha256": archive["sha256"],
                "archive": archive["filename"],
                "framework": impl["framework"],
                "pair": impl["pair"],
                "classification": "as declared",
                "counts": impl["counts"],
                "files": impl["files"],
                **metrics,
            }
        )
    return rows


def is_test_file(path: Path) -> bool:
    """Test helpers never count as PPO: anything under a tests folder, test_*.py, *_test.py, conftest.py."""
    return (
        "tests" in path.parts
        or path.name.startswith("test_")
        or path.stem.endswith("_test")
        or (path.name == "conftest.py")
    )


def classify(package_dir: Path, patterns: list[str]) -> tuple[list[Path], list[str]]:
    """(files the patterns match, sorted, tests excluded; patterns that matched nothing)."""
    files: set[Path] = set()
    absent = []
    for pattern in patterns:
        matched = [p for p in package_dir.glob(pattern) if p.is_file() and "__pycache__" not in p.parts]
        files.update(p for p in matched if not is_test_file(p.relative_to(package_dir)))
        if not matched:
            absent.append(pattern)
    return sorted(files), absent


def measure_project(table: dict[str, Any], root: Path) -> list[dict[str, Any]]:
    """This project's two trainers under each classification of the table, then each shared package whole."""
    project = table["project"]
    measured = [
        (project[framework], framework, classification, patterns)
        for classification, patterns in project["classification"].items()
        for framework in ("jax", "torch")
    ]
    measured += [(package, "shared", "shared", ["**/*.py"]) for package in project["shared"]]
    rows = []
    for package, framework, classification, patterns in measured:
        files, absent = classify(root / package, patterns)
        sources = [Source(str(p.relative_to(root)), p.read_text()) for p in files]
        rows.append(
            {
                "implementation": package,
                "package": PROJECT,
                "version": "this checkout",
                "framework": framework,
                "pair": project["pair"],
                "classification": classification,
                "counts": f"{package}/ files matching {', '.join(patterns)}; tests excluded",
                "files": [s.label for s in sources],
                "absent": absent,
                **measure(sources),
            }
        )
    return rows


def format_rows(rows: list[dict[str, Any]]) -> str:
    """One line per implementation and classification, every metric, as plain text."""
    columns = ["implementation", "framework", "classification", *METRIC_KEYS]
    return pd.DataFrame(rows, columns=columns).to_string(index=False)
