"""docs/ALGORITHM.md's "where each step lives" table names code that exists on both sides, so it cannot go stale."""

from __future__ import annotations

import importlib
import inspect
import re
from pathlib import Path

import pytest

DOC = Path(__file__).resolve().parent.parent / "docs" / "ALGORITHM.md"
CELL_REF = re.compile(r"`([\w/]+)\.py:([\w.]+)`")


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
    """The object `name` (a dotted path such as `Trainer.collect_batch`) of the module at `path`."""
    target: object = importlib.import_module(path.replace("/", "."))
    for part in name.split("."):
        target = getattr(target, part)
    return target


def test_the_table_has_the_steps_of_an_update() -> None:
    steps = {row[0] for row in table_rows()}
    assert len(steps) >= 20
    assert {
        "one full update",
        "rollout half of an update (rollout + GAE)",
        "learning half of an update (epochs x minibatches)",
    } <= steps


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
    """Rows whose two cells name one function or method each use the same name (but for torch's `make_` factory);
    a torch class stands where JAX has a function only for building state (its constructor does that)."""
    for step, jax_cell, torch_cell in table_rows():
        (jax_ref,), torch_refs = CELL_REF.findall(jax_cell), CELL_REF.findall(torch_cell)
        if len(torch_refs) == 1 and torch_refs[0][0].startswith("torch_ppo/"):
            jax_name, torch_name = jax_ref[1], torch_refs[0][1].split(".")[-1]
            if isinstance(resolve(*torch_refs[0]), type) and not isinstance(resolve(*jax_ref), type):
                assert jax_name.startswith("init_"), f"{step}: a torch class stands for {jax_name}"
                continue
            assert torch_name in (jax_name, f"make_{jax_name}"), f"{step}: {jax_name} vs {torch_name}"


CHAINS = {
    "jax": ("jax_ppo/train", ["update_step", "learn_from_batch", "minibatch_step"]),
    "torch": ("torch_ppo/train", ["Trainer.update_step", "Learner.learn_from_batch", "make_minibatch_step"]),
}
"""Each side's path from one update to the loss: each function calls the next, the last calls `ppo_loss`."""


@pytest.mark.parametrize("side", sorted(CHAINS))
def test_three_levels_from_an_update_to_the_loss(side: str) -> None:
    """update_step -> learn_from_batch -> minibatch_step -> ppo_loss, as Brax's training_step -> sgd_step ->
    minibatch_step, on both sides."""
    module, chain = CHAINS[side]
    sources = [inspect.getsource(resolve(module, name)) for name in chain]
    callees = [name.split(".")[-1].removeprefix("make_") for name in chain[1:]] + ["ppo_loss"]
    for name, source, callee in zip(chain, sources, callees, strict=True):
        body = source.split('"""')[-1]  # the code after the docstring
        assert re.search(rf"\b{callee}\b", body), f"{side}: {name} does not call {callee}"
    for name, source in zip(chain[:-1], sources[:-1], strict=True):
        assert "ppo_loss" not in source.split('"""')[-1], f"{side}: {name} skips a level"
