"""Run one child process and measure what only the parent can see: exit status, wall time, peak host memory.

The one way the bench starts a child (trainers, controls, the env parity check, a campaign's steps): in its own
session, so a timeout can end everything it started; output to temporary files (no pipe can fill and block
it), then one log file; its JSON lines on stdout are its report. Peak RSS is per run, the summed high-water
mark (VmHWM) of the child's process tree (async env workers count), never the cumulative `RUSAGE_CHILDREN`.

A memory cap (`memory_limit_mb`) is enforced by the same poll: when the tree's resident memory (summed VmRSS)
passes it, the tree is killed and the outcome says so. Not RLIMIT_AS: XLA reserves far more virtual address
space than it touches; not a cgroup: cgroup v2's memory.max is writable only on some machines (not on cgroup
v1 hosts, nor in most containers), and the poll works everywhere. The poll runs every POLL_INTERVAL_S, so a tree that grows faster than that may pass the cap by what it grows in
one interval before it is killed.
"""

from __future__ import annotations

import contextlib
import json
import os
import resource
import shlex
import signal
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psutil

from bench.harness import load
from bench.harness.child_entry import HARNESS_PID_ENV
from bench.harness.write_errors import writing

POLL_INTERVAL_S = 0.2
KILL_GRACE_S = 3.0
ERROR_TAIL_LINES = 40
DEFAULT_MEMORY_SHARE = 0.75
"""A run may use this share of the machine's memory by default (runs go one at a time): the rest keeps the
harness, the shell and the OS alive when a run grows without bound."""


@dataclass
class ChildOutcome:
    """What happened to one child process."""

    argv: list[str]
    exit_code: int
    """Exit status as `subprocess` reports it: negative = killed by that signal."""
    timed_out: bool
    wall_s: float
    peak_rss_mb: float
    stdout: str
    stderr: str
    loaded_modules: dict[str, str] | None = field(default=None)
    """Project modules the child imported (name -> file), when run with `trace_modules`; None otherwise."""
    memory_limit_mb: float | None = None
    """The cap it ran under (None: none)."""
    over_memory_limit: bool = False
    """Killed by the harness because its tree's resident memory passed `memory_limit_mb`."""
    cpu_load: dict[str, Any] | None = None
    """The CPU set's use during the run, its own and foreign (bench.harness.load.foreign_load)."""

    def stderr_tail(self, lines: int = ERROR_TAIL_LINES) -> str:
        """The last `lines` lines of stderr (where tracebacks land)."""
        return "\n".join(self.stderr.rstrip("\n").splitlines()[-lines:])


def _memory_bytes(member: psutil.Process) -> tuple[int, int]:
    """(resident now, peak resident since exec) of one process: VmRSS and VmHWM from /proc (VmHWM catches
    peaks between polls), else psutil's RSS for both."""
    found: dict[str, int] = {}
    try:
        with open(f"/proc/{member.pid}/status") as status:
            for line in status:
                if line.startswith(("VmRSS:", "VmHWM:")):
                    found[line[:5]] = int(line.split()[1]) * 1024
    except (OSError, ValueError):
        pass
    if len(found) < 2:
        rss = member.memory_info().rss
        return rss, rss
    return found["VmRSS"], found["VmHWM"]


@dataclass
class _TreeSample:
    """One poll of the child's process tree."""

    rss_bytes: int = 0
    """Summed resident memory now (what the cap is checked against)."""
    hwm_bytes: int = 0
    """Summed peak resident memory (VmHWM) of the members alive now."""
    cpu_s: dict[int, float] = field(default_factory=dict)
    """pid -> CPU seconds (user + system) each member has used so far."""


