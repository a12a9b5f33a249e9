"""One writer per store: two real bench processes on one store; a killed holder never blocks."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest

from bench.harness.store import read_records
from bench.harness.store_lock import lock_path
from gpu.campaign import main as campaign_main
from shared_spec.exit_codes import EXIT_BAD_SPEC

ROOT = Path(__file__).resolve().parents[2]
FAKE_BENCH = Path(__file__).with_name("fake_bench.py")


def bench_process(store: Path, contenders: str, hold: Path, *extra: str) -> subprocess.Popen:
    """`python -m bench --store STORE [extra] run ... --contenders C` (the fakes) as a real process."""
    argv = [sys.executable, str(FAKE_BENCH), "--store", str(store), *extra, "run", "--preset", "smoke",
            "--device", "cpu", "--contenders", contenders, "--logs-dir", str(store.parent / "logs")]  # fmt: skip
    env = {**os.environ, "FAKE_HOLD_FILE": str(hold), "PYTHONPATH": str(ROOT)}
    return subprocess.Popen(
        argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env, cwd=ROOT
    )


def wait_until(condition, what: str, timeout_s: float = 120) -> None:
    deadline = time.monotonic() + timeout_s
    while not condition():
        assert time.monotonic() < deadline, f"gave up waiting for {what}"
        time.sleep(0.1)


def holding(store: Path, holder: subprocess.Popen) -> bool:
    """The holder wrote its pid in the lock file and its run's trainer is running (holding on the file)."""
    try:
        info = json.loads(lock_path(store).read_text() or "{}")
    except (OSError, ValueError):
        return False
    return info.get("pid") == holder.pid and bool(trainers(holder.pid))


def trainers(pid: int) -> list[psutil.Process]:
    try:
        return psutil.Process(pid).children(recursive=True)
    except psutil.Error:
        return []


@pytest.fixture
def hold(tmp_path: Path):
    """The file the `hold` fake waits on: removed at the end, so no trainer outlives the test."""
    path = tmp_path / "hold"
    path.touch()
    yield path
    path.unlink(missing_ok=True)


def test_a_second_bench_on_the_store_names_the_holder_and_exits_2(tmp_path, hold):
    store = tmp_path / "results.jsonl"
    first = bench_process(store, "hold", hold)
    try:
        wait_until(lambda: holding(store, first), "the first bench to hold the lock and start its run")
        second = subprocess.run(
            [sys.executable, "-m", "bench", "--store", str(store), "run", "--preset", "smoke", "--device",
             "cpu", "--contenders", "torch"],
            capture_output=True, text=True, check=False, cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)},
        )  # fmt: skip
        assert second.returncode == EXIT_BAD_SPEC
        (line,) = second.stderr.strip().splitlines()
        assert line.startswith(f"error: --store: {store} is in use by pid {first.pid} (")
        assert "fake_bench.py" in line and " since 20" in line and "--wait-for-lock" in line
    finally:
        hold.unlink()
        _out, err = first.communicate(timeout=120)
    assert first.returncode == 0, err
    assert [r["contender"] for r in read_records(store, record_type="run")] == ["hold"]  # nothing else ran


def test_wait_for_lock_waits_with_a_message_then_runs(tmp_path, hold):
    store = tmp_path / "results.jsonl"
    first = bench_process(store, "hold", hold)
    wait_until(lambda: holding(store, first), "the first bench to hold the lock")
    second = bench_process(store, "ok", tmp_path / "no-hold", "--wait-for-lock")
    try:
        line = second.stderr.readline()  # its first words: the wait
        assert f"is in use by pid {first.pid}" in line and "waiting for it (--wait-for-lock)" in line
        assert second.poll() is None and read_records(store, record_type="run") == []  # still waiting
    finally:
        hold.unlink()
    assert first.wait(timeout=120) == 0
    assert second.wait(timeout=120) == 0
    assert [r["contender"] for r in read_records(store, record_type="run")] == ["hold", "ok"]


def test_a_lock_left_by_a_killed_bench_never_blocks(tmp_path, hold):
    store = tmp_path / "results.jsonl"
    first = bench_process(store, "hold", hold)
    wait_until(lambda: holding(store, first), "the first bench to hold the lock and start its run")
    (trainer, *_) = trainers(first.pid)
    first.send_signal(signal.SIGKILL)
    first.wait(timeout=30)
    assert (
        json.loads(lock_path(store).read_text())["pid"] == first.pid
    )  # the file still names the dead holder
    wait_until(lambda: not trainer.is_running() or trainer.status() == psutil.STATUS_ZOMBIE,
               "its trainer to die with it (child_entry's PR_SET_PDEATHSIG)", timeout_s=30)  # fmt: skip
    second = bench_process(store, "ok", tmp_path / "no-hold")
    _out, err = second.communicate(timeout=120)
    assert second.returncode == 0, err
    assert "in use" not in err
    assert [r["contender"] for r in read_records(store, record_type="run")] == ["ok"]


def test_a_campaigns_own_bench_steps_write_the_store_it_holds(tmp_path):
    """`python -m gpu.campaign` holds its store's lock; its command steps are child benches on that store
    (python -m bench --store STORE code --project-only) and must find the lock held by their ancestor, not
    refuse to run."""
    plan = tmp_path / "plan.toml"
    plan.write_text('description = "lock"\ndevice = "cpu"\nbudget_s = 600\nreserve_s = 0\nmin_run_s = 1\n'
                    'jax_cache = false\n\n[[steps]]\nname = "code"\nfinal = true\n'
                    'command = ["code", "--project-only"]\ncap_s = 300\n')  # fmt: skip
    state = tmp_path / "state"
    argv = [str(plan), "--out", str(tmp_path / "out"), "--state", str(state)]
    assert campaign_main(argv) == 0
    assert read_records(state / "results.jsonl", record_type="code_metrics")  # the child bench wrote them
    assert lock_path(state / "results.jsonl").read_text() == ""  # released: it names no holder
