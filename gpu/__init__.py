"""The GPU machine's logistics, kept apart from the measuring package `bench`, which it drives and never the
reverse: the campaign (`python -m gpu.campaign PLAN`: `campaign`, its plan file format `plan`, the plan
`gpu.toml`), `gpu_run.sh` (installs the wheels on the offline machine, then runs the plan; docs/GPU.md),
`wheelhouse` (`make wheelhouse`: the wheels that machine lacks), `wheel_parts` (a wheel too large for one device
call, carried in parts and joined there) and `sync_check` (no host-device sync in a steady torch update).
"""
