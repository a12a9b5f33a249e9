"""`python -m bench parity`: the env parity check (`python -m ppo_envs check`) in a child, stored as a record."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from bench.commands.common import DEFAULT_LOGS, EXIT_RUN_FAILED, flag
from bench.harness.env_parity import check_and_store
from bench.harness.store import DEFAULT_STORE
from shared_spec.exit_codes import EXIT_OK


@dataclass(frozen=True)
class ParityArgs:
    backend: str = flag("mjx", "Brax physics backend (default: mjx)")
    logs_dir: Path = flag(DEFAULT_LOGS, "the check's stdout/stderr log")
    store: Path = DEFAULT_STORE


def parity(args: ParityArgs, bench_argv: list[str]) -> int:
    """Exit 0 when every task's envs match the registry, 1 when one does not or the check failed."""
    return (
        EXIT_OK if check_and_store(args.store, args.logs_dir, bench_argv, args.backend) else EXIT_RUN_FAILED
    )
