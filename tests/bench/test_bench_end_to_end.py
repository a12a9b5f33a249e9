"""The real trainers through the real harness: `python -m bench run --preset smoke` with jax and torch.

Also the one definition of the time buckets (docs/DESIGN.md): every second of a run is startup, compile, train
or evaluation, and they add up to wall_s."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from bench.harness.store import read_records
from shared_spec.presets import resolve_spec
from shared_spec.startup import PHASES

SLACK_TIMEOUT = "run_timeout_s=800"
"""The smoke preset's 180 s per run is tight for a cold JAX compile on 2 loaded cores."""


@pytest.mark.slow
@pytest.mark.timeout(1800)
def test_smoke_preset_with_both_real_trainers(tmp_path: Path):
    store = tmp_path / "results.jsonl"
    argv = [sys.executable, "-m", "bench", "--store", str(store), "run", "--preset", "smoke", "--seeds", "1"]
    argv += ["--contenders", "jax,torch", "--device", "cpu", "--logs-dir", str(tmp_path / "logs")]
    argv += ["--set", SLACK_TIMEOUT]  # what is tested is the record, not the speed of a busy machine
    done = subprocess.run(argv, capture_output=True, text=True, check=False)
    records = read_records(store, record_type="run")
    assert done.returncode == 0, f"{done.stdout}\n{done.stderr}\n{[r.get('error') for r in records]}"
    spec = resolve_spec("smoke", ["device=cpu", SLACK_TIMEOUT])
    assert [r["contender"] for r in records] == ["jax", "torch"]
    for record in records:
        assert record["status"] == "ok" and record["result_parsed"] is True
        assert record["spec_hash"] == spec.spec_hash() and record["seed"] == 0
        assert record["total_env_steps"] == spec.num_updates * spec.batch_size
        assert record["peak_rss_mb"] > 0 and record["final_return"] is not None
        assert record["curve"][0][0] == 0  # first evaluation before training
        assert record["code_version_missed"] == []  # every project module it loaded is in its import closure
        log = tmp_path / "logs" / f"{record['contender']}-smoke-{spec.spec_hash()}-seed0.log"
        assert log.is_file()
        steady_steps = record["total_env_steps"] - spec.batch_size  # the first update holds compilation
        assert record["sps"] == pytest.approx(
            steady_steps / (record["rollout_s"] + record["update_s"]), rel=1e-6
        )
        buckets = record["startup_s"] + record["compile_s"] + record["train_s"] + record["eval_s"]
        assert buckets == pytest.approx(record["wall_s"], rel=0.02), (record["contender"], buckets)
        assert record["startup_s"] < record["first_update_s"] <= record["wall_s"] - record["eval_s"]
        phases = record["extra"]["startup_phases"]  # where startup_s went, phase by phase
        assert set(phases) == set(PHASES) and min(phases.values()) >= 0
        compiling = record["extra"].get("compile_init_s", 0.0)  # JAX's init program compiles in its phase
        assert sum(phases.values()) == pytest.approx(record["startup_s"] + compiling, abs=0.05)
        resources = record["extra"][
            "resources"
        ]  # the same CPUs and one matmul policy, recorded on both sides
        assert resources["cpu_set"] == record["provenance"]["cpu_set"] and resources["cpu_count"] >= 1
        assert resources["matmul_precision"] == spec.matmul_precision == "float32"
    assert records[0]["extra"]["resources"]["jax_default_matmul_precision"] == "highest"
    assert records[0]["extra"]["resources"]["xla_cpu_threads"]
    assert records[1]["extra"]["resources"]["torch_float32_matmul_precision"] == "highest"
    assert records[1]["extra"]["resources"]["torch_intra_op_threads"] == spec.torch_threads
    assert records[1]["extra"]["adam"]["implementation"] == "foreach"  # fused on CUDA
    assert records[1]["extra"]["resources"]["vector_env"] == {
        "requested": "sync",
        "mode": "sync",
        "workers": 1,
    }
    jax_split = records[0]["extra"]  # the fused program's halves, timed after training
    assert jax_split["split_rollout_per_update_s"] > 0 and jax_split["split_update_per_update_s"] > 0
    assert jax_split["split_repeats"] >= 1


