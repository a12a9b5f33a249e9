"""The env parity check as a record (`python -m bench parity`, and in `bench all`): `ppo_envs`' check runs in a
child (`python -m bench.harness.env_parity`, one JSON line per task) and one `env_parity` record stores every
task's row, so the report never builds an environment."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from bench.harness.provenance import append_measured
from bench.harness.runner import run_rows

TIMEOUT_S = 600


def check_and_store(store: Path, logs_dir: Path, bench_argv: list[str] | None, backend: str = "mjx") -> bool:
    """Run the check in a child, append one `env_parity` record; True when every task matches the registry."""
    argv = [sys.executable, "-m", "bench.harness.env_parity", backend]
    rows, error = run_rows(argv, TIMEOUT_S, logs_dir / "env-parity.log")
    ok = error is None and bool(rows) and all(row.get("registry_ok") for row in rows)
    record = {
        "record_type": "env_parity",
        "backend": backend,
        "rows": rows,
        "status": "ok" if ok else "failed",
    }
    append_measured({**record, "error": error}, store, bench_argv, command=argv)
    print(
        f"env parity ({backend}): {len(rows)} task(s), {record['status']}" + (f": {error}" if error else "")
    )
    return ok


if __name__ == "__main__":
    from ppo_envs.parity import check_all_tasks

    for row in check_all_tasks(sys.argv[1]):
        print(json.dumps(row), flush=True)
