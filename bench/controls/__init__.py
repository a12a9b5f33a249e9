"""The control measurements that separate the simulator from the learning framework (docs/DESIGN.md, controls).

- `env_throughput`: env-only, random-action stepping of Brax vs Gymnasium MuJoCo over num_envs
  (`python -m bench env`; each sweep runs as `python -m bench.controls.env_throughput`).
- `learner_throughput`: learner-only, the identical PPO update in each framework on a synthetic batch
  (`python -m bench learner`), timed by the pytest-benchmark cases of `learner_benchmark` (not collected by
  `make test`) with the update callables of `learner_update`.
"""
