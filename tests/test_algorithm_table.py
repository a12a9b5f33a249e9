"""docs/ALGORITHM.md's "where each step lives" table names code that exists on both sides, so it cannot go stale."""

from __future__ import annotations

import importlib
import re
from pathlib import Path

import pytest

DOC = Path(__file__).resolve().parent.parent / "docs" / "ALGORITHM.md"
CELL_REF = re.compile(r"`([\w/]+)\.py:(\w+)`")


def table_rows() -> list[tuple[str, str, str]]:
    """(step, jax cell, torch cell) of every row of the table under "## Where each step lives"."""
    section = DOC.read_text().split("## Where each step lives", 1)[1].split("\n## ", 1)[0]
    rows = []
    for line in section.splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if len(cells) == 3 and cells[0] not in ("step", "---"):
            rows.append((cells[0], cells[1], cells[2]))
    return rows


def resolve(path: str, name: str) -> object:
    module = importlib.import_module(path.replace("/", "."))
    return getattr(module, name)


def test_the_table_has_the_steps_of_an_update() -> None:
    steps = {row[0] for row in table_rows()}
    assert len(steps) >= 20
    assert {"one full update", "rollout half of an update (rollout + GAE)", "epochs x minibatches"} <= steps


@pytest.mark.parametrize("row", table_rows(), ids=lambda row: row[0])
def test_every_cell_names_a_function_that_exists(row: tuple[str, str, str]) -> None:
    step, jax_cell, torch_cell = row
    for side, cell, home in (("jax", jax_cell, "jax_ppo/"), ("torch", torch_cell, "torch_ppo/")):
        refs = CELL_REF.findall(cell)
        assert refs, f"{step}: the {side} cell names no `file.py:function`"
        for path, name in refs:
            assert path.startswith((home, "ppo_envs/")), f"{step}: {path} is not the {side} side's code"
            assert callable(resolve(path, name)), f"{step}: {path}.py:{name}"


def test_same_step_same_name_where_both_sides_are_functions() -> None:
    """Rows whose two cells name one function each use the same name (but for torch's `make_` factory)."""
    for step, jax_cell, torch_cell in table_rows():
        (jax_ref,), torch_refs = CELL_REF.findall(jax_cell), CELL_REF.findall(torch_cell)
        if len(torch_refs) == 1 and torch_refs[0][0].startswith("torch_ppo/"):
            jax_name, torch_name = jax_ref[1], torch_refs[0][1]
            assert torch_name in (jax_name, f"make_{jax_name}"), f"{step}: {jax_name} vs {torch_name}"
