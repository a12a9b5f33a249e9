"""`python -m bench scale` with fake contenders: the points keep the batch, rounds interleave every point, each
record carries its sweep point, a rerun resumes, bad points exit 2, and the controls are asked for at the
sweep's points (stand-ins record what they were asked)."""

from __future__ import annotations

import json
import os
import socket
from pathlib import Path

import pytest

from bench.commands import scale as scale_command
from bench.commands.scale import ScalePoint, scale_points
from bench.harness.contenders import Contender
from shared_spec.presets import resolve_spec

CACHE = "JAX_COMPILATION_CACHE_DIR"


def records(store: Path) -> list[dict]:
    return [json.loads(line) for line in store.read_text().splitlines()]


def test_points_keep_the_batch_and_the_preset_width_keeps_its_hash() -> None:
    spec = resolve_spec("cpu-scale")
    points = scale_points(spec, [4, 16, 256], [(64, 64), (256, 256)], 16)
    assert [(p.num_envs, p.num_steps, p.hidden) for p in points] == [
        (4, 512, (64, 64)), (16, 128, (64, 64)), (256, 8, (64, 64)), (16, 128, (256, 256)),
    ]  # fmt: skip
    assert all(p.num_envs * p.num_steps == spec.batch_size for p in points)
    own = ScalePoint(16, 128, (64, 64))
    assert resolve_spec("cpu-scale", own.overrides(spec)).spec_hash() == spec.spec_hash()
    wide = ScalePoint(16, 128, (256, 256)).overrides(spec)
    assert resolve_spec("cpu-scale", wide).actor_hidden == (256, 256)


def test_a_point_that_does_not_divide_the_batch_exits_2(bench, capsys) -> None:
    with pytest.raises(SystemExit) as exit_info:
        bench.main("--store", str(bench.store_path), "scale", "--preset", "smoke", "--device", "cpu",
                   "--contenders", "ok", "--num-envs", "3", "--no-controls")  # fmt: skip
    assert exit_info.value.code == 2
    assert "divisors of the batch 512" in capsys.readouterr().err


def scale_args(bench, *extra: str) -> list[str]:
    return ["--store", str(bench.store_path), "scale", "--preset", "smoke", "--device", "cpu", "--contenders",
            "ok,noisy-ok", "--num-envs", "2,4", "--widths", "64x64,16x16", "--logs-dir", str(bench.logs), *extra]  # fmt: skip


def test_rounds_interleave_every_point_and_a_rerun_resumes(bench) -> None:
    before = os.environ.get("JAX_COMPILATION_CACHE_DIR")
    assert bench.main(*scale_args(bench, "--seeds", "2", "--no-controls")) == 0
    assert os.environ.get("JAX_COMPILATION_CACHE_DIR") == before  # set for each run only
    runs = records(bench.store_path)
    order = [(r["round"], r["spec"]["num_envs"], tuple(r["spec"]["actor_hidden"])) for r in runs]
    assert [key for key in order[::2]] == [
        (0, 2, (64, 64)), (0, 4, (64, 64)), (0, 4, (16, 16)), (1, 2, (64, 64)), (1, 4, (64, 64)), (1, 4, (16, 16)),
    ]  # fmt: skip
    assert all(r["spec"]["num_envs"] * r["spec"]["num_steps"] == 512 for r in runs)
    assert {json.dumps(r["sweep_point"], sort_keys=True) for r in runs if r["spec"]["num_envs"] == 2} == {
        json.dumps({"sweep": "scale", "num_envs": 2, "num_steps": 256, "hidden": [64, 64], "batch_size": 512},
                   sort_keys=True)
    }  # fmt: skip
    assert bench.main(*scale_args(bench, "--seeds", "2", "--no-controls")) == 0
    assert len(records(bench.store_path)) == len(runs)  # everything stored ok: nothing runs again


