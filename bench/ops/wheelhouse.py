"""`make wheelhouse`: download the wheels an offline machine lacks, for its Python version and platform.

Why: the lent GPU machines have no internet, carry their own JAX (CUDA) and torch, and lack Brax, MuJoCo and
Gymnasium. The wheelhouse holds exactly the pinned packages of `constraints/cpu.txt` that are not in the skip
list (`constraints/gpu-image-packages.txt` plus `--skip` names), downloaded with `pip download --no-deps` for
the target interpreter, so it stays small enough to travel (the device tool takes at most 64 MiB).
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
LOCK = ROOT / "constraints" / "cpu.txt"
IMAGE_PACKAGES = ROOT / "constraints" / "gpu-image-packages.txt"
# Not needed to run the bench on the GPU machine (lint and test tooling only).
NOT_NEEDED_TO_RUN = {"ruff"}
MANYLINUX_FALLBACKS = (
    "manylinux_2_27_x86_64",
    "manylinux_2_17_x86_64",
    "manylinux2014_x86_64",
    "manylinux1_x86_64",
)


def _normalize(name: str) -> str:
    return name.strip().lower().replace("_", "-")


def read_names(path: Path) -> set[str]:
    """Package names of a file with one name (or name==version) per line; comments ignored."""
    names = set()
    for line in path.read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            names.add(_normalize(line.split("==")[0]))
    return names


def wanted_pins(skip: set[str]) -> dict[str, str]:
    """name -> version of every locked package the target lacks."""
    pins = {}
    for line in LOCK.read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if "==" not in line:
            continue
        name, version = line.split("==", 1)
        if _normalize(name) not in skip:
            pins[_normalize(name)] = version.strip()
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
    parser = argparse.ArgumentParser(prog="python -m bench.ops.wheelhouse", description=__doc__)
    parser.add_argument("--python-version", default="3.12")
    parser.add_argument("--platform", default="manylinux_2_28_x86_64")
    parser.add_argument("--dest", type=Path, default=ROOT / "wheelhouse")
    parser.add_argument("--skip", nargs="*", default=[], help="more package names the target already has")
    parser.add_argument(
        "--no-image-list", action="store_true", help=f"do not skip what {IMAGE_PACKAGES.name} lists"
    )
    args = parser.parse_args(argv)
    skip = {_normalize(n) for n in args.skip} | NOT_NEEDED_TO_RUN
    if not args.no_image_list:
        skip |= read_names(IMAGE_PACKAGES)
    pins = wanted_pins(skip)
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
