"""The report's settings: contender order and colours, the comparisons it draws, the framework x simulator matrix.

Presentation lives here, not in the harness: the harness only knows contender name -> command line.
"""

from __future__ import annotations

from dataclasses import dataclass

DEBATE_PAIR: tuple[str, str] = ("jax", "torch")
"""(JAX contender, PyTorch contender): each framework as usually run (its own simulator); colours and figures."""


@dataclass(frozen=True)
class Comparison:
    """Two contenders that differ in one thing (or, for "setup", in framework and simulator together)."""

    question: str
    """"framework", "simulator" or "setup": which question of the debate this pair answers."""
    left: str
    right: str
    held_fixed: str
    """What the two share, said in the report."""
    compared: str
    """What differs, said exactly (e.g. "JAX jit vs PyTorch eager", never just "JAX vs PyTorch")."""


COMPARISONS: tuple[Comparison, ...] = (
    Comparison(
        "framework", "jax", "torch-brax",
        "the same simulator, Brax MJX (PyTorch through DLPack on JAX's simulator, which the PyTorch camp does not use)",
        "JAX jit vs PyTorch eager",
    ),
    Comparison(
        "framework", "jax", "torch-brax-compile",
        "the same simulator, Brax MJX (PyTorch through DLPack on JAX's simulator, which the PyTorch camp does not use)",
        "JAX jit vs PyTorch compiled (torch.compile, CUDA graphs on a GPU)",
    ),
    Comparison(
        "framework", "jax-warp", "torch-warp",
        "MuJoCo Warp, the GPU simulator both camps use (JAX through MJX's bundled copy, PyTorch through the "
        "standalone mujoco-warp package: docs/WARP.md)",
        "JAX jit vs PyTorch eager",
    ),
    Comparison(
        "framework", "jax-warp", "torch-warp-compile",
        "MuJoCo Warp (JAX through MJX's bundled copy, PyTorch through the standalone package)",
        "JAX jit vs PyTorch compiled (torch.compile, CUDA graphs on a GPU)",
    ),
    Comparison(
        "framework", "jax-gym", "torch",
        "the same simulator, Gymnasium MuJoCo C (the same vector env and wrappers, stepped from a host loop)",
        "JAX jit vs PyTorch eager",
    ),
    Comparison(
        "simulator", "torch-brax", "torch", "the same learner, PyTorch eager",
        "Brax MJX vs Gymnasium MuJoCo C",
    ),
    Comparison(
        "simulator", "torch-warp", "torch-brax", "the same learner, PyTorch eager",
        "MuJoCo Warp (native) vs Brax MJX through DLPack",
    ),
    Comparison(
        "simulator", "jax", "jax-gym", "the same learner, JAX jit (jax_ppo's update)",
        "Brax MJX (the whole update in one compiled program) vs Gymnasium MuJoCo C (a host loop around "
        "compiled steps)",
    ),
    Comparison(
        "setup", "jax", "torch", "nothing but the spec: each framework on its usual simulator",
        "JAX jit on Brax MJX vs PyTorch eager on Gymnasium MuJoCo C (framework and simulator together)",
    ),
)  # fmt: skip
"""The report's debate answers the framework question only from same-simulator pairs, the simulator question
only from same-learner pairs; "setup" pairs say that both differ."""

MATRIX_LEARNERS: tuple[str, ...] = ("JAX jit", "PyTorch eager", "PyTorch compiled")
MATRIX_SIMULATORS: tuple[str, str] = ("Brax MJX", "Gymnasium MuJoCo C")
MATRIX: tuple[tuple[str, str], ...] = (
    ("jax", "jax-gym"), ("torch-brax", "torch"), ("torch-brax-compile", "torch-compile"),
)  # fmt: skip
"""The framework x simulator table: MATRIX[learner][simulator] is the contender of that cell (rows
MATRIX_LEARNERS, columns MATRIX_SIMULATORS). A column holds the simulator fixed, a row the learner. Rows from
the third on (compiled torch) are shown only where they have runs: the first two are the 2x2 core."""
MATRIX_CORE_ROWS = 2

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
