"""The result store: `reports/results.jsonl`, one JSON record per line, appended atomically.

Why JSON lines: a crash can only damage the line being written, and any tool (pandas, jq) reads it. A record
is written whole and fsynced, so killing the bench loses at most the run in progress; a write
that fails (a full disk) is undone and named in one line; a truncated or garbled line (from an older bench
killed mid-write) is reported and skipped, never fatal.
"""

from __future__ import annotations

import errno
import json
import os
import sys
from pathlib import Path
from typing import Any

from bench.harness.schema import RECORD_CLASSES, STORE_SCHEMA_VERSION, Record, record_class
from bench.harness.write_errors import writing

DEFAULT_STORE = Path("reports/results.jsonl")
RECORD_TYPES = tuple(RECORD_CLASSES)


def append_record(record: Record | dict[str, Any], path: Path = DEFAULT_STORE) -> None:
    """Append one record as one line (after a newline if a crash left the last line partial), then fsync;
    written by its record class (`schema`): a missing `record_type` or a field of the wrong type is a
    ValueError naming it.

    If a write fails (a full disk: the first write comes back short, the next one raises ENOSPC) or the fsync
    does, the file is truncated back to its size before, so the store never keeps a partial line, and a
    WriteError names the path. The lock (store_lock) makes this process the store's only writer.
    """
    record = record.to_json() if isinstance(record, Record) else record
    if "record_type" not in record:
        raise ValueError(f"record_type: got none; allowed: {', '.join(RECORD_TYPES)}")
    typed = record_class(record).from_json(
        {**record, "store_schema_version": STORE_SCHEMA_VERSION}, strict=True
    )
    line = json.dumps(typed.to_json(), sort_keys=True, allow_nan=False)
    with writing(path):
        path.parent.mkdir(parents=True, exist_ok=True)
        data = memoryview((("\n" if _ends_mid_line(path) else "") + line + "\n").encode())
        fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        try:
            size = os.fstat(fd).st_size
            try:
                while data:  # a short write is continued; the next one reports why it was short
                    written = os.write(fd, data)
                    if written == 0:
                        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
                    data = data[written:]
                os.fsync(fd)
            except OSError:
                os.ftruncate(fd, size)  # never leave a partial line behind
                raise
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
    """Every readable record in file order (only those of `record_type` if given), each read by its record
    class (every named field present, typed: `schema`); an unreadable line is skipped with a warning."""
    return [record.to_json() for record in read_typed(path, record_type)]


def read_typed(path: Path = DEFAULT_STORE, record_type: str | None = None) -> list[Record]:
    """`read_records` as the record classes' objects."""
    records: list[Record] = []
    if not path.exists():
        return records
    old = False
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
            elif record.get("record_type", "run") not in RECORD_CLASSES:
                print(
                    f"warning: {path}:{number}: record_type {record.get('record_type')!r} skipped",
                    file=sys.stderr,
                )
            elif record_type is None or record.get("record_type", "run") == record_type:
                old = old or record.get("store_schema_version", 1) < STORE_SCHEMA_VERSION
                records.append(record_class(record).from_json(record))
    if old:
        print(f"warning: {path}: records older than schema {STORE_SCHEMA_VERSION}; migrate the store once: "
              f"python -m bench.harness.migrate {path}", file=sys.stderr)  # fmt: skip
    return records
