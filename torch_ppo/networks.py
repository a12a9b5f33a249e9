"""The actor-critic network and the diagonal Gaussian policy, as docs/ALGORITHM.md specifies them.

Separate actor and critic MLPs, orthogonal init (gain sqrt 2 hidden, 0.01 mean head, 1.0 value head, zero
biases) and a state-independent `log_std` parameter; Adam and the learning-rate schedule. Not in here: the
losses (losses.py), the speed choices (compiled.py: which Adam kernel, torch.compile) and anything about
environments.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import torch
from torch import nn

from shared_spec.spec import PPOSpec
from torch_ppo.compiled import adam_options

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


def make_network(spec: PPOSpec, obs_size: int, act_size: int) -> ActorCritic:
    """The network `spec` describes (hidden sizes, activation, init log-std) for the given env sizes."""
    return ActorCritic(
        obs_size, act_size, spec.actor_hidden, spec.critic_hidden, spec.activation, spec.init_log_std
    )


def make_optimizer(agent: ActorCritic, spec: PPOSpec, compiled: bool = False) -> torch.optim.Adam:
    """Adam (betas 0.9/0.999, eps `spec.adam_eps`), the kernel `compiled.adam_options` picks; lr set per update.

    Global grad-norm clipping happens in the minibatch step (torch clips gradients, not updates).
    """
    device = next(agent.parameters()).device
    options = dict(adam_options(device, compiled))
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


def learning_rate_at(spec: PPOSpec, update_index: int) -> float:
    """Learning rate of update `update_index` (0-based): lr * (1 - update_index / num_updates) if annealed."""
    if not spec.anneal_lr:
        return spec.learning_rate
    return spec.learning_rate * (1.0 - update_index / spec.num_updates)


def gaussian_log_prob(mean: torch.Tensor, log_std: torch.Tensor, actions: torch.Tensor) -> torch.Tensor:
    """Log density of `actions` under N(mean, exp(log_std)^2), summed over the action axis: [...].

    Written out rather than built as CleanRL's `torch.distributions.Normal`: the eager minibatch step is
    measurably faster this way and the compiled one no different (`experiments.perf_torch_gaussian`; its
    stored figures: reports/published/cpu-epyc-zen1-2026-12-05/torch_gaussian.json).
    """
    z = (actions - mean) * torch.exp(-log_std)
    return (-0.5 * z.square() - log_std - _LOG_SQRT_2PI).sum(-1)


def gaussian_entropy(log_std: torch.Tensor, mean: torch.Tensor) -> torch.Tensor:
    """Entropy of the diagonal Gaussian, summed over actions and broadcast to mean's batch shape [...]."""
    per_dim = 0.5 + _LOG_SQRT_2PI + log_std
    return per_dim.sum(-1).expand(mean.shape[:-1])
