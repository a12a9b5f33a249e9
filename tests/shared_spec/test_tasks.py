"""The task registry's own consistency (the env check against real envs lives with the parity tests)."""

from __future__ import annotations

import pytest

from shared_spec import TASKS, get_task


def test_registry_has_required_tasks() -> None:
    assert {"inverted_pendulum", "hopper", "halfcheetah", "walker2d", "ant", "humanoid"} <= set(TASKS)


def test_humanoid_marked_not_comparable() -> None:
    humanoid = get_task("humanoid")
    assert not humanoid.comparable
    assert humanoid.obs_size != humanoid.gym_obs_size


def test_ant_excludes_contact_forces() -> None:
    assert get_task("ant").gym_make_kwargs() == {"include_cfrc_ext_in_observation": False}


def test_comparable_means_same_sizes() -> None:
    for task in TASKS.values():
        assert task.comparable == (task.obs_size == task.gym_obs_size), task.name


def test_unknown_task_names_allowed() -> None:
    with pytest.raises(KeyError, match="hopper"):
        get_task("pong")
