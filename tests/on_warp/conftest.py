"""One Warp kernel cache for this test session, filled by the tests themselves before any test uses it.

A cold compile of the inverted pendulum's kernels on Warp's CPU device takes about a minute on the 2-core CPU,
so the tests that need kernels are marked slow. The cache lives in the session's temporary directory, never in
the home directory: a test must pass the same on a new machine (nothing cached) as on a used one, whatever
ran before it (a test that once read a warm `~/.cache/warp` failed on every new machine).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from ppo_envs.warp_envs import KERNEL_CACHE_ENV

FILL_ARGS = (
    "-m", "torch_ppo", "--env-backend", "warp", "--preset", "smoke", "--seed", "0", "--set", "device=cpu",
    "--set", "total_timesteps=1536", "--set", "num_evals=1", "--set", "episode_length=50",
)  # fmt: skip
"""A tiny torch-warp run on the pendulum: it compiles every kernel the pendulum's env step and reset use."""


@pytest.fixture(scope="session")
def filled_warp_kernel_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A new kernel cache directory, filled by one real run of the Warp env (cold compile) before it is handed out."""
    cache = tmp_path_factory.mktemp("warp-kernels")
    env = {**os.environ, KERNEL_CACHE_ENV: str(cache)}
    done = subprocess.run(
        [sys.executable, *FILL_ARGS], env=env, capture_output=True, text=True, timeout=600, check=False
    )
    assert done.returncode == 0, f"filling the Warp kernel cache failed:\n{done.stderr[-3000:]}"
    assert any(cache.rglob("*")), f"the Warp run compiled nothing into {cache}"
    return cache


@pytest.fixture
def warm_warp_cache(filled_warp_kernel_cache: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Child processes use the session's filled kernel cache (their records say warm, chosen by the user)."""
    monkeypatch.setenv(KERNEL_CACHE_ENV, str(filled_warp_kernel_cache))
    return filled_warp_kernel_cache
