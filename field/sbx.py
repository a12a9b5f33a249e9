"""`python -m field.sbx`: SBX's PPO (the JAX port of SB3) on the spec, contender `sbx` (field/sb3_family.py)."""

from __future__ import annotations

import sys

from field.common import parse_cli, unavailable
from field.mapping import sbx_mapping
from shared_spec.exit_codes import EXIT_OK
from shared_spec.result import emit_result


def main(argv: list[str] | None = None) -> int:
    spec, args = parse_cli("sbx", "SBX PPO (JAX port of Stable-Baselines3), contender 'sbx'.", argv)
    try:
        import sbx  # noqa: F401
    except ImportError as err:
        return unavailable("sbx", err)
    from field.sb3_family import run

    emit_result(run("sbx", spec, args, sbx_mapping(spec)))
    return EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
