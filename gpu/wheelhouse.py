"""`make wheelhouse`: download the wheels an offline machine lacks, for its Python version and platform.

Why: the lent GPU machines have no internet, carry their own JAX (CUDA) and torch, and lack Brax, MuJoCo and
Gymnasium. The wheelhouse holds the pins of `constraints/cpu.txt` minus `constraints/gpu-image-packages.txt`
and `--skip`, small enough to travel (the device tool takes at most 64 MiB).
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LOCK = ROOT / "constraints" / "cpu.txt"
IMAGE_PACKAGES = ROOT / "constraints" / "gpu-image-packages.txt"
NOT_NEEDED_TO_RUN = {"ruff"}
"""Lint and test tooling only."""
MANYLINUX_FALLBACKS = ("manylinux_2_27_x86_64", "manylinux_2_17_x86_64", "manylinux2014_x86_64",
                       "manylinux1_x86_64")  # fmt: skip


def normalize(name: str) -> str:
    return name.strip().lower().replace("_", "-")


def read_pins(path: Path) -> dict[str, str]:
    """Normalized name -> version ("" if unpinned) of a file with one name or name==version per line."""
    pins = {}
    for line in path.read_text().splitlines():
        name, _, version = line.split("#", 1)[0].partition("==")
        if name.strip():
            pins[normalize(name)] = version.strip()
    return pins


def download(name: str, version: str, dest: Path, python_version: str, platform: str) -> bool:
    """pip download one wheel for the target; True on success."""
    platforms = [platform, *(p for p in MANYLINUX_FALLBACKS if p != platform)]
    cmd = [sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:", "-q"]
    cmd += ["--python-version", python_version, "--implementation", "cp", "-d", str(dest)]
    for plat in platforms:
        cmd += ["--platform", plat]
    cmd.append(f"{name}=={version}" if version else name)
    return subprocess.run(cmd, check=False).returncode == 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m gpu.wheelhouse", description=__doc__)
    parser.add_argument("--python-version", default="3.12")
    parser.add_argument("--platform", default="manylinux_2_28_x86_64")
    parser.add_argument("--dest", type=Path, default=ROOT / "wheelhouse")
    parser.add_argument("--skip", nargs="*", default=[], help="more package names the target already has")
    parser.add_argument("--only", nargs="*", default=[], help="just these pinned packages (skips ignored)")
    parser.add_argument(
        "--no-image-list", action="store_true", help=f"do not skip what {IMAGE_PACKAGES.name} lists"
    )
    args = parser.parse_args(argv)
    skip = {normalize(name) for name in args.skip} | NOT_NEEDED_TO_RUN
    if not args.no_image_list:
        skip |= set(read_pins(IMAGE_PACKAGES))
    only = {normalize(name) for name in args.only}
    pins = {
        name: version
        for name, version in read_pins(LOCK).items()
        if version and (name in only if only else name not in skip)
    }
    args.dest.mkdir(parents=True, exist_ok=True)
    failed = []
    for name, version in sorted(pins.items()):
        if download(name, version, args.dest, args.python_version, args.platform):
            continue
        # A pin can be missing for another Python (e.g. a wheel only on this machine's local mirror):
        # take the newest release that has a wheel for the target, and say so.
        if download(name, "", args.dest, args.python_version, args.platform):
            print(
                f"warning: {name}=={version} has no wheel for the target; took the newest that has",
                file=sys.stderr,
            )
        else:
            failed.append(f"{name}=={version}")
    wheels = sorted(args.dest.glob("*.whl"))
    total_mb = sum(w.stat().st_size for w in wheels) / 2**20
    print(
        f"{len(wheels)} wheels, {total_mb:.1f} MiB in {args.dest} (python {args.python_version}, {args.platform})"
    )
    if failed:
        print(f"error: no wheel for: {', '.join(failed)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
