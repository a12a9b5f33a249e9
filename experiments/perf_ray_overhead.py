"""The Ray executor's overhead per run: the same plan of trivial runs, local vs `--executor ray`, alternating.

`python -m experiments.perf_ray_overhead HEAD_IP:PORT [--rounds 2]` against a running cluster whose nodes
offer `ppo_bench_node` (docs/CLUSTER.md). The runs are the harness tests' fake `ok` contender (a child that
prints a valid result line at once), so the difference per run is the executor's own cost.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from bench.commands import main
from bench.harness.contenders import Contender

FAKE_OK = Path(__file__).resolve().parents[1] / "tests" / "bench" / "fake_contenders" / "ok.py"
TABLE = {name: Contender(name, (str(FAKE_OK),)) for name in ("ok-a", "ok-b")}


def seconds_per_run(extra: list[str], seeds: int) -> float:
    """Wall seconds per run of `bench run` over both fakes x `seeds`, into a fresh store."""
    root = Path(tempfile.mkdtemp())
    argv = ["--store", str(root / "r.jsonl"), "run", "--preset", "smoke", "--device", "cpu", "--seeds",
            str(seeds), "--contenders", ",".join(TABLE), "--logs-dir", str(root / "logs"), *extra]  # fmt: skip
    start = time.perf_counter()
    if main(argv, contenders=TABLE) != 0:
        raise SystemExit(f"bench run failed: {argv}")
    return (time.perf_counter() - start) / (len(TABLE) * seeds)


def cli() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("address", help="the Ray cluster's address, e.g. 127.0.0.1:6379")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--seeds", type=int, default=2)
    args = parser.parse_args()
    for _ in range(args.rounds):
        local = seconds_per_run([], args.seeds)
        ray = seconds_per_run(["--executor", "ray", "--address", args.address], args.seeds)
        print(f"local {local:.2f} s per run, ray {ray:.2f} s per run, overhead {ray - local:.2f} s per run")


if __name__ == "__main__":
    cli()
