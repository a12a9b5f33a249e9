"""Steady-state SPS of jax_ppo vs Brax's own PPO at three shapes, alternating, and their ratio (fairness rule 3).

A benchmark, not a test: the JAX side must be at least as fast as Brax's own PPO on the same env, backend and
batch shape. Each run is its own process (`python -m jax_ppo` / `python -m baselines.brax_ppo`, the bench's
contenders), and the two alternate within each round, so load from elsewhere hits both alike. Figures:

- jax_ppo: its `sps` (steady state: every update after the first, evaluation excluded);
- Brax: the median of its own `training/sps` per training epoch from the third on (`extra.epoch_sps`; the
  first epoch holds compilation and Brax 0.14.2 recompiles in the second: reset and step states differ in
  weak types), evaluation excluded by Brax itself.

Shapes (`SHAPES`): cpu-quick as is; hopper at 64 envs x 32 steps (where the JAX trainer once trailed); and Brax's own default
hopper shape (2,048 envs, unroll 5, minibatches of 512 x 5 steps, 4 epochs) scaled by 1/8 to this machine.

    .venv/bin/python -m experiments.perf_jax_vs_brax [--shapes cpu-quick,hopper-64x32,hopper-brax-default]
        [--rounds 2] [--set key=value ...]

Exits 4 (EXIT_UNAVAILABLE) when Brax's PPO cannot run with the installed JAX.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
from dataclasses import dataclass

from shared_spec.exit_codes import EXIT_BAD_SPEC, EXIT_OK, EXIT_UNAVAILABLE


@dataclass(frozen=True)
class Shape:
    """A preset and the overrides that give one batch shape."""

    preset: str
    overrides: tuple[str, ...]


SHAPES: dict[str, Shape] = {
    "cpu-quick": Shape("cpu-quick", ()),
    "hopper-64x32": Shape(
        "hopper-1m",
        (
            "num_envs=64",
            "num_steps=32",
            "num_minibatches=32",
            "update_epochs=10",
            "total_timesteps=81920",
            "num_evals=4",
        ),
    ),
    "hopper-brax-default": Shape(  # Brax's hopper: 2048 envs, unroll 5, batch 512 x 32 minibatches, 4 epochs; / 8
        "hopper-1m",
        (
            "num_envs=256",
            "num_steps=5",
            "num_minibatches=4",
            "update_epochs=4",
            "total_timesteps=51200",
            "num_evals=4",
        ),
    ),
}


def run_child(module: str, shape: Shape, extra: list[str]) -> dict:
    """One contender run in its own process; its RunResult (the last stdout line)."""
    argv = [sys.executable, "-m", module, "--preset", shape.preset, "--seed", "0"]
    if module == "jax_ppo":
        argv.append("--no-phase-split")
    for override in (*shape.overrides, *extra):
        argv += ["--set", override]
    done = subprocess.run(argv, capture_output=True, text=True, check=False)
    lines = [line for line in done.stdout.splitlines() if line.startswith("{")]
    if not lines:
        raise RuntimeError(f"{module} produced no result (exit {done.returncode}):\n{done.stderr[-2000:]}")
    return json.loads(lines[-1])


def brax_steady_sps(result: dict) -> float:
    epochs = result.get("extra", {}).get("epoch_sps") or []
    return statistics.median(epochs[2:]) if len(epochs) > 2 else float("nan")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shapes", default=",".join(SHAPES), help=f"comma-separated: {', '.join(SHAPES)}")
    parser.add_argument("--rounds", type=int, default=2, help="alternating (jax_ppo, Brax) pairs per shape")
    parser.add_argument("--set", dest="overrides", action="append", default=[], help="extra spec override")
    args = parser.parse_args()
    names = [name for name in args.shapes.split(",") if name]
    unknown = [name for name in names if name not in SHAPES]
    if unknown or args.rounds < 1:
        print(
            f"error: --shapes: unknown {unknown}; allowed: {', '.join(SHAPES)} (--rounds >= 1)",
            file=sys.stderr,
        )
        return EXIT_BAD_SPEC
    print("shape                 round  jax_ppo sps  brax sps  ratio  (jax compile_s, Brax's sps per epoch)")
    for name in names:
        shape = SHAPES[name]
        ratios = []
        for round_index in range(args.rounds):
            ours = run_child("jax_ppo", shape, args.overrides)
            brax = run_child("baselines.brax_ppo", shape, args.overrides)
            if brax.get("error"):
                print(f"error: Brax's PPO: {brax['error']}", file=sys.stderr)
                return EXIT_UNAVAILABLE
            theirs = brax_steady_sps(brax)
            ratios.append(ours["sps"] / theirs)
            epochs = ", ".join(f"{v:.0f}" for v in brax["extra"]["epoch_sps"])
            print(
                f"{name:21s} {round_index + 1:>5d}  {ours['sps']:>11,.0f}  {theirs:>8,.0f}  {ratios[-1]:.2f}"
                f"  (compile {ours['compile_s']:.1f} s = train {ours['extra']['compile_train_s']:.1f} + eval "
                f"{ours['extra']['compile_eval_s']:.1f}; Brax epochs {epochs})",
                flush=True,
            )
        print(f"{name:21s} median ratio jax_ppo / Brax PPO: {statistics.median(ratios):.2f}", flush=True)
    return EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
