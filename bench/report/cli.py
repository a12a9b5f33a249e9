"""`python -m bench report [--store PATH] [--out PATH] [--published DIR]` (also `python -m bench.report`)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from bench.harness.store import DEFAULT_STORE, read_records
from bench.report import DEFAULT_OUT, render_report
from bench.report.data import PUBLISHED_PREFIX
from shared_spec.exit_codes import EXIT_BAD_SPEC, EXIT_OK


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m bench report", description="Render reports/index.html.")
    parser.add_argument(
        "--store", type=Path, default=DEFAULT_STORE, help=f"result store (default {DEFAULT_STORE})"
    )
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="output HTML file")
    parser.add_argument(
        "--published-stores",
        type=Path,
        default=None,
        help="folder of published stores shown beside the store (default: published/ beside --store)",
    )
    parser.add_argument(
        "--published",
        type=Path,
        default=None,
        metavar="DIR",
        help="re-render the published folder DIR: DIR/index.html from DIR/results.jsonl (ignores the others)",
    )
    parser.add_argument("--seed", type=int, default=0, help="bootstrap seed (default 0)")
    parser.add_argument(
        "--include-loaded", action="store_true", help="count runs marked loaded (left out by default)"
    )
    return parser


def rerender_published(folder: Path, seed: int = 0) -> int:
    """Write `folder`/index.html from `folder`/results.jsonl with today's report code, its records labelled
    as that published folder (so a published page follows today's rules); exit 2 on a missing or empty store."""
    store = folder / "results.jsonl"
    if not store.is_file() or not read_records(store):
        print(
            f"error: --published: got {str(folder)!r}; allowed: a folder holding a non-empty results.jsonl",
            file=sys.stderr,
        )
        return EXIT_BAD_SPEC
    out = render_report(
        store,
        folder / "index.html",
        folder / "published",
        seed,
        PUBLISHED_PREFIX + folder.name,
    )
    print(f"wrote {out} ({out.stat().st_size / 1e6:.1f} MB)")
    return EXIT_OK


def main(argv: list[str] | None = None) -> int:
    """Render the report; exit 2 (EXIT_BAD_SPEC) when the store does not exist (an empty store still renders)."""
    args = build_parser().parse_args(argv)
    if args.published is not None:
        return rerender_published(args.published, args.seed)
    if not args.store.exists():
        print(f"error: --store: got {str(args.store)!r}; allowed: an existing results.jsonl", file=sys.stderr)
        return EXIT_BAD_SPEC
    out = render_report(
        args.store, args.out, args.published_stores, args.seed, include_loaded=args.include_loaded
    )
    print(f"wrote {out} ({out.stat().st_size / 1e6:.1f} MB)")
    return EXIT_OK
