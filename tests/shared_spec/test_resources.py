"""The resources record: the CPU set a process may use and what XLA_FLAGS leave XLA's threads at."""

from __future__ import annotations

import os

from shared_spec.resources import XLA_CPU_THREADS, xla_resources_record


def test_xla_record_names_flags_and_threads(monkeypatch) -> None:
    monkeypatch.delenv("XLA_FLAGS", raising=False)
    record = xla_resources_record(matmul_precision="float32")
    assert record["cpu_set"] == sorted(os.sched_getaffinity(0))
    assert record["cpu_count"] == len(record["cpu_set"])
    assert record["xla_flags"] == "" and record["xla_cpu_threads"] == XLA_CPU_THREADS
    assert record["matmul_precision"] == "float32"
    monkeypatch.setenv("XLA_FLAGS", "--xla_cpu_multi_thread_eigen=false intra_op_parallelism_threads=1")
    assert xla_resources_record()["xla_cpu_threads"] == "set by XLA_FLAGS"
