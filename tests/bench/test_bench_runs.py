"""The harness end to end with fake contenders: records, statuses, resume, timeouts, exit codes."""

from __future__ import annotations

import datetime
import json
import os
import shutil
import subprocess
import sys
import time

import psutil
import pytest

from bench.harness import devices
from bench.harness.contenders import CONTENDERS, Contender
from bench.harness.provenance import LIBRARIES
from bench.harness.runner import ERROR_TAIL_LINES
from bench.harness.store import STORE_SCHEMA_VERSION, append_record, read_records
from bench.report.data import load_store
from shared_spec.exit_codes import EXIT_BAD_SPEC
from shared_spec.presets import resolve_spec

PARENT_FIELDS = (
    "status",
    "exit_code",
    "peak_rss_mb",
    "peak_device_mb",
    "harness_wall_s",
    "error_tail",
    "error",
)
PROVENANCE_FIELDS = (
    "git_commit",
    "git_dirty",
    "hostname",
    "date",
    "cpu_model",
    "cpu_cores",
    "gpu_name",
    "versions",
    "contender",
    "preset",
    "spec_hash",
    "seed",
    "device",
    "device_name",
    "command",
    "bench_command",
    "load_avg_1m",
)


def runs(bench) -> list[dict]:
    return read_records(bench.store_path, record_type="run")


def test_ok_runs_give_complete_records(bench, capsys):
    assert bench.run("ok", seeds=2) == 0
    records = runs(bench)
    spec = resolve_spec("smoke", ["device=cpu"])
    assert [r["seed"] for r in records] == [0, 1]
    for record in records:
        assert record["record_type"] == "run"
        assert record["store_schema_version"] == STORE_SCHEMA_VERSION
        assert record["status"] == "ok" and record["exit_code"] == 0 and record["error"] is None
        assert record["error_tail"] is None
        assert set(PARENT_FIELDS) <= set(record)
        assert record["peak_rss_mb"] > 0 and record["harness_wall_s"] > 0
        assert record["spec_hash"] == spec.spec_hash() and record["contender"] == "ok"
        assert record["final_return"] == 12.5  # the fake's own result line came through
        provenance = record["provenance"]
        assert set(PROVENANCE_FIELDS) <= set(provenance)
        assert set(LIBRARIES) <= set(provenance["versions"])
        assert datetime.datetime.fromisoformat(provenance["date"]).tzinfo is not None
        assert f"--seed {record['seed']}" in provenance["command"]
        assert "--set device=cpu" in provenance["command"]
        assert provenance["device"]["kind"] == "cpu" and provenance["device"]["fallback"] is False
        assert record["device"]["requested"] == "cpu" and record["device"]["fallback"] is False
        log = bench.logs / f"ok-smoke-{spec.spec_hash()}-seed{record['seed']}.log"
        text = log.read_text()
        assert "some log line that is not JSON" in text and "[fake] seed" in text
    err = capsys.readouterr().err
    assert "[1/2] start" in err and "[2/2] finish ok seed 1: ok" in err and "ETA" in err


def test_auto_cpu_fallback_is_labelled_in_every_record(bench, monkeypatch):
    monkeypatch.setattr(devices, "gpu_names", lambda: [])
    assert bench.run("ok,crash", "--device", "auto") == 1
    for record in runs(bench):
        assert record["device"]["requested"] == "auto" and record["device"]["kind"] == "cpu"
        assert record["device"]["fallback"] is True and "no GPU" in record["device"]["fallback_reason"]
        assert record["spec"]["device"] == "cpu"


def test_peak_rss_is_per_run_not_cumulative(bench):
    assert bench.run("ok-big,ok") == 0
    big, small = runs(bench)
    assert big["peak_rss_mb"] >= 300  # the fake touched 300 MB
    # a cumulative maximum would carry the 300 MB over
    assert small["peak_rss_mb"] < 300, small["peak_rss_mb"]


def test_resume_skips_ok_runs_and_force_reruns(bench, capsys):
    assert bench.run("ok", seeds=2) == 0
    assert bench.run("ok", seeds=3) == 0
    assert [r["seed"] for r in runs(bench)] == [0, 1, 2]
    assert "[skip] ok seed 0" in capsys.readouterr().err
    assert bench.run("ok", "--force", seeds=2) == 0
    assert [r["seed"] for r in runs(bench)] == [0, 1, 2, 0, 1]
    assert bench.run("ok", "--force", seeds=2) == 0
    store = load_store(bench.store_path, None)  # --force twice: still one counted record per seed
    assert sorted(run.seed for run in store.runs) == [0, 1, 2]
    assert len(store.superseded) == 4


def test_failed_runs_are_not_skipped_on_resume(bench):
    assert bench.run("crash") == 1
    assert bench.run("crash") == 1
    assert [r["status"] for r in runs(bench)] == ["failed", "failed"]


