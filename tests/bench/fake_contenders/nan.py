"""Fake trainer that says ok but whose final return is NaN (written as the JSON token NaN)."""

from common import emit_raw, make_result, parse

args, spec = parse()
emit_raw(make_result(args, spec, final_return=float("nan")))
