"""The MuJoCo Warp env for the torch learner (contender `torch-warp`): physics in Warp, the task in torch.

How PyTorch users run GPU physics in 2026 (mjlab, MuJoCo Playground 1.0): Warp owns the simulator state,
torch reads and writes it in place through `wp.to_torch` views (no copies, no DLPack round trip per step), and
the step and the reset of finished worlds replay captured graphs (`ppo_envs.warp_envs.WarpWorlds`).
The task is written here in torch, matching Brax's env of the same name as the other contenders step it
(`ppo_envs.brax_envs`): actions in actuator units clipped to the control range, Brax's observation, reward,
termination and reset noise, the time limit, and auto-reset to a fresh random start with the final
observation kept. Observation and reward normalization are torch-brax's (normalization.py).
Written tasks: inverted_pendulum and hopper (`TASK_WORLDS`, `ppo_envs.warp_envs.WARP_TASKS`).
"""

from __future__ import annotations

from contextlib import AbstractContextManager, nullcontext

import mujoco
import torch

from ppo_envs.warp_envs import WarpWorlds, require_warp_task
from shared_spec.spec import PPOSpec
from torch_ppo.envs import StepResult
from torch_ppo.normalization import DeviceNormalizer


def warp_device_of(device: torch.device) -> str:
    """Warp's name for the torch device, so both work on the same memory."""
    return "cpu" if device.type == "cpu" else f"cuda:{device.index or 0}"


