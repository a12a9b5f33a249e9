"""The field contenders (field/: SB3, SBX, skrl PyTorch, skrl JAX) run through the real harness on the smoke
preset and leave well-formed records whose time buckets add up to the wall time.

The fast test runs `sb3` alone (seconds); the slow one runs all four (skrl-jax's JIT compile takes longest).
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from bench.harness.contenders import FIELD_CONTENDERS
from bench.harness.store import read_records
from shared_spec.presets import resolve_spec

FAST_SMOKE = ("episode_length=50", "total_timesteps=1536", "num_evals=1", "run_timeout_s=800")
"""Three updates of 512 steps (two of them steady), one evaluation after training; the run timeout has slack:
what is tested is the record, not the speed of a slow or busy machine."""


def run_bench(tmp_path: Path, contenders: str) -> dict[str, dict]:
    argv = [
        sys.executable,
        "-m",
        "bench",
        "--store",
        str(tmp_path / "results.jsonl"),
        "run",
        "--preset",
        "smoke",
    ]
    argv += [
        "--seeds",
        "1",
        "--contenders",
        contenders,
        "--device",
        "cpu",
        "--logs-dir",
        str(tmp_path / "logs"),
    ]
    for override in FAST_SMOKE:
        argv += ["--set", override]
    proc = subprocess.run(argv, capture_output=True, text=True, check=False)
    records = {r["contender"]: r for r in read_records(tmp_path / "results.jsonl", record_type="run")}
    assert set(records) == set(contenders.split(",")), proc.stderr[-3000:]
    return records


def assert_well_formed_and_timed(record: dict) -> None:
    spec = resolve_spec("smoke", [*FAST_SMOKE, "device=cpu"])  # what the harness passes with --device cpu
    assert record["status"] == "ok", record.get("error")
    assert record["spec_hash"] == spec.spec_hash() and record["device"]["kind"] == "cpu"
    assert record["total_env_steps"] == spec.total_timesteps
    assert [point[0] for point in record["curve"]] == [0, spec.total_timesteps]
    assert record["final_return"] == record["curve"][-1][2] and record["final_return"] > 0
    buckets = record["startup_s"] + record["compile_s"] + record["train_s"] + record["eval_s"]
    assert buckets == pytest.approx(record["wall_s"], rel=0.02)
    steady_steps = spec.total_timesteps - spec.batch_size
    assert record["sps"] == pytest.approx(steady_steps / (record["rollout_s"] + record["update_s"]))
    assert 0 < record["startup_s"] < record["first_update_s"] < record["wall_s"]
    assert isinstance(record["extra"]["unmapped"], dict) and record["extra"]["phase_split"]


@pytest.mark.timeout(300)
def test_sb3_through_the_harness(tmp_path: Path) -> None:
    record = run_bench(tmp_path, "sb3")["sb3"]
    assert_well_formed_and_timed(record)
    assert record["compile_s"] == 0 and record["versions"]["stable_baselines3"] != "absent"
    assert "clip_vloss" in record["extra"]["unmapped"]


@pytest.mark.slow
@pytest.mark.timeout(900)
def test_every_field_contender_through_the_harness(tmp_path: Path) -> None:
    records = run_bench(tmp_path, ",".join(FIELD_CONTENDERS))
    for name in FIELD_CONTENDERS:
        assert_well_formed_and_timed(records[name])
    for jax_side in ("sbx", "skrl-jax"):  # JIT compilation inside the first update, estimated apart
        assert records[jax_side]["compile_s"] > 0 and records[jax_side]["versions"]["jax"] != "absent"
