"""The Ray executor: the same planned runs, each a Ray task on a cluster node, records gathered on the driver.

Each node offers the custom resource RESOURCE once (`ray start ... --resources='{"ppo_bench_node": 1}'`,
docs/CLUSTER.md) and every task asks for it, so a node runs one timed run at a time. A task Ray loses becomes a
failed record with Ray's reason, never a gap; Ray does not retry it, so no run is recorded twice.
"""

from __future__ import annotations

import socket
from collections.abc import Callable, Iterator, Sequence
from typing import Any

from bench.harness.records import execute, run_record
from bench.harness.runner import ChildOutcome
from bench.harness.schedule import RunContext, ScheduledRun

RESOURCE = "ppo_bench_node"
"""The custom resource each node offers once: one timed run per node at a time."""


class ExecutorError(RuntimeError):
    """The Ray executor cannot start (Ray missing, cluster unreachable, no node offers RESOURCE)."""


def connect(address: str | None) -> Any:
    """`ray.init` on `address` (None: a cluster on this machine, else Ray's own default); the ray module."""
    try:
        import ray
    except ImportError:
        raise ExecutorError(
            "--executor ray: Ray is not installed; install it with: pip install 'ppo-bench[cluster]'"
        ) from None
    try:
        ray.init(address=address or "auto", ignore_reinit_error=True, log_to_driver=False)
    except (ConnectionError, RuntimeError) as err:
        raise ExecutorError(
            f"--address: got {address or 'auto'!r}; no Ray cluster answered there ({err})"
        ) from None
    if ray.cluster_resources().get(RESOURCE, 0) < 1:
        ray.shutdown()
        raise ExecutorError(
            f"--executor ray: no node of the cluster offers the resource {RESOURCE!r}; start each node with "
            f"ray start ... --resources='{{\"{RESOURCE}\": 1}}' (docs/CLUSTER.md)"
        )
    return ray


def lost_run_record(run: ScheduledRun, context: RunContext, reason: str) -> dict[str, Any]:
    """A failed record for a run Ray lost: the plan's keys, the reason in the error tail, exit code -1."""
    outcome = ChildOutcome(run.argv, -1, False, 0.0, 0.0, "", f"ray executor: the run was lost: {reason}")
    record = run_record(context, run, outcome)
    record["provenance"]["executor"] = {"name": "ray", "driver": socket.gethostname(), "lost": reason}
    return record


def run_on_ray(
    todo: Sequence[ScheduledRun],
    context: RunContext,
    on_start: Callable[[ScheduledRun], None],
    address: str | None,
) -> Iterator[tuple[ScheduledRun, dict[str, Any]]]:
    """Submit every run as a Ray task (`on_start` told of each); yield (run, record) as each one ends."""
    ray = connect(address)
    # The task is `records.execute` itself, so a run on a node is exactly a local run there.
    remote = ray.remote(num_cpus=0, resources={RESOURCE: 1}, max_retries=0)(execute)
    pending = {}
    for run in todo:
        on_start(run)
        pending[remote.remote(context, run)] = run
    try:
        while pending:
            ready, _ = ray.wait(list(pending), num_returns=1)
            run = pending.pop(ready[0])
            try:
                record = ray.get(ready[0])
                record["provenance"]["executor"] = {"name": "ray", "driver": socket.gethostname()}
            except ray.exceptions.RayError as err:
                record = lost_run_record(run, context, f"{type(err).__name__}: {str(err).splitlines()[0]}")
            yield run, record
    finally:
        for ref in pending:
            ray.cancel(ref, force=True)
        ray.shutdown()
