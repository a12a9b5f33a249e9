"""The CleanRL-design speed reference runs on the device it is given, and its benchmark refuses a missing GPU."""

from __future__ import annotations

import math

import pytest
import torch

from baselines.cleanrl_style_ppo import run
from experiments.perf_torch_vs_cleanrl import main


def test_reference_runs_small_updates_and_reports_steady_figures() -> None:
    result = run("InvertedPendulum-v5", num_steps=64, num_minibatches=4, update_epochs=1, num_updates=2)
    assert set(result) == {"rollout_s", "update_s", "sps"}
    assert all(math.isfinite(v) and v > 0 for v in result.values())
    assert result["sps"] == pytest.approx(64 / (result["rollout_s"] + result["update_s"]))


def test_benchmark_demanding_a_missing_gpu_is_one_line_and_exit_2(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    assert main(["--device", "gpu", "--updates", "2", "--repeats", "1"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("error: device: got 'gpu'")