class TaskWorlds:
    """One task on `WarpWorlds`: torch views of the state, the task's Brax logic on them (subclasses).

    Shared by every task: clipping actions to the control range, the time limit, and the reset (model
    defaults in Warp, then Brax's uniform +-`reset_noise` on every qpos and qvel entry in torch). On a GPU,
    Warp's graphs run on a stream of their own; each replay waits for torch's pending work and torch's stream
    waits for the replay (events, no host synchronization).
    """

    obs_size: int
    act_size: int
    reset_noise: float
    """Half-width of Brax's uniform reset noise on qpos (around qpos0) and qvel (around zero)."""

    def __init__(self, spec: PPOSpec, num_envs: int, device: torch.device, capture: bool = True) -> None:
        require_warp_task(spec.task)
        self.num_envs, self.device, self.episode_length = num_envs, device, spec.episode_length
        self.worlds = WarpWorlds(spec.task, num_envs, warp_device_of(device), capture)
        self.compile_s = self.worlds.compile_s
        import warp as wp

        data = self.worlds.data
        self.qpos, self.qvel, self.ctrl = (wp.to_torch(x) for x in (data.qpos, data.qvel, data.ctrl))
        self.reset_mask = wp.to_torch(self.worlds.reset_mask)
        model = self.worlds.mj_model
        ctrl_range = torch.as_tensor(model.actuator_ctrlrange, dtype=torch.float32, device=device)
        self.ctrl_low, self.ctrl_high = ctrl_range[:, 0], ctrl_range[:, 1]
        self.init_q = torch.as_tensor(model.qpos0, dtype=torch.float32, device=device)
        self.nq = model.nq
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
        """[B, obs_size] Brax's observation of the current state."""
        raise NotImplementedError

    def _restarted(self, flagged: torch.Tensor) -> None:
        """Task state kept in torch, for the worlds just given a new qpos and qvel ([B] bool)."""

    def _reward_and_termination(self, ctrl: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """([B] reward, [B] terminated) of the physics step just taken with the (clipped) `ctrl`."""
        raise NotImplementedError

    def set_state(self, qpos: torch.Tensor, qvel: torch.Tensor) -> None:
        """Put every world in the given state (tests start both simulators from one state)."""
        self.qpos.copy_(qpos)
        self.qvel.copy_(qvel)
        self.steps.zero_()
        self._restarted(torch.ones(self.num_envs, dtype=torch.bool, device=self.device))

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
        width = self.nq + self.qvel.shape[1]
        noise = torch.rand((self.num_envs, width), generator=self.generator, device=self.device)
        noise = (2.0 * noise - 1.0) * self.reset_noise
        flagged = done[:, None]
        self.qpos.copy_(torch.where(flagged, self.init_q + noise[:, : self.nq], self.qpos))
        self.qvel.copy_(torch.where(flagged, noise[:, self.nq :], self.qvel))
        self.steps.masked_fill_(done, 0)
        self._restarted(done)

    def step(self, actions: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
        """One env step: (observation, reward, terminated, truncated), Brax's definitions.

        Truncated at the time limit unless terminated on the same step (Brax's `EpisodeWrapper`).
        """
        ctrl = torch.clamp(actions, self.ctrl_low, self.ctrl_high)
        self.ctrl.copy_(ctrl)
        with self._on_warp_stream():
            self.worlds.step()
        self._after_warp()
        reward, terminated = self._reward_and_termination(ctrl)
        self.steps += 1
        truncated = (self.steps >= self.episode_length) & ~terminated
        return self.observe(), reward, terminated, truncated


class PendulumWorlds(TaskWorlds):
    """inverted_pendulum as Brax's `brax.envs.inverted_pendulum`: observation [qpos, qvel] (cart position,
    hinge angle, their velocities), reward 1 on every step, terminated once |hinge angle| > 0.2."""

    obs_size, act_size = 4, 1
    reset_noise = 0.01
    max_upright_angle = 0.2

    def observe(self) -> torch.Tensor:
        return torch.cat((self.qpos, self.qvel), dim=1)

    def _reward_and_termination(self, ctrl: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        terminated = self.qpos[:, 1].abs() > self.max_upright_angle
        return torch.ones(self.num_envs, dtype=torch.float32, device=self.device), terminated


class HopperWorlds(TaskWorlds):
    """hopper as Brax's `brax.envs.hopper.Hopper` with its default arguments (`ppo_envs.brax_envs` passes
    none), written anew in torch.

    Brax reads the torso's position from the pipeline state's `x.pos`, MuJoCo's `xpos` as the step left it:
    computed by the kinematics at the start of the last physics frame, so one frame behind `qpos`. The same
    array of Warp's data is read here after the step (a view), and kept per world in `torso_xz`, because the
    forward reward needs the value of the previous env step. After a reset Brax runs the kinematics of the new
    qpos; for this model that is the torso's body position plus the two root slides (the root joints sit at
    the torso's origin, checked at construction), so it is computed in torch instead of by a Warp graph.

    Observation (11): torso z, then qpos[2:] (torso pitch, thigh, leg, foot angles), then qvel clipped to
    +-10. Reward: forward velocity (torso x change / env dt) + 1 (healthy reward, paid on every step since
    Brax terminates when unhealthy) - 0.001 * sum(ctrl^2). Terminated unless healthy: torso z > 0.7, |pitch|
    < 0.2, and every entry of qpos[2:] and qvel within +-100.
    """

    obs_size, act_size = 11, 3
    reset_noise = 5e-3
    forward_reward_weight, ctrl_cost_weight, healthy_reward = 1.0, 1e-3, 1.0
    healthy_z_range, healthy_angle_range, healthy_state_range = (
        (0.7, float("inf")),
        (-0.2, 0.2),
        (-100.0, 100.0),
    )
    velocity_clip = 10.0

    def __init__(self, spec: PPOSpec, num_envs: int, device: torch.device, capture: bool = True) -> None:
        super().__init__(spec, num_envs, device, capture)
        import warp as wp

        model = self.worlds.mj_model
        torso = mujoco.mj_name2id(model, mujoco.mjtObj.mjOBJ_BODY, "torso")
        require_root_slides_at_origin(model, torso)
        self.torso_pos = wp.to_torch(self.worlds.data.xpos)[:, torso]  # [B, 3], a view of Warp's xpos
        self.torso_origin = torch.as_tensor(model.body_pos[torso, [0, 2]], dtype=torch.float32, device=device)
        self.torso_xz = torch.zeros((num_envs, 2), dtype=torch.float32, device=device)
        timestep = torch.tensor(model.opt.timestep, dtype=torch.float32)
        self.dt = float(timestep * self.worlds.task.n_frames)  # Brax's env dt, in float32 as Brax has it

    def observe(self) -> torch.Tensor:
        velocity = torch.clamp(self.qvel, -self.velocity_clip, self.velocity_clip)
        return torch.cat((self.torso_xz[:, 1:], self.qpos[:, 2:], velocity), dim=1)

    def _restarted(self, flagged: torch.Tensor) -> None:
        kinematics = self.torso_origin + self.qpos[:, :2]  # rootx, rootz slide from the origin (qpos0 = 0)
        self.torso_xz.copy_(torch.where(flagged[:, None], kinematics, self.torso_xz))

    def _reward_and_termination(self, ctrl: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        x_before = self.torso_xz[:, 0].clone()
        self.torso_xz.copy_(self.torso_pos[:, 0:3:2])  # x and z as a strided view: no index tensor per step
        forward_reward = self.forward_reward_weight * ((self.torso_xz[:, 0] - x_before) / self.dt)
        z, angle = self.torso_xz[:, 1], self.qpos[:, 2]
        state = torch.cat((self.qpos[:, 2:], self.qvel), dim=1)
        low, high = self.healthy_state_range
        healthy = ((low < state) & (state < high)).all(dim=1)
        low, high = self.healthy_z_range
        healthy &= (low < z) & (z < high)
        low, high = self.healthy_angle_range
        healthy &= (low < angle) & (angle < high)
        ctrl_cost = self.ctrl_cost_weight * ctrl.square().sum(dim=1)
        return forward_reward + self.healthy_reward - ctrl_cost, ~healthy


def require_root_slides_at_origin(model: mujoco.MjModel, body: int) -> None:
    """Raise ValueError unless `body`'s first joints are x and z slides and a y hinge, all at its origin,
    from qpos0 = 0: then its world position is its body position plus the two slides' qpos."""
    joints = [j for j in range(model.njnt) if model.jnt_bodyid[j] == body]
    slide, hinge = mujoco.mjtJoint.mjJNT_SLIDE, mujoco.mjtJoint.mjJNT_HINGE
    expected = [(slide, (1, 0, 0)), (slide, (0, 0, 1)), (hinge, (0, 1, 0))]
    found = [(model.jnt_type[j], tuple(model.jnt_axis[j])) for j in joints]
    at_origin = all(not model.jnt_pos[j].any() and model.qpos0[model.jnt_qposadr[j]] == 0 for j in joints)
    if found != expected or not at_origin or model.body_parentid[body] != 0 or joints[0] != 0:
        raise ValueError(f"body {body}: the root joints are not x/z slides and a y hinge at its origin")


TASK_WORLDS: dict[str, type[TaskWorlds]] = {"inverted_pendulum": PendulumWorlds, "hopper": HopperWorlds}
"""The torch side of each task in `ppo_envs.warp_envs.WARP_TASKS`."""


def make_worlds(spec: PPOSpec, num_envs: int, device: torch.device, capture: bool = True) -> TaskWorlds:
    """The spec's task on MuJoCo Warp (UnsupportedTaskError naming the written ones otherwise)."""
    require_warp_task(spec.task)
    return TASK_WORLDS[spec.task](spec, num_envs, device, capture)


class WarpTrainEnv:
    """Training envs on MuJoCo Warp: auto-reset of finished worlds, obs/reward normalization in torch."""

    def __init__(self, spec: PPOSpec, num_envs: int, device: torch.device, capture: bool = True) -> None:
        self.spec, self.num_envs, self.device = spec, num_envs, device
        self.worlds = make_worlds(spec, num_envs, device, capture)
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
        next_obs, true_next_obs, reward = self.normalizer.step(
            self.worlds.observe(), final_obs, reward, terminated, truncated
        )
        return StepResult(next_obs, true_next_obs, reward, terminated, truncated, [])

    def close(self) -> None:
        """Nothing to release (Warp frees its arrays with the objects)."""


class WarpEvalEnv:
    """Evaluation envs on MuJoCo Warp: raw obs and rewards, no auto-reset (each env's first episode counts)."""

    def __init__(self, spec: PPOSpec, num_envs: int, device: torch.device, capture: bool = True) -> None:
        self.num_envs, self.device = num_envs, device
        self.worlds = make_worlds(spec, num_envs, device, capture)
        self.compile_s = self.worlds.compile_s

    def reset(self, seed: int) -> torch.Tensor:
        return self.worlds.reset_all(seed)

    def step(self, actions: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        obs, reward, terminated, truncated = self.worlds.step(actions)
        return obs, reward, terminated | truncated

    def close(self) -> None:
        """Nothing to release."""
