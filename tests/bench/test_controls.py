"""The env-only and learner-only controls run end to end, land in the store and show in the report."""

from __future__ import annotations

from pathlib import Path

import pytest

from bench.commands import main
from bench.harness.store import read_records
from shared_spec.exit_codes import EXIT_BAD_SPEC
from shared_spec.presets import resolve_spec
from shared_spec.tasks import get_task


@pytest.mark.slow
def test_env_and_learner_controls_store_records_and_render(tmp_path: Path) -> None:
    store = tmp_path / "results.jsonl"
    env_status = main(
        ["--store", str(store), "env", "--task", "inverted_pendulum", "--num-envs", "1,4",
         "--brax-backends", "spring", "--gym-modes", "sync", "--budget-steps", "400", "--logs-dir", str(tmp_path)]
    )  # fmt: skip
    learner_status = main(
        ["--store", str(store), "learner", "--frameworks", "jax-jit,torch-eager", "--preset", "smoke",
         "--batch-sizes", "256", "--hiddens", "16x16", "--rounds", "2", "--device", "cpu", "--logs-dir", str(tmp_path)]
    )  # fmt: skip
    assert (env_status, learner_status) == (0, 0)
    env_rows = read_records(store, "env_throughput")
    assert {(r["simulator"], r["backend"], r["num_envs"]) for r in env_rows} == {
        ("brax", "spring", 1), ("brax", "spring", 4), ("gymnasium", "sync", 1), ("gymnasium", "sync", 4)
    }  # fmt: skip
    assert all(r["steps_per_s"] > 0 and r["provenance"]["cpu_model"] for r in env_rows)
    learner_rows = read_records(store, "learner_throughput")
    assert {r["framework"] for r in learner_rows} == {"jax-jit", "torch-eager"}
    smoke, task = resolve_spec("smoke"), get_task(resolve_spec("smoke").task)
    for row in learner_rows:
        assert row["samples_per_s"] == pytest.approx(row["batch_size"] / row["update_s_mean"])
        assert row["rounds"] == 2 and row["preset"] == "smoke" and row["provenance"]["preset"] == "smoke"
        assert (row["obs_size"], row["act_size"], row["update_epochs"]) == (
            task.obs_size, task.act_size, smoke.update_epochs
        )  # fmt: skip
        assert row["num_minibatches"] == smoke.num_minibatches
    preset_rows = [r for r in learner_rows if r["preset_shape"]]
    assert {r["framework"] for r in preset_rows} == {
        "jax-jit",
        "torch-eager",
    }  # the preset's own update first
    for row in preset_rows:
        assert (row["batch_size"], row["minibatch_size"]) == (smoke.batch_size, smoke.minibatch_size)
        assert row["hidden"] == list(smoke.actor_hidden) and row["critic_hidden"] == list(smoke.critic_hidden)
    sweep_rows = [r for r in learner_rows if not r["preset_shape"]]
    assert {(r["batch_size"], tuple(r["hidden"])) for r in sweep_rows} == {(256, (16, 16))}
    out = tmp_path / "index.html"
    assert main(["--store", str(store), "report", "--out", str(out)]) == 0
    html = out.read_text()
    assert "Env-only throughput" in html and "Learner-only throughput" in html
    assert "Not measured: no env_throughput" not in html and "Not measured: no learner_throughput" not in html


def test_unknown_learner_framework_exits_2(tmp_path: Path) -> None:
    with pytest.raises(SystemExit) as err:
        main(
            ["--store", str(tmp_path / "s.jsonl"), "learner", "--frameworks", "tensorflow", "--device", "cpu"]
        )
    assert err.value.code == EXIT_BAD_SPEC


@pytest.mark.parametrize("rung", ["torch-compile-cudagraphs", "torch-compile-cudagraphmodule"])
def test_cuda_graph_rung_of_the_ladder_on_cpu_exits_2(tmp_path: Path, capsys, rung: str) -> None:
    store = tmp_path / "s.jsonl"
    argv = ["--store", str(store), "learner", "--frameworks", rung, "--device", "cpu"]
    with pytest.raises(SystemExit) as err:
        main(argv)
    assert err.value.code == EXIT_BAD_SPEC and not store.exists()
    assert f"{rung} needs a GPU" in capsys.readouterr().err


def test_cuda_graph_rungs_built_on_cpu_fail_clearly() -> None:
    """The rung's own builder refuses too (a benchmark process started by hand, not through the command)."""
    from bench.controls.learner_update import GPU_ONLY_FRAMEWORKS, LearnerCase, make_update, preset_case_spec

    spec = preset_case_spec(resolve_spec("smoke"))
    task = get_task(spec.task)
    assert GPU_ONLY_FRAMEWORKS == ("torch-compile-cudagraphs", "torch-compile-cudagraphmodule")
    for rung in GPU_ONLY_FRAMEWORKS:
        with pytest.raises(ValueError, match=f"got '{rung}', which needs a GPU; device is cpu"):
            make_update(LearnerCase(rung, spec, task.obs_size, task.act_size), "cpu")


def test_unknown_learner_preset_exits_2(tmp_path: Path, capsys) -> None:
    with pytest.raises(SystemExit) as err:
        main(["--store", str(tmp_path / "s.jsonl"), "learner", "--preset", "nope", "--device", "cpu"])
    assert err.value.code == EXIT_BAD_SPEC
    assert "nope" in capsys.readouterr().err and not (tmp_path / "s.jsonl").exists()


def test_unknown_env_backend_exits_2(tmp_path: Path) -> None:
    with pytest.raises(SystemExit) as err:
        main(["--store", str(tmp_path / "s.jsonl"), "env", "--brax-backends", "warp"])
    assert err.value.code == EXIT_BAD_SPEC


def test_env_sweep_stores_each_simulators_rows_as_soon_as_its_process_ends(monkeypatch, tmp_path) -> None:
    """A bench stopped during the Gymnasium sweep keeps the Brax rows already measured (stored per sweep)."""
    from bench.controls import env_throughput

    store = tmp_path / "results.jsonl"
    stored_when_started: list[list[str]] = []

    def fake_run(cmd, timeout_s, log_path):
        stored_when_started.append([r["simulator"] for r in read_records(store, "env_throughput")])
        simulator = cmd[cmd.index("--simulator") + 1]
        return [
            {"simulator": simulator, "backend": "x", "task": "hopper", "num_envs": 4, "steps_per_s": 1.0}
        ], None

    monkeypatch.setattr(env_throughput, "run_rows", fake_run)
    rows = env_throughput.run_env_sweep("hopper", ["mjx"], ["sync"], [4], 100, tmp_path, store, [])
    assert stored_when_started == [[], ["brax"]]
    assert [r["simulator"] for r in rows] == ["brax", "gymnasium"]
    assert [r["simulator"] for r in read_records(store, "env_throughput")] == ["brax", "gymnasium"]
