"""Test-only weight converters: the framework-neutral layout of docs/ALGORITHM.md <-> each framework's parameters.

Layout: {"actor": [{"kernel": [in, out], "bias": [out]}, ...], "critic": [...], "log_std": [A]}, numpy float32;
flax's kernel convention, so torch's `Linear.weight` ([out, in]) is transposed.
"""

from __future__ import annotations

from typing import Any

import jax.numpy as jnp
import numpy as np
import torch
from torch import nn

from torch_ppo.networks import ActorCritic


# ----------------------------------------------------------------------------------------------- jax
def jax_params_to_numpy(params: Any) -> dict:
    """flax parameters of jax_ppo's ActorCritic in the neutral layout."""

    def layers(mlp: dict) -> list[dict[str, np.ndarray]]:
        return [
            {name: np.asarray(mlp[f"layer_{i}"][name], np.float32) for name in ("kernel", "bias")}
            for i in range(len(mlp))
        ]

    inner = params["params"]
    return {
        "actor": layers(inner["actor"]),
        "critic": layers(inner["critic"]),
        "log_std": np.asarray(inner["log_std"], np.float32),
    }


def to_jax(tree: dict) -> Any:
    """Neutral-layout weights as flax parameters of jax_ppo's ActorCritic."""

    def layers(items: list[dict]) -> dict:
        return {
            f"layer_{i}": {name: jnp.asarray(layer[name], jnp.float32) for name in ("kernel", "bias")}
            for i, layer in enumerate(items)
        }

    return {
        "params": {
            "actor": layers(tree["actor"]),
            "critic": layers(tree["critic"]),
            "log_std": jnp.asarray(tree["log_std"], jnp.float32),
        }
    }


# ----------------------------------------------------------------------------------------------- torch
def _linears(seq: nn.Sequential) -> list[nn.Linear]:
    return [m for m in seq if isinstance(m, nn.Linear)]


def torch_params_to_numpy(agent: ActorCritic) -> dict[str, Any]:
    """A torch ActorCritic's weights in the neutral layout."""

    def layers(seq: nn.Sequential) -> list[dict[str, np.ndarray]]:
        return [
            {
                "kernel": layer.weight.detach().cpu().numpy().T.astype(np.float32),
                "bias": layer.bias.detach().cpu().numpy().astype(np.float32),
            }
            for layer in _linears(seq)
        ]

    return {
        "actor": layers(agent.actor),
        "critic": layers(agent.critic),
        "log_std": agent.log_std.detach().cpu().numpy().astype(np.float32),
    }


def to_torch(tree: dict, agent: ActorCritic | None = None, activation: str = "tanh") -> ActorCritic:
    """Load neutral-layout weights into `agent` (or a new ActorCritic shaped by `tree`) and return it."""
    if agent is None:
        actor_k = [np.asarray(layer["kernel"]) for layer in tree["actor"]]
        critic_k = [np.asarray(layer["kernel"]) for layer in tree["critic"]]
        agent = ActorCritic(
            obs_size=actor_k[0].shape[0],
            act_size=actor_k[-1].shape[1],
            actor_hidden=[k.shape[1] for k in actor_k[:-1]],
            critic_hidden=[k.shape[1] for k in critic_k[:-1]],
            activation=activation,
        )
    with torch.no_grad():
        for key in ("actor", "critic"):
            layers = _linears(getattr(agent, key))
            if len(layers) != len(tree[key]):
                raise ValueError(f"{key}: tree has {len(tree[key])} layers; the network has {len(layers)}")
            for layer, values in zip(layers, tree[key], strict=True):
                layer.weight.copy_(torch.as_tensor(np.asarray(values["kernel"], np.float32).T))
                layer.bias.copy_(torch.as_tensor(np.asarray(values["bias"], np.float32)))
        agent.log_std.copy_(torch.as_tensor(np.asarray(tree["log_std"], np.float32)))
    return agent


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