def test_other_spec_is_not_skipped(bench):
    assert bench.run("ok") == 0
    assert bench.run("ok", "--set", "learning_rate=1e-3") == 0
    first, second = runs(bench)
    assert first["spec_hash"] != second["spec_hash"]


def test_timeout_kills_the_process_tree_and_records_timeout(bench):
    assert bench.run("hang,ok", "--set", "run_timeout_s=2") == 1
    hang, ok = runs(bench)
    assert hang["status"] == "timeout" and hang["timed_out"] is True
    assert "timed out after 2 s" in hang["error"]
    assert hang["exit_code"] < 0  # killed by a signal
    assert hang["result_parsed"] is False and hang["spec"]["run_timeout_s"] == 2
    grandchild = int(hang["error_tail"].split("grandchild_pid=")[1].split()[0])
    deadline = time.monotonic() + 5
    while psutil.pid_exists(grandchild) and psutil.Process(grandchild).status() != psutil.STATUS_ZOMBIE:
        assert time.monotonic() < deadline, "grandchild of a timed-out run still alive"
        time.sleep(0.1)
    assert ok["status"] == "ok"  # the bench went on


def test_crash_gives_failed_record_with_error_tail_and_bench_goes_on(bench):
    assert bench.run("crash,ok") == 1
    crash, ok = runs(bench)
    assert crash["status"] == "failed" and crash["exit_code"] == 1
    assert "RuntimeError: fake trainer crashed on purpose" in crash["error"]
    tail = crash["error_tail"].splitlines()
    assert len(tail) == ERROR_TAIL_LINES
    assert tail[-1] == "RuntimeError: fake trainer crashed on purpose"
    spec = resolve_spec("smoke", ["device=cpu"])
    for key, value in {"contender": "crash", "preset": "smoke", "seed": 0, "task": spec.task}.items():
        assert crash[key] == value
    assert crash["spec"] == spec.to_dict() and crash["spec_hash"] == spec.spec_hash()
    assert ok["status"] == "ok"


@pytest.mark.parametrize(
    ("contender", "status", "error_part"),
    [
        ("nan", "diverged", "non-finite final_return"),
        ("diverged", "diverged", "NaN in pg_loss"),
        ("garbage", "failed", "no JSON result line"),
        ("oom", "failed", "out of memory"),
        ("wrong-hash", "failed", "spec_hash mismatch"),
    ],
)
def test_bad_outcomes_become_records(bench, contender, status, error_part):
    assert bench.run(contender) == 1
    (record,) = runs(bench)
    assert record["status"] == status
    assert error_part in record["error"]
    assert record["contender"] == contender and record["seed"] == 0


def test_nan_is_stored_as_strict_json(bench):
    bench.run("nan")
    line = bench.store_path.read_text().splitlines()[0]
    assert "NaN" not in line
    assert json.loads(line)["final_return"] is None


def test_vmap_contender_runs_once_for_all_seeds(bench):
    assert bench.run("vmap", seeds=3) == 0
    (record,) = runs(bench)
    assert "--vmap-seeds 3" in record["provenance"]["command"]
    assert record["num_seeds"] == 3
    assert bench.run("vmap", seeds=3) == 0
    assert len(runs(bench)) == 1  # resumed


def test_first_seed_adds_seeds_after_the_stored_ones(bench):
    assert bench.run("ok", seeds=2) == 0
    assert bench.run("ok", "--first-seed", "1", seeds=3) == 0  # seeds 1, 2, 3: seed 1 is resumed
    assert sorted(r["seed"] for r in runs(bench)) == [0, 1, 2, 3]


def test_truncated_store_line_is_reported_and_skipped(bench, capsys):
    assert bench.run("ok") == 0
    with bench.store_path.open("a") as handle:
        handle.write('{"record_type": "run", "status": "ok", "contender": "ok", "se')  # a crash mid-write
    assert bench.run("ok", seeds=2) == 0
    err = capsys.readouterr().err
    assert "unreadable (truncated?) record skipped" in err
    assert "[skip] ok seed 0" in err
    assert [r["seed"] for r in runs(bench)] == [0, 1]
    assert len(bench.store_path.read_text().splitlines()) == 3  # the new record got its own line


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--preset", "nope"], "preset: got 'nope'"),
        (["--set", "learning_rate=-1"], "learning_rate"),
        (["--set", "nonsense"], "--set"),
        (["--set", "device=gpu"], "use --device"),
        (["--contenders", "ok,nope"], "unknown nope; allowed: ok"),
        (["--seeds", "0"], "--seeds"),
        (["--first-seed", "-1"], "--first-seed: got -1"),
    ],
)
def test_bad_arguments_exit_2_before_any_run(bench, capsys, args, message):
    with pytest.raises(SystemExit) as exit_info:
        bench.run("ok", *args)
    assert exit_info.value.code == EXIT_BAD_SPEC
    assert message in capsys.readouterr().err
    assert not bench.store_path.exists() and not bench.logs.exists()


