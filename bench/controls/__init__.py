"""The control measurements that separate the simulator from the learning framework (docs/DESIGN.md, controls),
each run in its own child process and stored by its command.

- `env_throughput`: env-only, random-action stepping of Brax vs Gymnasium MuJoCo over num_envs (`bench env`).
- `learner_throughput`: learner-only, the identical PPO update in each framework on a synthetic batch
  (`bench learner`), timed by the pytest-benchmark cases of `learner_benchmark` (not collected by `make test`)
  with the update callables of `learner_update`.
- `handoff`: the Brax env stepped fused, from a Python loop and from torch over DLPack (`bench handoff`).
"""
