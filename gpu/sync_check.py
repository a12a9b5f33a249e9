"""GPU-only check: a steady update of the eager torch trainer makes no hidden host-device synchronization.

`python -m gpu.sync_check [--preset NAME]` runs the torch trainer on CUDA with an env whose tensors torch
makes on the GPU (so the check is about the trainer's code, not a simulator's hand-over): two updates to warm
up, then one under `torch.cuda.set_sync_debug_mode("error")`, where anything that waits for the GPU from the
host raises. Exit 0 "sync check: ok", 1 with the offending operation, 2 without CUDA (gpu/gpu_run.sh).
"""

from __future__ import annotations

import argparse
import sys

import torch

from shared_spec.presets import resolve_spec
from torch_ppo.envs import StepResult
from torch_ppo.train import Trainer


class DeviceNoiseEnv:
    """A TrainEnv whose every tensor is made on the GPU: steps cost nothing and never touch the host."""

    def __init__(self, num_envs: int, obs_size: int, act_size: int, device: torch.device) -> None:
        self.num_envs, self.obs_size, self.act_size, self.device = num_envs, obs_size, act_size, device
        self.generator = torch.Generator(device=device).manual_seed(0)

    def _obs(self) -> torch.Tensor:
        return torch.randn(self.num_envs, self.obs_size, device=self.device, generator=self.generator)

    def reset(self, seed: int) -> torch.Tensor:
        return self._obs()

    def step(self, actions: torch.Tensor) -> StepResult:
        reward = actions.sum(-1)
        done = torch.rand(self.num_envs, device=self.device, generator=self.generator) < 0.01
        obs = self._obs()
        return StepResult(obs, obs, reward, done, torch.zeros_like(done), [])

    def normalize_frozen(self, raw_obs: torch.Tensor) -> torch.Tensor:
        return raw_obs

    def close(self) -> None:
        """Nothing to release."""


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m gpu.sync_check", description=__doc__.split("\n")[0])
    parser.add_argument("--preset", default="gpu-scale", help="the update's shapes (default: gpu-scale)")
    args = parser.parse_args(argv)
    if not torch.cuda.is_available():
        print("error: sync check: needs CUDA (torch.cuda.is_available() is False)", file=sys.stderr)
        return 2
    spec = resolve_spec(args.preset)
    device = torch.device("cuda")
    envs = DeviceNoiseEnv(spec.num_envs, 11, 3, device)
    trainer = Trainer(spec, envs, envs, device, seed=0)
    for _ in range(2):
        trainer.update_step()
    torch.cuda.synchronize()
    try:
        torch.cuda.set_sync_debug_mode("error")
        metrics = trainer.update_step()
    except RuntimeError as err:
        print(f"sync check: FAILED: a host sync in a steady update: {err}")
        return 1
    finally:
        torch.cuda.set_sync_debug_mode("default")
    torch.cuda.synchronize()
    print(
        f"sync check: ok: one steady update_step of the eager trainer ({args.preset}: {spec.num_envs} envs x "
        f"{spec.num_steps} steps, {spec.update_epochs} epochs x {spec.num_minibatches} minibatches) on "
        f"{torch.cuda.get_device_name(device)} made no host-device sync; all finite: {bool(metrics.all_finite)}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
