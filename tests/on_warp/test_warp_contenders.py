"""torch-warp through the real harness leaves an ok record whose buckets add up; it learns the pendulum and
runs hopper end to end.

Run with the session's kernel cache, filled by a real run before the first test uses it (conftest.py): the
records say "warm" and count the entries they found; a default run compiles every kernel into a fresh
directory and says "cold".
"""

from __future__ import annotations

import json
import math
import subprocess
import sys
from pathlib import Path

import pytest

from bench.harness.store import read_records
from shared_spec.presets import resolve_spec

SMALL = ("total_timesteps=1536", "num_evals=1", "episode_length=50")


@pytest.mark.slow
@pytest.mark.timeout(900)
def test_torch_warp_contenders_record_ok_runs_whose_buckets_add_up(
    tmp_path: Path, warm_warp_cache: Path
) -> None:
    store = tmp_path / "results.jsonl"
    argv = [sys.executable, "-m", "bench", "--store", str(store), "run", "--preset", "smoke", "--seeds", "1"]
    argv += [
        "--contenders",
        "torch-warp,torch-warp-compile",
        "--device",
        "cpu",
        "--logs-dir",
        str(tmp_path / "logs"),
    ]
    for override in SMALL:
        argv += ["--set", override]
    done = subprocess.run(argv, capture_output=True, text=True, check=False)
    records = read_records(store, record_type="run")
    assert [r["contender"] for r in records] == ["torch-warp", "torch-warp-compile"], done.stderr[-3000:]
    spec = resolve_spec("smoke", [*SMALL, "device=cpu"])
    for record in records:
        assert record["status"] == "ok" and record["spec_hash"] == spec.spec_hash()
        assert record["total_env_steps"] == spec.total_timesteps
        buckets = record["startup_s"] + record["compile_s"] + record["train_s"] + record["eval_s"]
        assert buckets == pytest.approx(record["wall_s"], rel=0.02), record["contender"]
        simulator = record["extra"]["simulator"]
        assert record["extra"]["env_backend"] == "warp" and simulator["package"] == "mujoco-warp 4.0.0"
        kernel_cache = simulator["kernel_cache"]
        assert kernel_cache["state"] == "warm" and kernel_cache["chosen_by"] == "user"
        assert kernel_cache["dir"] == str(warm_warp_cache) and kernel_cache["entries_at_start"] > 0
        steady_steps = record["total_env_steps"] - spec.batch_size
        assert record["sps"] == pytest.approx(steady_steps / (record["rollout_s"] + record["update_s"]))
    eager, compiled = records
    assert eager["compile_s"] == pytest.approx(eager["extra"]["simulator"]["env_compile_s"])  # Warp's build
    assert compiled["extra"]["compile"] is True and compiled["extra"]["compile_cache"]["state"] == "cold"
    assert compiled["compile_s"] > compiled["extra"]["simulator"]["env_compile_s"]  # inductor on top


@pytest.mark.slow
@pytest.mark.timeout(600)
def test_torch_warp_learns_the_pendulum(warm_warp_cache: Path) -> None:
    sets = ["total_timesteps=32768", "num_evals=2", "eval_episodes=5", "torch_threads=1"]
    argv = [
        sys.executable,
        "-m",
        "torch_ppo",
        "--env-backend",
        "warp",
        "--preset",
        "cpu-quick",
        "--seed",
        "0",
    ]
    argv += [arg for value in sets for arg in ("--set", value)]
    done = subprocess.run(argv, capture_output=True, text=True, timeout=540, check=False)
    assert done.returncode == 0, done.stderr[-3000:]
    result = json.loads(done.stdout.strip().splitlines()[-1])
    untrained = result["curve"][0][2]
    assert result["contender"] == "torch-warp" and result["status"] == "ok"
    assert result["final_return"] >= 500.0  # the task's return threshold, the same reward as Brax's
    assert result["final_return"] >= 5 * untrained


@pytest.mark.slow
@pytest.mark.timeout(600)
def test_torch_warp_runs_hopper_end_to_end(warm_warp_cache: Path) -> None:
    argv = [
        sys.executable,
        "-m",
        "torch_ppo",
        "--env-backend",
        "warp",
        "--preset",
        "smoke",
        "--set",
        "task=hopper",
    ]
    done = subprocess.run(argv, capture_output=True, text=True, timeout=540, check=False)
    assert done.returncode == 0, done.stderr[-3000:]
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["contender"] == "torch-warp" and result["status"] == "ok" and result["task"] == "hopper"
    assert result["total_env_steps"] == resolve_spec("smoke", ["task=hopper"]).total_timesteps
    assert result["extra"]["simulator"]["package"] == "mujoco-warp 4.0.0"
    assert all(math.isfinite(point[2]) for point in result["curve"])  # evaluation returns along the run
