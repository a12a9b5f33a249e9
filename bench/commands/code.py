"""`python -m bench code`: code metrics of this project's pair and shared packages and of the field's PPO (pinned
PyPI archives, never installed), by one rule, stored for the report."""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path

from bench.commands.common import fail, flag
from bench.harness.provenance import REPO_ROOT, append_measured
from bench.harness.store import DEFAULT_STORE, append_record
from bench.metrics.field_code import (
    DEFAULT_CACHE,
    RECORD_TYPE,
    FieldCodeError,
    format_rows,
    load_table,
    measure_field,
    measure_project,
)
from shared_spec.exit_codes import EXIT_OK


@dataclass(frozen=True)
class CodeArgs:
    from_dir: Path | None = flag(None, "archives already here (offline)", flag="--from")
    cache: Path = flag(DEFAULT_CACHE, "where downloaded archives are kept")
    project_only: bool = flag(False, "this project only, no archive (an offline machine)")
    store: Path = DEFAULT_STORE


def code(args: CodeArgs, bench_argv: list[str], not_fatal: bool = False) -> int:
    """Measure this project, then the field's PPO archives, by one rule; one record per implementation and
    classification. An archive that cannot be had or fails its hash: one line, exit 2; with `not_fatal`
    (`bench all`) a record of why instead, so the report can say it; this project is measured either way."""
    table = load_table()
    rows = measure_project(table, REPO_ROOT)
    try:
        rows += [] if args.project_only else measure_field(table, args.from_dir, args.cache)
    except FieldCodeError as err:
        if not not_fatal:
            raise fail(f"field code: {err}") from None
        print(f"bench all: field code not measured: {err}", file=sys.stderr)
        append_record({"record_type": RECORD_TYPE, "status": "not_measured", "reason": str(err)}, args.store)
    for row in rows:
        append_measured({**row, "record_type": RECORD_TYPE, "status": "ok"}, args.store, bench_argv)
    print(format_rows(rows))
    return EXIT_OK
