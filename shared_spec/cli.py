"""Command-line plumbing shared by the trainers: the common flags and the spec-or-exit-2 rule.

A bad preset or override must stop a CLI before any work, with one line naming the field and exit code 2.
"""

from __future__ import annotations

import argparse
import sys

from shared_spec.exit_codes import EXIT_BAD_SPEC
from shared_spec.presets import resolve_spec
from shared_spec.spec import PPOSpec, SpecError


def add_spec_arguments(parser: argparse.ArgumentParser) -> None:
    """Add --preset and repeatable --set key=value."""
    parser.add_argument("--preset", default="smoke", help="preset name (python -m shared_spec list)")
    parser.add_argument(
        "--set",
        dest="overrides",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="override one spec field, type-checked (repeatable)",
    )


def trainer_parser(prog: str, description: str) -> argparse.ArgumentParser:
    """The argument parser every trainer CLI starts from: --preset, --seed, --set."""
    parser = argparse.ArgumentParser(prog=prog, description=description)
    add_spec_arguments(parser)
    parser.add_argument("--seed", type=int, default=0, help="random seed")
    return parser


def spec_or_exit(preset: str, overrides: list[str]) -> PPOSpec:
    """The resolved spec, or one error line on stderr and exit code 2."""
    try:
        return resolve_spec(preset, overrides)
    except SpecError as err:
        print(f"error: bad spec: {err}", file=sys.stderr)
        raise SystemExit(EXIT_BAD_SPEC) from None
