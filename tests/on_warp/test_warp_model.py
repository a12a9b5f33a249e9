"""The Warp env simulates Brax's own model of the task, and says which MuJoCo Warp copy each side runs.

No Warp kernel runs here (fast): the host model and the registry are compared with Brax's env.
"""

from __future__ import annotations

import numpy as np
import pytest

from ppo_envs.brax_envs import brax_native_env
from ppo_envs.warp_envs import (
    WARP_TASKS,
    UnsupportedTaskError,
    load_mj_model,
    require_warp_task,
    simulator_record,
)
from shared_spec.presets import resolve_spec

SAME_FIELDS = (
    "opt.timestep", "opt.iterations", "opt.ls_iterations", "opt.integrator", "opt.solver", "opt.cone",
    "opt.gravity", "nq", "nv", "nu", "njnt", "body_mass", "body_inertia", "jnt_range", "jnt_limited",
    "dof_damping", "dof_armature", "actuator_gear", "actuator_ctrlrange", "geom_contype", "qpos0",
)  # fmt: skip


def _field(model: object, dotted: str) -> np.ndarray:
    for part in dotted.split("."):
        model = getattr(model, part)
    return np.asarray(model)


@pytest.mark.parametrize("task", sorted(WARP_TASKS))
def test_warp_model_is_braxs_model(task: str) -> None:
    brax_env = brax_native_env(resolve_spec("smoke", [f"task={task}"]))
    ours, braxs = load_mj_model(task), brax_env.sys.mj_model
    for name in SAME_FIELDS:
        np.testing.assert_array_equal(_field(ours, name), _field(braxs, name), err_msg=name)
    assert WARP_TASKS[task].n_frames == brax_env._n_frames  # the same env dt
    assert WARP_TASKS[task].n_frames * ours.opt.timestep == pytest.approx(brax_env.dt)


def test_an_unsupported_task_names_the_supported_ones() -> None:
    with pytest.raises(UnsupportedTaskError, match="task: got 'hopper'; the MuJoCo Warp env supports: "):
        require_warp_task("hopper")


def test_simulator_record_names_each_copy() -> None:
    cache = {"dir": "/x", "state": "cold"}
    standalone, bundled = simulator_record(cache, "standalone"), simulator_record(cache, "mjx-bundled")
    assert standalone["package"] == "mujoco-warp 4.0.0" and standalone["warp_lang"] == "1.18.0"
    assert bundled["package"].startswith("mujoco-mjx 3.17.0 bundled copy")
    assert standalone["kernel_cache"] == bundled["kernel_cache"] == cache
