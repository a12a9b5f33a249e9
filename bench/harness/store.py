"""The result store: `reports/results.jsonl`, one JSON record per line, appended atomically.

Why JSON lines: a crash can only damage the line being written, and any tool (pandas, jq) reads it. A record
is written whole (a short write continued) and fsynced, so killing the bench loses at most the run in
progress; a truncated or garbled line is reported and skipped, never fatal.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any

STORE_SCHEMA_VERSION = 2
"""2: one code-metrics record type (`code_metrics`, one rule); stores of version 1 are migrated once
(`python -m bench.harness.migrate`)."""
DEFAULT_STORE = Path("reports/results.jsonl")
RECORD_TYPES = ("run", "code_metrics", "env_throughput", "learner_throughput", "env_parity", "handoff")


def append_record(record: dict[str, Any], path: Path = DEFAULT_STORE) -> None:
    """Append one record as one line (after a newline if a crash left the last line partial), then fsync."""
    if record.get("record_type") not in RECORD_TYPES:
        raise ValueError(
            f"record_type: got {record.get('record_type')!r}; allowed: {', '.join(RECORD_TYPES)}"
        )
    line = json.dumps(
        {**record, "store_schema_version": STORE_SCHEMA_VERSION}, sort_keys=True, allow_nan=False
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    data = memoryview((("\n" if _ends_mid_line(path) else "") + line + "\n").encode())
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    try:
        while data:
            data = data[os.write(fd, data) :]
        os.fsync(fd)
    finally:
        os.close(fd)


def _ends_mid_line(path: Path) -> bool:
    """Whether the file's last line lacks its newline (a crash mid-write)."""
    if not path.exists() or path.stat().st_size == 0:
        return False
    with path.open("rb") as handle:
        handle.seek(-1, os.SEEK_END)
        return handle.read(1) != b"\n"


def read_records(path: Path = DEFAULT_STORE, record_type: str | None = None) -> list[dict[str, Any]]:
    """Every readable record in file order (only those of `record_type` if given); an unreadable line is
    skipped with a warning on stderr."""
    records: list[dict[str, Any]] = []
    if not path.exists():
        return records
    with path.open("r", encoding="utf-8", errors="replace") as handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
            except json.JSONDecodeError:
                record = None
            if not isinstance(record, dict):
                print(f"warning: {path}:{number}: unreadable (truncated?) record skipped", file=sys.stderr)
            elif record_type is None or record.get("record_type") == record_type:
                records.append(record)
    return records
