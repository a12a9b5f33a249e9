"""The report renders from a store alone: with every env and framework package unimportable, the env parity
table still shows, from the `env_parity` record the harness wrote."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
FIXTURE = ROOT / "reports" / "fixtures" / "several_seeds.jsonl"
BLOCKED = ("ppo_envs", "brax", "gymnasium", "mujoco", "jax", "torch")
RENDER = f"""
import sys
from pathlib import Path


class Forbidden:
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in {BLOCKED!r}:
            raise ImportError(f"{{name}}: env construction is forbidden while rendering")


sys.meta_path.insert(0, Forbidden())
from bench.report import render_report

store, out = Path(sys.argv[1]), Path(sys.argv[2])
render_report(store, out)
print(sorted(m for m in sys.modules if m.split(".")[0] in {BLOCKED!r}))
"""


def parity_record(registry_ok: bool) -> dict:
    """An `env_parity` record as `python -m bench parity` writes it (one task's row)."""
    row = {"task": "hopper", "brax_backend": "mjx", "brax_obs": 11, "gym_obs": 11, "brax_act": 3, "gym_act": 3,
           "brax_dt": 0.008, "gym_dt": 0.008, "registry_ok": registry_ok, "parity_note": "reward terms differ"}  # fmt: skip
    provenance = {"hostname": "fixture-host", "date": "2026-12-01T00:00:00+00:00"}
    return {"record_type": "env_parity", "backend": "mjx", "rows": [row], "status": "ok", "error": None,
            "provenance": provenance, "store_schema_version": 1}  # fmt: skip


def test_report_renders_from_records_with_env_packages_blocked(tmp_path: Path) -> None:
    store = tmp_path / "results.jsonl"
    shutil.copy(FIXTURE, store)
    with store.open("a") as handle:
        handle.write(json.dumps(parity_record(True)) + "\n")
    out = tmp_path / "index.html"
    env = {**os.environ, "PYTHONPATH": str(ROOT), "MPLBACKEND": "Agg"}
    done = subprocess.run(
        [sys.executable, "-c", RENDER, str(store), str(out)],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert done.stdout.strip().splitlines()[-1] == "[]"  # not one env or framework module was imported
    html = out.read_text(encoding="utf-8")
    assert "run by `python -m bench parity` on fixture-host" in html.replace("&#x27;", "'").replace(
        "&#96;", "`"
    )
    assert "Env parity check (measured by the harness, from the store)" in html


def test_without_a_parity_record_the_report_says_not_measured(tmp_path: Path) -> None:
    from bench.report import render_report

    html = render_report(FIXTURE, tmp_path / "index.html").read_text(encoding="utf-8")
    assert "not measured: no env_parity record in the store" in html
