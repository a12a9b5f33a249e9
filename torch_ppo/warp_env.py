"""The MuJoCo Warp env for the torch learner (contender `torch-warp`): physics in Warp, the task in torch.

How PyTorch users run GPU physics in 2026 (mjlab, MuJoCo Playground 1.0): Warp owns the simulator state,
torch reads and writes it in place through `wp.to_torch` views (no copies, no DLPack round trip per step), and
the step and the reset of finished worlds replay captured graphs (`ppo_envs.warp_envs.WarpWorlds`).
The task is written here in torch, matching Brax's env of the same name as the other contenders step it
(`ppo_envs.brax_envs`): actions in actuator units clipped to the control range, Brax's observation, reward,
termination and reset noise, the time limit, and auto-reset to a fresh random start with the final
observation kept. Observation and reward normalization are torch-brax's (normalization.py).
Only inverted_pendulum is written so far (`ppo_envs.warp_envs.WARP_TASKS`).
"""

from __future__ import annotations

from contextlib import AbstractContextManager, nullcontext

import torch

from ppo_envs.warp_envs import WarpWorlds, require_warp_task
from shared_spec.spec import PPOSpec
from torch_ppo.envs import StepResult
from torch_ppo.normalization import DeviceNormalizer

RESET_NOISE = 0.01
"""Half-width of Brax's inverted_pendulum reset noise, uniform on every qpos and qvel entry."""
MAX_UPRIGHT_ANGLE = 0.2
"""Brax's inverted_pendulum ends an episode once |hinge angle| exceeds this (radians)."""


def warp_device_of(device: torch.device) -> str:
    """Warp's name for the torch device, so both work on the same memory."""
    return "cpu" if device.type == "cpu" else f"cuda:{device.index or 0}"


