"""Each control contender runs through the real harness on the smoke preset and leaves a well-formed record.

The controls (docs/DESIGN.md, "Controls"): `jax-vmap` (all seeds in one program), `torch-compile`,
`torch-brax` (the torch learner on the Brax env, DLPack hand-over) and `brax-ppo` (Brax's own PPO). The smoke
preset is shrunk to the spring backend and 50-step episodes so that four XLA compiles fit the test budget;
the record schema and the harness path are the ones `make bench` uses.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from bench.harness.store import read_records
from shared_spec.exit_codes import EXIT_UNAVAILABLE
from shared_spec.presets import resolve_spec

FAST_SMOKE = (
    "brax_backend=spring", "episode_length=50", "total_timesteps=1536", "num_evals=1", "run_timeout_s=800",
)  # fmt: skip
"""Three updates of 512 steps (two of them steady), one evaluation after training. The run timeout has slack:
what is tested is the record, not the speed of a slow or busy machine (the smoke preset's 180 s killed a cold
torch-brax-compile on a 2-core Zen 1 EPYC)."""


def run_bench(store: Path, logs: Path, contenders: str, seeds: int) -> subprocess.CompletedProcess:
    argv = [sys.executable, "-m", "bench", "--store", str(store), "run", "--preset", "smoke"]
    argv += ["--seeds", str(seeds), "--contenders", contenders, "--device", "cpu", "--logs-dir", str(logs)]
    for override in FAST_SMOKE:
        argv += ["--set", override]
    return subprocess.run(argv, capture_output=True, text=True, check=False)


def assert_well_formed(record: dict, spec_hash: str, steps_per_seed: int) -> None:
    """The fields every downstream reader (store, report) relies on."""
    assert record["spec_hash"] == spec_hash and record["preset"] == "smoke"
    assert record["result_parsed"] is True and record["device"]["kind"] == "cpu"
    assert record["total_env_steps"] == steps_per_seed * record["num_seeds"]
    assert record["wall_s"] > 0 and record["peak_rss_mb"] > 0
    assert record["curve"][0][0] == 0 and record["curve"][-1][0] > 0
    assert record["final_return"] is not None
    assert record["versions"]["python"] and record["provenance"]["cpu_model"]


@pytest.mark.slow
@pytest.mark.timeout(1200)
def test_every_control_contender_leaves_a_well_formed_record(tmp_path: Path):
    store, logs = tmp_path / "results.jsonl", tmp_path / "logs"
    per_seed = run_bench(store, logs, "torch-compile,torch-brax,torch-brax-compile,brax-ppo", seeds=1)
    vmapped = run_bench(store, logs, "jax-vmap", seeds=2)
    records = {r["contender"]: r for r in read_records(store, record_type="run")}
    assert set(records) == {"torch-compile", "torch-brax", "torch-brax-compile", "brax-ppo", "jax-vmap"}, (
        per_seed.stderr[-3000:] + vmapped.stderr[-3000:]
    )
    spec = resolve_spec("smoke", [*FAST_SMOKE, "device=cpu"])  # what the harness passes with --device cpu
    for name in ("torch-compile", "torch-brax", "torch-brax-compile", "jax-vmap"):
        assert records[name]["status"] == "ok", (name, records[name].get("error"))
        assert_well_formed(records[name], spec.spec_hash(), spec.total_timesteps)
        assert records[name]["sps"] > 0

    compiled = records["torch-compile"]
    assert compiled["compile_s"] > 0 and compiled["extra"]["env_backend"] == "gymnasium"
    on_brax, compiled_on_brax = records["torch-brax"], records["torch-brax-compile"]
    assert on_brax["extra"]["env_backend"] == compiled_on_brax["extra"]["env_backend"] == "brax"
    for record in (compiled, compiled_on_brax):  # the whole step compiled, cold cache, tensor learning rate
        assert record["extra"]["compile"] is True and record["extra"]["compile_cache"]["state"] == "cold"
        assert record["extra"]["adam"]["tensor_lr"] is True
    assert compiled_on_brax["compile_s"] > on_brax["compile_s"]  # inductor on top of the env's AOT compile
    for torch_record in (
        compiled,
        on_brax,
        compiled_on_brax,
    ):  # timed inline: the halves add up to the steady time
        steady_steps = torch_record["total_env_steps"] - spec.batch_size
        steady_s = torch_record["rollout_s"] + torch_record["update_s"]
        assert torch_record["sps"] == pytest.approx(steady_steps / steady_s)

    vmap = records["jax-vmap"]
    assert vmap["num_seeds"] == 2 and len(vmap["per_seed_final_return"]) == 2
    assert vmap["rollout_s"] > 0 and vmap["update_s"] > 0  # apportioned by the separately timed halves
    assert vmap["extra"]["split_rollout_per_update_s"] > 0

    brax = records["brax-ppo"]  # Brax's own PPO: ok here; on a JAX too new for brax.training, exit 4 + reason
    if (
        brax["status"] == "ok"
    ):  # its sps comes from epochs after the compiling ones; this run has one (sps None)
        assert_well_formed(brax, spec.spec_hash(), brax["total_env_steps"])
        assert brax["rollout_s"] is None and "not separable" in brax["extra"]["phase_split"]
    else:
        assert brax["exit_code"] == EXIT_UNAVAILABLE and "brax.training" in (brax.get("error") or ""), brax