def _sample_tree(proc: psutil.Process) -> _TreeSample:
    """Memory and CPU of `proc` and its descendants; processes that vanish mid-walk count as 0.

    VmHWM keeps a peak between polls, but a process that lives less than one interval after its peak can be
    missed. Not `ru_maxrss` from wait4: Linux keeps it across exec, so it would count the harness's pages.
    """
    found = _TreeSample()
    try:
        members = [proc, *proc.children(recursive=True)]
    except psutil.Error:
        return found
    own_cmdline = psutil.Process().cmdline()
    for member in members:
        with contextlib.suppress(psutil.Error):
            # Between fork and exec the child is still a copy of this (possibly large) harness process.
            if member.cmdline() != own_cmdline:
                rss, hwm = _memory_bytes(member)
                found.rss_bytes, found.hwm_bytes = found.rss_bytes + rss, found.hwm_bytes + hwm
                times = member.cpu_times()
                found.cpu_s[member.pid] = times.user + times.system
    return found


def _kill_group(pid: int) -> None:
    """SIGTERM the child's process group and every descendant (some start their own sessions, as the bench's
    own children do), then SIGKILL whatever is left after a grace period."""
    try:
        descendants = psutil.Process(pid).children(recursive=True)
    except psutil.Error:
        descendants = []
    for sig, grace in ((signal.SIGTERM, KILL_GRACE_S), (signal.SIGKILL, 0.0)):
        for member in descendants:
            with contextlib.suppress(psutil.Error):
                member.send_signal(sig)
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(pid, sig)
        deadline = time.monotonic() + grace
        psutil.wait_procs(descendants, timeout=grace)
        while time.monotonic() < deadline and not _exited(pid):
            time.sleep(0.05)


def _exited(pid: int) -> bool:
    """Whether the child `pid` has ended (it is left to be reaped)."""
    try:
        return os.waitid(os.P_PID, pid, os.WEXITED | os.WNOHANG | os.WNOWAIT) is not None
    except ChildProcessError:
        return True


@dataclass
class _Waited:
    exit_code: int
    timed_out: bool
    wall_s: float
    peak_bytes: int
    over_memory_limit: bool
    cpu_s: float
    """CPU seconds of the child's process tree (wait4's rusage, or what the polls saw if more)."""


def _wait(proc: subprocess.Popen, timeout_s: float, start: float, limit_bytes: float | None) -> _Waited:
    """Poll until the child exits, times out or its tree's resident memory passes `limit_bytes`."""
    handle, peak, timed_out, over = psutil.Process(proc.pid), 0, False, False
    seen_cpu_s: dict[int, float] = {}  # pid -> CPU seconds at its last poll, the tree's members ever seen
    interval = POLL_INTERVAL_S / 16  # fast at first, so that a short child is seen after its exec
    while (reaped := os.wait4(proc.pid, os.WNOHANG))[0] != proc.pid:
        tree = _sample_tree(handle)
        peak = max(peak, tree.hwm_bytes)
        seen_cpu_s.update(tree.cpu_s)
        timed_out = time.monotonic() - start > timeout_s
        over = limit_bytes is not None and tree.rss_bytes > limit_bytes
        if timed_out or over:
            _kill_group(proc.pid)
            reaped = os.wait4(proc.pid, 0)
            break
        time.sleep(interval)
        interval = min(2 * interval, POLL_INTERVAL_S)
    proc.returncode = os.waitstatus_to_exitcode(reaped[1])  # reaped here: Popen must never wait again
    usage: resource.struct_rusage = reaped[2]
    # wait4 counts the child and the descendants it reaped; the polls also saw those it did not reap (a
    # worker pool killed at exit): the larger is the tree's CPU time (each misses a little of the other's).
    cpu_s = max(usage.ru_utime + usage.ru_stime, sum(seen_cpu_s.values()))
    return _Waited(proc.returncode, timed_out, time.monotonic() - start, peak, over, cpu_s)


def default_memory_limit_mb() -> float:
    """The cap of a run when none is given: DEFAULT_MEMORY_SHARE of this machine's memory (one run at a time)."""
    return round(DEFAULT_MEMORY_SHARE * psutil.virtual_memory().total / 2**20)