class PendulumWorlds:
    """inverted_pendulum on `WarpWorlds`: torch views of the state, Brax's task logic on them.

    On a GPU, Warp's graphs run on a stream of their own; each replay waits for torch's pending work and
    torch's stream waits for the replay (events, no host synchronization).
    """

    obs_size, act_size = 4, 1

    def __init__(self, spec: PPOSpec, num_envs: int, device: torch.device, capture: bool = True) -> None:
        require_warp_task(spec.task)
        self.num_envs, self.device, self.episode_length = num_envs, device, spec.episode_length
        self.worlds = WarpWorlds(spec.task, num_envs, warp_device_of(device), capture)
        self.compile_s = self.worlds.compile_s
        import warp as wp

        data = self.worlds.data
        self.qpos, self.qvel, self.ctrl = (wp.to_torch(x) for x in (data.qpos, data.qvel, data.ctrl))
        self.reset_mask = wp.to_torch(self.worlds.reset_mask)
        ctrl_range = torch.as_tensor(
            self.worlds.mj_model.actuator_ctrlrange, dtype=torch.float32, device=device
        )
        self.ctrl_low, self.ctrl_high = ctrl_range[:, 0], ctrl_range[:, 1]
        self.init_q = torch.as_tensor(self.worlds.mj_model.qpos0, dtype=torch.float32, device=device)
        self.steps = torch.zeros(num_envs, dtype=torch.int32, device=device)
        self.generator = torch.Generator(device)
        self._warp_stream = (
            torch.cuda.ExternalStream(wp.get_stream(self.worlds.device).cuda_stream, device=device)
            if device.type == "cuda"
            else None
        )

    def _on_warp_stream(self) -> AbstractContextManager[object]:
        if self._warp_stream is None:
            return nullcontext()
        self._warp_stream.wait_stream(torch.cuda.current_stream(self.device))
        return torch.cuda.stream(self._warp_stream)

    def _after_warp(self) -> None:
        if self._warp_stream is not None:
            torch.cuda.current_stream(self.device).wait_stream(self._warp_stream)

    def observe(self) -> torch.Tensor:
        """[B, 4] Brax's observation: cart position, hinge angle, then their velocities."""
        return torch.cat((self.qpos, self.qvel), dim=1)

    def set_state(self, qpos: torch.Tensor, qvel: torch.Tensor) -> None:
        """Put every world in the given state (tests start both simulators from one state)."""
        self.qpos.copy_(qpos)
        self.qvel.copy_(qvel)
        self.steps.zero_()

    def reset_all(self, seed: int) -> torch.Tensor:
        """Every world to a fresh random start; its observation."""
        self.generator.manual_seed(seed)
        self.reset_where(torch.ones(self.num_envs, dtype=torch.bool, device=self.device))
        return self.observe()

    def reset_where(self, done: torch.Tensor) -> None:
        """Restart the flagged worlds: model defaults (Warp), then Brax's noise on qpos and qvel (torch)."""
        self.reset_mask.copy_(done)
        with self._on_warp_stream():
            self.worlds.reset_flagged()
        self._after_warp()
        noise = torch.rand((self.num_envs, 4), generator=self.generator, device=self.device)
        noise = (2.0 * noise - 1.0) * RESET_NOISE
        flagged = done[:, None]
        self.qpos.copy_(torch.where(flagged, self.init_q + noise[:, :2], self.qpos))
        self.qvel.copy_(torch.where(flagged, noise[:, 2:], self.qvel))
        self.steps.masked_fill_(done, 0)

    def step(self, actions: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
        """One env step: (observation, reward, terminated, truncated), Brax's definitions.

        Reward 1 on every step; terminated once |angle| > 0.2; truncated at the time limit unless
        terminated on the same step (Brax's `EpisodeWrapper`).
        """
        self.ctrl.copy_(torch.clamp(actions, self.ctrl_low, self.ctrl_high))
        with self._on_warp_stream():
            self.worlds.step()
        self._after_warp()
        obs = self.observe()
        self.steps += 1
        terminated = obs[:, 1].abs() > MAX_UPRIGHT_ANGLE
        truncated = (self.steps >= self.episode_length) & ~terminated
        reward = torch.ones(self.num_envs, dtype=torch.float32, device=self.device)
        return obs, reward, terminated, truncated


class WarpTrainEnv:
    """Training envs on MuJoCo Warp: auto-reset of finished worlds, obs/reward normalization in torch."""

    def __init__(self, spec: PPOSpec, num_envs: int, device: torch.device, capture: bool = True) -> None:
        self.spec, self.num_envs, self.device = spec, num_envs, device
        self.worlds = PendulumWorlds(spec, num_envs, device, capture)
        self.obs_size, self.act_size = self.worlds.obs_size, self.worlds.act_size
        self.compile_s = self.worlds.compile_s
        self.normalizer = DeviceNormalizer(spec, self.obs_size, num_envs, device)

    def normalize_frozen(self, raw_obs: torch.Tensor) -> torch.Tensor:
        return self.normalizer.frozen(raw_obs)

    def reset(self, seed: int) -> torch.Tensor:
        self.normalizer.reset()
        return self.normalizer.observe(self.worlds.reset_all(seed))

    def step(self, actions: torch.Tensor) -> StepResult:
        final_obs, reward, terminated, truncated = self.worlds.step(actions)
        done = terminated | truncated
        # On a GPU the reset graph replays every step (no host sync to ask whether any world ended).
        if self.device.type == "cuda" or bool(done.any()):
            self.worlds.reset_where(done)
        next_obs = self.normalizer.observe(self.worlds.observe())
        reward = self.normalizer.reward(reward, terminated, truncated)
        return StepResult(next_obs, self.normalizer.frozen(final_obs), reward, terminated, truncated, [])

    def close(self) -> None:
        """Nothing to release (Warp frees its arrays with the objects)."""


class WarpEvalEnv:
    """Evaluation envs on MuJoCo Warp: raw obs and rewards, no auto-reset (each env's first episode counts)."""

    def __init__(self, spec: PPOSpec, num_envs: int, device: torch.device, capture: bool = True) -> None:
        self.num_envs, self.device = num_envs, device
        self.worlds = PendulumWorlds(spec, num_envs, device, capture)
        self.compile_s = self.worlds.compile_s

    def reset(self, seed: int) -> torch.Tensor:
        return self.worlds.reset_all(seed)

    def step(self, actions: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        obs, reward, terminated, truncated = self.worlds.step(actions)
        return obs, reward, terminated | truncated

    def close(self) -> None:
        """Nothing to release."""
