"""Run one child process and measure what only the parent can see: exit status, wall time, peak host memory.

The one way the bench starts a child (trainers, controls, the env parity check, a campaign's steps): in its own
session, so a timeout can end everything it started; output to temporary files (no pipe can fill and block
it), then one log file; its JSON lines on stdout are its report. Peak RSS is per run, the summed high-water
mark (VmHWM) of the child's process tree (async env workers count), never the cumulative `RUSAGE_CHILDREN`.
"""

from __future__ import annotations

import contextlib
import json
import os
import shlex
import signal
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import psutil

POLL_INTERVAL_S = 0.2
KILL_GRACE_S = 3.0
ERROR_TAIL_LINES = 40


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

    def stderr_tail(self, lines: int = ERROR_TAIL_LINES) -> str:
        """The last `lines` lines of stderr (where tracebacks land)."""
        return "\n".join(self.stderr.rstrip("\n").splitlines()[-lines:])


def _high_water_bytes(member: psutil.Process) -> int:
    """Peak RSS of one process since its exec: VmHWM from /proc (catches peaks between polls), else RSS."""
    try:
        with open(f"/proc/{member.pid}/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError):
        pass
    return member.memory_info().rss


def _tree_rss_bytes(proc: psutil.Process) -> int:
    """Summed peak RSS (VmHWM) of `proc` and its descendants; processes that vanish mid-walk count as 0.

    VmHWM keeps a peak between polls, but a process that lives less than one interval after its peak can be
    missed. Not `ru_maxrss` from wait4: Linux keeps it across exec, so it would count the harness's pages.
    """
    total = 0
    try:
        members = [proc, *proc.children(recursive=True)]
    except psutil.Error:
        return 0
    own_cmdline = psutil.Process().cmdline()
    for member in members:
        with contextlib.suppress(psutil.Error):
            # Between fork and exec the child is still a copy of this (possibly large) harness process.
            if member.cmdline() != own_cmdline:
                total += _high_water_bytes(member)
    return total


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


def _wait(proc: subprocess.Popen, timeout_s: float, start: float) -> tuple[int, bool, float, int]:
    """Poll until the child exits or times out; returns (exit code, timed out, wall s, peak RSS bytes)."""
    handle, peak, timed_out = psutil.Process(proc.pid), 0, False
    interval = POLL_INTERVAL_S / 16  # fast at first, so that a short child is seen after its exec
    while (reaped := os.wait4(proc.pid, os.WNOHANG))[0] != proc.pid:
        peak = max(peak, _tree_rss_bytes(handle))
        if time.monotonic() - start > timeout_s:
            timed_out = True
            _kill_group(proc.pid)
            reaped = os.wait4(proc.pid, 0)
            break
        time.sleep(interval)
        interval = min(2 * interval, POLL_INTERVAL_S)
    proc.returncode = os.waitstatus_to_exitcode(reaped[1])  # reaped here: Popen must never wait again
    return proc.returncode, timed_out, time.monotonic() - start, peak


def run_child(
    argv: list[str],
    timeout_s: float,
    log_path: Path,
    env: dict[str, str] | None = None,
    trace_modules: bool = False,
) -> ChildOutcome:
    """Run `argv` to completion or `timeout_s`, save its output to `log_path`, return what happened; with
    `trace_modules` it runs under `bench.harness.child_entry`, which lists the project modules it loaded."""
    log_path.parent.mkdir(parents=True, exist_ok=True)
    env = None if env is None else {**os.environ, **env}  # `env`: variables added to this process's
    with (
        tempfile.TemporaryFile("w+") as out,
        tempfile.TemporaryFile("w+") as err,
        tempfile.TemporaryDirectory() as tmp,
    ):
        modules_file = Path(tmp) / "modules.json"
        command = [argv[0], "-m", "bench.harness.child_entry", str(modules_file), *argv[1:]]
        start = time.monotonic()
        proc = subprocess.Popen(
            command if trace_modules else argv,
            stdout=out, stderr=err, stdin=subprocess.DEVNULL, start_new_session=True, env=env,
        )  # fmt: skip
        try:
            exit_code, timed_out, wall_s, peak = _wait(proc, timeout_s, start)
        except BaseException:  # Ctrl-C or any harness error: never leave a child running
            _kill_group(proc.pid)
            proc.wait()
            raise
        out.seek(0)
        err.seek(0)
        loaded = json.loads(modules_file.read_text()) if modules_file.exists() else None
        outcome = ChildOutcome(
            argv, exit_code, timed_out, wall_s, peak / 2**20, out.read(), err.read(), loaded
        )
    _write_log(log_path, outcome)
    return outcome


def _write_log(path: Path, outcome: ChildOutcome) -> None:
    """One log file per run: the command, the outcome, then stdout and stderr."""
    header = (
        f"# command: {shlex.join(outcome.argv)}\n"
        f"# exit_code: {outcome.exit_code}  timed_out: {outcome.timed_out}  "
        f"wall_s: {outcome.wall_s:.2f}  peak_rss_mb: {outcome.peak_rss_mb:.1f}\n"
    )
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
