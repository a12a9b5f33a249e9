"""Compiler caches (torch.compile's, Warp's kernels) start cold unless the user chose one; the record says which."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from shared_spec.resources import fresh_cache_unless_chosen

VAR = "PPO_BENCH_TEST_CACHE"


def test_unset_gets_a_fresh_empty_directory_recorded_cold(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(VAR, raising=False)
    record = fresh_cache_unless_chosen(VAR, "ppo-bench-test-")
    assert os.environ[VAR] == record["dir"] and Path(record["dir"]).is_dir()
    assert record["chosen_by"] == "fresh temporary directory"
    assert (record["entries_at_start"], record["state"]) == (0, "cold")
    monkeypatch.delenv(VAR)


def test_a_filled_directory_the_user_chose_is_recorded_warm(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "kernel.bin").write_bytes(b"x")
    monkeypatch.setenv(VAR, str(tmp_path))
    record = fresh_cache_unless_chosen(VAR, "ppo-bench-test-")
    assert record == {"dir": str(tmp_path), "chosen_by": "user", "entries_at_start": 1, "state": "warm"}
