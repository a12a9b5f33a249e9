"""The host's CPU model, read once here for every record (trainers and harness alike); no framework imports."""

from __future__ import annotations

import os
import platform


def cpu_model() -> str:
    """The CPU's model name from /proc/cpuinfo, else what `platform` knows, else "cpu"."""
    try:
        with open("/proc/cpuinfo") as cpuinfo:
            for line in cpuinfo:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "cpu"


def cpu_name() -> str:
    """CPU model and core count, the device name of a CPU run, e.g. "AMD EPYC 7B13 (2 cores)"."""
    return f"{cpu_model()} ({os.cpu_count()} cores)"
