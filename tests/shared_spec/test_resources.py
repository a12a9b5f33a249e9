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


def test_auto_vectorization_is_async_only_with_spare_cores() -> None:
    from shared_spec.resources import resolve_vector_env

    assert resolve_vector_env("sync", 16, cores=16) == "sync"
    assert resolve_vector_env("async", 2, cores=2) == "async"
    assert resolve_vector_env("auto", 8, cores=2) == "sync"  # measured: async loses on 2 cores
    assert resolve_vector_env("auto", 16, cores=16) == "async"
    assert resolve_vector_env("auto", 1, cores=16) == "sync"  # one env: nothing to spread
    assert resolve_vector_env("auto", 1024, cores=16) == "sync"  # one process per env: far too many
