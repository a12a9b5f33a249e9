"""The trainers' result line: one JSON object, printed last on stdout, read by the bench harness.

Both trainers fill the same `RunResult`, so the harness and the report never special-case a contender.
The schema is versioned; add fields, never rename or drop them.
"""

from __future__ import annotations

import json
import math
import os
import sys
import time
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from shared_spec.spec import PPOSpec

RESULT_SCHEMA_VERSION = 1


def process_start_time() -> float:
    """Wall-clock (epoch) time at which this process started, read from the OS (so imports count)."""
    try:
        import psutil

        return psutil.Process(os.getpid()).create_time()
    except Exception:  # psutil missing or unreadable /proc: fall back to the import time of this module
        return _MODULE_IMPORT_TIME


_MODULE_IMPORT_TIME = time.time()


def seconds_since_start() -> float:
    """Seconds since this process started."""
    return time.time() - process_start_time()


@dataclass
class RunResult:
    """Everything one training run reports; see the metric table in docs/DESIGN.md."""

    contender: str
    task: str
    preset: str
    spec_hash: str
    seed: int
    device: dict[str, Any]
    """{"kind": "cpu"|"gpu", "name": str, "requested": "auto"|"cpu"|"gpu", "fallback": bool}."""
    spec: dict[str, Any]
    total_env_steps: int = 0
    startup_s: float | None = None
    compile_s: float | None = None
    first_update_s: float | None = None
    sps: float | None = None
    rollout_s: float | None = None
    """Seconds spent in env stepping + action sampling over the steady-state part (None if not separable)."""
    update_s: float | None = None
    """Seconds spent in PPO updates over the steady-state part (None if not separable)."""
    train_s: float | None = None
    """Seconds executing training updates (the first included, compilation excluded)."""
    eval_s: float | None = None
    """Seconds in evaluations (every curve point); startup + compile + train + eval = wall_s within 2%."""
    wall_s: float | None = None
    final_return: float | None = None
    time_to_threshold_s: float | None = None
    curve: list[list[float]] = field(default_factory=list)
    """[[env_steps, wall_s_since_process_start, eval_return], ...], the first point before training."""
    status: str = "ok"
    """"ok" or "diverged"."""
    error: str | None = None
    num_seeds: int = 1
    """Seeds trained in this one program (> 1 only for vmapped variants; then figures are per program)."""
    per_seed_final_return: list[float] | None = None
    versions: dict[str, str] = field(default_factory=dict)
    extra: dict[str, Any] = field(default_factory=dict)
    """Contender-specific diagnostics (threads, last approx_kl, ...)."""
    schema_version: int = RESULT_SCHEMA_VERSION

    @classmethod
    def for_spec(
        cls, spec: PPOSpec, *, contender: str, preset: str, seed: int, device: dict[str, Any], **fields: Any
    ) -> RunResult:
        """A result whose task, spec hash and spec dict are derived from `spec` (never typed twice)."""
        return cls(
            contender=contender, task=spec.task, preset=preset, spec_hash=spec.spec_hash(), seed=seed,
            device=device, spec=spec.to_dict(), **fields,
        )  # fmt: skip

    def to_json(self) -> str:
        """One JSON line; NaN/inf become null so the line is strict JSON."""
        return json.dumps(json_safe(asdict(self)), sort_keys=True)


def json_safe(value: Any) -> Any:
    """`value` with NaN/inf floats replaced by None, so a JSON line is strict JSON."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [json_safe(v) for v in value]
    return value


def emit_result(result: RunResult) -> None:
    """Print the result line last on stdout and flush it (the harness reads the last JSON line)."""
    sys.stdout.write(result.to_json() + "\n")
    sys.stdout.flush()


def time_to_threshold(curve: list[list[float]], threshold: float) -> float | None:
    """Wall seconds (since process start) of the first evaluation whose return reaches `threshold`."""
    for _steps, wall, ret in curve:
        if ret is not None and math.isfinite(ret) and ret >= threshold:
            return wall
    return None


def package_versions(names: tuple[str, ...]) -> dict[str, str]:
    """Installed versions of `names` (missing ones are 'absent'), plus Python's."""
    from importlib import metadata

    versions = {"python": sys.version.split()[0]}
    for name in names:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = "absent"
    return versions
