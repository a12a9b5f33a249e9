"""Runs measured under foreign load: marked `loaded` with the reason, left out of the report's figures
by default and counted there; the rule (bench.harness.load) does not mark a run for its own cores."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from bench.harness.load import CpuSample, foreign_load, loaded_reason, threshold_cores
from bench.harness.store import read_records
from bench.report import render_report
from bench.report.data import load_store

BURN = "import time\nend = time.monotonic() + 60\nwhile time.monotonic() < end: pass"


@pytest.fixture
def burners():
    """One busy process per CPU of this process's CPU set: foreign work for every run meanwhile."""
    procs = [subprocess.Popen([sys.executable, "-c", BURN]) for _ in os.sched_getaffinity(0)]
    yield procs
    for proc in procs:
        proc.kill()
        proc.wait()


def test_a_run_beside_busy_processes_is_marked_loaded_and_left_out(bench, tmp_path, burners, real_load_rule):
    assert bench.run("ok-big") == 0  # ok-big holds its memory 0.6 s: long enough to share the cores
    (record,) = read_records(bench.store_path, record_type="run")
    cpu_load = record["provenance"]["cpu_load"]
    assert record["loaded"] is True and cpu_load["foreign_cores"] > threshold_cores(cpu_load["cpus"])
    assert record["loaded_reason"].startswith("other work used ")
    assert record["status"] == "ok"  # its result stands; only the report leaves it out
    store = load_store(bench.store_path, None)
    assert store.runs == [] and store.loaded_excluded == 1
    assert [reason.code for _, reason in store.superseded] == ["loaded"]
    assert [r.contender for r in load_store(bench.store_path, None, include_loaded=True).runs] == ["ok-big"]
    html = render_report(bench.store_path, tmp_path / "index.html").read_text(encoding="utf-8")
    assert "1 run record(s) measured while other work used the cores" in html
    assert "measured under foreign load: other work used" in html


def test_the_report_counts_loaded_runs_when_asked(bench, tmp_path, burners, real_load_rule):
    assert bench.run("ok") == 0
    out = tmp_path / "index.html"
    assert bench.main("--store", str(bench.store_path), "report", "--out", str(out), "--include-loaded") == 0
    assert (
        "1 run record(s) measured under foreign load (marked <code>loaded</code>)\ncount" in out.read_text()
    )


@pytest.mark.parametrize(
    ("cpus", "own", "foreign", "loaded"),
    [
        (2, 2.0, 0.05, False),  # JAX/XLA keeps both cores busy itself: its own load, not foreign
        (2, 1.0, 0.10, False),  # torch with torch_threads=1 on a quiet machine
        (2, 0.6, 0.25, False),  # at the limit: not over it
        (2, 1.0, 0.30, True),  # a quarter core and more of other work
        (16, 1.0, 1.5, False),  # a 16-core host: a tenth of its cores is the limit
        (16, 16.0, 2.0, True),
    ],
)
def test_the_rule_counts_only_foreign_cpu_time(cpus, own, foreign, loaded, real_load_rule):
    assert (loaded_reason({"cpus": cpus, "own_cores": own, "foreign_cores": foreign}) is not None) is loaded


def test_foreign_load_is_busy_time_less_the_runs_and_the_harness():
    measured = foreign_load(CpuSample(0.0, 100.0, 1.0), CpuSample(10.0, 118.0, 2.0), run_cpu_s=12.0, cpus=2)
    assert measured == {"cpus": 2, "wall_s": 10.0, "busy_cores": 1.8, "own_cores": 1.3, "foreign_cores": 0.5}
    assert loaded_reason(None) is None  # a lost run (no measurement) is never marked
