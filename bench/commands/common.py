"""What every command shares: the error line and exit codes, the default paths, and typed arguments: a command's
dataclass declares each flag once (`flag`), `add_flags` makes the argparse options, `typed` fills it back."""

from __future__ import annotations

import argparse
import sys
from dataclasses import MISSING, field, fields
from pathlib import Path
from typing import Any, TypeVar, get_args, get_type_hints

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


def flag(default: Any, help: str, **argparse_options: Any) -> Any:
    """A dataclass field that is also a command-line option: `--name-with-dashes` (or `flag=`), its type and
    default the field's (`default=MISSING`: a required positional, named by `flag=`)."""
    return field(default=default, metadata={"help": help, **argparse_options})


def add_flags(parser: argparse.ArgumentParser, cls: type) -> None:
    """One argparse option per `flag` field of the dataclass `cls` (fields without one, e.g. `store`, are not
    this command's options)."""
    hints = get_type_hints(cls)
    for f in fields(cls):
        if "help" not in f.metadata:
            continue
        options = dict(f.metadata)
        name = options.pop("flag", "--" + f.name.replace("_", "-"))
        kind = next((t for t in get_args(hints[f.name]) or [hints[f.name]] if t is not type(None)), str)
        if kind is bool:
            options["action"] = "store_true"
        elif options.get("action") != "append":
            options["type"] = kind
        if f.default is not MISSING:
            options["default"] = list(f.default) if options.get("action") == "append" else f.default
        parser.add_argument(name, **options, **({"dest": f.name} if name.startswith("--") else {}))


def typed(cls: type[Args], namespace: argparse.Namespace, **extra: Any) -> Args:
    """The dataclass `cls` filled from the parsed arguments of the same names."""
    values = {f.name: getattr(namespace, f.name) for f in fields(cls) if hasattr(namespace, f.name)}  # type: ignore[arg-type]
    return cls(**{**values, **extra})


def split(text: str | None) -> list[str]:
    """`"a, b,,c"` -> ["a", "b", "c"]."""
    return [part.strip() for part in (text or "").split(",") if part.strip()]
