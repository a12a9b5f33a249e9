"""`python -m bench learner`: run the learner-only benchmark (`learner_benchmark.py`) and store its results.

Each framework runs in its own pytest process (pytest-benchmark, `--benchmark-json`), so JAX and torch never
share a process or thread pools; the JSON is read back into `learner_throughput` records of the store.
The benchmark file is not named `test_*.py`, so `make test` never collects it; pytest still collects it when
named on the command line (a file given explicitly is collected whatever its name).
"""

from __future__ import annotations

import json
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bench.controls.learner_update import FRAMEWORKS, GPU_ONLY_FRAMEWORKS
from bench.harness.provenance import append_measured
from bench.harness.runner import run_rows

BENCHMARK_FILE = Path(__file__).parent / "learner_benchmark.py"
CPU_GRID = {"batch_sizes": [512, 2048, 8192], "hiddens": [[64, 64], [256, 256]], "rounds": 3}
GPU_GRID = {"batch_sizes": [2048, 8192, 32768, 131072], "hiddens": [[64, 64], [256, 256]], "rounds": 5}


def run_framework(
    framework: str, grid: dict[str, Any], device: str, timeout_s: float, logs_dir: Path
) -> list[dict[str, Any]]:
    """Benchmark one framework over the grid; rows (a failed run gives failed rows with the error tail)."""
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "bench.json"
        cmd = [sys.executable, "-m", "pytest", str(BENCHMARK_FILE), "-q", "-p", "no:cacheprovider",
               "--benchmark-enable", f"--benchmark-json={out}", "--benchmark-columns=mean,stddev,rounds"]  # fmt: skip
        print(f"learner throughput: {framework} on {device}, grid {grid}", file=sys.stderr, flush=True)
        grid_env = json.dumps({**grid, "frameworks": [framework], "device": device})
        _, error = run_rows(
            cmd, timeout_s, logs_dir / f"learner-{framework}.log", {"PPO_BENCH_LEARNER_GRID": grid_env}
        )
        rows = [_row(b, device) for b in json.loads(out.read_text())["benchmarks"]] if out.exists() else []
    if error and not rows:
        rows = [{"framework": framework, "status": "failed", "error": error, "device": {"kind": device}}]
    return rows


def _row(benchmark: dict[str, Any], device: str) -> dict[str, Any]:
    info, stats = benchmark["extra_info"], benchmark["stats"]
    mean = stats["mean"]
    return {
        **info,
        "update_s_mean": mean,
        "update_s_stddev": stats["stddev"],
        "update_s_min": stats["min"],
        "rounds": stats["rounds"],
        "updates_per_s": 1.0 / mean,
        "samples_per_s": info["batch_size"] / mean,
        "status": "ok",
        "device": {"kind": device},
    }


def run_learner_sweep(
    frameworks: list[str],
    grid: dict[str, Any],
    device: str,
    logs_dir: Path,
    timeout_s: float = 1800,
    on_rows: Callable[[list[dict[str, Any]]], None] = lambda _rows: None,
) -> list[dict]:
    """All frameworks, one process each; `on_rows` gets each framework's rows as soon as its process ends."""
    unknown = [f for f in frameworks if f not in FRAMEWORKS]
    if unknown:
        raise ValueError(f"--frameworks: unknown {', '.join(unknown)}; allowed: {', '.join(FRAMEWORKS)}")
    gpu_only = [f for f in frameworks if f in GPU_ONLY_FRAMEWORKS]
    if gpu_only and device != "gpu":
        raise ValueError(
            f"--frameworks: {', '.join(gpu_only)} needs a GPU (CUDA graphs); the device is {device}"
        )
    rows = []
    for framework in frameworks:
        framework_rows = run_framework(framework, grid, device, timeout_s, logs_dir)
        on_rows(framework_rows)
        rows.extend(framework_rows)
    return rows


def store_learner_rows(
    rows: list[dict[str, Any]], store: Path, bench_argv: list[str], device_name: str, preset: str
) -> None:
    """Append each row as a `learner_throughput` record with provenance."""
    for row in rows:
        device = {**row.get("device", {}), "name": device_name}
        record = {"preset": preset, **row, "device": device, "record_type": "learner_throughput"}
        append_measured(record, store, bench_argv, preset)
