"""Fake trainer that runs out of memory (a MemoryError traceback, exit code 1)."""

from common import parse

args, spec = parse()
raise MemoryError("fake allocation of 10 TB failed")
