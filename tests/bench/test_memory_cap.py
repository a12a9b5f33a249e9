"""A memory cap per run: a real child over a tiny cap is killed, recorded `out of memory` with its
peak, the bench goes on, and the report lists it under failed runs."""

from __future__ import annotations

import re

import psutil
import pytest

from bench.harness.runner import DEFAULT_MEMORY_SHARE, default_memory_limit_mb
from bench.harness.store import read_records
from bench.report import render_report
from shared_spec.exit_codes import EXIT_BAD_SPEC


def test_a_run_over_its_memory_cap_is_killed_recorded_and_the_bench_goes_on(bench, tmp_path):
    # ok-big touches 300 MB and holds it; the cap is 100 MB. `ok` runs after it in round 0.
    assert bench.run("ok-big,ok", "--memory-limit-mb", "100") == 1
    runs = {r["contender"]: r for r in read_records(bench.store_path, record_type="run")}
    big = runs["ok-big"]
    assert big["status"] == "failed" and big["memory_limit_mb"] == 100
    assert big["error"].startswith("out of memory: the run's processes held ")
    assert "over the cap of 100 MB (--memory-limit-mb); killed by the harness" in big["error"]
    assert big["peak_rss_mb"] > 100 and big["peak_rss_mb"] == pytest.approx(
        float(re.search(r"held (\d+) MB", big["error"]).group(1)), abs=1
    )
    assert runs["ok"]["status"] == "ok" and runs["ok"]["memory_limit_mb"] == 100
    html = render_report(bench.store_path, tmp_path / "index.html").read_text(encoding="utf-8")
    start = html.index('<section id="failures">')
    failures = html[start : html.index("</section>", start)]
    assert "ok-big" in failures and "out of memory: the run" in failures


def test_the_default_cap_is_a_share_of_this_machines_memory(bench):
    assert bench.run("ok") == 0
    (record,) = read_records(bench.store_path, record_type="run")
    expected = DEFAULT_MEMORY_SHARE * psutil.virtual_memory().total / 2**20
    assert record["memory_limit_mb"] == default_memory_limit_mb() == pytest.approx(expected, abs=1)


@pytest.mark.parametrize("value", ["0", "-5", "nan"])
def test_a_cap_that_is_not_positive_exits_2_before_any_run(bench, capsys, value):
    with pytest.raises(SystemExit) as stopped:
        bench.run("ok", "--memory-limit-mb", value)
    assert stopped.value.code == EXIT_BAD_SPEC
    (line,) = capsys.readouterr().err.strip().splitlines()
    assert line.startswith(f"error: --memory-limit-mb: got {float(value):g}; allowed: a number of MB > 0")
    assert not bench.store_path.exists()
