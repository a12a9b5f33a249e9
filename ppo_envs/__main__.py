"""`python -m ppo_envs check [--backend mjx]`: build every task's Brax and Gymnasium env, compare with the registry.

Exit 0 when the registry's claims hold for every task, 1 when one does not.
"""

from __future__ import annotations

import argparse
import sys

from ppo_envs.parity import DEFAULT_BACKEND, check_all_tasks, format_table


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m ppo_envs", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    check = sub.add_parser("check", help="build each task's envs and compare them to the task registry")
    check.add_argument("--backend", default=DEFAULT_BACKEND, help="Brax physics backend (default: mjx)")
    args = parser.parse_args(argv)
    rows = check_all_tasks(args.backend)
    print(format_table(rows))
    return 0 if all(row["registry_ok"] for row in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
