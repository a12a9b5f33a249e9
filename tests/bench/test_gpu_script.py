"""The GPU campaign: gpu/gpu.toml loads and its presets resolve, gpu/gpu_run.sh installs and hands
over to `python -m gpu.campaign`, which refuses a machine without a GPU; the plan rehearsed on the CPU."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest

from bench.harness.contenders import CONTENDERS, Contender
from gpu.campaign import main
from gpu.plan import load_plan
from shared_spec.presets import resolve_spec
from shared_spec.spec import PPOSpec

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "gpu" / "gpu_run.sh"
PLAN = ROOT / "gpu" / "gpu.toml"
FAKES_DIR = Path(__file__).parent / "fake_contenders"


def _script_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    """This venv's Python, an empty wheelhouse, a private --target dir, and no GPU for either framework."""
    (tmp_path / "no-wheels").mkdir(exist_ok=True)
    env = {**os.environ, "PYTHON": sys.executable, "WHEELHOUSE": str(tmp_path / "no-wheels")}
    env["WHEEL_PARTS"] = str(tmp_path / "no-parts")
    env.update(GPU_RUN_SITE=str(tmp_path / "site"), CUDA_VISIBLE_DEVICES="", JAX_PLATFORMS="cpu", **extra)
    return env


def _run_script(tmp_path: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        ["bash", str(SCRIPT), *args], env=_script_env(tmp_path), capture_output=True, text=True, timeout=300
    )


