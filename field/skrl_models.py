"""The actor and critic skrl is given, in PyTorch and in Flax: skrl expects the user to write these.

Separate MLPs of the spec's sizes and activation, orthogonal init (gain sqrt(2) on hidden layers, 0.01 on the
action head, 1 on the value head, zero biases: CleanRL's), a state-independent log-std parameter. skrl's
GaussianMixin clamps the log-std to [-20, 2] (its default) and its preprocessors normalize the observations
before these networks see them.
"""

from __future__ import annotations

import math
from typing import Any

HIDDEN_GAIN = math.sqrt(2.0)
ACTION_HEAD_GAIN = 0.01
VALUE_HEAD_GAIN = 1.0


def torch_models(
    observation_space: Any, action_space: Any, device: str, net: dict[str, Any]
) -> dict[str, Any]:
    """{"policy": GaussianMixin model, "value": DeterministicMixin model} in PyTorch."""
    import torch
    from skrl.models.torch import DeterministicMixin, GaussianMixin, Model
    from torch import nn

    activation = {"tanh": nn.Tanh, "relu": nn.ReLU}[net["activation"]]

    def linear(inputs: int, outputs: int, gain: float) -> nn.Linear:
        layer = nn.Linear(inputs, outputs)
        nn.init.orthogonal_(layer.weight, gain)
        nn.init.zeros_(layer.bias)
        return layer

    def mlp(inputs: int, hidden: list[int], outputs: int, head_gain: float) -> nn.Sequential:
        layers: list[nn.Module] = []
        for size in hidden:
            layers += [linear(inputs, size, HIDDEN_GAIN), activation()]
            inputs = size
        return nn.Sequential(*layers, linear(inputs, outputs, head_gain))

    class Policy(GaussianMixin, Model):
        def __init__(self) -> None:
            Model.__init__(
                self, observation_space=observation_space, action_space=action_space, device=device
            )
            GaussianMixin.__init__(self, clip_actions=False, reduction="sum")
            self.mean = mlp(self.num_observations, net["actor_hidden"], self.num_actions, ACTION_HEAD_GAIN)
            self.log_std_parameter = nn.Parameter(torch.full((self.num_actions,), float(net["init_log_std"])))

        def compute(self, inputs: dict[str, Any], role: str = "") -> tuple[Any, dict[str, Any]]:
            return self.mean(inputs["observations"]), {"log_std": self.log_std_parameter}

    class Value(DeterministicMixin, Model):
        def __init__(self) -> None:
            Model.__init__(
                self, observation_space=observation_space, action_space=action_space, device=device
            )
            DeterministicMixin.__init__(self, clip_actions=False)
            self.net = mlp(self.num_observations, net["critic_hidden"], 1, VALUE_HEAD_GAIN)

        def compute(self, inputs: dict[str, Any], role: str = "") -> tuple[Any, dict[str, Any]]:
            return self.net(inputs["observations"]), {}

    return {"policy": Policy().to(device), "value": Value().to(device)}


def jax_models(observation_space: Any, action_space: Any, device: Any, net: dict[str, Any]) -> dict[str, Any]:
    """{"policy", "value"} as Flax modules with skrl's JAX mixins, parameters initialized."""
    import flax.linen as nn
    import jax.numpy as jnp
    from skrl.models.jax import DeterministicMixin, GaussianMixin, Model

    activation = {"tanh": nn.tanh, "relu": nn.relu}[net["activation"]]
    zeros = nn.initializers.zeros

    def mlp(x: Any, hidden: list[int], outputs: int, head_gain: float) -> Any:
        for size in hidden:
            x = activation(
                nn.Dense(size, kernel_init=nn.initializers.orthogonal(HIDDEN_GAIN), bias_init=zeros)(x)
            )
        return nn.Dense(outputs, kernel_init=nn.initializers.orthogonal(head_gain), bias_init=zeros)(x)

    class Policy(GaussianMixin, Model):
        def __init__(
            self, observation_space=None, state_space=None, action_space=None, device=None, **kwargs
        ):
            # Flax clones a module with its fields as keywords: the signature of skrl's own model templates
            Model.__init__(self, observation_space=observation_space, state_space=state_space,
                           action_space=action_space, device=device, **kwargs)  # fmt: skip
            GaussianMixin.__init__(self, clip_actions=False, reduction="sum")

        @nn.compact
        def __call__(self, inputs: dict[str, Any], role: str = "") -> tuple[Any, dict[str, Any]]:
            mean = mlp(inputs["observations"], net["actor_hidden"], self.num_actions, ACTION_HEAD_GAIN)
            log_std = self.param(
                "log_std_parameter", lambda _: jnp.full((self.num_actions,), float(net["init_log_std"]))
            )
            return mean, {"log_std": log_std}

    class Value(DeterministicMixin, Model):
        def __init__(
            self, observation_space=None, state_space=None, action_space=None, device=None, **kwargs
        ):
            # Flax clones a module with its fields as keywords: the signature of skrl's own model templates
            Model.__init__(self, observation_space=observation_space, state_space=state_space,
                           action_space=action_space, device=device, **kwargs)  # fmt: skip
            DeterministicMixin.__init__(self, clip_actions=False)

        @nn.compact
        def __call__(self, inputs: dict[str, Any], role: str = "") -> tuple[Any, dict[str, Any]]:
            return mlp(inputs["observations"], net["critic_hidden"], 1, VALUE_HEAD_GAIN), {}

    spaces = {"observation_space": observation_space, "action_space": action_space, "device": device}
    models = {"policy": Policy(**spaces), "value": Value(**spaces)}
    for role, model in models.items():
        model.init_state_dict(role=role)
    return models
