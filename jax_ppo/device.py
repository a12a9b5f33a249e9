"""Where the JAX trainer runs: the device for the spec's `device` field, and its peak memory.

Plumbing, not algorithm: the CLIs resolve the device before building envs and the trainer; baselines.brax_ppo
uses the same choice.
"""

from __future__ import annotations

import sys
from typing import Any

import jax

from shared_spec.exit_codes import EXIT_BAD_SPEC
from shared_spec.host import cpu_name


class DeviceError(RuntimeError):
    """The requested device is not available (e.g. device=gpu and JAX sees no GPU)."""


def pick_device(requested: str) -> tuple[Any, dict[str, Any]]:
    """The jax device for `requested` (auto/cpu/gpu) and the record; DeviceError if a GPU is demanded but absent."""
    try:
        gpus = jax.devices("gpu")
    except RuntimeError:
        gpus = []
    if requested == "gpu" and not gpus:
        raise DeviceError("device: got 'gpu' but JAX sees no GPU; allowed here: auto, cpu")
    if gpus and requested in ("auto", "gpu"):
        device = gpus[0]
        return device, {"kind": "gpu", "name": device.device_kind, "requested": requested, "fallback": False}
    device = jax.devices("cpu")[0]
    record = {"kind": "cpu", "name": cpu_name(), "requested": requested, "fallback": requested == "auto"}
    return device, record


def device_or_exit(requested: str) -> tuple[Any, dict[str, Any]]:
    """`pick_device`, or one error line on stderr and exit code 2 (as `shared_spec.cli.spec_or_exit`)."""
    try:
        return pick_device(requested)
    except DeviceError as err:
        print(f"error: {err}", file=sys.stderr)
        raise SystemExit(EXIT_BAD_SPEC) from None


def peak_device_mb(device: Any) -> float | None:
    """Peak accelerator memory in use (XLA's allocator statistics); None on CPU, where none is reported."""
    if device.platform == "cpu":
        return None
    stats = device.memory_stats() or {}
    peak = stats.get("peak_bytes_in_use")
    return None if peak is None else peak / 2**20
