"""`python -m bench.harness.migrate STORE...`: bring stores written before schema version 2 to it, once.

Version 2 has one code-metrics record type and one rule (`bench code`, `metrics/source_metrics.py`):
`bench loc`'s `code_metrics` records (one per package, its parts nested under `parts`) become one flat record
per (implementation, part), the part as `classification`, `nested_functions` as `closures` and `cc_max` as
`cyclomatic_max` (the same counts under the one rule's names: `source_metrics.closures` and
`function_complexities`), the other figures kept as measured;
`field_code_metrics` records become `code_metrics`. Every record is stamped with the version. A store is
rewritten atomically; migrating a migrated store changes nothing. Readers then read one shape.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from bench.harness.schema import STORE_SCHEMA_VERSION

PROJECT = "ppo-bench"
FRAMEWORKS = {"jax_ppo": "jax", "torch_ppo": "torch"}


def migrate_record(record: dict[str, Any]) -> list[dict[str, Any]]:
    """One record of any version as version-2 records (a `bench loc` record becomes one per part)."""
    if record.get("store_schema_version", 1) >= STORE_SCHEMA_VERSION:
        return [record]
    stamp = {"store_schema_version": STORE_SCHEMA_VERSION}
    if record.get("record_type") == "field_code_metrics":
        return [{**record, "record_type": "code_metrics", **stamp}]
    if record.get("record_type") != "code_metrics":
        return [{**record, **stamp}]
    shared = {k: record[k] for k in ("provenance", "record_type") if k in record}
    parts = [record, *(record.get("parts") or {}).values()]
    return [{**shared, **_part(part), **stamp} for part in parts]


def _part(part: dict[str, Any]) -> dict[str, Any]:
    """A `bench loc` part as a flat version-2 row of this project."""
    renamed = ("parts", "part", "nested_functions", "cc_max", "store_schema_version")
    row = {k: v for k, v in part.items() if k not in renamed}
    implementation = str(part.get("implementation"))
    return {
        **row,
        "package": PROJECT,
        "framework": FRAMEWORKS.get(implementation, "shared"),
        "classification": part.get("part"),
        "closures": part.get("nested_functions"),
        "cyclomatic_max": part.get("cc_max"),
    }


def migrate_store(path: Path) -> int:
    """Rewrite `path` with every record at the current version; the number of records changed."""
    lines = path.read_text(encoding="utf-8").splitlines()
    records = [json.loads(line) for line in lines if line.strip()]
    migrated = [new for record in records for new in migrate_record(record)]
    changed = sum(r.get("store_schema_version", 1) < STORE_SCHEMA_VERSION for r in records)
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_text("".join(json.dumps(r, sort_keys=True, allow_nan=False) + "\n" for r in migrated))
    tmp.replace(path)
    return changed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.harness.migrate", description=__doc__)
    parser.add_argument("stores", type=Path, nargs="+", help="results.jsonl files")
    for store in parser.parse_args(argv).stores:
        if not store.is_file():
            print(f"error: STORE: got {str(store)!r}; allowed: an existing results.jsonl", file=sys.stderr)
            return 2
        print(f"{store}: {migrate_store(store)} record(s) migrated to schema version {STORE_SCHEMA_VERSION}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
