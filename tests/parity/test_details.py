"""The implementation-details checklist names code that exists, so it cannot drift from the trainers."""

from __future__ import annotations

import importlib

import pytest

from shared_spec.details import DETAILS, checklist


def resolve(location: str) -> object:
    module_name, _, qualname = location.partition(":")
    target: object = importlib.import_module(module_name)
    for part in qualname.split("."):
        target = getattr(target, part)
    return target


@pytest.mark.parametrize("detail", DETAILS, ids=[d.item for d in DETAILS])
def test_every_listed_location_exists(detail) -> None:
    assert resolve(detail.jax) is not None
    assert resolve(detail.torch) is not None
    assert detail.jax.startswith(("jax_ppo.", "ppo_envs.brax_envs:"))
    assert detail.torch.startswith(("torch_ppo.", "ppo_envs.gym_envs:"))


def test_differences_carry_a_reason() -> None:
    assert {d.status for d in DETAILS} <= {"same", "differs"}
    for detail in DETAILS:
        if detail.status == "differs":
            assert len(detail.note) > 20, detail.item


def test_report_rows_cover_every_detail() -> None:
    rows = checklist()
    assert len(rows) == len(DETAILS) >= 20
    assert all(row["jax_ppo"] and row["torch_ppo"] for row in rows)
