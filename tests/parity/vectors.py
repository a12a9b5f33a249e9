"""Shared test vectors for the cross-framework parity tests: random (never zeros), fixed seeds, numpy float32.

Both frameworks receive exactly these arrays; nothing here imports JAX or torch.
"""

from __future__ import annotations

import itertools
from typing import NamedTuple

import numpy as np

OBS_SIZE, ACT_SIZE = 5, 3
T, B = 16, 4
N = 64
RTOL, ATOL = 1e-5, 1e-6
"""float32 parity tolerance: relative 1e-5 (about 100 float32 ulps), absolute 1e-6 near zero."""


class RolloutVectors(NamedTuple):
    rewards: np.ndarray
    values: np.ndarray
    next_values: np.ndarray
    terminations: np.ndarray
    truncations: np.ndarray


class MinibatchVectors(NamedTuple):
    obs: np.ndarray
    actions: np.ndarray
    log_probs: np.ndarray
    values: np.ndarray
    advantages: np.ndarray
    returns: np.ndarray


def rng(seed: int) -> np.random.Generator:
    return np.random.default_rng(seed)


def rollout_vectors(seed: int = 0) -> RolloutVectors:
    """[T, B] rewards/values with terminations and truncations mixed in (never both on one step)."""
    g = rng(seed)
    terminations = g.random((T, B)) < 0.15
    truncations = (g.random((T, B)) < 0.15) & ~terminations
    assert terminations.any() and truncations.any()
    return RolloutVectors(
        rewards=g.normal(1.0, 2.0, (T, B)).astype(np.float32),
        values=g.normal(0.5, 1.5, (T, B)).astype(np.float32),
        next_values=g.normal(0.5, 1.5, (T, B)).astype(np.float32),
        terminations=terminations,
        truncations=truncations,
    )


def minibatch_vectors(seed: int = 1, n: int = N) -> MinibatchVectors:
    """A minibatch of loss inputs whose log-probs differ enough from the new policy to exercise clipping."""
    g = rng(seed)
    values = g.normal(0.0, 1.0, n).astype(np.float32)
    advantages = g.normal(0.3, 1.2, n).astype(np.float32)
    return MinibatchVectors(
        obs=g.normal(0.0, 1.0, (n, OBS_SIZE)).astype(np.float32),
        actions=g.normal(0.0, 1.0, (n, ACT_SIZE)).astype(np.float32),
        log_probs=g.normal(-4.0, 0.6, n).astype(np.float32),
        values=values,
        advantages=advantages,
        returns=(advantages + values + g.normal(0, 0.3, n)).astype(np.float32),
    )


def neutral_params(seed: int = 2, hidden: tuple[int, ...] = (8, 8)) -> dict:
    """Random weights in the framework-neutral layout (kernels [in, out]); not the init, deliberately."""
    g = rng(seed)

    def layers(sizes: list[int], head_scale: float) -> list[dict[str, np.ndarray]]:
        out = []
        for i, (fan_in, fan_out) in enumerate(itertools.pairwise(sizes)):
            scale = head_scale if i == len(sizes) - 2 else 1.0 / np.sqrt(fan_in)
            out.append(
                {
                    "kernel": (g.normal(0, scale, (fan_in, fan_out))).astype(np.float32),
                    "bias": g.normal(0, 0.1, fan_out).astype(np.float32),
                }
            )
        return out

    return {
        "actor": layers([OBS_SIZE, *hidden, ACT_SIZE], 0.3),
        "critic": layers([OBS_SIZE, *hidden, 1], 1.0),
        "log_std": g.normal(-0.3, 0.2, ACT_SIZE).astype(np.float32),
    }


def observation_batches(seed: int = 3, count: int = 12, batch: int = B) -> list[np.ndarray]:
    """A stream of observation batches with drifting mean and scale (exercises the running statistics)."""
    g = rng(seed)
    return [g.normal(0.5 * i, 1.0 + 0.2 * i, (batch, OBS_SIZE)).astype(np.float32) for i in range(count)]
