"""A full or unwritable disk: one line naming the path and the cause, exit 2, and the store keeps
every earlier record and no partial line. On a real small file system (a tmpfs this test mounts; skipped where
mounting is not permitted) and, everywhere, with the fault injected into the store's writes."""

from __future__ import annotations

import errno
import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from bench.harness.store import append_record, read_records
from bench.harness.write_errors import WriteError
from shared_spec.exit_codes import EXIT_BAD_SPEC

TMPFS_KB = 256


@pytest.fixture
def small_fs(tmp_path: Path):
    """A 256 KB tmpfs mounted for this test (needs root and `mount`), unmounted after it."""
    mount_point = tmp_path / "small"
    mount_point.mkdir()
    if shutil.which("mount") is None:
        pytest.skip("no `mount` command here: the tmpfs test needs it (the injected-fault test still runs)")
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={TMPFS_KB}k", "tmpfs", str(mount_point)],
                          capture_output=True, text=True, check=False)  # fmt: skip
    if done.returncode != 0:
        pytest.skip(
            f"mount -t tmpfs not permitted here ({done.stderr.strip()}): needs root in a mount namespace"
        )
    try:
        yield mount_point
    finally:
        subprocess.run(["umount", "-l", str(mount_point)], capture_output=True, check=False)


def fill(folder: Path, leave_bytes: int = 0) -> None:
    """Fill the file system of `folder` until at most `leave_bytes` are free."""
    with (folder / "filler").open("wb") as filler:
        chunk = b"\0" * 4096
        try:
            while shutil.disk_usage(folder).free > leave_bytes:
                filler.write(chunk)
                filler.flush()
        except OSError as err:
            assert err.errno == errno.ENOSPC


def one_error_line(capsys) -> str:
    (line,) = capsys.readouterr().err.strip().splitlines()[-1:]
    return line


def page_filling_record(tmp_path: Path) -> dict:
    """A record whose line is exactly one 4 KB page: the store's next line needs a page the disk lacks."""
    probe = tmp_path / "probe.jsonl"
    append_record({"record_type": "code_metrics", "implementation": ""}, probe)
    return {"record_type": "code_metrics", "implementation": "x" * (4096 - probe.stat().st_size)}


def test_a_full_disk_under_the_store_is_one_line_and_the_store_intact(bench, small_fs, tmp_path, capsys):
    store = small_fs / "results.jsonl"
    append_record(page_filling_record(tmp_path), store)
    before = store.read_bytes()
    assert len(before) == 4096
    fill(small_fs)
    with pytest.raises(SystemExit) as stopped:
        bench.main("--store", str(store), "run", "--preset", "smoke", "--device", "cpu", "--contenders", "ok",
                   "--logs-dir", str(bench.logs))  # fmt: skip
    assert stopped.value.code == EXIT_BAD_SPEC
    line = one_error_line(capsys)
    assert line == (
        f"error: cannot write {store}: No space left on device (ENOSPC); free space there or choose another path"
    )
    assert store.read_bytes() == before  # no partial line
    assert [len(r["implementation"]) for r in read_records(store)] == [
        len(json.loads(before)["implementation"])
    ]


def test_a_full_disk_under_the_logs_is_one_line_naming_the_log(bench, small_fs, capsys):
    fill(small_fs)
    with pytest.raises(SystemExit) as stopped:
        bench.run("ok", "--logs-dir", str(small_fs / "logs"))
    assert stopped.value.code == EXIT_BAD_SPEC
    line = one_error_line(capsys)
    assert line.startswith(f"error: cannot write {small_fs / 'logs'}") and "(ENOSPC)" in line


def test_a_full_disk_under_the_report_is_one_line_and_no_partial_page(bench, small_fs, capsys):
    assert bench.run("ok") == 0
    out = small_fs / "index.html"
    fill(small_fs)
    with pytest.raises(SystemExit) as stopped:
        bench.main("--store", str(bench.store_path), "report", "--out", str(out))
    assert stopped.value.code == EXIT_BAD_SPEC
    line = one_error_line(capsys)
    assert line.startswith("error: cannot write ") and "(ENOSPC)" in line and str(small_fs) in line
    leftovers = [p for p in small_fs.rglob("*") if p.is_file() and p.name != "filler"]
    assert leftovers == []  # no partial page, no partial figure


def test_a_read_only_store_folder_is_one_line(bench, small_fs, capsys):
    subprocess.run(["mount", "-o", "remount,ro", str(small_fs)], check=True, capture_output=True)
    with pytest.raises(SystemExit) as stopped:
        bench.main("--store", str(small_fs / "results.jsonl"), "run", "--preset", "smoke", "--device", "cpu",
                   "--contenders", "ok", "--logs-dir", str(bench.logs))  # fmt: skip
    assert stopped.value.code == EXIT_BAD_SPEC
    line = one_error_line(capsys)
    assert line.startswith(f"error: cannot write {small_fs / 'results.jsonl.lock'}: Read-only file system")


def test_a_write_cut_short_by_a_full_disk_is_undone(tmp_path, monkeypatch):
    """The fault injected where no tmpfs can be mounted: the first write comes back short, the next fails."""
    path = tmp_path / "results.jsonl"
    append_record({"record_type": "code_metrics", "implementation": "earlier"}, path)
    before = path.read_bytes()
    real_write, calls = os.write, []

    def full_disk(fd: int, data: bytes) -> int:
        calls.append(len(data))
        if len(calls) == 1:
            return real_write(fd, bytes(data[:10]))
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(os, "write", full_disk)
    with pytest.raises(WriteError, match=rf"cannot write {path}: No space left on device \(ENOSPC\)"):
        append_record({"record_type": "code_metrics", "implementation": "x" * 500}, path)
    monkeypatch.setattr(os, "write", real_write)
    assert len(calls) == 2 and path.read_bytes() == before
