"""Foreign load during a run: CPU time that neither the run nor the harness used, and the rule that marks a run
`loaded` (its timings shared the cores with other work, so the report keeps it out of figures by default).

The rule, over the run's wall time W on the CPUs of the harness's CPU set (N of them):

    busy    = CPU seconds those CPUs spent busy (user, nice, system, irq, softirq; not idle, iowait, steal)
    own     = CPU seconds of the run's process tree (wait4's rusage: the child and the descendants it reaped;
              or, if more, the sum over every tree member the harness's polls saw, unreaped ones included)
              + the harness process's own CPU seconds over the run (its polling threads)
    foreign = (busy - own) / W                 # cores' worth of other work, on average over the run
    loaded  = foreign > max(FOREIGN_CORES_MIN, FOREIGN_SHARE * N)

Why CPU time, not the load average: the 1-minute load average lags (a run's start value is mostly the run
before it), and counts the run's own runnable threads, which differ by contender (XLA keeps every core busy,
torch with torch_threads=1 one core, an async vector env one process per worker, more than the cores). CPU time
used by other processes is what took cores from the run, whatever the run itself does. The load average is
still recorded (provenance.load_avg_1m) for a reader to compare.
"""

from __future__ import annotations

import os
import resource
import time
from dataclasses import dataclass
from typing import Any

import psutil

FOREIGN_CORES_MIN = 0.25
"""Foreign work below a quarter of a core on average is noise (daemons, the shell, the Ray raylet)."""
FOREIGN_SHARE = 0.10
"""On a many-core host, foreign work below a tenth of its cores is noise for a run."""
BUSY_FIELDS = ("user", "nice", "system", "irq", "softirq")


@dataclass(frozen=True)
class CpuSample:
    """The CPU counters one run's foreign load is computed from, taken before and after it."""

    at: float
    """time.monotonic()."""
    busy_s: float
    """Busy seconds of the CPU set's CPUs since boot."""
    harness_s: float
    """This process's own CPU seconds (user + system, every thread)."""


def cpu_set() -> list[int]:
    return sorted(os.sched_getaffinity(0))


def sample(cpus: list[int] | None = None) -> CpuSample:
    """The counters now, for `cpus` (default: this process's CPU set, which every child inherits)."""
    per_cpu = psutil.cpu_times(percpu=True)
    chosen = [per_cpu[i] for i in (cpus if cpus is not None else cpu_set()) if i < len(per_cpu)]
    busy = sum(getattr(times, name, 0.0) for times in chosen for name in BUSY_FIELDS)
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return CpuSample(time.monotonic(), busy, usage.ru_utime + usage.ru_stime)


def foreign_load(before: CpuSample, after: CpuSample, run_cpu_s: float, cpus: int) -> dict[str, Any]:
    """`provenance.cpu_load` of one run: the CPU set's size and, in cores on average over the run, how busy
    it was, how much of that the run and the harness were, and the rest (foreign)."""
    wall = max(after.at - before.at, 1e-9)
    busy = max(after.busy_s - before.busy_s, 0.0)
    own = run_cpu_s + max(after.harness_s - before.harness_s, 0.0)
    return {
        "cpus": cpus,
        "wall_s": round(wall, 3),
        "busy_cores": round(busy / wall, 3),
        "own_cores": round(own / wall, 3),
        "foreign_cores": round(max(busy - own, 0.0) / wall, 3),
    }


def threshold_cores(cpus: int) -> float:
    """Foreign cores above which a run is `loaded` (module docstring)."""
    return max(FOREIGN_CORES_MIN, FOREIGN_SHARE * cpus)


def loaded_reason(cpu_load: dict[str, Any] | None) -> str | None:
    """Why a run counts as measured under foreign load, or None (also when nothing was measured)."""
    if not cpu_load or not isinstance(cpu_load.get("foreign_cores"), int | float):
        return None
    limit = threshold_cores(int(cpu_load.get("cpus") or 1))
    if cpu_load["foreign_cores"] <= limit:
        return None
    return (
        f"other work used {cpu_load['foreign_cores']:.2f} of {cpu_load['cpus']} CPUs on average during the run "
        f"(the run itself {cpu_load['own_cores']:.2f}); over {limit:.2f}, the limit for foreign load"
    )
