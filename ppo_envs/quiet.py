"""Keep the lines mujoco-mjx prints to stdout when it is first imported out of a trainer's result stream.

A trainer's last stdout line is its JSON result; mujoco-mjx prints "Failed to import warp" lines on import
(harmless: the optional Warp backend is not installed). Trainer CLIs import their env code inside
`stdout_noise_to_stderr()`, so nothing happens as a side effect of importing a module.
"""

from __future__ import annotations

import contextlib
import io
import sys
import warnings
from collections.abc import Iterator

NOISE = ("Failed to import warp", "Failed to import mujoco_warp")
"""Harmless lines mujoco-mjx prints to stdout at import time."""

NOISE_WARNINGS = (".*not actively being maintained.*", ".*settotalmass is deprecated.*")
"""Harmless warnings Brax and MuJoCo emit on import and env construction."""


def filter_noise_warnings() -> None:
    """Silence the harmless warnings of `NOISE_WARNINGS`, and nothing else."""
    for message in NOISE_WARNINGS:
        warnings.filterwarnings("ignore", message=message)


@contextlib.contextmanager
def stdout_noise_to_stderr() -> Iterator[None]:
    """Capture stdout in the block; drop the `NOISE` lines and forward the others to stderr."""
    filter_noise_warnings()
    captured = io.StringIO()
    try:
        with contextlib.redirect_stdout(captured):
            yield
    finally:
        for line in captured.getvalue().splitlines():
            if line.strip() and not line.startswith(NOISE):
                print(line, file=sys.stderr)
