"""The harness behind `python -m bench` (commands in bench/commands/): plan each (contender, seed) run, start it
in its own process, measure it from outside, and append one record per run to the result store.

- `contenders`: the contender table (name -> command line), the main and control contender lists.
- `campaign`: the planned runs, interleaved round by round, with resume and progress; `ray_executor` runs
  them on a Ray cluster. `campaign_plan`: a campaign as a TOML plan file (bench/ops/gpu.toml).
- `runner`: the one way a child starts (trainers, control sweeps, the env parity check): exit status, wall
  time, peak host memory, its JSON lines; `child_entry` reports the project modules a trainer loaded.
- `code_version`: the hash of the files a contender can execute (its import closure and presets).
- `records`: a child's outcome -> a `run` record (status rules). `env_parity`: the parity check as a record.
- `store`: the JSON-lines result store. `provenance`: git state, machine, library versions, command.
- `devices`: `--device auto|cpu|gpu` -> the device of every run.
"""
