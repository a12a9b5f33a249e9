"""Micro-benchmarks (pytest-benchmark): the learner-only control. Not collected by `make test`."""
