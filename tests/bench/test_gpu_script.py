"""bench/ops/gpu_run.sh, the one-call GPU run: it parses, its preset resolves, it refuses a machine without a GPU.

The GPU path itself cannot run here; docs/GPU.md describes the CPU rehearsal that exercises the rest.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest

from shared_spec.presets import resolve_spec
from shared_spec.spec import PPOSpec

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "bench" / "ops" / "gpu_run.sh"


def _script_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    """This venv's Python, an empty wheelhouse, a private --target dir, and no GPU for either framework."""
    (tmp_path / "no-wheels").mkdir(exist_ok=True)
    env = {k: v for k, v in os.environ.items() if not k.startswith("GPU_RUN_")}
    env.update(
        PYTHON=sys.executable,
        WHEELHOUSE=str(tmp_path / "no-wheels"),
        GPU_RUN_SITE=str(tmp_path / "site"),
        CUDA_VISIBLE_DEVICES="",  # so the no-GPU path is taken on a GPU machine too
        JAX_PLATFORMS="cpu",
    )
    env.update(extra)
    return env


def _rehearsal_sets() -> list[str]:
    """The script's REHEARSAL_SETS array, as written in it."""
    match = re.search(r"^REHEARSAL_SETS=\(([^)]*)\)", SCRIPT.read_text(), re.MULTILINE)
    assert match, "REHEARSAL_SETS=(...) not found in bench/ops/gpu_run.sh"
    return match.group(1).split()


def test_script_parses() -> None:
    done = subprocess.run(["bash", "-n", str(SCRIPT)], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr


@pytest.mark.parametrize("preset", ["gpu-scale", "gpu-gym"])
def test_campaign_presets_resolve_and_rehearsal_shrinks_them(preset: str) -> None:
    spec = resolve_spec(preset)
    assert isinstance(spec, PPOSpec) and spec.task == "hopper" and spec.vector_env == "auto"
    assert spec.num_updates - 1 >= 20  # at least 20 steady updates follow the first
    rehearsal = resolve_spec(preset, _rehearsal_sets())
    assert rehearsal.total_timesteps < spec.total_timesteps and rehearsal.num_envs <= spec.num_envs
    # Only sizes change: the rehearsal runs the GPU preset's task, backend and algorithm settings.
    assert (rehearsal.task, rehearsal.brax_backend, rehearsal.learning_rate) == (
        spec.task,
        spec.brax_backend,
        spec.learning_rate,
    )


def test_gpu_scale_is_brax_scale() -> None:
    spec = resolve_spec("gpu-scale")
    assert spec.brax_backend == "mjx" and spec.num_envs >= 1024


def test_unknown_part_is_refused(tmp_path: Path) -> None:
    done = subprocess.run(
        ["bash", str(SCRIPT), str(tmp_path / "out")],
        env=_script_env(tmp_path, GPU_RUN_PART="c"),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 2 and "GPU_RUN_PART: got 'c'; allowed: a, b, all" in done.stderr


def test_without_gpu_the_script_stops_with_a_clear_error(tmp_path: Path) -> None:
    out = tmp_path / "out"
    done = subprocess.run(
        ["bash", str(SCRIPT), str(out)],
        env=_script_env(tmp_path),
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 2, done.stdout + done.stderr
    assert "error: no usable GPU" in done.stdout and "GPU_RUN_REHEARSAL=1" in done.stdout
    assert "error: no usable GPU" in (out / "gpu_run.log").read_text()
    assert not (out / "results.jsonl").exists()  # no contender was started


def test_usage_error_without_outdir() -> None:
    done = subprocess.run(["bash", str(SCRIPT)], capture_output=True, text=True, check=False)
    assert done.returncode == 2 and "usage: bash bench/ops/gpu_run.sh OUTDIR" in done.stderr


def test_step_limit_stops_children_in_their_own_session(tmp_path: Path) -> None:
    """Trainers run in their own session; a step past its limit must not leave one holding the GPU."""
    pid_file = tmp_path / "pid"
    driver = f"""
        source {SCRIPT} {tmp_path / "out"}
        limited 2 bash -c 'setsid sleep 300 & echo $! > {pid_file}; wait'
        echo "rc=$?"
    """
    done = subprocess.run(
        ["bash", "-c", driver], env=_script_env(tmp_path), capture_output=True, text=True, timeout=60
    )
    assert "rc=124" in done.stdout, done.stdout + done.stderr
    assert not _running(int(pid_file.read_text()))


def _running(pid: int) -> bool:
    """Whether `pid` exists and is not a zombie (an ended child nobody reaped yet)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except FileNotFoundError:
        return False
    return state != "Z"


@pytest.mark.slow
def test_rehearsal_of_one_contender_fills_the_outdir(tmp_path: Path) -> None:
    """The CPU rehearsal end to end with the torch contender and the learner ladder: store, report, logs."""
    out = tmp_path / "out"
    env = _script_env(
        tmp_path, GPU_RUN_REHEARSAL="1", GPU_RUN_CONTENDERS="torch", GPU_RUN_GYM_CONTENDERS="",
        GPU_RUN_ENV="0", GPU_RUN_BRAX_PPO="0", GPU_RUN_SEEDS="1",
    )  # fmt: skip
    done = subprocess.run(
        ["bash", str(SCRIPT), str(out)], env=env, capture_output=True, text=True, timeout=600, check=False
    )
    assert done.returncode == 0, done.stdout[-4000:]
    runs = [json.loads(line) for line in (out / "results.jsonl").read_text().splitlines()]
    runs = [r for r in runs if r["record_type"] == "run"]
    assert [(r["contender"], r["status"], r["device"]["kind"]) for r in runs] == [("torch", "ok", "cpu")]
    learner = [json.loads(line) for line in (out / "results.jsonl").read_text().splitlines()]
    learner = [r for r in learner if r["record_type"] == "learner_throughput"]
    assert {(r["framework"], r["status"]) for r in learner} == {
        ("jax-jit", "ok"),
        ("torch-eager", "ok"),
        ("torch-compile", "ok"),
    }
    assert (out / "index.html").stat().st_size > 0
    with tarfile.open(out / "logs.tar.gz") as tar:
        assert any(name.startswith("logs/torch-gpu-scale-") for name in tar.getnames())
    assert not (out / "logs").exists()  # packed: the device tool returns files at most 2 folders deep
    assert "=== timings" in (out / "gpu_run.log").read_text()


def test_torch_brax_refuses_a_gpu_learner_whose_jax_has_no_gpu() -> None:
    """torch-brax: JAX must run the physics on torch's device, never silently on the CPU (docs/GPU.md)."""
    probe = (
        "import torch\n"
        "from torch_ppo.brax_env import use_jax_device_of\n"
        "from torch_ppo.device import DeviceError\n"
        "print(use_jax_device_of(torch.device('cpu')).platform)\n"
        "try:\n"
        "    use_jax_device_of(torch.device('cuda'))\n"
        "except DeviceError as err:\n"
        "    print('refused:', err)\n"
    )
    env = {**os.environ, "JAX_PLATFORMS": "cpu", "PYTHONPATH": str(ROOT)}
    done = subprocess.run(
        [sys.executable, "-c", probe], env=env, capture_output=True, text=True, timeout=300, check=False
    )
    assert done.returncode == 0, done.stderr
    lines = done.stdout.strip().splitlines()
    assert lines[-2] == "cpu"
    assert lines[-1].startswith("refused: device: torch uses cuda but JAX has no gpu device")
