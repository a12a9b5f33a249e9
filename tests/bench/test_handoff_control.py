"""`bench handoff` runs the hand-off control in a child and stores one `handoff` record: the three ways of
stepping the Brax env and the two differences, with provenance; a bad preset stops it before any child."""

from __future__ import annotations

from pathlib import Path

import pytest

from bench.commands import main
from bench.harness.store import read_records
from shared_spec.exit_codes import EXIT_BAD_SPEC
from shared_spec.presets import resolve_spec


@pytest.mark.slow
@pytest.mark.timeout(600)
def test_handoff_stores_one_record_with_the_three_modes(tmp_path: Path) -> None:
    store = tmp_path / "results.jsonl"
    # spring: the fastest-compiling Brax backend on CPU
    argv = [
        "--store",
        str(store),
        "handoff",
        "--preset",
        "smoke",
        "--steps",
        "20",
        "--set",
        "brax_backend=spring",
    ]
    assert main([*argv, "--logs-dir", str(tmp_path)]) == 0
    (record,) = read_records(store, "handoff")
    ms = record["ms_per_step"]
    assert set(ms) == {"fused", "jax_loop", "torch_dlpack"} and min(ms.values()) > 0
    assert record["not_fused_ms"] == pytest.approx(ms["jax_loop"] - ms["fused"])
    assert record["handoff_and_torch_ms"] == pytest.approx(ms["torch_dlpack"] - ms["jax_loop"])
    spec = resolve_spec("smoke", ["brax_backend=spring"])
    assert (record["preset"], record["spec_hash"], record["status"]) == ("smoke", spec.spec_hash(), "ok")
    assert record["num_envs"] == 4 and record["steps"] == 20 and record["device"]["kind"] == "cpu"
    provenance = record["provenance"]
    assert provenance["cpu_model"] and "git_commit" in provenance and provenance["preset"] == "smoke"
    assert "bench.controls.handoff" in provenance["command"] and "handoff" in provenance["bench_command"]


def test_a_bad_preset_is_one_line_and_exit_2(tmp_path: Path, capsys) -> None:
    store = tmp_path / "results.jsonl"
    with pytest.raises(SystemExit) as stop:
        main(["--store", str(store), "handoff", "--preset", "nope", "--logs-dir", str(tmp_path)])
    lines = capsys.readouterr().err.strip().splitlines()
    assert stop.value.code == EXIT_BAD_SPEC and not store.exists() and not list(tmp_path.glob("*.log"))
    assert len(lines) == 1 and "preset" in lines[0] and "nope" in lines[0] and "smoke" in lines[0]
