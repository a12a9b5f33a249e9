"""Where and with what a record was produced: git state, machine, library versions, date, command.

Cheap: versions from `importlib.metadata` (no JAX or torch import in the parent), the GPU from `nvidia-smi`;
the machine part once per bench invocation, what identifies a run added for each record.
"""

from __future__ import annotations

import datetime
import os
import platform
import shlex
import shutil
import socket
import subprocess
import sys
from functools import cache
from pathlib import Path
from typing import Any

import psutil

from bench.harness.store import append_record
from shared_spec.host import cpu_model
from shared_spec.result import package_versions

LIBRARIES = ("jax", "jaxlib", "flax", "optax", "brax", "mujoco", "mujoco-mjx", "gymnasium", "torch", "numpy")
REPO_ROOT = Path(__file__).resolve().parents[2]
NO_DEVICE = {"kind": None, "name": None, "requested": None, "fallback": False}


def command_output(argv: list[str], cwd: Path | None = None, timeout_s: float = 20) -> str | None:
    """Stdout of a short command, or None if it is missing, fails or times out."""
    try:
        done = subprocess.run(argv, cwd=cwd, capture_output=True, text=True, timeout=timeout_s, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return None
    return done.stdout.strip() if done.returncode == 0 else None


def gpu_names() -> list[str]:
    """Names of the NVIDIA GPUs `nvidia-smi` lists (empty without nvidia-smi or a GPU)."""
    if shutil.which("nvidia-smi") is None:
        return []
    listing = command_output(["nvidia-smi", "--query-gpu=name", "--format=csv,noheader"])
    return [line.strip() for line in (listing or "").splitlines() if line.strip()]


@cache
def machine_provenance() -> dict[str, Any]:
    """The part of the provenance that is the same for every record of one bench invocation; `git_dirty`:
    whether the working tree differs from the commit (untracked, non-ignored files count)."""
    gpus, status = gpu_names(), command_output(["git", "status", "--porcelain"], REPO_ROOT)
    return {
        "git_commit": command_output(["git", "rev-parse", "HEAD"], REPO_ROOT),
        "git_dirty": None if status is None else bool(status),
        "hostname": socket.gethostname(),
        "cpu_model": cpu_model(),
        "cpu_cores": os.cpu_count(),
        "cpu_cores_physical": psutil.cpu_count(logical=False),
        "cpu_set": sorted(
            os.sched_getaffinity(0)
        ),  # every child inherits it: the same CPUs for each contender
        "gpu_names": gpus,
        "gpu_name": gpus[0] if gpus else None,
        "platform": platform.platform(),
        "versions": package_versions(LIBRARIES),  # and Python's
    }


def run_provenance(
    device: dict[str, Any], command: list[str] | None, bench_argv: list[str] | None, **identity: Any
) -> dict[str, Any]:
    """Full provenance of one record: the machine part, what identifies the record (contender, preset,
    spec_hash, seed), its device and its commands."""
    return {
        **machine_provenance(),
        "date": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        **identity,
        "device": device,
        "device_name": device.get("name"),
        "command": shlex.join(command) if command else None,
        "bench_command": shlex.join([sys.executable, "-m", "bench", *bench_argv]) if bench_argv else None,
    }


def append_measured(
    record: dict[str, Any],
    store: Path,
    bench_argv: list[str] | None,
    preset: str = "",
    command: list[str] | None = None,
) -> None:
    """Append a record that is not a run (a control's row, code metrics, the env parity check) with its
    provenance; its device is the record's own `device` (none for machine-independent records)."""
    device = record.get("device") or NO_DEVICE
    provenance = run_provenance(
        device, command, bench_argv, contender=None, preset=preset, spec_hash="", seed=None
    )
    append_record({**record, "provenance": provenance}, store)
