"""The Warp env simulates Brax's own model of each task, and says which MuJoCo Warp copy each side runs.

No Warp kernel runs here (fast): the host model and the registry are compared with Brax's env.
"""

from __future__ import annotations

import mujoco
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
from torch_ppo.warp_env import TASK_WORLDS, require_root_slides_at_origin

SAME_FIELDS = (
    "opt.timestep", "opt.iterations", "opt.ls_iterations", "opt.integrator", "opt.solver", "opt.cone",
    "opt.gravity", "nq", "nv", "nu", "njnt", "body_mass", "body_inertia", "body_pos", "jnt_type", "jnt_pos",
    "jnt_axis", "jnt_limited", "dof_damping", "dof_armature", "actuator_gear", "actuator_ctrlrange",
    "geom_type", "geom_size", "geom_contype", "geom_conaffinity", "geom_friction", "geom_solimp",
    "geom_solref", "geom_margin", "qpos0",
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
    # Brax writes +-inf as the range of unlimited joints; MuJoCo ignores the range of those.
    limited = ours.jnt_limited == 1
    np.testing.assert_array_equal(ours.jnt_range[limited], braxs.jnt_range[limited], err_msg="jnt_range")
    assert WARP_TASKS[task].n_frames == brax_env._n_frames  # the same env dt
    assert WARP_TASKS[task].n_frames * ours.opt.timestep == pytest.approx(brax_env.dt)


def test_every_warp_task_has_its_torch_side() -> None:
    assert sorted(TASK_WORLDS) == sorted(WARP_TASKS)


def test_an_unsupported_task_names_the_supported_ones() -> None:
    with pytest.raises(
        UnsupportedTaskError,
        match=r"^task: got 'halfcheetah'; the MuJoCo Warp env supports: hopper, inverted_pendulum$",
    ):
        require_warp_task("halfcheetah")


def test_hoppers_torso_position_after_a_reset_is_its_body_position_plus_the_root_slides() -> None:
    """The torch env computes the reset torso position so, instead of running MuJoCo's kinematics."""
    model = load_mj_model("hopper")
    torso = mujoco.mj_name2id(model, mujoco.mjtObj.mjOBJ_BODY, "torso")
    require_root_slides_at_origin(model, torso)
    data = mujoco.MjData(model)
    for qpos in np.random.default_rng(0).uniform(-0.5, 0.5, (5, model.nq)):
        data.qpos[:] = qpos
        mujoco.mj_kinematics(model, data)
        np.testing.assert_allclose(
            data.xpos[torso, [0, 2]], model.body_pos[torso, [0, 2]] + qpos[:2], atol=1e-12
        )
    with pytest.raises(ValueError, match="root joints are not x/z slides and a y hinge"):
        require_root_slides_at_origin(load_mj_model("inverted_pendulum"), 1)  # the cart: one x slide


def test_simulator_record_names_each_copy() -> None:
    cache = {"dir": "/x", "state": "cold"}
    standalone, bundled = simulator_record(cache, "standalone"), simulator_record(cache, "mjx-bundled")
    assert standalone["package"] == "mujoco-warp 4.0.0" and standalone["warp_lang"] == "1.18.0"
    assert bundled["package"].startswith("mujoco-mjx 3.17.0 bundled copy")
    assert standalone["kernel_cache"] == bundled["kernel_cache"] == cache
