"""Contender name -> the command line that runs it, one (contender, seed) per process; the one home of the names.

Data, so tests can inject fake contenders. Every command runs under `sys.executable`, so the child sees the
same venv. How the report orders and colours them: bench/report/settings.py.
"""

from __future__ import annotations

import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

MAIN_CONTENDERS: tuple[str, ...] = ("jax", "jax-gym", "torch")
"""What `python -m bench all` (and `make bench`) runs with every seed; extend here. jax-gym fits the CPU
budget: 20-24 s per cpu-quick run on the 2-core CPU, about as long as torch."""

CONTROL_CONTENDERS: tuple[str, ...] = ("torch-compile", "torch-brax")
"""What `python -m bench all` also runs, one seed each, unless `--no-controls` (docs/DESIGN.md, controls)."""

REFERENCES: dict[str, str] = {"jax": "brax-ppo"}
"""Contender -> its camp's own PPO (fairness rule 3: each side at least as fast as its reference). `bench all`
runs the reference in the main rounds with every seed, so the report pairs the two in time on every machine.
torch's reference, the CleanRL-design loop, runs at its own shape (`experiments.perf_torch_vs_cleanrl`)."""

FIELD_CONTENDERS: tuple[str, ...] = ("sbx", "sb3", "skrl-jax", "skrl-torch")
"""Third-party PPO pairs (field/, the `field` extra): (JAX, PyTorch) by the same authors."""
FIELD_PAIRS_IN_BENCH: tuple[tuple[tuple[str, ...], bool], ...] = (
    (("sbx", "sb3"), True),
    (("skrl-jax", "skrl-torch"), False),
)
"""What `bench all` runs of them: (pair, with every seed). skrl-jax compiles for about a minute per cpu-quick run
on 2 cores (docs/RESULTS.md), so its pair gets one seed to keep `make bench` near 20 minutes."""


@dataclass(frozen=True)
class Contender:
    """How to start one contender: the arguments after the interpreter, and whether it runs all seeds at once."""

    name: str
    base_args: tuple[str, ...]
    """Arguments after `sys.executable`, e.g. ("-m", "jax_ppo")."""
    vmap_seeds: bool = False
    """True: one program trains all seeds (`--vmap-seeds N`), run once and never mixed into per-seed figures."""


CONTENDERS: dict[str, Contender] = {
    c.name: c
    for c in (
        Contender("jax", ("-m", "jax_ppo")),
        Contender("jax-vmap", ("-m", "jax_ppo"), vmap_seeds=True),
        Contender("jax-gym", ("-m", "jax_ppo", "--env-backend", "gymnasium")),
        Contender("torch", ("-m", "torch_ppo")),
        Contender("torch-compile", ("-m", "torch_ppo", "--compile")),
        Contender("torch-brax", ("-m", "torch_ppo", "--env-backend", "brax")),
        Contender("torch-brax-compile", ("-m", "torch_ppo", "--env-backend", "brax", "--compile")),
        Contender("brax-ppo", ("-m", "baselines.brax_ppo")),
        Contender("jax-warp", ("-m", "jax_ppo", "--set", "mjx_impl=warp")),
        Contender("torch-warp", ("-m", "torch_ppo", "--env-backend", "warp")),
        Contender("torch-warp-compile", ("-m", "torch_ppo", "--env-backend", "warp", "--compile")),
        Contender("sbx", ("-m", "field.sbx")),
        Contender("sb3", ("-m", "field.sb3")),
        Contender("skrl-jax", ("-m", "field.skrl_jax")),
        Contender("skrl-torch", ("-m", "field.skrl_torch")),
    )
}


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
