"""Fake trainer that detects NaN itself: status diverged, exit code 3 (the trainer contract)."""

import sys

from common import emit_result, make_result, parse

args, spec = parse()
emit_result(make_result(args, spec, status="diverged", error="NaN in pg_loss at update 3", final_return=None))
sys.exit(3)
