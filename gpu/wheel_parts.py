"""A wheel too large for one device call, carried in parts: `split` here, `gather` there, joined and checked.

Why: the device tool carries at most 64 MiB per call and warp-lang's wheel is about 149 MiB. Parts carried by
successive calls on one warm machine are copied out of the tree into a stash that outlives the calls; once
every part is there the wheel is joined and its sha256 checked against the digest written by `split`.

    python -m gpu.wheel_parts split WHEEL DIR [--part-mib 58]   # here: DIR/<wheel>.part-NN + <wheel>.sha256
    python -m gpu.wheel_parts gather DIR STASH                   # there: stash what arrived, join when whole

Standard library only: it runs on the GPU machine before anything is installed.
"""

from __future__ import annotations

import argparse
import hashlib
import shutil
import sys
from pathlib import Path

DIGEST_SUFFIX = ".sha256"


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def split(wheel: Path, out_dir: Path, part_mib: float) -> list[Path]:
    """Write `wheel` as numbered parts of at most `part_mib` MiB and a digest file '<sha256> <parts>'."""
    out_dir.mkdir(parents=True, exist_ok=True)
    size = int(part_mib * 2**20)
    parts = []
    with wheel.open("rb") as f:
        for index, block in enumerate(iter(lambda: f.read(size), b"")):
            part = out_dir / f"{wheel.name}.part-{index:02d}"
            part.write_bytes(block)
            parts.append(part)
    (out_dir / (wheel.name + DIGEST_SUFFIX)).write_text(f"{sha256(wheel)} {len(parts)}\n")
    return parts


def gather(in_dir: Path, stash: Path) -> list[str]:
    """Copy the parts and digests present in `in_dir` into `stash`; join each wheel whose parts are all there.

    Returns one status line per wheel. Raises ValueError when a joined wheel's sha256 differs from its digest
    (the bad file is removed, so a later call can bring the parts again).
    """
    stash.mkdir(parents=True, exist_ok=True)
    for path in sorted(in_dir.glob("*")):
        if path.is_file() and (".part-" in path.name or path.name.endswith(DIGEST_SUFFIX)):
            shutil.copyfile(path, stash / path.name)
    lines = []
    for digest_file in sorted(stash.glob("*" + DIGEST_SUFFIX)):
        name = digest_file.name.removesuffix(DIGEST_SUFFIX)
        expected, count = digest_file.read_text().split()
        wheel = stash / name
        parts = [stash / f"{name}.part-{i:02d}" for i in range(int(count))]
        missing = [p.name for p in parts if not p.exists()]
        if wheel.exists() and sha256(wheel) == expected:
            lines.append(f"{name}: joined, sha256 ok")
        elif missing:
            lines.append(f"{name}: {int(count) - len(missing)} of {count} parts stashed in {stash}")
        else:
            with wheel.open("wb") as out:
                for part in parts:
                    out.write(part.read_bytes())
            if sha256(wheel) != expected:
                wheel.unlink()
                raise ValueError(
                    f"{name}: got a joined sha256 that differs from {expected}; allowed: the digest"
                )
            lines.append(f"{name}: joined, sha256 ok")
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m gpu.wheel_parts", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    split_parser = sub.add_parser("split", help="write a wheel as parts and a digest")
    split_parser.add_argument("wheel", type=Path)
    split_parser.add_argument("out_dir", type=Path)
    split_parser.add_argument("--part-mib", type=float, default=58.0, help="largest part (MiB)")
    gather_parser = sub.add_parser("gather", help="stash the parts that arrived; join a wheel when whole")
    gather_parser.add_argument("in_dir", type=Path)
    gather_parser.add_argument("stash", type=Path)
    args = parser.parse_args(argv)
    if args.command == "split":
        if not args.wheel.is_file() or args.part_mib <= 0:
            print(f"error: wheel: got {args.wheel} (--part-mib {args.part_mib}); allowed: a file, a size > 0",
                  file=sys.stderr)  # fmt: skip
            return 2
        parts = split(args.wheel, args.out_dir, args.part_mib)
        print(f"{args.wheel.name}: {len(parts)} parts of at most {args.part_mib:g} MiB in {args.out_dir}")
        return 0
    try:
        lines = gather(args.in_dir, args.stash)
    except ValueError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    print("\n".join(lines) or f"wheel parts: none in {args.in_dir} or {args.stash}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
