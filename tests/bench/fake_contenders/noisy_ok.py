"""Fake trainer that succeeds but logs OOM-like lines on stderr, as XLA's autotuner can (exit code 0)."""

import sys

from common import emit_result, make_result, parse

args, spec = parse()
print(
    "W external/xla/...: RESOURCE_EXHAUSTED: out of memory while autotuning; trying the next algorithm",
    file=sys.stderr,
)
emit_result(make_result(args, spec))