def test_the_controls_are_asked_for_at_the_sweeps_points(bench, monkeypatch) -> None:
    bench.table.update(
        {name: Contender(name, bench.table["ok"].base_args) for name in ("jax", "torch-brax", "torch")}
    )
    asked: dict[str, list] = {"env": [], "learner": [], "handoff": []}
    monkeypatch.setattr(scale_command.envs, "run", lambda args, *_: asked["env"].append(args) or 0)
    monkeypatch.setattr(scale_command.learner, "run", lambda args, *_: asked["learner"].append(args) or 0)
    monkeypatch.setattr(scale_command.handoff, "handoff", lambda args, *_: asked["handoff"].append(args) or 0)
    argv = scale_args(bench, "--seeds", "1")
    argv[argv.index("ok,noisy-ok")] = "jax,torch-brax,torch"
    assert bench.main(*argv) == 0
    assert [(a.num_envs, a.brax_backends, a.gym_modes, a.task) for a in asked["env"]] == [
        ("2,4", "mjx", "", "inverted_pendulum"), ("2,4", "", "sync", "inverted_pendulum"),
    ]  # fmt: skip
    assert [(a.frameworks, a.batch_sizes, a.hiddens) for a in asked["learner"]] == [
        ("jax-jit", "512", "16x16,64x64"), ("torch-eager", "512", "16x16,64x64"),
    ]  # fmt: skip
    assert [a.overrides for a in asked["handoff"]] == [
        ["num_envs=2", "num_steps=256", "device=cpu"],
        ["num_envs=4", "num_steps=128", "device=cpu"],
        ["num_envs=4", "num_steps=128", "actor_hidden=16,16", "critic_hidden=16,16", "device=cpu"],
    ]


def test_a_rerun_measures_only_the_control_points_this_host_lacks(bench, monkeypatch) -> None:
    bench.table["jax"] = Contender("jax", bench.table["ok"].base_args)
    host = {"hostname": socket.gethostname()}
    stored = [
        {"record_type": "env_throughput", "status": "ok", "simulator": "brax", "backend": "mjx",
         "task": "inverted_pendulum", "num_envs": 2, "steps_per_s": 1.0, "provenance": host},
        {"record_type": "env_throughput", "status": "ok", "simulator": "brax", "backend": "mjx",
         "task": "inverted_pendulum", "num_envs": 4, "steps_per_s": 1.0, "provenance": {"hostname": "elsewhere"}},
        {"record_type": "learner_throughput", "status": "ok", "framework": "jax-jit", "preset": "smoke",
         "batch_size": 512, "hidden": [64, 64], "provenance": host},
        {"record_type": "handoff", "status": "ok", "spec_hash": resolve_spec("smoke", ["num_envs=2",
         "num_steps=256", "device=cpu"]).spec_hash(), "provenance": host},
    ]  # fmt: skip
    bench.store_path.write_text("".join(json.dumps(r) + "\n" for r in stored))
    asked: dict[str, list] = {"env": [], "learner": [], "handoff": []}
    monkeypatch.setattr(scale_command.envs, "run", lambda args, *_: asked["env"].append(args.num_envs) or 0)
    monkeypatch.setattr(
        scale_command.learner, "run", lambda args, *_: asked["learner"].append(args.hiddens) or 0
    )
    monkeypatch.setattr(scale_command.handoff, "handoff", lambda args, *_: asked["handoff"].append(args) or 0)
    argv = scale_args(bench, "--seeds", "1")
    argv[argv.index("ok,noisy-ok")] = "jax"
    assert bench.main(*argv) == 0
    assert (asked["env"], asked["learner"], len(asked["handoff"])) == (["4"], ["16x16"], 2)


def test_each_run_compiles_into_its_points_own_cache(bench, monkeypatch, tmp_path: Path) -> None:
    """A trainer calls its run warm when the cache folder holds anything: one folder per point and contender
    keeps each point's first round cold."""
    seen: list[tuple[str, str]] = []
    record = lambda runs, context, **_: seen.append((runs[0].contender.name, os.environ[CACHE])) or []  # noqa: E731
    monkeypatch.setattr(scale_command, "run_sweep", record)
    assert bench.main(*scale_args(bench, "--seeds", "2", "--no-controls", "--jax-cache", str(tmp_path))) == 0
    folders = [Path(folder) for _, folder in seen]
    assert len(seen) == 12 and len(set(folders)) == 6  # 3 points x 2 contenders, each folder used by 2 rounds
    assert all(folder.parent.parent == tmp_path for folder in folders)
