"""Benchmark (not a test): the trainers' thread defaults, measured in whole runs.

The torch trainer runs with `torch_threads = 1` by default while XLA uses one intra-op thread per CPU. This puts
each default beside its alternative: torch_threads 1 vs 2 for the torch trainer, XLA's default vs one core for
the JAX trainer (`XLA_FLAGS=--xla_cpu_multi_thread_eigen=false intra_op_parallelism_threads=1`, which does not
stop every XLA thread on its own, plus the process pinned to one CPU). Every run is
its own process (`python -m torch_ppo` / `python -m jax_ppo`, the trainers' own timing); the variants alternate
in rounds, the order rotating, each round one seed for all, so the pairs are paired in time as the bench's are.

    .venv/bin/python -m experiments.perf_threads [--preset cpu-quick] [--seeds 5] [--sides torch,jax] [--json]

`--json` prints one JSON line per run (the figures, the variant, its round and position, the machine and
commit) and nothing else, for a store; without it, a table of per-round ratios to each side's default.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
from dataclasses import dataclass

from experiments.provenance import provenance

ONE_XLA_THREAD = "--xla_cpu_multi_thread_eigen=false intra_op_parallelism_threads=1"
FIGURES = ("sps", "wall_s", "compile_s", "first_update_s", "final_return", "time_to_threshold_s")


@dataclass(frozen=True)
class Variant:
    """One way to run one trainer: its module, spec overrides and environment."""

    side: str
    name: str
    module: str
    overrides: tuple[str, ...] = ()
    env: tuple[tuple[str, str], ...] = ()
    default: bool = False
    one_core: bool = False
    """Pin the process to the first CPU of this one's affinity."""


VARIANTS = (
    Variant("torch", "torch_threads=1", "torch_ppo", ("torch_threads=1",), default=True),
    Variant("torch", "torch_threads=2", "torch_ppo", ("torch_threads=2",)),
    Variant("jax", "XLA default threads", "jax_ppo", default=True),
    Variant("jax", "XLA on one core", "jax_ppo", env=(("XLA_FLAGS", ONE_XLA_THREAD),), one_core=True),
)


def run_once(variant: Variant, preset: str, seed: int) -> dict:
    """One run of `variant` in its own process: the trainer's result line."""
    argv = [
        sys.executable,
        "-m",
        variant.module,
        "--preset",
        preset,
        "--seed",
        str(seed),
        "--set",
        "device=cpu",
    ]
    for override in variant.overrides:
        argv += ["--set", override]
    env = {**os.environ, **dict(variant.env)}
    first_cpu = {min(os.sched_getaffinity(0))}
    pin = (lambda: os.sched_setaffinity(0, first_cpu)) if variant.one_core else None
    done = subprocess.run(argv, capture_output=True, text=True, check=False, env=env, preexec_fn=pin)
    lines = [line for line in done.stdout.splitlines() if line.startswith("{")]
    if not lines:
        raise RuntimeError(
            f"{variant.name} produced no result (exit {done.returncode}):\n{done.stderr[-2000:]}"
        )
    return json.loads(lines[-1])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--preset", default="cpu-quick")
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--sides", default="torch,jax", help="comma-separated: torch, jax")
    parser.add_argument("--json", action="store_true", help="one JSON line per run, for a store")
    args = parser.parse_args(argv)
    sides = set(args.sides.split(","))
    if not sides <= {"torch", "jax"}:
        print(f"--sides: {args.sides!r} is not allowed; use torch, jax or torch,jax", file=sys.stderr)
        return 2
    variants = [v for v in VARIANTS if v.side in sides]
    records = []
    for seed in range(args.seeds):
        order = variants[seed % len(variants) :] + variants[: seed % len(variants)]
        for position, variant in enumerate(order):
            result = run_once(variant, args.preset, seed)
            record = {
                "variant": variant.name, "side": variant.side, "default": variant.default, "preset": args.preset,
                "seed": seed, "round": seed, "position_in_round": position, "status": result.get("status"),
                **{k: result.get(k) for k in FIGURES}, "env": dict(variant.env), "overrides": list(variant.overrides),
                "one_core": variant.one_core,
                **provenance(),
            }  # fmt: skip
            records.append(record)
            if args.json:
                print(json.dumps(record), flush=True)
            else:
                print(f"round {seed} {variant.name}: steady SPS {record['sps']}", file=sys.stderr, flush=True)
    if not args.json:
        for side in sorted(sides):
            default = next(v for v in variants if v.side == side and v.default)
            for other in (v for v in variants if v.side == side and not v.default):
                ratios = [
                    o["sps"] / d["sps"]
                    for d, o in zip(
                        (r for r in records if r["variant"] == default.name),
                        (r for r in records if r["variant"] == other.name),
                        strict=True,
                    )
                    if d["sps"] and o["sps"]
                ]
                if ratios:
                    print(
                        f"{side}: {other.name} / {default.name} steady SPS per round: median "
                        f"{statistics.median(ratios):.3f} (min {min(ratios):.3f}, max {max(ratios):.3f}, "
                        f"{len(ratios)} rounds)"
                    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
