"""Turn one child's outcome into a `run` record: the trainer's result line plus what only the parent saw.

Status rules (docs/DESIGN.md, "Reliability"): timed out -> `timeout`; killed by the harness over its memory cap
-> `failed`, "out of memory: ..." (the cap and the peak RSS in the error and the record); exit 3 with a
`diverged` result, or an `ok` result whose final_return or sps is NaN/inf or whose final_return is null ->
`diverged`; killed by SIGKILL (not by the harness), or a non-zero exit with an out-of-memory marker in the
stderr tail -> `failed`, "out of memory ..." (a run that exits 0 never is, whatever it logged); any other
non-zero exit, no parsable result line or a result for another spec hash -> `failed`, the record built from
what the parent knows.

Fields this module adds beyond the trainer's result (all optional for readers; older records lack them):
`memory_limit_mb` (the cap the run ran under), `sweep_point` (a scale sweep's point, else null), `loaded` and `loaded_reason` (bench.harness.load: measured
while other work used the cores), `provenance.cpu_load` (the numbers behind `loaded`).
"""

from __future__ import annotations

import math
import os
import signal
import time
from dataclasses import asdict
from typing import Any

from bench.harness.code_version import missed_modules
from bench.harness.load import loaded_reason
from bench.harness.provenance import run_provenance
from bench.harness.runner import ChildOutcome, default_memory_limit_mb, json_lines, run_child
from bench.harness.schedule import RunContext, ScheduledRun
from shared_spec.exit_codes import EXIT_DIVERGED, EXIT_OK
from shared_spec.result import RunResult, json_safe

OOM_MARKERS = ("MemoryError", "out of memory", "Out of memory", "OOM", "RESOURCE_EXHAUSTED")


def parse_result_line(stdout: str) -> dict[str, Any] | None:
    """The last line of `stdout` that parses as a JSON object, or None."""
    found = json_lines(stdout)
    return found[-1] if found else None


def _is_finite_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def _nonfinite_fields(result: dict[str, Any]) -> list[str]:
    """Fields of an `ok` result that show divergence: a final_return not finite or null, an sps not finite."""
    bad = [] if _is_finite_number(result.get("final_return")) else ["final_return"]
    sps = result.get("sps")
    return bad if sps is None or _is_finite_number(sps) else [*bad, "sps"]


def _looks_oom(outcome: ChildOutcome) -> bool:
    """A run that failed out of memory: killed by SIGKILL (the kernel's OOM killer), or a non-zero exit with an
    OOM marker in its stderr. A successful run may log such markers (XLA's autotuner does): they do not count."""
    if outcome.exit_code == EXIT_OK:
        return False
    killed = outcome.exit_code == -signal.SIGKILL and not outcome.timed_out
    return killed or any(marker in outcome.stderr_tail() for marker in OOM_MARKERS)


def classify(
    outcome: ChildOutcome, result: dict[str, Any] | None, spec_hash: str, timeout_s: float
) -> tuple[str, str | None]:
    """(status, error) of one run; see the module docstring for the rules."""
    last_line = outcome.stderr_tail(1).strip() or "(no stderr)"
    if outcome.timed_out:
        return (
            "timeout",
            f"timed out after {timeout_s:g} s (spec.run_timeout_s, or a campaign's budget); killed",
        )
    if outcome.over_memory_limit:
        return "failed", (
            f"out of memory: the run's processes held {outcome.peak_rss_mb:.0f} MB at peak, over the cap of "
            f"{outcome.memory_limit_mb:g} MB (--memory-limit-mb); killed by the harness"
        )
    if _looks_oom(outcome):
        return "failed", f"out of memory (exit code {outcome.exit_code}): {last_line}"
    if result is not None and result.get("spec_hash") != spec_hash:
        return "failed", f"spec_hash mismatch: harness {spec_hash}, trainer {result.get('spec_hash')!r}"
    if outcome.exit_code == EXIT_DIVERGED and result is not None and result.get("status") == "diverged":
        return "diverged", result.get("error") or f"diverged (exit code {EXIT_DIVERGED})"
    if outcome.exit_code != EXIT_OK:
        # Prefer the trainer's own error (e.g. brax-ppo's "brax.training unusable here: ...") to a log line.
        reason = (result or {}).get("error") or last_line
        return "failed", f"exit code {outcome.exit_code}: {reason}"
    if result is None:
        return "failed", "exit code 0 but no JSON result line on stdout"
    if result.get("status") != "ok":
        return "failed", f"result status {result.get('status')!r} with exit code 0"
    bad = _nonfinite_fields(result)
    if bad:
        return "diverged", f"non-finite {', '.join(bad)} in an ok result"
    return "ok", None


