"""Fake trainer that cannot run on this stack: one error line, EXIT_UNAVAILABLE (as baselines.brax_ppo)."""

import sys

from common import parse

from shared_spec.exit_codes import EXIT_UNAVAILABLE

args, spec = parse()
print("error: brax.training unusable here: AttributeError: fake", file=sys.stderr)
sys.exit(EXIT_UNAVAILABLE)
