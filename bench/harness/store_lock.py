"""One writer per store: an OS file lock on `<store>.lock`, held by a bench command for its whole life.

Why `fcntl.flock`: the kernel releases it when the holder dies (kill -9 included), so a lock left by a killed
bench never blocks; the pid, command and start time written in the file only say who holds it. The file is
never deleted (deleting it would let two processes lock two different files of one name). A bench's own child
benches (a campaign's steps) find their store's lock held by an ancestor through LOCK_ENV and go on.
"""

from __future__ import annotations

import contextlib
import datetime
import fcntl
import json
import os
import shlex
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import psutil

LOCK_ENV = "PPO_BENCH_STORE_LOCK"
"""`<lock path>:<pid>` of the lock this process's bench ancestor holds (its children inherit it)."""
WAIT_POLL_S = 1.0


class StoreLockedError(RuntimeError):
    """Another bench holds the store's lock (the message names it)."""


def lock_path(store: Path) -> Path:
    """`results.jsonl` -> `results.jsonl.lock`, beside it."""
    return store.with_name(store.name + ".lock")


def _held_by_ancestor(path: Path) -> bool:
    """Whether LOCK_ENV names `path` and a pid among this process's ancestors (a bench that started us)."""
    held, _, pid = os.environ.get(LOCK_ENV, "").rpartition(":")
    if held != str(path) or not pid.isdigit():
        return False
    with contextlib.suppress(psutil.Error):
        return int(pid) in {parent.pid for parent in psutil.Process().parents()}
    return False


def holder(fd: int) -> str:
    """Who holds the lock, from what the holder wrote in the file: 'pid N (command) since T'."""
    try:
        info = json.loads(os.pread(fd, 4096, 0).decode() or "{}")
    except (OSError, ValueError):
        info = {}
    if not isinstance(info, dict) or "pid" not in info:
        return "another process (it wrote no details yet)"
    return f"pid {info['pid']} ({info.get('command', '?')}) since {info.get('since', '?')}"


def _try_lock(fd: int) -> bool:
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    return True


@contextlib.contextmanager
def store_lock(store: Path, wait: bool = False) -> Iterator[None]:
    """Hold `store`'s lock for the block; held by another bench: StoreLockedError (or, with `wait`, a
    message on stderr and a wait until it is free). Creates the store's folder if needed."""
    path = lock_path(store).resolve()
    if _held_by_ancestor(path):
        yield
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        if not _try_lock(fd):
            who = holder(fd)
            if not wait:
                raise StoreLockedError(
                    f"--store: {store} is in use by {who}; one bench writes a store at a time: wait for it, "
                    "pass --wait-for-lock, or use another --store"
                )
            print(f"bench: {store} is in use by {who}; waiting for it (--wait-for-lock)", file=sys.stderr)
            while not _try_lock(fd):
                time.sleep(WAIT_POLL_S)
        _write_holder(fd)
        previous = os.environ.get(LOCK_ENV)
        os.environ[LOCK_ENV] = f"{path}:{os.getpid()}"
        try:
            yield
        finally:
            _restore(previous)
            with contextlib.suppress(OSError):
                os.ftruncate(fd, 0)  # a free lock names no holder
    finally:
        os.close(fd)  # closing the only descriptor releases the flock


def _write_holder(fd: int) -> None:
    """Who holds the lock, for the message of a bench that finds it held (informational: the kernel owns it)."""
    since = datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds")
    argv = psutil.Process().cmdline() or sys.argv
    command = shlex.join([Path(argv[0]).name, *argv[1:]])
    data = json.dumps({"pid": os.getpid(), "command": command, "since": since}).encode()
    with contextlib.suppress(OSError):  # a full disk: the lock holds all the same, only nameless
        os.ftruncate(fd, 0)
        os.pwrite(fd, data, 0)


def _restore(previous: str | None) -> None:
    if previous is None:
        os.environ.pop(LOCK_ENV, None)
    else:
        os.environ[LOCK_ENV] = previous
