"""`python -m shared_spec`: exit codes and messages a user sees."""

from __future__ import annotations

import json
import subprocess
import sys


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "shared_spec", *args], capture_output=True, text=True)


def test_bad_learning_rate_exits_2_naming_the_field() -> None:
    proc = run_cli("show", "smoke", "--set", "learning_rate=-1")
    assert proc.returncode == 2
    assert "learning_rate" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_unknown_preset_exits_2() -> None:
    proc = run_cli("show", "nope")
    assert proc.returncode == 2
    assert "preset" in proc.stderr and "smoke" in proc.stderr


def test_list_names_every_preset() -> None:
    out = run_cli("list").stdout
    for name in ("smoke", "cpu-quick", "hopper-1m", "gpu-brax"):
        assert name in out


def test_show_json_has_hash_and_derived() -> None:
    proc = run_cli("show", "smoke", "--json", "--set", "num_envs=8")
    data = json.loads(proc.stdout)
    assert data["spec"]["num_envs"] == 8
    assert data["derived"]["batch_size"] == 8 * data["spec"]["num_steps"]
    assert len(data["spec_hash"]) == 12


def test_tasks_lists_registry() -> None:
    out = run_cli("tasks").stdout
    for name in ("inverted_pendulum", "hopper", "halfcheetah", "walker2d", "ant", "humanoid"):
        assert name in out
