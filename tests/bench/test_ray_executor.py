"""`bench run --executor ray` on a real local Ray cluster (started here, 2 CPUs, one timed-run slot)."""

from __future__ import annotations

import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import psutil
import pytest

from bench.harness.ray_executor import RESOURCE
from bench.harness.store import read_records
from tests.bench.conftest import Bench

RAY = str(Path(sys.executable).with_name("ray"))


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def ray_cluster():
    """A head node on this machine with 2 CPUs and one `ppo_bench_node` slot; its address."""
    pytest.importorskip("ray")  # the optional extra `cluster`: `make test` installs it, so CI runs these
    port = _free_port()
    # Ray's socket paths (temp dir + a 41-character session name + sockets/...) must fit AF_UNIX's 107 bytes:
    # a short new folder in /tmp, not pytest's deep one (too long once TMPDIR is itself a new folder, as in CI).
    temp = Path(tempfile.mkdtemp(prefix="ray-", dir="/tmp"))
    start = [RAY, "start", "--head", f"--port={port}", "--num-cpus=2", f"--resources={{\"{RESOURCE}\": 1}}",
             "--include-dashboard=false", f"--temp-dir={temp}", "--disable-usage-stats"]  # fmt: skip
    subprocess.run(start, check=True, capture_output=True, timeout=180)
    try:
        yield f"127.0.0.1:{port}"
    finally:
        subprocess.run([RAY, "stop", "--force"], capture_output=True, timeout=120, check=False)
        shutil.rmtree(temp, ignore_errors=True)


def _keys(store: Path) -> list[tuple]:
    runs = read_records(store, record_type="run")
    fields = ("contender", "seed", "round", "position_in_round", "spec_hash", "code_version", "status")
    return sorted(tuple(r[field] for field in fields) for r in runs)


@pytest.mark.slow
@pytest.mark.timeout(600)
def test_ray_sweep_stores_the_same_runs_as_a_local_one(tmp_path: Path, ray_cluster: str) -> None:
    on_ray, local = Bench(tmp_path / "ray"), Bench(tmp_path / "local")
    assert on_ray.run("ok,noisy-ok", "--executor", "ray", "--address", ray_cluster, seeds=2) == 0
    assert local.run("ok,noisy-ok", seeds=2) == 0
    assert _keys(on_ray.store_path) == _keys(local.store_path)  # each once, all ok
    for record in read_records(on_ray.store_path, record_type="run"):
        assert record["provenance"]["executor"]["name"] == "ray" and record["provenance"]["hostname"]
    assert on_ray.run("ok,noisy-ok", "--executor", "ray", "--address", ray_cluster, seeds=2) == 0
    assert len(read_records(on_ray.store_path, record_type="run")) == 4  # resumed: nothing ran again


@pytest.mark.slow
@pytest.mark.timeout(600)
def test_a_killed_child_gives_a_failed_record_and_the_rest_complete(tmp_path: Path, ray_cluster: str) -> None:
    bench = Bench(tmp_path)
    exit_codes: list[int] = []
    worker = threading.Thread(
        target=lambda: exit_codes.append(
            bench.run("hang,ok", "--executor", "ray", "--address", ray_cluster, seeds=1)
        )
    )
    worker.start()
    deadline = time.monotonic() + 240
    victim = None
    while victim is None and time.monotonic() < deadline:
        victim = next(
            (
                p
                for p in psutil.process_iter(["cmdline"])
                if any("hang.py" in a for a in p.info["cmdline"] or [])
            ),
            None,
        )
        time.sleep(0.5)
    assert victim is not None, "the hanging child never started"
    victim.kill()
    worker.join(timeout=300)
    assert exit_codes == [1]  # one run failed
    runs = {r["contender"]: r for r in read_records(bench.store_path, record_type="run")}
    assert runs["hang"]["status"] == "failed" and runs["hang"]["exit_code"] == -9
    assert runs["ok"]["status"] == "ok"
    assert bench.run("ok", "--executor", "ray", "--address", ray_cluster, seeds=1) == 0
    assert len(read_records(bench.store_path, record_type="run")) == 2  # the ok run was not run again


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--executor", "slurm"], "--executor: got 'slurm'; allowed: local, ray"),
        (["--tasks", "hopper,nope", "--executor", "ray"], "--tasks: got 'hopper,nope'"),
    ],
)
def test_bad_executor_or_tasks_exit_2_before_any_work(bench, capsys, args, message) -> None:
    with pytest.raises(SystemExit) as exit_info:
        bench.run("ok", *args)
    assert exit_info.value.code == 2 and message in capsys.readouterr().err
    assert not bench.store_path.exists()


def test_ray_cli_is_where_the_tests_expect_it() -> None:
    assert shutil.which(RAY) is not None


def test_without_ray_installed_the_executor_says_how_to_install_it(bench, capsys, monkeypatch) -> None:
    import importlib.util

    real_find_spec = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util, "find_spec", lambda name, *a: None if name == "ray" else real_find_spec(name, *a)
    )
    with pytest.raises(SystemExit) as exit_info:
        bench.run("ok", "--executor", "ray")
    assert exit_info.value.code == 2
    assert capsys.readouterr().err.strip().endswith("install it with: pip install 'ppo-bench[cluster]'")
    assert not bench.store_path.exists()
