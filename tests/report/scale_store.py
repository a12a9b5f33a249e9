"""A small synthetic scale-sweep store for the report's tests: made-up numbers, never measurements.

Every run's time per update is the controls' sum (env part + learner part + the hand-off's rest), times one
factor per round (drift that pairing cancels) and a small per-run wobble, so the cost model predicts it within
a few percent, except where `MISSES` puts extra seconds in one half of the update (torch at 256x256). jax /
torch-brax is about 1x at 4 and 16 envs, 2x at 64 and 3x at 256 (a crossover at 64); jax-gym / torch about 1x.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from bench.harness.store import STORE_SCHEMA_VERSION

BATCH, MINIBATCHES, EPOCHS, STEADY_UPDATES = 2048, 8, 10, 11
NUM_ENVS = (4, 16, 64, 256)
WIDTHS = ((64, 64), (256, 256))
WIDTH_ENVS = 16
TASK, PRESET = "inverted_pendulum", "cpu-scale"
MACHINE = {"hostname": "bench-cpu-1", "cpu_model": "AMD EPYC 7B13", "cpu_cores": 2, "gpu_name": None}
ENV_SPS = {("brax", n): 2000.0 * n for n in NUM_ENVS} | {("gymnasium", n): 30000.0 for n in NUM_ENVS}
LEARNER_S = {("jax-jit", (64, 64)): 0.10, ("torch-eager", (64, 64)): 0.10, ("jax-jit", (256, 256)): 0.3,
             ("torch-eager", (256, 256)): 0.4}  # fmt: skip
FUSED_MS = 0.7
TARGET = {4: 1.0, 16: 1.0, 64: 2.0, 256: 3.0}
"""jax / torch-brax steady SPS the hand-off control's torch figure is chosen to give at each num_envs."""


def handoff_ms(num_envs: int) -> dict[str, float]:
    """ms per env step of the hand-off control (the env's own share included), fused and torch over DLPack."""
    steps, learner = BATCH // num_envs, LEARNER_S[("jax-jit", (64, 64))]
    jax_s = steps * FUSED_MS / 1e3 + learner
    return {"fused": FUSED_MS, "torch_dlpack": (TARGET[num_envs] * jax_s - learner) / steps * 1e3}


MISSES = {("torch", WIDTH_ENVS, (256, 256)): ("update", 0.2)}
"""(contender, num_envs, width) -> (half, extra seconds per update) the controls do not predict."""
DRIFT = (1.0, 1.04, 0.97, 1.02)
WOBBLE = (1.0, 1.005, 0.995, 1.01)
FRAMEWORK = {"jax": "jax-jit", "jax-gym": "jax-jit", "torch": "torch-eager", "torch-brax": "torch-eager"}
SIMULATOR = {"jax": "brax", "torch-brax": "brax", "jax-gym": "gymnasium", "torch": "gymnasium"}


def spec_hash(num_envs: int, hidden: tuple[int, ...]) -> str:
    return f"pt{num_envs:04d}w{hidden[0]:04d}"


def predicted(contender: str, num_envs: int, hidden: tuple[int, ...]) -> tuple[float, float, float | None]:
    """(env, learner, rest) seconds per update as the cost model must compute them from the controls."""
    simulator, steps = SIMULATOR[contender], BATCH // num_envs
    env_s = BATCH / ENV_SPS[(simulator, num_envs)]
    rest = None
    if simulator == "brax":
        mode = "fused" if contender == "jax" else "torch_dlpack"
        rest = steps * (handoff_ms(num_envs)[mode] / 1e3 - num_envs / ENV_SPS[(simulator, num_envs)])
    return env_s, LEARNER_S[(FRAMEWORK[contender], hidden)], rest


