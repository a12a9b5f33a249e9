"""Shared part of the fake trainers: the real trainer CLI (preset, seed, --set) and a real RunResult line.

The fakes stand in for `python -m jax_ppo` / `python -m torch_ppo` in the harness tests: same flags, same
exit codes (shared_spec.exit_codes: 2 bad spec, 3 diverged), same result line, without any learning.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from dataclasses import asdict

from shared_spec.cli import add_spec_arguments, spec_or_exit
from shared_spec.result import RunResult, emit_result
from shared_spec.spec import PPOSpec


def parse() -> tuple[argparse.Namespace, PPOSpec]:
    """Trainer flags plus the fakes' own knobs; a bad spec exits 2 like a real trainer."""
    parser = argparse.ArgumentParser()
    add_spec_arguments(parser)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--vmap-seeds", type=int, default=1)
    parser.add_argument("--alloc-mb", type=int, default=0, help="touch this much memory before finishing")
    parser.add_argument(
        "--wrong-hash", action="store_true", help="report a spec hash the harness did not ask for"
    )
    parser.add_argument("--hold-while", help="before finishing, wait while this file exists (at most 300 s)")
    args = parser.parse_args()
    if args.hold_while:
        print(f"[fake] holding while {args.hold_while} exists", file=sys.stderr, flush=True)
        deadline = time.monotonic() + 300
        while os.path.exists(args.hold_while) and time.monotonic() < deadline:
            time.sleep(0.1)
    return args, spec_or_exit(args.preset, args.overrides)


def make_result(args: argparse.Namespace, spec: PPOSpec, **changes: object) -> RunResult:
    """A plausible ok result for the requested spec and seed."""
    result = RunResult(
        contender="fake",
        task=spec.task,
        preset=args.preset,
        spec_hash="0" * 12 if args.wrong_hash else spec.spec_hash(),
        seed=args.seed,
        device={"kind": "cpu", "name": "fake cpu", "requested": spec.device, "fallback": False},
        spec=spec.to_dict(),
        total_env_steps=spec.total_timesteps,
        sps=1000.0,
        wall_s=0.1,
        final_return=12.5,
        curve=[[0, 0.01, 1.0], [spec.total_timesteps, 0.1, 12.5]],
        num_seeds=args.vmap_seeds,
    )
    for name, value in changes.items():
        setattr(result, name, value)
    return result


def emit_raw(result: RunResult) -> None:
    """Print the result with NaN written as the JSON token NaN (what a careless trainer would do)."""
    sys.stdout.write(json.dumps(asdict(result)) + "\n")
    sys.stdout.flush()


__all__ = ["emit_raw", "emit_result", "make_result", "parse"]
