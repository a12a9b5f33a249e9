"""The report's settings: contender order and colours, the comparisons it draws, the framework x simulator matrix.

Presentation lives here, not in the harness: the harness only knows contender name -> command line. The words
(what each comparison holds fixed and compares, the field pairs' labels) live in `settings.toml` beside it.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path

TEXTS = tomllib.loads(Path(__file__).with_name("settings.toml").read_text(encoding="utf-8"))

DEBATE_PAIR: tuple[str, str] = ("jax", "torch")
"""(JAX contender, PyTorch contender): each framework as usually run (its own simulator); colours and figures."""


@dataclass(frozen=True)
class Comparison:
    """Two contenders that differ in one thing (or, for "setup", in framework and simulator together)."""

    question: str
    """"framework", "simulator", "setup" or "reference": which question of the debate this pair answers."""
    left: str
    right: str
    held_fixed: str
    compared: str


@dataclass(frozen=True)
class FieldPair:
    """One PPO in both frameworks (`third_party`: by a team other than this project)."""

    label: str
    jax: str
    torch: str
    third_party: bool


COMPARISONS: tuple[Comparison, ...] = tuple(Comparison(**c) for c in TEXTS["comparison"])
"""The debate answers the framework question only from same-simulator pairs, the simulator question only from
same-learner pairs; "setup" pairs say that both differ; "reference" pairs hold a side against its camp's own PPO."""
QUESTIONS: tuple[str, ...] = ("framework", "simulator", "setup", "reference")
FIELD_PAIRS: tuple[FieldPair, ...] = tuple(FieldPair(**p) for p in TEXTS["field_pair"])

MATRIX_LEARNERS: tuple[str, ...] = ("JAX jit", "PyTorch eager", "PyTorch compiled")
MATRIX_SIMULATORS: tuple[str, ...] = ("Brax MJX", "Gymnasium MuJoCo C", "MuJoCo Warp")
MATRIX: tuple[tuple[str, ...], ...] = (
    ("jax", "jax-gym", "jax-warp"),
    ("torch-brax", "torch", "torch-warp"),
    ("torch-brax-compile", "torch-compile", "torch-warp-compile"),
)
"""The framework x simulator table: MATRIX[learner][simulator] is the contender of that cell (rows
MATRIX_LEARNERS, columns MATRIX_SIMULATORS). A column holds the simulator fixed, a row the learner."""
MATRIX_CORE = 2
"""The first two rows and columns are the 2x2 core, always shown; a further row (compiled torch) or column
(MuJoCo Warp) only in groups where it has runs."""

UNKNOWN_COLOR = "#7f7f7f"
"""The colour of a contender that is not in CONTENDER_COLORS (e.g. a test's fake)."""

CONTENDER_ORDER: tuple[str, ...] = (
    "jax", "jax-vmap", "jax-gym", "jax-warp", "brax-ppo", "sbx", "skrl-jax", "torch", "torch-compile",
    "torch-brax", "torch-brax-compile", "torch-warp", "torch-warp-compile", "sb3", "skrl-torch",
)  # fmt: skip
"""The order of contenders in the report's tables and figures (the JAX side, then the PyTorch side); names not
in it come after, sorted."""
CONTENDER_COLORS: dict[str, str] = {
    "jax": "#1f77b4", "jax-vmap": "#17becf", "jax-gym": "#2ca02c", "torch": "#d62728", "torch-compile": "#ff7f0e",
    "torch-brax": "#8c564b", "torch-brax-compile": "#e377c2", "brax-ppo": "#9467bd", "jax-warp": "#393b79",
    "torch-warp": "#843c39", "torch-warp-compile": "#d6616b", "sbx": "#98df8a", "sb3": "#ff9896",
    "skrl-jax": "#9edae5", "skrl-torch": "#c49c94",
}  # fmt: skip
"""Contender name -> its colour in the report's figures."""
