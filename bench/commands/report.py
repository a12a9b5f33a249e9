"""`python -m bench report` and `python -m bench loc`: the HTML report from the store; code metrics into it."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from bench.commands.common import fail
from bench.harness.provenance import append_measured
from bench.harness.store import DEFAULT_STORE
from bench.metrics.code_metrics import format_table, measure_all
from bench.report import DEFAULT_OUT, render_report
from shared_spec.exit_codes import EXIT_OK


@dataclass(frozen=True)
class ReportArgs:
    store: Path = DEFAULT_STORE
    out: Path = DEFAULT_OUT


def report(args: ReportArgs) -> int:
    """Render the report from the store to `args.out`; a missing store is an error (exit 2)."""
    if not args.store.exists():
        raise fail(
            f"--store: got {str(args.store)!r}; allowed: an existing results.jsonl (nothing to report)"
        )
    render_report(args.store, args.out)
    print(f"report: {args.out.resolve()}")
    return EXIT_OK


def loc(store: Path, bench_argv: list[str]) -> int:
    """Measure, store one `code_metrics` record per (implementation, part), print the table."""
    summaries = measure_all()
    for summary in summaries:
        append_measured({**summary, "record_type": "code_metrics"}, store, bench_argv)
    print(format_table(summaries))
    return EXIT_OK
