"""A wheel carried in parts by successive device calls: stashed as they arrive, joined and checked when whole."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from gpu.wheel_parts import main, split


@pytest.fixture
def wheel(tmp_path: Path) -> Path:
    path = tmp_path / "big-1.0-py3-none-any.whl"
    path.write_bytes(os.urandom(int(2.5 * 2**20)))
    return path


def test_parts_arriving_call_by_call_are_joined_into_the_same_bytes(
    wheel: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    parts = split(wheel, tmp_path / "parts", part_mib=1)
    assert len(parts) == 3 and max(p.stat().st_size for p in parts) == 2**20
    stash, digest = tmp_path / "stash", tmp_path / "parts" / (wheel.name + ".sha256")
    for index, part in enumerate(parts):  # each call carries one part and the digest
        arrived = tmp_path / f"call-{index}"
        arrived.mkdir()
        (arrived / part.name).write_bytes(part.read_bytes())
        (arrived / digest.name).write_bytes(digest.read_bytes())
        assert main(["gather", str(arrived), str(stash)]) == 0
        line = capsys.readouterr().out.strip()
        assert line.endswith("joined, sha256 ok") if index == 2 else f"{index + 1} of 3 parts" in line
    assert (stash / wheel.name).read_bytes() == wheel.read_bytes()


def test_a_damaged_part_is_one_line_exit_2_and_no_wheel_is_left(
    wheel: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    parts = split(wheel, tmp_path / "parts", part_mib=1)
    parts[1].write_bytes(b"\0" + parts[1].read_bytes()[1:])
    assert main(["gather", str(tmp_path / "parts"), str(tmp_path / "stash")]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith(f"error: {wheel.name}: got a joined sha256")
    assert not (tmp_path / "stash" / wheel.name).exists()


def test_split_refuses_a_missing_wheel(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["split", str(tmp_path / "absent.whl"), str(tmp_path / "parts")]) == 2
    assert capsys.readouterr().err.startswith("error: wheel: got")
