"""`python -m bench report`: the HTML report from the store, or a published folder re-rendered."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from bench.commands.common import fail, flag
from bench.harness.store import DEFAULT_STORE
from bench.report import DEFAULT_OUT, render_report
from bench.report.cli import rerender_published
from shared_spec.exit_codes import EXIT_OK


@dataclass(frozen=True)
class ReportArgs:
    store: Path = DEFAULT_STORE
    out: Path = flag(DEFAULT_OUT, "report path")
    published: Path | None = flag(None, "re-render DIR/index.html from DIR/results.jsonl", metavar="DIR")
    include_loaded: bool = flag(
        False, "count runs marked loaded (measured under foreign load), left out by default"
    )


def report(args: ReportArgs) -> int:
    """Render the report from the store to `args.out`; a missing store is an error (exit 2)."""
    if args.published is not None:
        return rerender_published(args.published)
    if not args.store.exists():
        raise fail(
            f"--store: got {str(args.store)!r}; allowed: an existing results.jsonl (nothing to report)"
        )
    render_report(args.store, args.out, include_loaded=args.include_loaded)
    print(f"report: {args.out.resolve()}")
    return EXIT_OK
