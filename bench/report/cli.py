"""`python -m bench report [--store PATH] [--out PATH]` (also `python -m bench.report`)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from bench.harness.store import DEFAULT_STORE
from bench.report import DEFAULT_OUT, render_report
from shared_spec.exit_codes import EXIT_BAD_SPEC, EXIT_OK


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m bench report", description="Render reports/index.html.")
    parser.add_argument(
        "--store", type=Path, default=DEFAULT_STORE, help=f"result store (default {DEFAULT_STORE})"
    )
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="output HTML file")
    parser.add_argument(
        "--published",
        type=Path,
        default=None,
        help="folder of published stores (default: published/ beside --store)",
    )
    parser.add_argument("--seed", type=int, default=0, help="bootstrap seed (default 0)")
    # Old command lines keep working: the report never builds envs now (the parity check is a record).
    parser.add_argument("--no-env-check", action="store_true", help=argparse.SUPPRESS)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Render the report; exit 2 (EXIT_BAD_SPEC) when the store does not exist (an empty store still renders)."""
    args = build_parser().parse_args(argv)
    if not args.store.exists():
        print(f"error: --store: got {str(args.store)!r}; allowed: an existing results.jsonl", file=sys.stderr)
        return EXIT_BAD_SPEC
    out = render_report(args.store, args.out, args.published, args.seed)
    print(f"wrote {out} ({out.stat().st_size / 1e6:.1f} MB)")
    return EXIT_OK
