"""JAX's matmul precision for the spec's policy (`shared_spec.resources`): the learner's and MJX's physics.

Here, not in jax_ppo, because every contender that runs JAX code sets it: jax_ppo, torch-brax (its env is
MJX) and Brax's own PPO.
"""

from __future__ import annotations

from typing import Any

from shared_spec.resources import JAX_PRECISION


def apply_jax_matmul_precision(policy: str) -> dict[str, Any]:
    """Set `jax_default_matmul_precision` for `policy` ("float32" or "tf32"); the settings to record."""
    import jax

    jax.config.update("jax_default_matmul_precision", JAX_PRECISION[policy])
    return {
        "matmul_precision": policy,
        "jax_default_matmul_precision": jax.config.jax_default_matmul_precision,
    }
