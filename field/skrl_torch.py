"""`python -m field.skrl_torch`: skrl's PPO on its PyTorch backend, contender `skrl-torch` (field/skrl_family.py)."""

from __future__ import annotations

import sys

from field.common import parse_cli, unavailable
from field.mapping import skrl_torch_mapping
from shared_spec.exit_codes import EXIT_OK
from shared_spec.result import emit_result


def main(argv: list[str] | None = None) -> int:
    spec, args = parse_cli("skrl-torch", "skrl PPO (PyTorch), contender 'skrl-torch'.", argv)
    try:
        import skrl.agents.torch.ppo  # noqa: F401
    except ImportError as err:
        return unavailable("skrl-torch", err)
    from field.skrl_family import run

    emit_result(run("torch", spec, args, skrl_torch_mapping(spec)))
    return EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
