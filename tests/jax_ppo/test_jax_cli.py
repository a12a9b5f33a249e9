"""The CLI contract: bad spec exits 2 with one line; divergence gives status diverged and exit 3."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest


def run_cli(*args: str, timeout: float = 240) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "jax_ppo", *args], capture_output=True, text=True, timeout=timeout, check=False
    )


def test_bad_spec_exits_2_with_one_line():
    proc = run_cli("--preset", "smoke", "--set", "num_envs=0")
    assert proc.returncode == 2
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and "num_envs" in lines[0]
    assert "Traceback" not in proc.stderr
    assert proc.stdout == ""


@pytest.mark.slow
def test_huge_learning_rate_diverges_with_exit_3():
    proc = run_cli(
        "--preset", "smoke", "--seed", "0",
        "--set", "brax_backend=spring", "--set", "learning_rate=1e30", "--set", "total_timesteps=1024",
        "--set", "num_evals=1", "--set", "episode_length=50",
    )  # fmt: skip
    assert proc.returncode == 3, proc.stderr[-2000:]
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    assert result["status"] == "diverged"
    assert "non-finite" in result["error"]
    assert result["final_return"] is None
