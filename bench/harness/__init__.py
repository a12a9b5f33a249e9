"""The harness behind `python -m bench`: plan each (contender, seed) run, start it in its own process, measure it
from outside, and append one record per run to the result store.

- `cli`: the command line (`run`, `loc`, `env`, `learner`, `all`, `report`).
- `contenders`: the contender table (name -> command line), the main and control contender lists, their
  order and colours in the report.
- `campaign`: the planned runs, one after another, with resume and progress.
- `runner`: one child process: exit status, wall time, peak host memory.
- `records`: a child's outcome -> a `run` record (status rules).
- `store`: the JSON-lines result store.
- `provenance`: git state, machine, library versions, command of each record.
- `devices`: `--device auto|cpu|gpu` -> the device of every run.
"""
