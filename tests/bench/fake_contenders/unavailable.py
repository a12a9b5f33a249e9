"""Fake trainer that cannot run on this stack: one error line, exit code 4 (as jax_ppo.brax_reference)."""

import sys

from common import parse

args, spec = parse()
print("error: brax.training unusable here: AttributeError: fake", file=sys.stderr)
sys.exit(4)
