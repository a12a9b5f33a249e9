"""What every command shares: the error line and exit codes, the default paths, typed arguments from argparse."""

from __future__ import annotations

import argparse
import sys
from dataclasses import fields
from pathlib import Path
from typing import Any, TypeVar

from shared_spec.exit_codes import EXIT_BAD_SPEC

DEFAULT_LOGS = Path("reports/logs")
EXIT_RUN_FAILED = 1
"""`python -m bench`'s own status when a run, sweep or report did not end ok (arguments: EXIT_BAD_SPEC)."""
EXIT_INTERRUPTED = 130
"""Stopped with Ctrl-C (128 + SIGINT, as a shell reports it); finished runs are in the store."""

Args = TypeVar("Args")


def fail(message: str) -> SystemExit:
    """Print one `error: ...` line; the SystemExit (exit 2) to raise."""
    print(f"error: {message}", file=sys.stderr)
    return SystemExit(EXIT_BAD_SPEC)


def typed(cls: type[Args], namespace: argparse.Namespace, **extra: Any) -> Args:
    """The dataclass `cls` filled from the parsed arguments of the same names."""
    values = {f.name: getattr(namespace, f.name) for f in fields(cls) if hasattr(namespace, f.name)}  # type: ignore[arg-type]
    return cls(**{**values, **extra})


def split(text: str | None) -> list[str]:
    """`"a, b,,c"` -> ["a", "b", "c"]."""
    return [part.strip() for part in (text or "").split(",") if part.strip()]
