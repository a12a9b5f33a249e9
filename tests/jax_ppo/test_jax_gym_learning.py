"""PPO learns on Gymnasium MuJoCo with the JAX learner (contender `jax-gym`): inverted pendulum on CPU.

Threshold, measured with exactly this command (cpu-quick shape, 32,768 steps, 5 eval episodes, 2-core AMD
EPYC, 2026-11-27): seeds 0, 1, 2, 3 all ended at 1000.0 (the maximum), from step-0 returns of 26.4, 26.2,
24.4, 26.2; at the half-way evaluation 134.6, 1000.0, 341.0, 107.4; wall 11-18 s. The same command and bar
as torch's learning test: the task's own threshold (500), half the measured level, and at least 5x the
untrained return. A broken update or a mis-scaled action stays near the initial return.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

LEARN = ["total_timesteps=32768", "num_evals=2", "eval_episodes=5"]


@pytest.mark.slow
def test_inverted_pendulum_learns_on_gymnasium() -> None:
    argv = [
        sys.executable,
        "-m",
        "jax_ppo",
        "--env-backend",
        "gymnasium",
        "--preset",
        "cpu-quick",
        "--seed",
        "0",
    ]
    argv += [arg for value in LEARN for arg in ("--set", value)]
    proc = subprocess.run(argv, capture_output=True, text=True, timeout=240, check=False)
    assert proc.returncode == 0, proc.stderr[-3000:]
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    untrained = result["curve"][0][2]
    assert result["contender"] == "jax-gym" and result["status"] == "ok"
    assert result["total_env_steps"] == 32768
    assert result["final_return"] >= 500.0
    assert result["final_return"] >= 5 * untrained
    assert result["sps"] > 0 and result["rollout_s"] > 0 and result["update_s"] > 0
    assert result["time_to_threshold_s"] is not None
