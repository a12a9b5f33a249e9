"""`python -m bench results [--check]`: the results documents (docs/*.md, published READMEs) from their stores."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from bench.commands.common import EXIT_RUN_FAILED, flag
from bench.report.results_docs import stale_documents
from shared_spec.exit_codes import EXIT_OK


@dataclass(frozen=True)
class ResultsArgs:
    check: bool = flag(
        False, "write nothing; exit 1 naming each document that differs from what it renders to"
    )
    root: Path = flag(Path("."), "repository root holding docs/ and reports/published/")


def results(args: ResultsArgs) -> int:
    """Write every stale document (or, with `check`, name it and exit 1)."""
    stale = stale_documents(args.root)
    for path, text in stale.items():
        if args.check:
            print(f"stale: {path} (run `python -m bench results`)")
        else:
            path.write_text(text, encoding="utf-8")
            print(f"wrote {path}")
    return EXIT_RUN_FAILED if args.check and stale else EXIT_OK