def run_child(
    argv: list[str],
    timeout_s: float,
    log_path: Path,
    env: dict[str, str] | None = None,
    trace_modules: bool = False,
    memory_limit_mb: float | None = None,
) -> ChildOutcome:
    """Run `argv` to completion, `timeout_s` or `memory_limit_mb` (None: no cap), save its output to
    `log_path`, return what happened; with `trace_modules` it runs under `bench.harness.child_entry`, which
    lists the project modules it loaded (and dies with this process: see child_entry)."""
    with writing(log_path):
        log_path.parent.mkdir(parents=True, exist_ok=True)
    env = None if env is None else {**os.environ, **env}  # `env`: variables added to this process's
    if trace_modules:  # child_entry dies with this process
        env = {**(env or os.environ), HARNESS_PID_ENV: str(os.getpid())}
    limit = None if memory_limit_mb is None else memory_limit_mb * 2**20
    cpus = load.cpu_set()
    with (
        tempfile.TemporaryFile("w+") as out,
        tempfile.TemporaryFile("w+") as err,
        tempfile.TemporaryDirectory() as tmp,
    ):
        modules_file = Path(tmp) / "modules.json"
        command = [argv[0], "-m", "bench.harness.child_entry", str(modules_file), *argv[1:]]
        before = load.sample(cpus)
        start = time.monotonic()
        proc = subprocess.Popen(
            command if trace_modules else argv,
            stdout=out, stderr=err, stdin=subprocess.DEVNULL, start_new_session=True, env=env,
        )  # fmt: skip
        try:
            waited = _wait(proc, timeout_s, start, limit)
        except BaseException:  # Ctrl-C or any harness error: never leave a child running
            _kill_group(proc.pid)
            proc.wait()
            raise
        cpu_load = load.foreign_load(before, load.sample(cpus), waited.cpu_s, len(cpus))
        out.seek(0)
        err.seek(0)
        loaded = json.loads(modules_file.read_text()) if modules_file.exists() else None
        outcome = ChildOutcome(
            argv, waited.exit_code, waited.timed_out, waited.wall_s, waited.peak_bytes / 2**20, out.read(),
            err.read(), loaded, memory_limit_mb, waited.over_memory_limit, cpu_load,
        )  # fmt: skip
    _write_log(log_path, outcome)
    return outcome


def _write_log(path: Path, outcome: ChildOutcome) -> None:
    """One log file per run: the command, the outcome, then stdout and stderr."""
    header = (
        f"# command: {shlex.join(outcome.argv)}\n"
        f"# exit_code: {outcome.exit_code}  timed_out: {outcome.timed_out}  "
        f"wall_s: {outcome.wall_s:.2f}  peak_rss_mb: {outcome.peak_rss_mb:.1f}  "
        f"over_memory_limit: {outcome.over_memory_limit} (limit {outcome.memory_limit_mb} MB)\n"
    )
    with writing(path):
        path.write_text(f"{header}# ---- stdout ----\n{outcome.stdout}# ---- stderr ----\n{outcome.stderr}")


def run_rows(
    argv: list[str], timeout_s: float, log_path: Path, env: dict[str, str] | None = None
) -> tuple[list[dict], str | None]:
    """Run a measuring child (a control, the env parity check): (its JSON lines, an error or None); the error
    is the timeout, or the exit code with the output's last lines (pytest reports on stdout)."""
    outcome = run_child(argv, timeout_s, log_path, env={"PYTHONUNBUFFERED": "1", **(env or {})})
    if outcome.timed_out:
        error = f"timeout after {timeout_s:.0f} s"
    else:
        tail = "\n".join((outcome.stdout + outcome.stderr).splitlines()[-20:])
        error = None if outcome.exit_code == 0 else f"exit code {outcome.exit_code}: {tail}"
    return json_lines(outcome.stdout), error


def json_lines(stdout: str) -> list[dict]:
    """Every line of `stdout` that parses as a JSON object, in order (the children's one way to report)."""
    found = []
    for line in stdout.splitlines():
        with contextlib.suppress(json.JSONDecodeError):
            if line.strip().startswith("{") and isinstance(value := json.loads(line), dict):
                found.append(value)
    return found
