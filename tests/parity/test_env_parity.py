"""The task registry agrees with what the real Brax and Gymnasium envs report (generated, not typed)."""

from __future__ import annotations

import pytest

from ppo_envs.parity import check_all_tasks
from shared_spec.tasks import TASKS


@pytest.fixture(scope="module")
def parity_rows() -> list[dict]:
    return check_all_tasks()


def test_registry_matches_envs(parity_rows: list[dict]) -> None:
    mismatched = [row["task"] for row in parity_rows if not row["registry_ok"]]
    assert mismatched == []


def test_every_task_checked(parity_rows: list[dict]) -> None:
    assert [row["task"] for row in parity_rows] == list(TASKS)


def test_comparable_tasks_share_timestep_and_bounds(parity_rows: list[dict]) -> None:
    for row in parity_rows:
        if row["comparable_claimed"]:
            assert row["sizes_match"], row["task"]
            assert row["dt_match"], row["task"]
            assert row["brax_action_bounds"] == row["gym_action_bounds"], row["task"]


def test_integrators_are_read_from_the_models_and_differences_are_declared(parity_rows: list[dict]) -> None:
    """What the physics integrates with is measured, and the registry's note says so where the sides differ."""
    names = {"EULER", "RK4", "IMPLICIT", "IMPLICITFAST"}
    for row in parity_rows:
        assert {row["brax_integrator"], row["gym_integrator"]} <= names, row["task"]
        assert row["brax_solver_iterations"] > 0 and row["gym_solver_iterations"] > 0
        if not row["integrator_match"]:
            assert "integrat" in row["parity_note"], row["task"]
    pendulum = next(row for row in parity_rows if row["task"] == "inverted_pendulum")
    assert (pendulum["brax_integrator"], pendulum["gym_integrator"]) == ("EULER", "RK4")