def test_script_parses() -> None:
    done = subprocess.run(["bash", "-n", str(SCRIPT)], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr


def test_the_plan_names_known_contenders_and_the_headline_cell_first() -> None:
    plan = load_plan(PLAN)
    runs = [step for step in plan.steps if step.contenders]
    assert {name for step in runs for name in step.contenders} <= set(CONTENDERS)
    first = plan.steps[0]
    assert (first.part, first.preset, first.contenders, first.rounds) == (
        "a",
        "gpu-scale",
        ("jax", "torch-brax-compile"),
        3,
    )
    assert [s.name for s in plan.steps if s.final] == ["code", "report"]


@pytest.mark.parametrize("preset", ["gpu-scale", "gpu-gym"])
def test_campaign_presets_resolve_and_rehearsal_shrinks_them(preset: str) -> None:
    spec = resolve_spec(preset)
    assert isinstance(spec, PPOSpec) and spec.task == "hopper" and spec.vector_env == "auto"
    assert spec.num_updates - 1 >= 20  # at least 20 steady updates follow the first
    rehearsal = resolve_spec(preset, list(load_plan(PLAN).rehearsal_sets))
    assert rehearsal.total_timesteps < spec.total_timesteps and rehearsal.num_envs <= spec.num_envs
    # Only sizes change: the rehearsal runs the GPU preset's task, backend and algorithm settings.
    assert (rehearsal.task, rehearsal.brax_backend, rehearsal.learning_rate) == (
        spec.task, spec.brax_backend, spec.learning_rate,
    )  # fmt: skip


def test_gpu_scale_is_brax_scale() -> None:
    spec = resolve_spec("gpu-scale")
    assert spec.brax_backend == "mjx" and spec.num_envs >= 1024


def test_unknown_part_is_refused(tmp_path: Path) -> None:
    done = _run_script(tmp_path, str(tmp_path / "out"), "--part", "d")
    assert done.returncode == 2 and "argument --part: invalid choice: 'd'" in done.stdout


def test_without_gpu_the_campaign_stops_with_a_clear_error(tmp_path: Path) -> None:
    out = tmp_path / "out"
    done = _run_script(tmp_path, str(out))
    assert done.returncode == 2, done.stdout + done.stderr
    assert "error: no usable GPU" in done.stdout and "--rehearsal" in done.stdout
    assert "error: no usable GPU" in (out / "gpu_run.log").read_text()
    assert not (out / "results.jsonl").exists()  # no contender was started


def test_usage_error_without_outdir() -> None:
    done = subprocess.run(["bash", str(SCRIPT)], capture_output=True, text=True, check=False)
    assert done.returncode == 2 and "usage: bash gpu/gpu_run.sh OUTDIR" in done.stderr


def test_the_wheelhouse_is_installed_once_per_machine(tmp_path: Path) -> None:
    """The wheels go in once; a second call on the same machine finds them (startup the user would not pay)."""
    wheels = tmp_path / "wheels"
    wheels.mkdir()
    (wheels / "not_a_real.whl").write_text("")
    site = tmp_path / "site"
    site.mkdir()
    stamp = subprocess.run(f"ls {wheels}/*.whl | md5sum", shell=True, capture_output=True, text=True).stdout
    (site / ".wheelhouse").write_text(stamp)
    env = {**_script_env(tmp_path), "WHEELHOUSE": str(wheels), "GPU_RUN_SITE": str(site)}
    done = subprocess.run(
        ["bash", str(SCRIPT), str(tmp_path / "out")], env=env, capture_output=True, text=True, timeout=300
    )
    assert "install: the wheelhouse is already installed" in done.stdout


@pytest.mark.slow
def test_rehearsal_of_the_gpu_plan_fills_the_outdir(tmp_path: Path) -> None:
    """gpu/gpu.toml end to end on the CPU at toy scale: every contender a fake trainer (brax-ppo an
    unavailable one), every other step real (learner ladder, Gymnasium sweep, loc, report; the MJX sweep, which
    only compiles hopper on the CPU for a minute, and the scale sweep, a `bench scale` child with the real
    trainers, left out); store, report, logs."""
    ok, unavailable = (Contender(n, (str(FAKES_DIR / f"{n}.py"),)) for n in ("ok", "unavailable"))
    table = {name: Contender(name, ok.base_args) for name in CONTENDERS}
    table["brax-ppo"] = Contender("brax-ppo", unavailable.base_args)
    out = tmp_path / "out"
    argv = [str(PLAN), "--out", str(out), "--rehearsal", "--skip", "env-brax,scale"]  # scale: real contenders
    assert main(argv, contenders=table) == 0
    records = [json.loads(line) for line in (out / "results.jsonl").read_text().splitlines()]
    runs = [
        (r["contender"], r["preset"], r["seed"], r["status"]) for r in records if r["record_type"] == "run"
    ]
    assert runs[:6] == [
        ("jax", "gpu-scale", 0, "ok"), ("torch-brax-compile", "gpu-scale", 0, "ok"),
        ("torch-brax-compile", "gpu-scale", 1, "ok"), ("jax", "gpu-scale", 1, "ok"),
        ("jax", "gpu-scale", 2, "ok"), ("torch-brax-compile", "gpu-scale", 2, "ok"),
    ]  # fmt: skip
    assert [r[1] for r in runs[6:12]] == ["gpu-gym"] * 6  # the CPU-simulator cell, all its rounds
    # then the MuJoCo Warp cell at the headline's scale, before the controls and the references
    assert runs[12:15] == [
        (name, "gpu-scale", 0, "ok") for name in ("torch-warp-compile", "jax-warp", "torch-warp")
    ]
    assert [r[0] for r in runs[15:]] == ["torch-brax", "brax-ppo"]
    assert runs[-1][3] == "failed"  # brax-ppo unavailable, recorded
    kinds = {r["record_type"] for r in records}
    assert {"learner_throughput", "env_throughput", "code_metrics", "handoff"} <= kinds
    assert (out / "index.html").stat().st_size > 0
    with tarfile.open(out / "logs.tar.gz") as tar:
        assert any(name.startswith("logs/jax-gpu-scale-") for name in tar.getnames())
    assert not (out / "logs").exists()  # packed: the device tool returns files at most 2 folders deep


def test_a_wheel_carried_in_parts_is_joined_and_installed(tmp_path: Path) -> None:
    """Parts of a wheel too large for one call are joined, checked and installed with the wheelhouse."""
    import zipfile

    from gpu.wheel_parts import split

    wheel = tmp_path / "tinypkg-0.1-py3-none-any.whl"
    with zipfile.ZipFile(wheel, "w") as archive:
        archive.writestr("tinypkg/__init__.py", "VALUE = 1\n")
        archive.writestr(
            "tinypkg-0.1.dist-info/METADATA", "Metadata-Version: 2.1\nName: tinypkg\nVersion: 0.1\n"
        )
        archive.writestr(
            "tinypkg-0.1.dist-info/WHEEL",
            "Wheel-Version: 1.0\nGenerator: test\nRoot-Is-Purelib: true\nTag: py3-none-any\n",
        )
        archive.writestr("tinypkg-0.1.dist-info/RECORD", "")
    parts = split(wheel, tmp_path / "parts", part_mib=200 / 2**20)
    assert len(parts) > 1
    site = tmp_path / "site"
    env = {**_script_env(tmp_path), "WHEEL_PARTS": str(tmp_path / "parts"), "GPU_RUN_SITE": str(site)}
    done = subprocess.run(
        ["bash", str(SCRIPT), str(tmp_path / "out")], env=env, capture_output=True, text=True, timeout=300
    )
    assert f"{wheel.name}: joined, sha256 ok" in done.stdout
    assert "install: 1 wheels into" in done.stdout
    assert (site / "tinypkg" / "__init__.py").read_text() == "VALUE = 1\n"
