"""PPO learns: inverted pendulum on CPU, 4 seeds vmapped in one program (also exercises --vmap-seeds).

Threshold from a measured run of exactly this command (seeds 0-3, CPU, 2 cores, 2026-11-27, after the
action-units fix): initial mean eval return 74, final per-seed returns 500 / 495 / 500 / 495 (mean 498;
500 is the episode cap here). The test asks for a mean of 400 after training, starting below 150: a broken
update (wrong sign, lost bootstrap) or a mis-scaled action stays far below.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

COMMAND = (
    "--preset", "cpu-quick", "--seed", "0", "--vmap-seeds", "4",
    "--set", "brax_backend=spring", "--set", "total_timesteps=32768", "--set", "num_steps=128",
    "--set", "num_minibatches=4", "--set", "num_evals=2", "--set", "eval_episodes=4", "--set", "episode_length=500",
    "--no-phase-split",
)  # fmt: skip


@pytest.mark.slow
def test_inverted_pendulum_return_rises_clearly_above_initial_policy():
    proc = subprocess.run(
        [sys.executable, "-m", "jax_ppo", *COMMAND], capture_output=True, text=True, timeout=300, check=False
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    assert result["contender"] == "jax-vmap" and result["num_seeds"] == 4
    assert len(result["per_seed_final_return"]) == 4
    assert result["curve"][0][2] < 150
    assert result["final_return"] >= 400, result["per_seed_final_return"]
    assert result["rollout_s"] is None and "--no-phase-split" in result["extra"]["phase_split"]
