"""Whether MJX's Warp backend (`mjx_impl = "warp"`, contender `jax-warp`) can run on this install.

MJX's Warp backend runs MuJoCo Warp kernels (the copy bundled in mujoco-mjx) through JAX's FFI on a CUDA
device only, so a CPU machine cannot run `jax-warp`: the trainer exits 4 (unavailable) with the reason,
before any work.
"""

from __future__ import annotations

BUILD_GAP = (
    "jax-warp is not built yet: Brax's mjx pipeline allocates its data with mjx.make_data(sys) and MJX's "
    "default impl, so an env on impl='warp' needs its own pipeline (ppo_envs/mjx_warp.py)"
)


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
    return BUILD_GAP
