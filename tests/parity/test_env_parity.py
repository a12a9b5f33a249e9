"""The task registry agrees with what the real Brax and Gymnasium envs report (generated, not typed)."""

from __future__ import annotations

import pytest

from shared_spec.env_check import check_all_tasks
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
