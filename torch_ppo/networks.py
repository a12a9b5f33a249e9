"""The actor-critic network and the diagonal Gaussian policy, as docs/ALGORITHM.md specifies them.

Separate actor and critic MLPs, orthogonal init (gain sqrt 2 hidden, 0.01 mean head, 1.0 value head, zero
biases) and a state-independent `log_std` parameter. `params_to_numpy` / `params_from_numpy` move weights in
the framework-neutral layout the parity tests use (kernels [in, out], flax's convention). Not in here: the
losses (losses.py) and anything about environments.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np
import torch
from torch import nn

ACTIVATIONS: dict[str, type[nn.Module]] = {"tanh": nn.Tanh, "relu": nn.ReLU}
HIDDEN_GAIN = math.sqrt(2.0)
MEAN_HEAD_GAIN = 0.01
VALUE_HEAD_GAIN = 1.0
_LOG_SQRT_2PI = 0.5 * math.log(2.0 * math.pi)


def _linear(in_size: int, out_size: int, gain: float) -> nn.Linear:
    layer = nn.Linear(in_size, out_size)
    nn.init.orthogonal_(layer.weight, gain)
    nn.init.zeros_(layer.bias)
    return layer


def mlp(
    in_size: int, hidden: Sequence[int], out_size: int, activation: str, head_gain: float
) -> nn.Sequential:
    """Hidden layers (orthogonal, gain sqrt 2, `activation`) then a linear head with `head_gain`."""
    layers: list[nn.Module] = []
    for size in hidden:
        layers += [_linear(in_size, size, HIDDEN_GAIN), ACTIVATIONS[activation]()]
        in_size = size
    layers.append(_linear(in_size, out_size, head_gain))
    return nn.Sequential(*layers)


class ActorCritic(nn.Module):
    """Gaussian policy (mean MLP + state-independent log-std) and a separate value MLP."""

    def __init__(
        self,
        obs_size: int,
        act_size: int,
        actor_hidden: Sequence[int] = (64, 64),
        critic_hidden: Sequence[int] = (64, 64),
        activation: str = "tanh",
        init_log_std: float = 0.0,
    ) -> None:
        super().__init__()
        self.actor = mlp(obs_size, actor_hidden, act_size, activation, MEAN_HEAD_GAIN)
        self.critic = mlp(obs_size, critic_hidden, 1, activation, VALUE_HEAD_GAIN)
        self.log_std = nn.Parameter(torch.full((act_size,), float(init_log_std)))

    def action_mean(self, obs: torch.Tensor) -> torch.Tensor:
        """Mean action [..., A] for observations [..., O] (no squashing)."""
        return self.actor(obs)

    def value(self, obs: torch.Tensor) -> torch.Tensor:
        """State value [...] for observations [..., O]."""
        return self.critic(obs).squeeze(-1)


def make_network(spec: Any, obs_size: int, act_size: int) -> ActorCritic:
    """The network `spec` describes (hidden sizes, activation, init log-std) for the given env sizes."""
    return ActorCritic(
        obs_size, act_size, spec.actor_hidden, spec.critic_hidden, spec.activation, spec.init_log_std
    )


def adam_implementation(device: torch.device, compiled: bool = False) -> dict[str, Any]:
    """torch's fastest Adam for `device`, eager or compiled.

    Eager: one fused kernel on CUDA, the multi-tensor (foreach) one elsewhere; the learning rate is a float.
    Compiled (`torch.compile` traces the optimizer step into the update's graph): the learning rate is a
    tensor, so the schedule changes a value instead of a constant baked into the graph (no recompile), and on
    CUDA the step is `capturable` (its step counters stay on the GPU), which CUDA graphs need. torch allows a
    tensor learning rate with foreach only when capturable, so the compiled CPU step is the single-tensor one
    (inductor fuses it either way). After LeanRL's `ppo_continuous_action_torchcompile.py` and PyTorch's
    compiled-optimizer recipe.
    """
    if not compiled:
        return {"fused": True} if device.type == "cuda" else {"foreach": True}
    if device.type == "cuda":
        return {"capturable": True, "foreach": True, "tensor_lr": True}
    return {"foreach": False, "tensor_lr": True}


def make_optimizer(agent: ActorCritic, spec: Any, compiled: bool = False) -> torch.optim.Adam:
    """Adam (betas 0.9/0.999, eps `spec.adam_eps`) as `adam_implementation` says; lr set per update.

    Global grad-norm clipping happens in the minibatch step (torch clips gradients, not updates).
    """
    device = next(agent.parameters()).device
    options = dict(adam_implementation(device, compiled))
    lr: float | torch.Tensor = spec.learning_rate
    if options.pop("tensor_lr", False):
        lr = torch.tensor(spec.learning_rate, dtype=torch.float32, device=device)
    return torch.optim.Adam(agent.parameters(), lr=lr, eps=spec.adam_eps, betas=(0.9, 0.999), **options)


def set_learning_rate(optimizer: torch.optim.Optimizer, value: float) -> None:
    """Set every group's learning rate: in place where it is a tensor (a compiled step reads it as an input)."""
    for group in optimizer.param_groups:
        if isinstance(group["lr"], torch.Tensor):
            group["lr"].fill_(value)
        else:
            group["lr"] = value


def describe_optimizer(optimizer: torch.optim.Optimizer) -> dict[str, Any]:
    """What the record says about Adam: its implementation and whether the learning rate is a tensor."""
    group = optimizer.param_groups[0]
    kind = "fused" if group.get("fused") else "foreach" if group.get("foreach") else "single-tensor"
    return {
        "implementation": kind,
        "capturable": bool(group.get("capturable")),
        "tensor_lr": isinstance(group["lr"], torch.Tensor),
    }


def learning_rate_at(spec: Any, update_index: int) -> float:
    """Learning rate of update `update_index` (0-based): lr * (1 - update_index / num_updates) if annealed."""
    if not spec.anneal_lr:
        return spec.learning_rate
    return spec.learning_rate * (1.0 - update_index / spec.num_updates)


def gaussian_log_prob(mean: torch.Tensor, log_std: torch.Tensor, actions: torch.Tensor) -> torch.Tensor:
    """Log density of `actions` under N(mean, exp(log_std)^2), summed over the action axis: [...]."""
    z = (actions - mean) * torch.exp(-log_std)
    return (-0.5 * z.square() - log_std - _LOG_SQRT_2PI).sum(-1)


def gaussian_entropy(log_std: torch.Tensor, mean: torch.Tensor) -> torch.Tensor:
    """Entropy of the diagonal Gaussian, summed over actions and broadcast to mean's batch shape [...]."""
    per_dim = 0.5 + _LOG_SQRT_2PI + log_std
    return per_dim.sum(-1).expand(mean.shape[:-1])


def _linears(seq: nn.Sequential) -> list[nn.Linear]:
    return [m for m in seq if isinstance(m, nn.Linear)]


def params_to_numpy(agent: ActorCritic) -> dict[str, Any]:
    """Weights in the framework-neutral layout (float32 numpy, kernels [in, out])."""

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


def params_from_numpy(
    tree: dict[str, Any], agent: ActorCritic | None = None, activation: str = "tanh"
) -> ActorCritic:
    """Load the neutral-layout weights `tree` into `agent` (or a new ActorCritic shaped by `tree`) and return it.

    A new agent takes its layer sizes from the kernels; `activation` is not stored in the tree, so it is
    an argument (the spec's default, tanh, unless told).
    """
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
