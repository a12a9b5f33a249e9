"""What a trainer process may use: its CPU set, and each framework's matmul precision for the spec's policy.

One policy for both frameworks (docs/DESIGN.md, fairness): on a GPU, JAX's default float32 matmul is
TF32-class while torch's is full float32, so neither default is left in place. `matmul_precision = "float32"`
sets JAX's `jax_default_matmul_precision` to "highest" and torch's `set_float32_matmul_precision` to "highest"
(TF32 off for matmuls and cuDNN); "tf32" sets "tensorfloat32" and "high" (TF32 on), a labelled variant.
On CPU neither framework uses TF32; the settings are applied and recorded anyway, so every record says.
"""

from __future__ import annotations

import os
from typing import Any

JAX_PRECISION = {"float32": "highest", "tf32": "tensorfloat32"}
TORCH_PRECISION = {"float32": "highest", "tf32": "high"}
XLA_CPU_THREADS = "XLA's default: one intra-op thread per CPU of cpu_set"


def cpu_set() -> list[int]:
    """The CPUs this process may run on (inherited from the harness, so the same for every contender)."""
    return sorted(os.sched_getaffinity(0))


def resources_record(**framework_settings: Any) -> dict[str, Any]:
    """`extra.resources` of a run record: the CPU set and each framework's thread and precision settings."""
    cpus = cpu_set()
    return {"cpu_set": cpus, "cpu_count": len(cpus), **framework_settings}


def xla_resources_record(**numerics: Any) -> dict[str, Any]:
    """`resources_record` of a process that runs JAX: XLA_FLAGS as set, and what they leave XLA's threads at."""
    flags = os.environ.get("XLA_FLAGS", "")
    threads = "set by XLA_FLAGS" if "thread" in flags or "eigen" in flags else XLA_CPU_THREADS
    return resources_record(xla_flags=flags, xla_cpu_threads=threads, **numerics)
