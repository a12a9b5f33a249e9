"""Warp's kernels compile once per machine into its default cache (~/.cache/warp), shared by these tests.

A cold compile of the inverted pendulum's kernels on Warp's CPU device takes about a minute on the 2-core CPU,
so the tests that need kernels are marked slow; CLI runs started by them reuse the same cache (warm).
"""

from __future__ import annotations

from pathlib import Path

import pytest

WARP_TEST_CACHE = Path.home() / ".cache" / "warp"
"""Warp's own default base directory (it appends its version), named so child processes share it."""


@pytest.fixture
def warm_warp_cache(monkeypatch: pytest.MonkeyPatch) -> Path:
    """Child processes use the machine's Warp kernel cache instead of a fresh (cold) one."""
    monkeypatch.setenv("WARP_CACHE_PATH", str(WARP_TEST_CACHE))
    return WARP_TEST_CACHE
