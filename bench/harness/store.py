"""The result store: `reports/results.jsonl`, one JSON record per line, appended atomically.

Why JSON lines: a crash can only ever damage the line being written, every earlier record stays readable, and
any tool (pandas, jq) reads it. A record is written as one line (`os.write` repeated until every byte
is out, as a short write may happen), then fsynced, so killing the bench at any moment loses at most the run
in progress. A truncated or garbled line
(left by a crash of an older version, or a full disk) is reported and skipped, never fatal.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

STORE_SCHEMA_VERSION = 1
DEFAULT_STORE = Path("reports/results.jsonl")
RECORD_TYPES = (
    "run",
    "code_metrics",
    "field_code_metrics",
    "env_throughput",
    "learner_throughput",
    "env_parity",
    "handoff",
)


def append_record(record: dict[str, Any], path: Path = DEFAULT_STORE) -> None:
    """Append one record as one line: every byte written (short writes continued), then fsync."""
    if record.get("record_type") not in RECORD_TYPES:
        raise ValueError(
            f"record_type: got {record.get('record_type')!r}; allowed: {', '.join(RECORD_TYPES)}"
        )
    record = {**record, "store_schema_version": STORE_SCHEMA_VERSION}
    line = json.dumps(record, sort_keys=True, allow_nan=False) + "\n"
    path.parent.mkdir(parents=True, exist_ok=True)
    _ensure_ends_with_newline(path)
    data = memoryview(line.encode())
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    try:
        while data:
            data = data[os.write(fd, data) :]
        os.fsync(fd)
    finally:
        os.close(fd)


def _ensure_ends_with_newline(path: Path) -> None:
    """If a crash left a partial last line, terminate it so the next record starts on its own line."""
    if not path.exists() or path.stat().st_size == 0:
        return
    with path.open("rb") as handle:
        handle.seek(-1, os.SEEK_END)
        last = handle.read(1)
    if last != b"\n":
        with path.open("ab") as handle:
            handle.write(b"\n")
            handle.flush()
            os.fsync(handle.fileno())


def iter_records(path: Path = DEFAULT_STORE, warn: bool = True) -> Iterator[dict[str, Any]]:
    """Every readable record in file order; unreadable lines are skipped with a warning on stderr."""
    if not path.exists():
        return
    with path.open("r", encoding="utf-8", errors="replace") as handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
            except json.JSONDecodeError:
                if warn:
                    print(
                        f"warning: {path}:{number}: unreadable (truncated?) record skipped", file=sys.stderr
                    )
                continue
            if isinstance(record, dict):
                yield record
            elif warn:
                print(f"warning: {path}:{number}: not a JSON object, skipped", file=sys.stderr)


def read_records(
    path: Path = DEFAULT_STORE, record_type: str | None = None, warn: bool = True
) -> list[dict[str, Any]]:
    """All readable records, optionally only those of `record_type`."""
    return [r for r in iter_records(path, warn) if record_type is None or r.get("record_type") == record_type]
