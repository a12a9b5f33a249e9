"""A file the bench must write (the store, a run's log, the report) that cannot be written: one line naming
the path and the cause, never a traceback. `bench.commands.main` turns a WriteError into that line and exit 2."""

from __future__ import annotations

import contextlib
import errno
from collections.abc import Iterator
from pathlib import Path


class WriteError(RuntimeError):
    """Writing `path` failed; the message names the path, the cause and what to do."""


def describe(path: Path | str, err: OSError) -> str:
    """'cannot write PATH: CAUSE (ERRNO)' plus a hint for the common causes."""
    code = errno.errorcode.get(err.errno or 0, "")
    hint = {
        "ENOSPC": "; free space there or choose another path",
        "EDQUOT": "; free space there or choose another path",
        "EFBIG": "; the file is over the size limit (ulimit -f)",
        "EROFS": "; the file system is read-only: choose another path",
        "EACCES": "; no permission: choose another path",
        "EPERM": "; no permission: choose another path",
    }.get(code, "")
    return f"cannot write {path}: {err.strerror or err}{f' ({code})' if code else ''}{hint}"


@contextlib.contextmanager
def writing(path: Path | str) -> Iterator[None]:
    """Turn an OSError raised in the block into a WriteError naming `path`."""
    try:
        yield
    except OSError as err:
        raise WriteError(describe(path, err)) from err
