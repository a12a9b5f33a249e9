"""Operations around the bench: `gpu_run.sh` (one GPU run on an offline machine, docs/GPU.md) and
`wheelhouse` (`python -m bench.ops.wheelhouse`, the wheels that machine lacks; `make wheelhouse`).
"""
