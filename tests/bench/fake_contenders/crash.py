"""Fake trainer that crashes after a lot of stderr output (exit code 1, a traceback)."""

import sys

from common import parse

args, spec = parse()
for number in range(100):
    print(f"noise line {number}", file=sys.stderr)
raise RuntimeError("fake trainer crashed on purpose")
