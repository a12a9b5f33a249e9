"""One-off performance scripts and experiments, each run as `python -m experiments.NAME` (see README.md).

They explain or check a figure; none is part of `make bench` or `make test`.
"""
