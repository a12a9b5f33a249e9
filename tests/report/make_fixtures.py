"""Write the report's fixture stores, `reports/fixtures/*.jsonl`: realistic, synthetic records, not real runs.

Run `python tests/report/make_fixtures.py` to regenerate them (deterministic: fixed RNG seed). The numbers are
shaped like real runs of the presets (compile seconds, SPS, returns on the inverted pendulum / hopper scale)
so the report looks as it will, but they measure nothing and must never be cited.

- several_seeds.jsonl: CPU, cpu-quick; jax and torch with several seeds, jax-vmap (3 seeds in one program),
  a diverged, a timed-out and a failed run, code metrics, and env/learner throughput controls; with
  torch-brax (1 seed) and jax-gym (3 seeds, its own RNG) every cell of the framework x simulator table.
- single_seed.jsonl: CPU, one seed of jax and torch (no interval is possible); no controls, no code metrics.
- gpu.jsonl: GPU-labelled records (H100, gpu-brax, hopper) with device memory; used as a published store too.
- paired_seeds.jsonl: CPU, cpu-quick; 6 interleaved rounds (each record has `round`) of jax, jax-gym, torch
  and torch-brax, every round's speeds shifted by one shared drift factor (what pairing cancels): jax about
  2x torch-brax (a verdict), jax-gym about torch (inside the noise band: no verdict word).
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import numpy as np

from bench.harness.store import STORE_SCHEMA_VERSION

FIXTURE_DIR = Path(__file__).resolve().parents[2] / "reports" / "fixtures"
VERSIONS = {
    "python": "3.11.9",
    "jax": "0.9.2",
    "flax": "0.12.6",
    "torch": "2.13.0",
    "brax": "0.14.2",
    "mujoco": "4.0.0",
    "gymnasium": "1.4.0",
    "numpy": "2.4.6",
}
CPU_MACHINE = {"hostname": "bench-cpu-1", "cpu_model": "AMD EPYC 7B13", "cpu_cores": 2, "gpu_name": None}
GPU_MACHINE = {
    "hostname": "bench-gpu-1",
    "cpu_model": "Intel Xeon Platinum 8480+",
    "cpu_cores": 16,
    "gpu_name": "NVIDIA H100 80GB HBM3",
}
PRESETS = {
    "cpu-quick": {
        "task": "inverted_pendulum",
        "total_timesteps": 65536,
        "num_envs": 8,
        "num_steps": 256,
        "num_minibatches": 8,
        "update_epochs": 10,
        "num_evals": 8,
        "eval_episodes": 5,
        "episode_length": 1000,
        "brax_backend": "mjx",
        "device": "auto",
    },
    "gpu-brax": {
        "task": "hopper",
        "total_timesteps": 50_331_648,
        "num_envs": 2048,
        "num_steps": 32,
        "num_minibatches": 32,
        "update_epochs": 4,
        "num_evals": 16,
        "eval_episodes": 128,
        "episode_length": 1000,
        "brax_backend": "mjx",
        "device": "auto",
    },
}
HASHES = {"cpu-quick": "3f9a1c07be52", "gpu-brax": "a81d4e6f0c93"}
THRESHOLDS = {"inverted_pendulum": 500.0, "hopper": 1000.0}
MAX_RETURN = {"inverted_pendulum": 1000.0, "hopper": 2600.0}


def provenance(machine: dict[str, Any], preset: str, seed: int, contender: str, day: int) -> dict[str, Any]:
    return {
        **machine,
        "git_commit": "4c2e9d1f8a7b6c5d4e3f2a1b0c9d8e7f6a5b4c3d",
        "git_dirty": False,
        "date": f"2026-11-{day:02d}T10:{seed:02d}:00+00:00",
        "versions": VERSIONS,
        "command": f"python -m bench run --preset {preset} --seeds 3 --contenders {contender}",
    }


def curve(
    rng: np.random.Generator, task: str, steps: int, evals: int, first_update: float, sps: float, speed: float
) -> list[list[float]]:
    """Sigmoid-shaped learning curve; wall time = time to first update + steps / SPS + eval time."""
    points = []
    for i in range(evals + 1):
        at = steps * i // evals
        frac = at / steps
        ret = MAX_RETURN[task] / (1 + math.exp(-(frac * speed - 0.5) * 10)) + rng.normal(0, 15)
        wall = (0.0 if i == 0 else first_update) + at / sps + 0.8 * i
        points.append([at, round(wall, 3), round(max(ret, 0.0), 2)])
    return points


def run_record(
    rng: np.random.Generator,
    *,
    contender: str,
    preset: str,
    seed: int,
    machine: dict[str, Any],
    kind: str,
    startup: float,
    compile_s: float,
    sps: float,
    speed: float,
    rss: float,
    device_mb: float | None = None,
    num_seeds: int = 1,
    day: int = 20,
) -> dict[str, Any]:
    spec = PRESETS[preset]
    task, steps = spec["task"], spec["total_timesteps"]
    startup_s = startup * rng.uniform(0.95, 1.05)
    compile_s = compile_s * rng.uniform(0.95, 1.05)
    first_update = startup_s + compile_s + 0.5 * rng.uniform(0.8, 1.2)
    sps_run = sps * rng.uniform(0.9, 1.1)
    points = curve(
        rng, task, steps, spec["num_evals"], first_update, sps_run, speed * rng.uniform(0.85, 1.15)
    )
    threshold = next((w for _, w, r in points if r >= THRESHOLDS[task]), None)
    per_seed = (
        [round(points[-1][2] + rng.normal(0, 20), 2) for _ in range(num_seeds)] if num_seeds > 1 else None
    )
    name = machine["gpu_name"] if kind == "gpu" else "cpu"
    return {
        "record_type": "run",
        "store_schema_version": STORE_SCHEMA_VERSION,
        "schema_version": 1,
        "contender": contender,
        "task": task,
        "preset": preset,
        "spec_hash": HASHES[preset],
        "spec": spec,
        "seed": seed,
        "device": {"kind": kind, "name": name, "requested": "auto", "fallback": False},
        "total_env_steps": steps,
        "startup_s": round(startup_s, 3),
        "compile_s": round(compile_s, 3),
        "first_update_s": round(first_update, 3),
        "sps": round(sps_run, 1),
        "rollout_s": round(0.6 * steps / sps_run, 3),
        "update_s": round(0.4 * steps / sps_run, 3),
        "wall_s": points[-1][1] + 1.0,
        "final_return": points[-1][2] if per_seed is None else float(np.mean(per_seed)),
        "time_to_threshold_s": threshold,
        "curve": points,
        "status": "ok",
        "error": None,
        "num_seeds": num_seeds,
        "per_seed_final_return": per_seed,
        "versions": VERSIONS,
        "extra": {"threads": machine["cpu_cores"], "approx_kl": 0.012, "clipfrac": 0.08},
        "exit_code": 0,
        "peak_rss_mb": round(rss * rng.uniform(0.95, 1.05), 1),
        "peak_device_mb": device_mb,
        "harness_wall_s": points[-1][1] + 1.5,
        "error_tail": None,
        "provenance": provenance(machine, preset, seed, contender, day),
    }


def broken_record(
    *,
    contender: str,
    preset: str,
    seed: int,
    status: str,
    exit_code: int,
    error: str | None,
    error_tail: str,
    machine: dict[str, Any],
    partial: dict[str, Any],
) -> dict[str, Any]:
    """A run that did not finish: only what the harness saw, plus whatever the trainer printed before."""
    return {
        "record_type": "run",
        "store_schema_version": STORE_SCHEMA_VERSION,
        "contender": contender,
        "preset": preset,
        "task": PRESETS[preset]["task"],
        "spec_hash": HASHES[preset],
        "spec": PRESETS[preset],
        "seed": seed,
        "status": status,
        "exit_code": exit_code,
        "error": error,
        "error_tail": error_tail,
        "peak_rss_mb": 850.0,
        "peak_device_mb": None,
        "harness_wall_s": 421.0,
        "provenance": provenance(machine, preset, seed, contender, 20),
        **partial,
    }


def code_metrics() -> list[dict[str, Any]]:
    rows = [
        ("jax_ppo", 312, 64, 2.4, 7, 4, 5),
        ("torch_ppo", 371, 71, 2.9, 9, 3, 0),
        ("shared_spec", 430, 95, 2.2, 8, 3, 0),
    ]
    out = []
    for impl, sloc, comments, cc_mean, cc_max, nesting, nested in rows:
        files = [
            {
                "path": f"{impl}/{name}.py",
                "sloc": sloc // 4,
                "comments": comments // 4,
                "cc_mean": cc_mean,
                "cc_max": cc_max,
                "max_nesting": nesting,
            }
            for name in ("networks", "losses", "train", "__main__")
        ]
        out.append(
            {
                "record_type": "code_metrics",
                "store_schema_version": STORE_SCHEMA_VERSION,
                "implementation": impl,
                "package": "ppo-bench",
                "framework": {"jax_ppo": "jax", "torch_ppo": "torch"}.get(impl, "shared"),
                "classification": None,  # measured before classifications: each package whole
                "tool": "radon 6.0.1",
                "sloc": sloc,
                "comments": comments,
                "cc_mean": cc_mean,
                "cyclomatic_max": cc_max,
                "max_nesting": nesting,
                "closures": nested,
                "files": files,
                "provenance": provenance(CPU_MACHINE, "cpu-quick", 0, "all", 20),
            }
        )
    return out


def controls() -> list[dict[str, Any]]:
    prov = provenance(CPU_MACHINE, "cpu-quick", 0, "controls", 20)
    env = [
        ("brax", "mjx", 64, 45210.0, 9.6),
        ("brax", "spring", 64, 139400.0, 5.1),
        ("brax", "mjx", 256, 52100.0, 10.2),
        ("gymnasium", "sync", 8, 26050.0, 0.0),
        ("gymnasium", "sync", 64, 27100.0, 0.0),
    ]
    learner = [
        ("jax-jit", 2048, [64, 64], 191.0),
        ("torch-eager", 2048, [64, 64], 142.0),
        ("jax-jit", 8192, [64, 64], 52.0),
        ("torch-eager", 8192, [64, 64], 37.0),
    ]
    out = [
        {
            "record_type": "env_throughput",
            "store_schema_version": STORE_SCHEMA_VERSION,
            "simulator": s,
            "backend": b,
            "num_envs": n,
            "steps_per_s": sps,
            "compile_s": c,
            "task": "inverted_pendulum",
            "status": "ok",
            "provenance": prov,
        }
        for s, b, n, sps, c in env
    ]
    out += [
        {
            "record_type": "learner_throughput",
            "store_schema_version": STORE_SCHEMA_VERSION,
            "framework": f,
            "batch_size": bs,
            "hidden": h,
            "updates_per_s": u,
            "samples_per_s": u * bs,
            "status": "ok",
            "provenance": prov,
        }
        for f, bs, h, u in learner
    ]
    return out


def several_seeds(rng: np.random.Generator) -> list[dict[str, Any]]:
    common = {"preset": "cpu-quick", "machine": CPU_MACHINE, "kind": "cpu"}
    records = [
        run_record(
            rng, contender="jax", seed=s, startup=4.6, compile_s=17.5, sps=9200, speed=1.3, rss=1450, **common
        )
        for s in range(4)
    ]
    records += [
        run_record(
            rng, contender="torch", seed=s, startup=2.2, compile_s=0.0, sps=2600, speed=1.2, rss=610, **common
        )
        for s in range(3)
    ]
    records.append(
        run_record(
            rng,
            contender="jax-vmap",
            seed=0,
            startup=4.7,
            compile_s=21.0,
            sps=24500,
            speed=1.3,
            rss=1600,
            num_seeds=3,
            **common,
        )
    )
    records.append(
        broken_record(
            contender="jax",
            preset="cpu-quick",
            seed=4,
            status="diverged",
            exit_code=3,
            error="NaN in pg_loss at update 12",
            error_tail="diverged: NaN in pg_loss",
            machine=CPU_MACHINE,
            partial={
                "startup_s": 4.5,
                "compile_s": 17.9,
                "final_return": None,
                "device": {"kind": "cpu", "name": "cpu", "requested": "auto", "fallback": False},
            },
        )
    )
    records.append(
        broken_record(
            contender="torch",
            preset="cpu-quick",
            seed=3,
            status="timeout",
            exit_code=-9,
            error=None,
            error_tail="killed after run_timeout_s=420",
            machine=CPU_MACHINE,
            partial={},
        )
    )
    records.append(
        broken_record(
            contender="torch-compile",
            preset="cpu-quick",
            seed=0,
            status="failed",
            exit_code=1,
            error=None,
            machine=CPU_MACHINE,
            partial={},
            error_tail="Traceback (most recent call last):\n  ...\n"
            "torch._dynamo.exc.BackendCompilerFailed: backend='inductor' <no gcc>",
        )
    )
    records.append(  # the same-simulator partner of jax: the framework question of the debate
        run_record(
            rng,
            contender="torch-brax",
            seed=0,
            startup=9.0,
            compile_s=21.0,
            sps=3100,
            speed=1.2,
            rss=1900,
            **common,
        )
    )
    return records + jax_gym(np.random.default_rng(20261127)) + code_metrics() + controls()


def jax_gym(rng: np.random.Generator) -> list[dict[str, Any]]:
    """The JAX learner on Gymnasium (its own RNG, so adding it left every other fixture number as it was)."""
    common = {"preset": "cpu-quick", "machine": CPU_MACHINE, "kind": "cpu"}
    records = [
        run_record(
            rng,
            contender="jax-gym",
            seed=s,
            startup=2.6,
            compile_s=3.2,
            sps=4300,
            speed=1.2,
            rss=700,
            **common,
        )
        for s in range(3)
    ]
    for record in records:
        record["extra"]["phase_split"] = (
            "timed inline around collect_batch and learn_from_batch (a host loop, as torch)"
        )
    return records


def single_seed(rng: np.random.Generator) -> list[dict[str, Any]]:
    common = {"preset": "cpu-quick", "machine": CPU_MACHINE, "kind": "cpu", "seed": 0}
    return [
        run_record(
            rng, contender="jax", startup=4.6, compile_s=17.5, sps=9200, speed=1.3, rss=1450, **common
        ),
        run_record(
            rng, contender="torch", startup=2.2, compile_s=0.0, sps=2600, speed=1.2, rss=610, **common
        ),
    ]


def gpu(rng: np.random.Generator) -> list[dict[str, Any]]:
    common = {"preset": "gpu-brax", "machine": GPU_MACHINE, "kind": "gpu", "day": 22}
    records = [
        run_record(
            rng,
            contender="jax",
            seed=s,
            startup=6.1,
            compile_s=48.0,
            sps=610_000,
            speed=1.1,
            rss=3100,
            device_mb=9800,
            **common,
        )
        for s in range(2)
    ]
    records += [
        run_record(
            rng,
            contender="torch",
            seed=s,
            startup=3.9,
            compile_s=0.0,
            sps=21_000,
            speed=1.0,
            rss=5200,
            device_mb=900,
            **common,
        )
        for s in range(2)
    ]
    return records


PAIRED_CONTENDERS = {  # contender: (startup s, compile s, SPS, learning speed, RSS MB)
    "jax": (4.6, 17.5, 9200, 1.3, 1450),
    "jax-gym": (2.6, 3.2, 2650, 1.2, 700),
    "torch": (2.2, 0.0, 2600, 1.2, 610),
    "torch-brax": (2.4, 3.0, 4600, 1.2, 900),
}
PAIRED_ROUNDS = 6


def paired_seeds(rng: np.random.Generator) -> list[dict[str, Any]]:
    """Interleaved rounds: round r runs seed r of every contender, with a drift factor shared by the round."""
    records = []
    for round_index in range(PAIRED_ROUNDS):
        drift = rng.uniform(0.85, 1.15)
        for contender, (startup, compile_s, sps, speed, rss) in PAIRED_CONTENDERS.items():
            record = run_record(
                rng,
                contender=contender,
                preset="cpu-quick",
                seed=round_index,
                machine=CPU_MACHINE,
                kind="cpu",
                startup=startup,
                compile_s=compile_s,
                sps=sps * drift,
                speed=speed,
                rss=rss,
                day=24,
            )
            records.append({**record, "round": round_index})
    return records


def write(name: str, records: list[dict[str, Any]]) -> Path:
    path = FIXTURE_DIR / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(json.dumps(r, sort_keys=True, allow_nan=False) + "\n" for r in records))
    return path


def main() -> None:
    rng = np.random.default_rng(20261126)
    for name, build in (
        ("several_seeds.jsonl", several_seeds),
        ("single_seed.jsonl", single_seed),
        ("gpu.jsonl", gpu),
        ("paired_seeds.jsonl", paired_seeds),
    ):
        print(write(name, build(rng)))


if __name__ == "__main__":
    main()
