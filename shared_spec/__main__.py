"""`python -m shared_spec list | show PRESET [--set k=v] | tasks [--check]`."""

from __future__ import annotations

import argparse
import json
import subprocess
import sys

from shared_spec.cli import add_spec_arguments
from shared_spec.exit_codes import EXIT_BAD_SPEC
from shared_spec.presets import load_preset, preset_names, resolve_spec
from shared_spec.spec import SpecError, field_docs
from shared_spec.tasks import TASKS


def cmd_list() -> int:
    """Preset names with their one-line descriptions."""
    for name in preset_names():
        print(f"{name:12s} {load_preset(name).description}")
    return 0


def cmd_show(preset: str, overrides: list[str], as_json: bool) -> int:
    """The resolved spec, derived values and hash."""
    spec = resolve_spec(preset, overrides)
    if as_json:
        payload = {"preset": preset, "spec_hash": spec.spec_hash(), "spec": spec.to_dict()}
        print(json.dumps({**payload, "derived": spec.derived()}, indent=2))
        return 0
    docs = field_docs()
    print(f"preset {preset}  spec_hash {spec.spec_hash()}")
    for name, value in spec.to_dict().items():
        print(f"  {name:24s} {value!s:>14}   {docs.get(name, '')}")
    print("derived:")
    for name, value in spec.derived().items():
        print(f"  {name:24s} {value!s:>14}")
    return 0


def cmd_tasks(check: bool) -> int:
    """The task registry; with --check, compared against the real envs by `python -m ppo_envs check`.

    The check runs in a child process because it imports Brax, JAX and Gymnasium, which this package never does.
    """
    if check:
        return subprocess.call([sys.executable, "-m", "ppo_envs", "check"])
    print(f"{'task':18s} {'brax':18s} {'gymnasium':20s} obs  act  threshold  comparable")
    for task in TASKS.values():
        print(
            f"{task.name:18s} {task.brax_env:18s} {task.gym_id:20s} {task.obs_size:<4d} "
            f"{task.act_size:<4d} {task.return_threshold:<9.0f}  {task.comparable}"
        )
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m shared_spec", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("list", help="preset names and descriptions")
    show = sub.add_parser("show", help="resolved spec of a preset")
    show.add_argument("preset_name", metavar="PRESET")
    add_spec_arguments(show)
    show.add_argument("--json", action="store_true", help="machine-readable output")
    tasks = sub.add_parser("tasks", help="the task registry")
    tasks.add_argument("--check", action="store_true", help="build each env and compare to the registry")
    args = parser.parse_args(argv)
    try:
        if args.command == "list":
            return cmd_list()
        if args.command == "show":
            return cmd_show(args.preset_name, args.overrides, args.json)
        return cmd_tasks(args.check)
    except SpecError as err:
        print(f"error: bad spec: {err}", file=sys.stderr)
        return EXIT_BAD_SPEC


if __name__ == "__main__":
    sys.exit(main())
