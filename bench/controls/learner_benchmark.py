"""pytest-benchmark cases of the learner-only control (run by `python -m bench learner`, not `make test`).

Not named `test_*.py` on purpose: no test run collects it by pattern; `bench.controls.learner_throughput`
names it on pytest's command line, which collects it anyway. By hand:
`python -m pytest bench/controls/learner_benchmark.py --benchmark-enable`.
The grid comes from the environment variable PPO_BENCH_LEARNER_GRID (JSON: frameworks, batch_sizes,
hiddens, device), so one invocation measures one framework in its own process.
"""

from __future__ import annotations

import json
import os

import pytest

from bench.controls.learner_update import LearnerCase, case_spec, default_base, make_update
from shared_spec.tasks import get_task

GRID = json.loads(
    os.environ.get(
        "PPO_BENCH_LEARNER_GRID",
        '{"frameworks": ["jax-jit"], "batch_sizes": [512], "hiddens": [[64, 64]], "device": "cpu", "rounds": 3}',
    )
)
CASES = [
    (framework, batch_size, tuple(hidden))
    for framework in GRID["frameworks"]
    for batch_size in GRID["batch_sizes"]
    for hidden in GRID["hiddens"]
]


@pytest.mark.parametrize(
    ("framework", "batch_size", "hidden"),
    CASES,
    ids=[f"{f}-{b}-{'x'.join(map(str, h))}" for f, b, h in CASES],
)
def test_one_ppo_update(benchmark, framework: str, batch_size: int, hidden: tuple[int, ...]) -> None:
    base = default_base()
    task = get_task(base.task)
    case = LearnerCase(framework, case_spec(base, batch_size, hidden), task.obs_size, task.act_size)
    run, compile_s = make_update(case, GRID.get("device", "cpu"))
    benchmark.extra_info.update(
        framework=framework, batch_size=batch_size, hidden=list(hidden), compile_s=compile_s, task=task.name,
        minibatch_size=case.spec.minibatch_size, update_epochs=case.spec.update_epochs,
        num_minibatches=case.spec.num_minibatches,
    )  # fmt: skip
    benchmark.pedantic(run, rounds=int(GRID.get("rounds", 5)), warmup_rounds=1, iterations=1)
