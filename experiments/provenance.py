"""What an experiment's JSON says about where and when it ran: the machine, the commit and the date.

A script's output is a store only if a reader can tell which CPU and which code it measured.
"""

from __future__ import annotations

import os
import subprocess
from datetime import UTC, datetime
from typing import Any

from shared_spec.host import cpu_model


def git_commit() -> str | None:
    """The checkout's commit, with "+dirty" when its tracked files differ from it."""
    try:
        head = subprocess.run(["git", "rev-parse", "HEAD"], capture_output=True, text=True, check=True).stdout
        dirty = subprocess.run(["git", "diff", "--quiet", "HEAD"], check=False).returncode != 0
    except (OSError, subprocess.CalledProcessError):
        return None
    return head.strip() + ("+dirty" if dirty else "")


def provenance() -> dict[str, Any]:
    """CPU model, CPU count, commit and the time now (UTC)."""
    return {
        "cpu_model": cpu_model(),
        "cpus": os.cpu_count(),
        "git_commit": git_commit(),
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
    }
