"""What a trainer process may use: its CPU set, and each framework's matmul precision for the spec's policy.

One policy for both frameworks (docs/DESIGN.md, fairness): on a GPU, JAX's default float32 matmul is
TF32-class while torch's is full float32, so neither default is left in place. `matmul_precision = "float32"`
sets JAX's `jax_default_matmul_precision` to "highest" and torch's `set_float32_matmul_precision` to "highest"
(TF32 off for matmuls and cuDNN); "tf32" sets "tensorfloat32" and "high" (TF32 on), a labelled variant.
On CPU neither framework uses TF32; the settings are applied and recorded anyway, so every record says.
"""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile
from pathlib import Path
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
    return resources_record(
        xla_flags=flags, xla_cpu_threads=threads, jax_compile_cache=JAX_CACHE_AT_START, **numerics
    )


ASYNC_MIN_CORES = 4
"""`vector_env = "auto"` picks async only with at least this many cores (measured rule: docs/RESULTS.md)."""


def resolve_vector_env(requested: str, num_envs: int, cores: int | None = None) -> str:
    """The Gymnasium vectorization a run uses: `requested`, or for "auto" the faster one for this machine.

    async runs one worker process per env (Gymnasium's AsyncVectorEnv): it pays inter-process hand-over on
    every step and only wins when the envs' physics can spread over spare cores. auto = async when the
    machine has at least ASYNC_MIN_CORES cores and there are at least 2 envs and no more envs than cores
    (one worker per core, a core left for the learner is not reserved: the learner waits while envs step);
    sync otherwise.
    """
    if requested != "auto":
        return requested
    cores = len(cpu_set()) if cores is None else cores
    return "async" if cores >= ASYNC_MIN_CORES and 2 <= num_envs <= cores else "sync"


def vector_env_record(requested: str, num_envs: int) -> dict[str, Any]:
    """What the record says about the Gymnasium vectorization: asked for, used, worker processes."""
    mode = resolve_vector_env(requested, num_envs)
    return {"requested": requested, "mode": mode, "workers": num_envs if mode == "async" else 1}


def jax_compile_cache_record() -> dict[str, Any]:
    """JAX's persistent compilation cache as this process starts: off, or its directory and cold/warm state.

    Off by default (every compile_s is a cold compile). A campaign may set JAX_COMPILATION_CACHE_DIR so that
    later seeds reuse the first one's programs; such runs are labelled warm and the report keeps their
    compile, wall and time-to-threshold figures apart from cold ones.
    """
    path = os.environ.get("JAX_COMPILATION_CACHE_DIR")
    if not path:
        return {"state": "off"}
    entries = sum(1 for entry in os.scandir(path)) if os.path.isdir(path) else 0
    return {"dir": path, "entries_at_start": entries, "state": "warm" if entries else "cold"}


def fresh_cache_unless_chosen(env_var: str, prefix: str) -> dict[str, Any]:
    """Point a compiler's cache (`env_var`: torch.compile's, Warp's kernels) at a new empty directory unless the
    user set it; the record says which and whether it started cold or warm.

    Cold by default, so compile_s holds the whole compilation as JAX's does; a user-chosen filled directory
    makes a warm run, recorded as such and never mixed with cold figures. Call before the compiler starts.
    """
    chosen = os.environ.get(env_var)
    if chosen is None:
        fresh = tempfile.mkdtemp(prefix=prefix)
        atexit.register(shutil.rmtree, fresh, ignore_errors=True)
        os.environ[env_var] = fresh
    path = Path(os.environ[env_var])
    entries = sum(1 for _ in path.rglob("*")) if path.exists() else 0
    return {
        "dir": str(path),
        "chosen_by": "user" if chosen is not None else "fresh temporary directory",
        "entries_at_start": entries,
        "state": "warm" if entries else "cold",
    }


JAX_CACHE_AT_START = jax_compile_cache_record()
"""Read when this module is first imported, before any JAX program of the process is compiled."""
