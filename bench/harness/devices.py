"""Which device the runs use: `--device auto|cpu|gpu` -> one choice for every run of a bench invocation.

`auto` picks the GPU only when both frameworks see one, each asked in its own short subprocess (none where
nvidia-smi lists no GPU), so the parent never imports JAX or torch. A CPU chosen because the GPU was not usable
is labelled `fallback` with the reason, in every record.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass

from bench.harness.provenance import command_output, gpu_names
from shared_spec.host import cpu_model

PROBE_TIMEOUT_S = 180
PROBES = {
    "jax": "import jax; print(jax.default_backend())",
    "torch": "import torch; print('gpu' if torch.cuda.is_available() else 'cpu')",
}


class DeviceError(ValueError):
    """A device request that cannot be met (e.g. --device gpu without a GPU)."""


@dataclass(frozen=True)
class DeviceChoice:
    """The device every run of this invocation gets, and why."""

    requested: str
    kind: str
    """"cpu" or "gpu": passed to the trainers as `--set device=KIND`."""
    name: str
    fallback: bool
    """True when `auto` had to settle for the CPU."""
    reason: str


def framework_sees_gpu(framework: str) -> bool:
    """Whether `framework` ("jax" or "torch") sees a GPU, asked in a subprocess."""
    said = command_output([sys.executable, "-c", PROBES[framework]], timeout_s=PROBE_TIMEOUT_S)
    return bool(said) and said.splitlines()[-1].strip() in ("gpu", "cuda")


def select_device(requested: str) -> DeviceChoice:
    """Resolve `requested` (auto, cpu, gpu) to one device; DeviceError for gpu without one."""
    gpus = gpu_names()
    if requested == "cpu":
        return DeviceChoice("cpu", "cpu", cpu_model(), False, "requested")
    if requested == "gpu":
        if not gpus:
            raise DeviceError("--device: got 'gpu' but nvidia-smi lists no GPU; allowed here: auto, cpu")
        return DeviceChoice("gpu", "gpu", gpus[0], False, "requested")
    if requested != "auto":
        raise DeviceError(f"--device: got {requested!r}; allowed: auto, cpu, gpu")
    if not gpus:
        return DeviceChoice("auto", "cpu", cpu_model(), True, "no GPU: nvidia-smi absent or lists none")
    blind = [name for name in PROBES if not framework_sees_gpu(name)]
    if blind:
        reason = f"{gpus[0]} present but not visible to {', '.join(blind)}"
        return DeviceChoice("auto", "cpu", cpu_model(), True, reason)
    return DeviceChoice("auto", "gpu", gpus[0], False, "both frameworks see the GPU")
