"""Experiment (not a test): does the integrator explain why torch learns inverted_pendulum faster per step?

Brax's MJX inverted pendulum integrates with Euler, Gymnasium's InvertedPendulum-v5 with RK4 (same 0.02 s
timestep, masses, gear, damping; `python -m shared_spec tasks --check`). This trains the unchanged torch
trainer on Gymnasium's own model twice per seed: as shipped (RK4) and with only `integrator="Euler"` changed
(Gymnasium's `xml_file` argument), and prints the env steps at which each run's evaluation first reaches the
task's maximum return. If Euler alone moves torch to the JAX side's 40-49k steps, the simulator, not the
framework, explains the gap.

Result (2026-11-27, 2-core AMD EPYC, seeds 0-3): it does not. RK4 reached 1000 at 24,576 / 24,576 / 24,576 /
16,384 steps, Euler at 16,384 / 24,576 / 24,576 / 24,576. The gap had another cause: Brax's pendulum maps
actions in [-1, 1] onto its [-3, 3] actuator range inside `step`, so the JAX side applied 3x the control
(fixed by `ppo_envs.brax_envs.ActuatorUnitsWrapper`; afterwards JAX also reaches 1000 at about 24k steps).

    .venv/bin/python -m experiments.integrator_swap [--seeds 0,1,2] [--preset cpu-quick]
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import io
import json
import tempfile
import warnings
from pathlib import Path
from types import MappingProxyType

import gymnasium

from shared_spec import tasks
from shared_spec.exit_codes import EXIT_OK

MAX_RETURN = 1000.0


def euler_model(directory: Path) -> Path:
    """Gymnasium's inverted_pendulum.xml with the integrator switched from RK4 to Euler, nothing else."""
    source = Path(gymnasium.__file__).parent / "envs" / "mujoco" / "assets" / "inverted_pendulum.xml"
    text = source.read_text()
    if 'integrator="RK4"' not in text:
        raise RuntimeError(f'{source}: no integrator="RK4" to replace; the model changed')
    target = directory / "inverted_pendulum_euler.xml"
    target.write_text(text.replace('integrator="RK4"', 'integrator="Euler"'))
    return target


def steps_to_max(preset: str, seed: int, xml_file: Path | None) -> tuple[int | None, list]:
    """Train torch_ppo (in this process) and return the first eval point at the maximum return, and the curve."""
    from torch_ppo.__main__ import main as torch_main

    task = tasks.TASKS["inverted_pendulum"]
    kwargs = {} if xml_file is None else {"xml_file": str(xml_file)}
    tasks.TASKS["inverted_pendulum"] = dataclasses.replace(task, gym_kwargs=MappingProxyType(kwargs))
    out = io.StringIO()
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(io.StringIO()):
            code = torch_main(["--preset", preset, "--seed", str(seed), "--set", "device=cpu"])
    finally:
        tasks.TASKS["inverted_pendulum"] = task
    if code != EXIT_OK:
        raise RuntimeError(f"torch_ppo exited {code}")
    curve = json.loads(out.getvalue().strip().splitlines()[-1])["curve"]
    first = next((int(steps) for steps, _, ret in curve if ret >= MAX_RETURN), None)
    return first, curve


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", default="0,1,2")
    parser.add_argument("--preset", default="cpu-quick")
    args = parser.parse_args()
    warnings.filterwarnings("ignore")
    with tempfile.TemporaryDirectory() as tmp:
        euler = euler_model(Path(tmp))
        for seed in (int(s) for s in args.seeds.split(",")):
            for label, xml in (("RK4 (as shipped)", None), ("Euler", euler)):
                first, curve = steps_to_max(args.preset, seed, xml)
                returns = " ".join(f"{ret:.0f}" for _, _, ret in curve)
                print(
                    f"seed {seed}  {label:17s} first at {MAX_RETURN:.0f}: {first!s:>6} steps | evals: {returns}"
                )


if __name__ == "__main__":
    main()
