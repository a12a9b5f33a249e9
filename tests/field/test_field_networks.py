"""What each library actually builds, checked against the mapped network options: the built policy's parameters
and outputs (not the keywords passed) match the spec's sizes, activation, initial log-std, Adam eps and the
algorithm's orthogonal init (docs/ALGORITHM.md), or the library's `unmapped` says what it does instead."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pytest

from field.mapping import MAPPINGS
from shared_spec.presets import resolve_spec

pytest.importorskip("stable_baselines3")
pytest.importorskip("sbx")
pytest.importorskip("skrl")

SPEC = resolve_spec("smoke", []).replace(
    actor_hidden=(32, 16), critic_hidden=(48,), activation="relu", init_log_std=-0.5, adam_eps=1e-5
)
GAINS = {"hidden": math.sqrt(2.0), "action": 0.01, "value": 1.0}
"""The algorithm's orthogonal init: gain per layer role (CleanRL's, docs/ALGORITHM.md)."""
ACTIVATIONS = {"relu": lambda x: np.maximum(x, 0.0), "tanh": np.tanh}


@dataclass
class Built:
    """One library's built actor and critic, read back: kernels as (inputs, outputs) arrays, biases."""

    actor: list[tuple[np.ndarray, np.ndarray]]
    critic: list[tuple[np.ndarray, np.ndarray]]
    log_std: np.ndarray
    actor_mean: Callable[[np.ndarray], np.ndarray]
    adam_eps: float | None
    """None where the library has no setting for it (its `unmapped` must say so)."""


def torch_layers(modules) -> list[tuple[np.ndarray, np.ndarray]]:
    import torch.nn as nn

    return [
        (m.weight.detach().numpy().T, m.bias.detach().numpy()) for m in modules if isinstance(m, nn.Linear)
    ]


def flax_layers(params: dict) -> list[tuple[np.ndarray, np.ndarray]]:
    dense = sorted((k for k in params if k.startswith("Dense_")), key=lambda k: int(k.split("_")[1]))
    return [(np.asarray(params[k]["kernel"]), np.asarray(params[k]["bias"])) for k in dense]


def build_sb3_family(library: str) -> Built:
    import torch

    from field.sb3_family import policy_kwargs

    kwargs, _ = MAPPINGS[library](SPEC)
    from field.sb3_family import make_vec_env

    venv = make_vec_env(kwargs["run"], kwargs["norm"], 0)
    if library == "sb3":
        from stable_baselines3 import PPO
    else:
        from sbx import PPO
    model = PPO(
        "MlpPolicy", venv, policy_kwargs=policy_kwargs(library, kwargs["net"]), seed=0, **kwargs["algo"]
    )
    policy = model.policy
    if library == "sb3":
        extractor = policy.mlp_extractor

        def mean(x: np.ndarray) -> np.ndarray:
            with torch.no_grad():
                return policy.action_net(extractor.forward_actor(torch.as_tensor(x))).numpy()

        actor = torch_layers([*extractor.policy_net, policy.action_net])
        critic = torch_layers([*extractor.value_net, policy.value_net])
        eps = policy.optimizer.param_groups[0]["eps"]
        return Built(actor, critic, policy.log_std.detach().numpy(), mean, eps)
    actor_params = policy.actor_state.params["params"]
    eps = float(policy.actor_state.opt_state[1].hyperparams["eps"])  # chain(clip, inject_hyperparams(adam))
    return Built(
        flax_layers(actor_params),
        flax_layers(policy.vf_state.params["params"]),
        np.asarray(actor_params["log_std"]),
        lambda x: np.asarray(policy.actor.apply(policy.actor_state.params, x).mean()),
        eps,
    )


def build_skrl(library: str) -> Built:
    import gymnasium as gym

    from field.skrl_models import jax_models, torch_models

    kwargs, _ = MAPPINGS[library](SPEC)
    env = gym.make("InvertedPendulum-v5")
    if library == "skrl-torch":
        import torch

        models = torch_models(env.observation_space, env.action_space, "cpu", kwargs["net"])
        policy = models["policy"]

        def mean(x: np.ndarray) -> np.ndarray:
            with torch.no_grad():
                return policy.mean(torch.as_tensor(x)).numpy()

        log_std = policy.log_std_parameter.detach().numpy()
        return Built(torch_layers(policy.mean), torch_layers(models["value"].net), log_std, mean, None)
    models = jax_models(env.observation_space, env.action_space, None, kwargs["net"])
    policy, params = models["policy"], models["policy"].state_dict.params

    def jax_mean(x: np.ndarray) -> np.ndarray:
        return np.asarray(policy.apply(params, {"observations": x}, role="policy")[0])

    critic = flax_layers(models["value"].state_dict.params["params"])
    return Built(flax_layers(params["params"]), critic, np.asarray(params["params"]["log_std_parameter"]),
                 jax_mean, None)  # fmt: skip


def is_orthogonal(kernel: np.ndarray, gain: float) -> bool:
    """Every singular value equals `gain`: an orthogonal matrix scaled by it (a random normal one is far off)."""
    return bool(np.allclose(np.linalg.svd(kernel, compute_uv=False), gain, rtol=1e-3))


def forward(layers: list[tuple[np.ndarray, np.ndarray]], x: np.ndarray) -> np.ndarray:
    for kernel, bias in layers[:-1]:
        x = ACTIVATIONS[SPEC.activation](x @ kernel + bias)
    kernel, bias = layers[-1]
    return x @ kernel + bias


@pytest.mark.parametrize("library", sorted(MAPPINGS))
def test_every_mapped_network_option_is_what_the_library_builds(library: str) -> None:
    built = (build_sb3_family if library in ("sb3", "sbx") else build_skrl)(library)
    _, unmapped = MAPPINGS[library](SPEC)
    assert [k.shape[1] for k, _ in built.actor[:-1]] == list(SPEC.actor_hidden)
    assert [k.shape[1] for k, _ in built.critic[:-1]] == list(SPEC.critic_hidden)
    assert built.critic[-1][0].shape[1] == 1
    np.testing.assert_allclose(built.log_std, SPEC.init_log_std)
    x = np.random.default_rng(0).normal(size=(5, built.actor[0][0].shape[0])).astype(np.float32)
    np.testing.assert_allclose(
        built.actor_mean(x).reshape(5, -1), forward(built.actor, x), rtol=1e-4, atol=1e-5
    )
    if built.adam_eps is None or not math.isclose(built.adam_eps, SPEC.adam_eps, rel_tol=1e-6):
        assert "adam_eps" in unmapped
    roles = [("hidden", k) for k, _ in built.actor[:-1] + built.critic[:-1]]
    roles += [("action", built.actor[-1][0]), ("value", built.critic[-1][0])]
    off = sorted({role for role, kernel in roles if not is_orthogonal(kernel, GAINS[role])})
    biases_zero = all(not b.any() for _, b in built.actor + built.critic)
    if off or not biases_zero:
        assert "network_init" in unmapped, f"{library} builds {off} otherwise, but unmapped does not say so"
        assert all(role in unmapped["network_init"] for role in off)
    else:
        assert "network_init" not in unmapped
