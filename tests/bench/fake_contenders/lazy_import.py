"""Fake trainer that loads a project module no import statement names (importlib), then succeeds."""

import importlib

from common import emit_result, make_result, parse

args, spec = parse()
importlib.import_module("shared_spec.details")
emit_result(make_result(args, spec))
