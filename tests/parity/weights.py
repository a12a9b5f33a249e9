"""The one weight-copy helper the parity tests share: neutral layout <-> each framework's parameters."""

from __future__ import annotations

import numpy as np

from jax_ppo import networks as jax_networks
from torch_ppo import networks as torch_networks


def to_jax(tree: dict):
    """Neutral-layout weights as JAX (flax) parameters."""
    return jax_networks.params_from_numpy(tree)


def to_torch(tree: dict, activation: str = "tanh") -> torch_networks.ActorCritic:
    """Neutral-layout weights loaded into a new torch ActorCritic."""
    return torch_networks.params_from_numpy(tree, activation=activation)


def jax_to_torch(jax_params, activation: str = "tanh") -> torch_networks.ActorCritic:
    """Copy JAX parameters into a torch module (through the neutral layout)."""
    return to_torch(jax_networks.params_to_numpy(jax_params), activation)


def assert_trees_close(a: dict, b: dict, rtol: float, atol: float) -> None:
    """Two neutral-layout trees equal to tolerance, leaf by leaf, with the leaf named on failure."""
    np.testing.assert_allclose(a["log_std"], b["log_std"], rtol=rtol, atol=atol, err_msg="log_std")
    for part in ("actor", "critic"):
        assert len(a[part]) == len(b[part]), part
        for i, (la, lb) in enumerate(zip(a[part], b[part], strict=True)):
            for name in ("kernel", "bias"):
                np.testing.assert_allclose(
                    la[name], lb[name], rtol=rtol, atol=atol, err_msg=f"{part}[{i}].{name}"
                )
