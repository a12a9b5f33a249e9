"""`python -m field.sb3`: Stable-Baselines3's PPO (PyTorch) on the spec, contender `sb3` (field/sb3_family.py)."""

from __future__ import annotations

import sys

from field.common import parse_cli, unavailable
from field.mapping import sb3_mapping
from shared_spec.exit_codes import EXIT_OK
from shared_spec.result import emit_result


def main(argv: list[str] | None = None) -> int:
    spec, args = parse_cli("sb3", "Stable-Baselines3 PPO (PyTorch), contender 'sb3'.", argv)
    try:
        import stable_baselines3  # noqa: F401
    except ImportError as err:
        return unavailable("sb3", err)
    from field.sb3_family import run

    emit_result(run("sb3", spec, args, sb3_mapping(spec)))
    return EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
