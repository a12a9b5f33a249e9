"""The harness behind `python -m bench` (commands in bench/commands/): schedule each (contender, seed) run, start it
in its own process, measure it from outside, append one record per run to the result store.

`contenders` (the contender table), `schedule` (the runs of a sweep, interleaved), `sweep` (runs them, resumable;
`ray_executor` on a Ray cluster), `runner` (the one way a child starts; `child_entry`
lists what a trainer loaded), `code_version` (the hash of the files a contender can execute), `records` (a
child's outcome -> a `run` record), `env_parity`, `store`, `provenance`, `devices` (`--device auto|cpu|gpu`).
"""
