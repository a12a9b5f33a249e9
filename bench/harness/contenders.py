"""Contender name -> the command line that runs it, one (contender, seed) per process; the one home of the names.

The table is data so that tests can inject fake contenders and the lead can add variants in one place.
Every command runs under `sys.executable`, the interpreter running the bench, so the child sees the same venv.
Each row carries the colour the report's figures give it; CONTENDER_ORDER is the report's order.
"""

from __future__ import annotations

import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

MAIN_CONTENDERS: tuple[str, ...] = ("jax", "jax-gym", "torch")
"""What `python -m bench all` (and `make bench`) runs with every seed; extend here. jax-gym fits the CPU
budget: 20-24 s per cpu-quick run on the 2-core CPU, about as long as torch."""

CONTROL_CONTENDERS: tuple[str, ...] = ("torch-compile", "torch-brax", "brax-ppo")
"""What `python -m bench all` also runs, one seed each, unless `--no-controls` (docs/DESIGN.md, controls)."""

FIELD_CONTENDERS: tuple[str, ...] = ("sbx", "sb3", "skrl-jax", "skrl-torch")
"""Third-party PPO pairs (field/, the `field` extra): (JAX, PyTorch) by the same authors; run on request."""

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
        "framework", "jax", "torch-brax", "the same simulator, Brax MJX (torch reads it through DLPack)",
        "JAX jit vs PyTorch eager",
    ),
    Comparison(
        "framework", "jax", "torch-brax-compile",
        "the same simulator, Brax MJX (torch reads it through DLPack)",
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
"""The report's colour for a contender that is not in the table (e.g. a test's fake)."""


@dataclass(frozen=True)
class Contender:
    """How to start one contender: the arguments after the interpreter, and whether it runs all seeds at once."""

    name: str
    base_args: tuple[str, ...]
    """Arguments after `sys.executable`, e.g. ("-m", "jax_ppo")."""
    vmap_seeds: bool = False
    """True: one program trains all seeds (`--vmap-seeds N`), run once and never mixed into per-seed figures."""
    color: str = UNKNOWN_COLOR
    """Its colour in the report's figures."""


CONTENDERS: dict[str, Contender] = {
    c.name: c
    for c in (
        Contender("jax", ("-m", "jax_ppo"), color="#1f77b4"),
        Contender("jax-vmap", ("-m", "jax_ppo"), vmap_seeds=True, color="#17becf"),
        Contender("jax-gym", ("-m", "jax_ppo", "--env-backend", "gymnasium"), color="#2ca02c"),
        Contender("torch", ("-m", "torch_ppo"), color="#d62728"),
        Contender("torch-compile", ("-m", "torch_ppo", "--compile"), color="#ff7f0e"),
        Contender("torch-brax", ("-m", "torch_ppo", "--env-backend", "brax"), color="#8c564b"),
        Contender(
            "torch-brax-compile", ("-m", "torch_ppo", "--env-backend", "brax", "--compile"), color="#e377c2"
        ),
        Contender("brax-ppo", ("-m", "baselines.brax_ppo"), color="#9467bd"),
        Contender("sbx", ("-m", "field.sbx"), color="#98df8a"),
        Contender("sb3", ("-m", "field.sb3"), color="#ff9896"),
        Contender("skrl-jax", ("-m", "field.skrl_jax"), color="#9edae5"),
        Contender("skrl-torch", ("-m", "field.skrl_torch"), color="#c49c94"),
    )
}

CONTENDER_ORDER: tuple[str, ...] = (
    "jax", "jax-vmap", "jax-gym", "brax-ppo", "sbx", "skrl-jax",
    "torch", "torch-compile", "torch-brax", "torch-brax-compile", "sb3", "skrl-torch",
)  # fmt: skip
"""The order of contenders in the report's tables and figures (the JAX side, then the PyTorch side); names not
in it come after, sorted. Every name of CONTENDERS, once."""
CONTENDER_COLORS: dict[str, str] = {name: c.color for name, c in CONTENDERS.items()}
"""Contender name -> its colour in the report's figures (UNKNOWN_COLOR for other names)."""


class UnknownContenderError(ValueError):
    """A contender name that is not in the table; the message lists the allowed names."""


def parse_contenders(text: str, table: Mapping[str, Contender] = CONTENDERS) -> list[Contender]:
    """`"jax,torch"` -> the contenders, in the given order, without duplicates; unknown names raise."""
    names = [part.strip() for part in text.split(",") if part.strip()]
    if not names:
        raise UnknownContenderError(f"--contenders: got {text!r}; allowed: {', '.join(table)}")
    unknown = [name for name in names if name not in table]
    if unknown:
        raise UnknownContenderError(
            f"--contenders: unknown {', '.join(unknown)}; allowed: {', '.join(table)}"
        )
    return [table[name] for name in dict.fromkeys(names)]


def build_argv(
    contender: Contender, preset: str, seed: int, overrides: Sequence[str], num_seeds: int = 1
) -> list[str]:
    """The exact child command: interpreter, contender args, preset, seed, `--set` overrides (in order)."""
    argv = [sys.executable, *contender.base_args, "--preset", preset, "--seed", str(seed)]
    if contender.vmap_seeds:
        argv += ["--vmap-seeds", str(num_seeds)]
    for override in overrides:
        argv += ["--set", override]
    return argv
