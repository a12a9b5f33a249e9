"""Fake trainer that exits 0 but prints no JSON object (a list and a broken object instead)."""

from common import parse

args, spec = parse()
print("[1, 2, 3]")
print('{"contender": "fake", "truncated')