def execute(context: RunContext, run: ScheduledRun) -> dict[str, Any]:
    """One scheduled run in its own child process on this machine: its record (the caller stores it). A Ray
    task runs this same function, so provenance (hostname, hardware, load) is the machine's that ran it."""
    started, load_before = time.time(), os.getloadavg()[0]
    timeout_s = min(context.spec.run_timeout_s, context.timeout_s or context.spec.run_timeout_s)
    memory_mb = context.memory_limit_mb or default_memory_limit_mb()
    outcome = run_child(run.argv, timeout_s, run.log_path, trace_modules=True, memory_limit_mb=memory_mb)
    record = run_record(context, run, outcome, timeout_s)
    # Other work on the machine skews timings; the 1-minute load average around the run shows it.
    load = {"start": round(load_before, 2), "end": round(os.getloadavg()[0], 2)}
    record["provenance"].update(started_unix=started, load_avg_1m=load)
    return record


def run_record(
    context: RunContext, run: ScheduledRun, outcome: ChildOutcome, timeout_s: float | None = None
) -> dict[str, Any]:
    """The store record of one planned run from its child's outcome (or a stand-in outcome for a lost run);
    `timeout_s`: the limit it ran under (default the spec's)."""
    spec, device, name = context.spec, context.device, run.contender.name
    result = parse_result_line(outcome.stdout)
    status, error = classify(outcome, result, spec.spec_hash(), timeout_s or spec.run_timeout_s)
    # What the harness asked for is the resume key: a trainer that mislabels its run must not break it.
    asked = {"contender": name, "seed": run.seed, "preset": context.preset, "num_seeds": run.num_seeds}
    base = result
    if base is None:  # no usable result line: what the parent knows
        trainer_device = {k: device.get(k) for k in ("kind", "name", "requested", "fallback")}
        base = asdict(RunResult.for_spec(spec, **asked, device=trainer_device))
    identity = {"contender": name, "preset": context.preset, "spec_hash": spec.spec_hash(), "seed": run.seed}
    provenance = run_provenance(device, run.argv, context.bench_argv, **identity)
    loaded = loaded_reason(outcome.cpu_load)
    record = {
        **base,
        **{f"trainer_{key}": base.get(key) for key, value in asked.items() if base.get(key) != value},
        **asked,
        "record_type": "run",
        "status": status,
        "error": error,
        "exit_code": outcome.exit_code,
        "timed_out": outcome.timed_out,
        "peak_rss_mb": round(outcome.peak_rss_mb, 1),
        "peak_device_mb": _peak_device_mb(base),
        "harness_wall_s": round(outcome.wall_s, 3),
        "error_tail": None if status == "ok" else outcome.stderr_tail(),
        "result_parsed": result is not None,
        "memory_limit_mb": outcome.memory_limit_mb,
        "loaded": loaded is not None,
        "loaded_reason": loaded,
        "provenance": {
            **provenance,
            "log_path": str(run.log_path),
            "code_version": run.code_version,
            "cpu_load": outcome.cpu_load,
        },
        "device": _device_label(base.get("device"), device),
        "code_version": run.code_version,
        "code_version_missed": missed_modules(run.contender, outcome.loaded_modules),
        "round": run.seed,
        "position_in_round": run.position_in_round,
        "sweep_point": context.sweep_point,
    }
    return json_safe(record)


def _device_label(trainer: Any, chosen: dict[str, Any]) -> dict[str, Any]:
    """The trainer's device report, with what the user asked the bench for and the bench's CPU fallback (the
    trainer is told `device=cpu|gpu`, so only the bench knows that `auto` fell back to the CPU)."""
    reported = dict(trainer) if isinstance(trainer, dict) else {}
    return {
        **reported,
        "kind": reported.get("kind") or chosen.get("kind"),
        "name": reported.get("name") or chosen.get("name"),
        "trainer_requested": reported.get("requested"),
        "requested": chosen.get("requested"),
        "fallback": bool(chosen.get("fallback")) or bool(reported.get("fallback")),
        "fallback_reason": chosen.get("reason")
        if chosen.get("fallback")
        else reported.get("fallback_reason"),
    }


def _peak_device_mb(result: dict[str, Any]) -> float | None:
    """Peak accelerator memory as the trainer measured it (top level or `extra`): polling nvidia-smi from the
    parent would see JAX's preallocated pool, not what the run used."""
    extra = result.get("extra") if isinstance(result.get("extra"), dict) else {}
    value = result.get("peak_device_mb", extra.get("peak_device_mb"))
    return value if _is_finite_number(value) else None
