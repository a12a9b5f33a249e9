"""`jax.device_put_replicated` for Brax's own PPO on JAX versions that removed it (>= 0.10, the GPU image's).

brax.training 0.14.2 calls it once to put the training state on each local device before its `pmap`. The
stand-in has the same semantics: the value stacked once per device along a new leading axis, each slice on its
device (a `NamedSharding` over those devices). Installed only where JAX lacks the call; the record says so.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np


def device_put_replicated(value: Any, devices: Sequence[Any]) -> Any:
    """`value` (a pytree) replicated on `devices`: each leaf stacked [len(devices), ...], one slice per device."""
    mesh = jax.sharding.Mesh(np.asarray(devices), ("devices",))
    sharding = jax.sharding.NamedSharding(mesh, jax.sharding.PartitionSpec("devices"))
    stacked = jax.tree.map(lambda leaf: jnp.stack([jnp.asarray(leaf)] * len(devices)), value)
    return jax.device_put(stacked, sharding)


def ensure_device_put_replicated(module: Any = jax) -> str | None:
    """Install the stand-in where `module` (JAX) has no `device_put_replicated`; what the record says, or None."""
    try:
        module.device_put_replicated  # noqa: B018 (JAX >= 0.10 raises AttributeError here)
        return None
    except AttributeError:
        module.device_put_replicated = device_put_replicated
        return (
            f"jax {jax.__version__} has no device_put_replicated: baselines.jax_compat provides it "
            "(the value stacked per device, NamedSharding over the devices)"
        )
