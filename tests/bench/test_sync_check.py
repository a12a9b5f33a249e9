"""gpu/sync_check.py: the GPU-only host-sync check runs the trainer's real update on an on-device env."""

from __future__ import annotations

import subprocess
import sys

import pytest
import torch

from gpu.sync_check import DeviceNoiseEnv
from shared_spec.presets import resolve_spec
from torch_ppo.train import Trainer


def test_the_checked_update_runs_on_its_device_env() -> None:
    spec = resolve_spec(
        "gpu-scale", ["num_envs=8", "num_steps=16", "num_minibatches=4", "total_timesteps=256"]
    )
    device = torch.device("cpu")
    envs = DeviceNoiseEnv(spec.num_envs, 11, 3, device)
    trainer = Trainer(spec, envs, envs, device, seed=0)
    metrics = trainer.update_step()
    assert trainer.update_index == 1 and bool(metrics.all_finite)


@pytest.mark.skipif(torch.cuda.is_available(), reason="needs a machine without CUDA")
def test_without_cuda_the_check_says_so_and_exits_2() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "gpu.sync_check"], capture_output=True, text=True, check=False
    )
    assert done.returncode == 2 and done.stderr.strip() == (
        "error: sync check: needs CUDA (torch.cuda.is_available() is False)"
    )
