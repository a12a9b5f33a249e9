"""Fake trainer that succeeds: progress on stderr, a noise line and then the result line on stdout."""

import sys
import time

from common import emit_result, make_result, parse

args, spec = parse()
ballast = bytearray(args.alloc_mb * 2**20)
for offset in range(0, len(ballast), 4096):  # touch every page so it counts as resident
    ballast[offset] = 1
if args.alloc_mb:
    time.sleep(0.6)  # hold the memory past a poll of the harness (every 0.2 s), as a real trainer does
print(f"[fake] seed {args.seed}: training", file=sys.stderr)
print("some log line that is not JSON")
emit_result(make_result(args, spec))
