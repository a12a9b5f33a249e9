"""Fake trainer that detects NaN itself: status diverged, EXIT_DIVERGED (the trainer contract)."""

import sys

from common import emit_result, make_result, parse

from shared_spec.exit_codes import EXIT_DIVERGED

args, spec = parse()
emit_result(make_result(args, spec, status="diverged", error="NaN in pg_loss at update 3", final_return=None))
sys.exit(EXIT_DIVERGED)