def run_record(contender: str, num_envs: int, hidden: tuple[int, ...], seed: int) -> dict[str, Any]:
    env_s, learner_s, rest = predicted(contender, num_envs, hidden)
    rollout_s, update_s = env_s + (rest or 0.0), learner_s
    half, extra = MISSES.get((contender, num_envs, hidden), ("update", 0.0))
    rollout_s, update_s = (
        (rollout_s + extra, update_s) if half == "rollout" else (rollout_s, update_s + extra)
    )
    scale = DRIFT[seed] * WOBBLE[(seed + len(contender)) % 4]
    rollout_s, update_s = rollout_s * scale, update_s * scale
    sps = BATCH / (rollout_s + update_s)
    spec = {"task": TASK, "num_envs": num_envs, "num_steps": BATCH // num_envs, "actor_hidden": list(hidden),
            "critic_hidden": list(hidden), "num_minibatches": MINIBATCHES, "update_epochs": EPOCHS,
            "total_timesteps": BATCH * 12, "brax_backend": "mjx", "vector_env": "sync", "device": "cpu"}  # fmt: skip
    first_update = {"jax": 30.0, "jax-gym": 10.0}.get(contender, 4.0)
    return {
        "record_type": "run", "store_schema_version": STORE_SCHEMA_VERSION, "contender": contender, "task": TASK,
        "preset": PRESET, "spec_hash": spec_hash(num_envs, hidden), "spec": spec, "seed": seed, "round": seed,
        "status": "ok", "exit_code": 0, "device": {"kind": "cpu", "name": "cpu"}, "sps": sps,
        "rollout_s": rollout_s * STEADY_UPDATES, "update_s": update_s * STEADY_UPDATES,
        "first_update_s": first_update, "total_env_steps": BATCH * 12, "final_return": 100.0,
        "curve": [[0, 1.0, 10.0], [BATCH * 12, 40.0, 100.0]], "code_version": f"code-{contender}",
        "sweep_point": {"sweep": "scale", "num_envs": num_envs, "num_steps": BATCH // num_envs,
                        "hidden": list(hidden), "batch_size": BATCH},
        "provenance": {**MACHINE, "started_unix": 1_000_000.0 + seed * 1000 + num_envs + sum(hidden)},
    }  # fmt: skip


def control_records() -> list[dict[str, Any]]:
    common = {"store_schema_version": STORE_SCHEMA_VERSION, "status": "ok", "provenance": dict(MACHINE)}
    out = [
        {**common, "record_type": "env_throughput", "simulator": sim, "backend": "mjx" if sim == "brax" else "sync",
         "task": TASK, "num_envs": n, "steps_per_s": rate}
        for (sim, n), rate in ENV_SPS.items()
    ]  # fmt: skip
    out += [
        {**common, "record_type": "learner_throughput", "framework": fw, "task": TASK, "batch_size": BATCH,
         "hidden": list(hidden), "num_minibatches": MINIBATCHES, "update_epochs": EPOCHS,
         "update_s_mean": seconds, "updates_per_s": 1 / seconds}
        for (fw, hidden), seconds in LEARNER_S.items()
    ]  # fmt: skip
    points = [(n, (64, 64)) for n in NUM_ENVS] + [(WIDTH_ENVS, WIDTHS[1])]
    out += [
        {**common, "record_type": "handoff", "preset": PRESET, "spec_hash": spec_hash(n, hidden), "num_envs": n,
         "ms_per_step": handoff_ms(n)}
        for n, hidden in points
    ]  # fmt: skip
    return out


def scale_records(seeds: int = 4, with_controls: bool = True) -> list[dict[str, Any]]:
    points = [(n, (64, 64)) for n in NUM_ENVS] + [(WIDTH_ENVS, WIDTHS[1])]
    runs = [
        run_record(contender, n, hidden, seed)
        for seed in range(seeds)
        for n, hidden in points
        for contender in ("jax", "torch-brax", "jax-gym", "torch")
    ]
    return runs + (control_records() if with_controls else [])


def write_store(path: Path, records: list[dict[str, Any]]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    return path
