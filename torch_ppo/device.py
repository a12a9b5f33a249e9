"""Where the torch trainer runs: the device for the spec's `device` field and torch's thread count.

Plumbing, not algorithm: the CLI resolves these before building envs and the trainer.
"""

from __future__ import annotations

import os
from typing import Any

import torch

from shared_spec.host import cpu_name
from shared_spec.resources import TORCH_PRECISION


class DeviceError(RuntimeError):
    """The requested device is not available (e.g. device=gpu without CUDA)."""


def resolve_device(requested: str) -> tuple[torch.device, dict[str, Any]]:
    """The torch device for spec.device and the result's device record; gpu without CUDA is an error."""
    has_cuda = torch.cuda.is_available()
    if requested == "gpu" and not has_cuda:
        raise DeviceError("device: got 'gpu'; allowed here: auto, cpu (torch sees no CUDA device)")
    use_cuda = has_cuda and requested in ("gpu", "auto")
    device = torch.device("cuda" if use_cuda else "cpu")
    record = {
        "kind": "gpu" if use_cuda else "cpu",
        "name": torch.cuda.get_device_name(device) if use_cuda else cpu_name(),
        "requested": requested,
        "fallback": requested == "auto" and not use_cuda,
    }
    return device, record


def set_threads(requested: int) -> int:
    """Set torch's intra-op threads: `requested`, or one per available core when 0. Returns the count."""
    threads = requested or len(os.sched_getaffinity(0))
    torch.set_num_threads(threads)
    return threads


def apply_matmul_precision(policy: str) -> dict[str, Any]:
    """Set torch's float32 matmul precision for `policy` ("float32": no TF32; "tf32"); the settings to record."""
    tf32 = policy == "tf32"
    torch.set_float32_matmul_precision(TORCH_PRECISION[policy])
    torch.backends.cuda.matmul.allow_tf32 = tf32
    torch.backends.cudnn.allow_tf32 = tf32
    return {
        "matmul_precision": policy,
        "torch_float32_matmul_precision": torch.get_float32_matmul_precision(),
        "torch_cudnn_allow_tf32": torch.backends.cudnn.allow_tf32,
    }
