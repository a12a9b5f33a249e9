"""`python -m field.skrl_jax`: skrl's PPO on its JAX backend, contender `skrl-jax` (field/skrl_family.py)."""

from __future__ import annotations

import sys

from field.common import parse_cli, unavailable
from field.mapping import skrl_jax_mapping
from shared_spec.exit_codes import EXIT_OK
from shared_spec.result import emit_result


def main(argv: list[str] | None = None) -> int:
    spec, args = parse_cli("skrl-jax", "skrl PPO (JAX), contender 'skrl-jax'.", argv)
    try:
        import skrl.agents.jax.ppo  # noqa: F401
    except ImportError as err:
        return unavailable("skrl-jax", err)
    from field.skrl_family import run

    emit_result(run("jax", spec, args, skrl_jax_mapping(spec)))
    return EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