@pytest.mark.slow
@pytest.mark.timeout(600)
def test_async_gymnasium_with_two_workers_gives_a_valid_record(tmp_path: Path):
    store = tmp_path / "results.jsonl"
    argv = [sys.executable, "-m", "bench", "--store", str(store), "run", "--preset", "smoke", "--seeds", "1"]
    argv += ["--contenders", "torch", "--device", "cpu", "--set", "vector_env=async", "--set", "num_envs=2"]
    done = subprocess.run(argv, capture_output=True, text=True, check=False)
    records = read_records(store, record_type="run")
    assert done.returncode == 0, f"{done.stdout}\n{done.stderr}\n{[r.get('error') for r in records]}"
    (record,) = records
    assert record["status"] == "ok" and record["final_return"] is not None and record["sps"] > 0
    spec = resolve_spec("smoke", ["vector_env=async", "num_envs=2", "device=cpu"])
    assert record["total_env_steps"] == spec.num_updates * spec.batch_size
    assert record["extra"]["resources"]["vector_env"] == {"requested": "async", "mode": "async", "workers": 2}


def test_bad_vector_env_is_rejected_before_any_run(tmp_path: Path):
    store = tmp_path / "results.jsonl"
    argv = [sys.executable, "-m", "bench", "--store", str(store), "run", "--preset", "smoke"]
    argv += ["--contenders", "torch", "--set", "vector_env=threads"]
    done = subprocess.run(argv, capture_output=True, text=True, check=False)
    assert done.returncode == 2
    error = done.stderr.strip().splitlines()[-1]
    assert "vector_env" in error and "threads" in error and "sync, async, auto" in error
    assert not store.exists() or not read_records(store, record_type="run")


@pytest.mark.slow
@pytest.mark.timeout(600)
def test_smoke_preset_with_jax_gym_through_the_harness(tmp_path: Path):
    """The JAX learner on Gymnasium: a full record, every time bucket, the halves timed inline."""
    store = tmp_path / "results.jsonl"
    argv = [sys.executable, "-m", "bench", "--store", str(store), "run", "--preset", "smoke", "--seeds", "1"]
    argv += ["--contenders", "jax-gym", "--device", "cpu", "--logs-dir", str(tmp_path / "logs")]
    done = subprocess.run(argv, capture_output=True, text=True, check=False)
    records = read_records(store, record_type="run")
    assert done.returncode == 0, f"{done.stdout}\n{done.stderr}\n{[r.get('error') for r in records]}"
    spec = resolve_spec("smoke", ["device=cpu"])
    [record] = records
    assert record["contender"] == "jax-gym" and record["status"] == "ok" and record["result_parsed"] is True
    assert record["spec_hash"] == spec.spec_hash() and record["seed"] == 0
    assert record["total_env_steps"] == spec.num_updates * spec.batch_size
    assert record["final_return"] is not None and record["curve"][0][0] == 0
    steady_steps = record["total_env_steps"] - spec.batch_size
    assert record["sps"] == pytest.approx(steady_steps / (record["rollout_s"] + record["update_s"]), rel=1e-6)
    buckets = record["startup_s"] + record["compile_s"] + record["train_s"] + record["eval_s"]
    assert buckets == pytest.approx(record["wall_s"], rel=0.02), buckets
    assert record["startup_s"] < record["first_update_s"] <= record["wall_s"] - record["eval_s"]
    extra = record["extra"]
    assert extra["env_backend"] == "gymnasium"
    assert extra["resources"]["vector_env"] == {"requested": "sync", "mode": "sync", "workers": 1}
    compiled = extra["compile_train_s"] + extra["compile_eval_s"] + extra["compile_init_s"]
    assert sum(extra["startup_phases"].values()) == pytest.approx(
        record["startup_s"] + extra["compile_init_s"], abs=0.05
    )
    assert record["compile_s"] == pytest.approx(compiled) and extra["compile_init_s"] > 0
    assert extra["compile_policy_step_s"] > 0 and extra["compile_learn_s"] > 0
    assert extra["resources"]["jax_default_matmul_precision"] == "highest"
    assert extra["resources"]["cpu_set"] == record["provenance"]["cpu_set"]
