"""torch-brax: observations and actions cross between JAX and torch by DLPack without a copy."""

from __future__ import annotations

from types import SimpleNamespace

import jax.numpy as jnp
import numpy as np
import torch
from brax.io.torch import torch_to_jax

from torch_ppo.brax_env import BraxTrainEnv


def test_jax_to_torch_path_of_the_env_shares_memory() -> None:
    obs = jnp.arange(24, dtype=jnp.float32).reshape(4, 6) * 0.5
    as_torch = BraxTrainEnv._to_torch(SimpleNamespace(device=torch.device("cpu")), obs)
    assert as_torch.data_ptr() == obs.unsafe_buffer_pointer()  # same buffer: no host copy
    assert torch.equal(as_torch, torch.arange(24, dtype=torch.float32).reshape(4, 6) * 0.5)


def test_torch_to_jax_actions_share_memory() -> None:
    actions = torch.linspace(-1.0, 1.0, 12).reshape(4, 3).contiguous()
    as_jax = torch_to_jax(actions)
    assert as_jax.unsafe_buffer_pointer() == actions.data_ptr()
    assert (np.asarray(as_jax) == actions.numpy()).all()
