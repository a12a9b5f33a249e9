"""Shared hyperparameter spec, presets and task registry for both PPO trainers (imports neither JAX nor torch)."""

from shared_spec.presets import load_preset, preset_names, resolve_spec
from shared_spec.spec import PPOSpec, SpecError, build_spec
from shared_spec.tasks import TASKS, Task, get_task

__all__ = [
    "TASKS",
    "PPOSpec",
    "SpecError",
    "Task",
    "build_spec",
    "get_task",
    "load_preset",
    "preset_names",
    "resolve_spec",
]
