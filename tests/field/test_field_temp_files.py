"""A Stable-Baselines3-family run leaves nothing in the temp dir (SB3's default logger makes an SB3-<date>
folder there on every run, even when it writes nothing)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

SHORT = ("episode_length=50", "total_timesteps=1024", "num_evals=1", "device=cpu")


@pytest.mark.timeout(300)
@pytest.mark.parametrize("module", ["sb3", pytest.param("sbx", marks=pytest.mark.slow)])  # sbx: JAX compiles
def test_a_run_creates_no_sb3_folder_in_the_temp_dir(module: str, tmp_path: Path) -> None:
    pytest.importorskip({"sb3": "stable_baselines3", "sbx": "sbx"}[module])
    argv = [sys.executable, "-m", f"field.{module}", "--preset", "smoke"]
    for override in SHORT:
        argv += ["--set", override]
    env = {**os.environ, "TMPDIR": str(tmp_path)}
    proc = subprocess.run(argv, capture_output=True, text=True, env=env, timeout=280, check=False)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert sorted(p.name for p in tmp_path.glob("SB3-*")) == []