def test_cli_unknown_contender_exits_2(tmp_path):
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "bench",
            "--store",
            str(tmp_path / "r.jsonl"),
            "run",
            "--contenders",
            "jax,pytorch",
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == EXIT_BAD_SPEC
    assert f"unknown pytorch; allowed: {', '.join(CONTENDERS)}" in done.stderr
    assert not (tmp_path / "r.jsonl").exists()


def test_every_record_carries_the_code_version_of_its_source(bench):
    assert bench.run("ok,crash") == 1
    ok, crash = runs(bench)
    assert ok["code_version"] == ok["provenance"]["code_version"]
    assert (
        len(ok["code_version"]) == 16 and ok["code_version"] != crash["code_version"]
    )  # their scripts differ


def test_changed_source_is_run_again_and_unchanged_source_is_skipped(bench, tmp_path, capsys):
    """Resume never reuses a run of other code: editing the contender's source makes the run count as new."""
    script = tmp_path / "editable.py"
    shutil.copy(bench.fakes_dir / "ok.py", script)
    shutil.copy(bench.fakes_dir / "common.py", tmp_path / "common.py")
    bench.table["editable"] = Contender("editable", (str(script),))

    def run_editable() -> int:
        return bench.run("editable")

    assert run_editable() == 0
    assert run_editable() == 0  # same source: skipped
    assert "[skip] editable seed 0" in capsys.readouterr().err
    script.write_text(script.read_text() + "\n# a behaviour fix would go here\n")
    assert run_editable() == 0  # changed source: run again
    first, second = runs(bench)
    assert first["code_version"] != second["code_version"]
    store = load_store(bench.store_path, None)  # what the report counts: the new run; the old one superseded
    assert [run.code_version for run in store.runs] == [second["code_version"]]
    ((old, reason),) = store.superseded
    assert old.code_version == first["code_version"]
    assert reason.code == "older_code" and reason.by == second["code_version"]


def test_a_successful_run_that_logs_oom_markers_stays_ok(bench):
    assert bench.run("noisy-ok,oom") == 1
    noisy, oom = runs(bench)
    assert noisy["status"] == "ok" and noisy["error"] is None
    assert oom["status"] == "failed" and "out of memory" in oom["error"]


def test_store_write_continues_after_a_short_write(tmp_path, monkeypatch):
    real_write = os.write
    monkeypatch.setattr(os, "write", lambda fd, data: real_write(fd, bytes(data[:7])))  # 7 bytes per call
    path = tmp_path / "results.jsonl"
    append_record({"record_type": "code_metrics", "implementation": "x" * 50}, path)
    monkeypatch.setattr(os, "write", real_write)
    (record,) = read_records(path)
    assert record["implementation"] == "x" * 50


def test_report_of_a_missing_store_is_one_line_and_exit_2(bench, tmp_path, capsys):
    missing = tmp_path / "typo" / "results.jsonl"
    with pytest.raises(SystemExit) as stopped:
        bench.main("--store", str(missing), "report", "--out", str(tmp_path / "index.html"))
    assert stopped.value.code == EXIT_BAD_SPEC
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "--store" in err[0] and "typo" in err[0]
    assert not (tmp_path / "index.html").exists()


def test_tasks_sweep_runs_each_task_with_the_presets_other_values(bench):
    assert bench.run("ok", "--tasks", "hopper,walker2d", seeds=2) == 0
    done = runs(bench)
    assert sorted((r["task"], r["seed"]) for r in done) == [
        ("hopper", 0),
        ("hopper", 1),
        ("walker2d", 0),
        ("walker2d", 1),
    ]
    hashes = {r["task"]: r["spec_hash"] for r in done}
    assert hashes["hopper"] == resolve_spec("smoke", ["task=hopper", "device=cpu"]).spec_hash()
    assert hashes["walker2d"] == resolve_spec("smoke", ["task=walker2d", "device=cpu"]).spec_hash()
    assert bench.run("ok", "--tasks", "hopper,walker2d", seeds=2) == 0
    assert len(runs(bench)) == 4  # resumed task by task


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--tasks", "hopper,pong"], "--tasks: got 'hopper,pong'; allowed: comma-separated names of"),
        (["--tasks", ","], "--tasks: got ','"),
        (["--tasks", "hopper", "--set", "task=walker2d"], "--set task=...: not allowed with --tasks"),
    ],
)
def test_bad_tasks_exit_2_before_any_run(bench, capsys, args, message):
    with pytest.raises(SystemExit) as exit_info:
        bench.run("ok", *args)
    assert exit_info.value.code == EXIT_BAD_SPEC
    assert message in capsys.readouterr().err
    assert not bench.store_path.exists() and not bench.logs.exists()
