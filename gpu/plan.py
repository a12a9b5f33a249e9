"""The GPU campaign as data: a TOML plan (steps in priority order, budget, parts; docs/GPU.md, gpu/gpu.toml).

A step is rounds of contenders on one preset (interleaved, resumable), a bench command or any module (`-m`),
each in its own process, started only when the budget leaves it room (the last `reserve_s` seconds are kept
for the `final` steps). The store is copied to the output folder after every step, so a call cut short brings
back what it stored. `--rehearsal` runs the plan on the CPU at toy scale.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

PARTS = ("a", "b", "c", "all")


class PlanError(ValueError):
    """A plan file that cannot be run; the message names the field, the bad value and what is allowed."""


@dataclass(frozen=True)
class Step:
    """One step of the plan: rounds of `contenders` on `preset`, or `command` (bench subcommand or `-m ...`)."""

    name: str
    part: str = "all"
    """"a", "b", "c" (a session of its own: the scale sweep) or "all" (every part)."""
    preset: str | None = None
    contenders: tuple[str, ...] = ()
    rounds: int = 1
    """Rounds r = first_round .. first_round+rounds-1 run seed first_seed+r of every contender."""
    first_round: int = 0
    command: tuple[str, ...] = ()
    """`["learner", ...]` runs `python -m bench --store STORE learner ...`; `["-m", "mod", ...]` a module."""
    rehearsal_command: tuple[str, ...] | None = None
    """The command on a rehearsal (toy sizes); None: the same."""
    cap_s: float = 120
    gpu_only: bool = False
    final: bool = False
    """Run at the end whatever the part, from the reserved seconds (code, report)."""


@dataclass(frozen=True)
class Plan:
    """The whole campaign: where it runs, its budget, its steps in priority order."""

    description: str
    steps: tuple[Step, ...]
    device: str = "gpu"
    budget_s: float = 560
    reserve_s: float = 45
    """Kept back for the final steps."""
    min_run_s: float = 45
    """A run or step is not started with less than this left."""
    state_dir: str = "/tmp/ppo-bench-gpu-run"
    """The store and JAX caches, kept between two calls on one machine (resume)."""
    jax_cache: bool = True
    """One persistent JAX compilation cache per contender family: first seeds cold, later ones warm."""
    rehearsal_budget_s: float = 1500
    rehearsal_sets: tuple[str, ...] = ()
    """`--set` overrides of every run on a rehearsal (the presets shrunk to toy scale)."""
    rehearsal_cap_factor: float = 4
    """A command step's cap_s times this on a rehearsal: a CPU compiles the same programs more slowly."""


def _build(cls: type, table: dict[str, Any], where: str) -> Any:
    """`cls` from a TOML table (lists as tuples); an unknown or missing key is a PlanError naming it."""
    known = [f.name for f in fields(cls)]
    for key, value in table.items():
        if key not in known:
            raise PlanError(f"{where}.{key}: got {value!r}; allowed keys: {', '.join(known)}")
    try:
        return cls(**{k: tuple(v) if isinstance(v, list) else v for k, v in table.items()})
    except TypeError as err:
        raise PlanError(f"{where}: {err}") from None


def load_plan(path: Path) -> Plan:
    """Read and check a plan file."""
    try:
        data = tomllib.loads(path.read_text())
    except (OSError, tomllib.TOMLDecodeError) as err:
        raise PlanError(f"PLAN: got {str(path)!r}; allowed: a readable TOML plan file ({err})") from None
    steps = tuple(_build(Step, s, f"steps[{i}]") for i, s in enumerate(data.pop("steps", [])))
    plan = _build(Plan, {**data, "steps": steps}, "plan")
    for i, step in enumerate(plan.steps):
        if step.part not in PARTS:
            raise PlanError(f"steps[{i}].part: got {step.part!r}; allowed: {', '.join(PARTS)}")
        if bool(step.contenders) == bool(step.command) or bool(step.contenders) != bool(step.preset):
            raise PlanError(f"steps[{i}] ({step.name}): allowed: either preset and contenders, or command")
    return plan
