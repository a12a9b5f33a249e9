"""The hand-off control runs all three ways of stepping the Brax env and reports the two differences."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest


@pytest.mark.slow
@pytest.mark.timeout(600)
def test_handoff_control_measures_fused_loop_and_dlpack() -> None:
    argv = [sys.executable, "-m", "bench.controls.handoff", "--preset", "smoke", "--steps", "20"]
    argv += ["--set", "brax_backend=spring"]  # the fastest-compiling Brax backend on CPU
    done = subprocess.run(argv, capture_output=True, text=True, timeout=580, check=False)
    assert done.returncode == 0, done.stderr[-3000:]
    record = json.loads(done.stdout.strip().splitlines()[-1])
    ms = record["ms_per_step"]
    assert set(ms) == {"fused", "jax_loop", "torch_dlpack"} and min(ms.values()) > 0
    assert record["not_fused_ms"] == pytest.approx(ms["jax_loop"] - ms["fused"])
    assert record["handoff_and_torch_ms"] == pytest.approx(ms["torch_dlpack"] - ms["jax_loop"])
    assert record["num_envs"] == 4 and record["steps"] == 20 and record["device"] == "cpu"
