"""pytest-benchmark cases of the learner-only control (run by `python -m bench learner`, not `make test`).

Not named `test_*.py` on purpose: no test run collects it by pattern; `bench.controls.learner_throughput`
names it on pytest's command line, which collects it anyway. By hand:
`python -m pytest bench/controls/learner_benchmark.py --benchmark-enable`.
The grid comes from the environment variable PPO_BENCH_LEARNER_GRID (JSON: frameworks, preset, batch_sizes,
hiddens, device, rounds), so one invocation measures one framework in its own process. Every framework first
runs the preset's own update (its task's sizes, batch, minibatches, epochs, networks), then the sweep of batch
and width around it (the preset's minibatch count and epochs).
"""

from __future__ import annotations

import json
import os

import pytest

from bench.controls.learner_update import (
    DEFAULT_PRESET,
    LearnerCase,
    case_spec,
    make_update,
    preset_base,
    preset_case_spec,
)
from shared_spec.tasks import get_task

GRID = json.loads(
    os.environ.get(
        "PPO_BENCH_LEARNER_GRID",
        '{"frameworks": ["jax-jit"], "batch_sizes": [512], "hiddens": [[64, 64]], "device": "cpu", "rounds": 3}',
    )
)
PRESET = GRID.get("preset", DEFAULT_PRESET)
PRESET_POINT = None
"""The `hidden` value of the preset's own update (its batch, minibatches, epochs and networks)."""
CASES = [(framework, 0, PRESET_POINT) for framework in GRID["frameworks"]] + [
    (framework, batch_size, tuple(hidden))
    for framework in GRID["frameworks"]
    for batch_size in GRID["batch_sizes"]
    for hidden in GRID["hiddens"]
]


def case_id(framework: str, batch_size: int, hidden: tuple[int, ...] | None) -> str:
    return (
        f"{framework}-preset-{PRESET}"
        if hidden is None
        else f"{framework}-{batch_size}-{'x'.join(map(str, hidden))}"
    )


@pytest.mark.parametrize(("framework", "batch_size", "hidden"), CASES, ids=[case_id(*case) for case in CASES])
def test_one_ppo_update(benchmark, framework: str, batch_size: int, hidden: tuple[int, ...] | None) -> None:
    base = preset_base(PRESET)
    task = get_task(base.task)
    spec = preset_case_spec(base) if hidden is None else case_spec(base, batch_size, hidden)
    case = LearnerCase(framework, spec, task.obs_size, task.act_size)
    run, compile_s = make_update(case, GRID.get("device", "cpu"))
    benchmark.extra_info.update(
        framework=framework, batch_size=spec.batch_size, hidden=list(spec.actor_hidden),
        critic_hidden=list(spec.critic_hidden), compile_s=compile_s, task=task.name, preset=PRESET,
        preset_shape=hidden is None, obs_size=task.obs_size, act_size=task.act_size,
        minibatch_size=spec.minibatch_size, update_epochs=spec.update_epochs, num_minibatches=spec.num_minibatches,
    )  # fmt: skip
    benchmark.pedantic(run, rounds=int(GRID.get("rounds", 5)), warmup_rounds=1, iterations=1)
