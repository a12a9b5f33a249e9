"""Task registry: one task name -> the Brax env and the Gymnasium env that stand for it.

The registry is data, not code: it says which env each contender builds and how far the two simulators
agree. It is checked against the real envs by `python -m ppo_envs check` (also `python -m shared_spec tasks
--check`) and a test, so the numbers here cannot drift from what the envs report. It imports neither JAX nor
torch.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any


@dataclass(frozen=True)
class Task:
    """One benchmark task as both simulators see it."""

    name: str
    """Registry key used in specs and presets."""
    brax_env: str
    """Name for `brax.envs.get_environment`."""
    gym_id: str
    """Gymnasium environment id (MuJoCo v5)."""
    obs_size: int
    """Observation size the Brax env reports (and the Gymnasium env too, unless `gym_obs_size` says otherwise)."""
    act_size: int
    """Action size both envs are expected to report."""
    return_threshold: float
    """Evaluation return that counts as 'learned' for time-to-threshold (a clear-learning level, not SOTA)."""
    comparable: bool
    """Whether Brax and Gymnasium observations have the same size and meaning."""
    parity_note: str
    """What still differs between the two simulators (reward terms, physics, observation)."""
    gym_kwargs: MappingProxyType = field(default_factory=lambda: MappingProxyType({}))
    """Extra keyword arguments for `gymnasium.make`."""
    gym_obs_size_override: int | None = None
    """Gymnasium's observation size where it differs from Brax's (then `comparable` is False)."""
    brax_scales_actions: bool = False
    """Brax's env maps an action in [-1, 1] onto the actuator range inside `step` (Gymnasium's takes actuator
    units): the trainers then map actuator units back to [-1, 1] before Brax's step, so one action means the
    same control on both sides (checked by `tasks --check`: control applied per unit of action)."""

    @property
    def gym_obs_size(self) -> int:
        """Observation size the Gymnasium env is expected to report."""
        return self.obs_size if self.gym_obs_size_override is None else self.gym_obs_size_override

    def gym_make_kwargs(self) -> dict[str, Any]:
        """A fresh, mutable copy of `gym_kwargs` for `gymnasium.make`."""
        return dict(self.gym_kwargs)


_PHYSICS_NOTE = (
    "MuJoCo physics on both sides with the same dt, bodies and gear, but integrated differently (measured by "
    "`tasks --check`): Brax's MJX models use Euler and few solver iterations (4-8 on contact tasks), "
    "Gymnasium's v5 models RK4 (HalfCheetah: Euler) and 50-100"
)

TASKS: dict[str, Task] = {
    task.name: task
    for task in (
        Task(
            name="inverted_pendulum",
            brax_env="inverted_pendulum",
            gym_id="InvertedPendulum-v5",
            obs_size=4,
            act_size=1,
            return_threshold=500.0,
            comparable=True,
            brax_scales_actions=True,
            parity_note=f"Same obs/action; +1 reward per upright step on both sides. {_PHYSICS_NOTE}.",
        ),
        Task(
            name="hopper",
            brax_env="hopper",
            gym_id="Hopper-v5",
            obs_size=11,
            act_size=3,
            return_threshold=1000.0,
            comparable=True,
            parity_note=f"Same obs/action sizes; reward terms similar, health bounds may differ. {_PHYSICS_NOTE}.",
        ),
        Task(
            name="halfcheetah",
            brax_env="halfcheetah",
            gym_id="HalfCheetah-v5",
            obs_size=17,
            act_size=6,
            return_threshold=1000.0,
            comparable=True,
            parity_note=f"Same obs/action sizes; forward reward minus control cost on both. {_PHYSICS_NOTE}.",
        ),
        Task(
            name="walker2d",
            brax_env="walker2d",
            gym_id="Walker2d-v5",
            obs_size=17,
            act_size=6,
            return_threshold=1000.0,
            comparable=True,
            parity_note=f"Same obs/action sizes; reward terms similar, health bounds may differ. {_PHYSICS_NOTE}.",
        ),
        Task(
            name="ant",
            brax_env="ant",
            gym_id="Ant-v5",
            gym_kwargs=MappingProxyType({"include_cfrc_ext_in_observation": False}),
            obs_size=27,
            act_size=8,
            return_threshold=1000.0,
            comparable=True,
            parity_note=(
                "Sizes match only with Gymnasium's contact forces excluded from the observation; "
                "Brax's ant has no contact cost, Gymnasium v5 pays healthy reward only when healthy. "
                f"{_PHYSICS_NOTE}."
            ),
        ),
        Task(
            name="humanoid",
            brax_env="humanoid",
            gym_id="Humanoid-v5",
            obs_size=244,
            act_size=17,
            return_threshold=1000.0,
            comparable=False,
            gym_obs_size_override=348,
            brax_scales_actions=True,
            parity_note=(
                "NOT comparable: Brax observes 244 dims, Gymnasium v5 348; "
                "returns of the two sides are different quantities. "
                f"{_PHYSICS_NOTE}."
            ),
        ),
    )
}


def get_task(name: str) -> Task:
    """The registered task `name`, or a KeyError naming the allowed ones."""
    try:
        return TASKS[name]
    except KeyError:
        raise KeyError(f"unknown task {name!r}; allowed: {', '.join(sorted(TASKS))}") from None
