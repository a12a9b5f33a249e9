"""MJX's Warp backend (`mjx_impl = "warp"`, contender `jax-warp`): whether it can run, and switching it on.

MJX's Warp backend runs MuJoCo Warp kernels (the copy bundled in mujoco-mjx) through JAX's FFI on a CUDA
device only, so a CPU machine cannot run `jax-warp`: the trainer exits 4 (unavailable) with the reason,
before any work. On CUDA, MJX's own switch `MJX_GPU_DEFAULT_WARP=true` makes `mjx.put_model` and
`mjx.make_data` default to impl "warp", so Brax's env (which calls both without an impl) runs on Warp with
the same MJCF, wrappers and task code as `jax`; `brax_envs.base_env` checks that it did.
"""

from __future__ import annotations

import os
from typing import Any

MJX_WARP_SWITCH = "MJX_GPU_DEFAULT_WARP"
"""MJX's environment variable: on a CUDA device with Warp installed, its default impl becomes "warp"."""


def mjx_warp_unavailable() -> str | None:
    """One line saying why MJX's Warp backend cannot run here, or None when it can."""
    from mujoco.mjx import warp as mjx_warp

    if not mjx_warp.WARP_INSTALLED:
        return "mjx_impl=warp needs warp-lang (pip install -c constraints/cpu.txt 'ppo-bench[warp]')"
    import jax

    try:
        jax.devices("gpu")
    except RuntimeError:
        return f"mjx_impl=warp needs a CUDA device; JAX sees only {', '.join(str(d) for d in jax.devices())}"
    return None


def use_mjx_warp() -> dict[str, Any]:
    """Make MJX default to its Warp backend in this process; the run's `extra.simulator` record.

    Call before any env is built. Warp's kernel cache is chosen as for torch-warp (cold unless
    `$WARP_CACHE_PATH` names a filled one). Not yet run on CUDA (docs/WARP.md).
    """
    from ppo_envs.warp_envs import simulator_record, use_kernel_cache

    os.environ[MJX_WARP_SWITCH] = "true"
    return simulator_record(use_kernel_cache(), "mjx-bundled") | {
        "switch": f"{MJX_WARP_SWITCH}=true",
        "sizes": "MJX's defaults for naconmax and njmax",
    }


def require_impl(sys: Any, wanted: str) -> None:
    """Raise RuntimeError unless the Brax system `sys` runs on MJX impl `wanted` (a silent fallback to the
    JAX impl would label JAX physics as Warp's)."""
    actual = sys.impl.value
    if actual != wanted:
        raise RuntimeError(f"mjx_impl: asked for {wanted!r} but MJX built the model with impl {actual!r}")
