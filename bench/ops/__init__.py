"""Operations around the bench: `gpu.toml` (the GPU campaign plan, `python -m bench campaign`), `gpu_run.sh`
(installs the wheels on the offline GPU machine, then runs that plan; docs/GPU.md), `sync_check` and
`wheelhouse` (`python -m bench.ops.wheelhouse`, the wheels that machine lacks; `make wheelhouse`) and
`wheel_parts` (a wheel too large for one device call, carried in parts and joined there).
"""
