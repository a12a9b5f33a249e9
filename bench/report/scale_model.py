"""The scale sweep's cost model: time per update = env part + learner part + what is left, from controls only.

Why: at a sweep point a contender can step no faster than the simulator's own rate at that num_envs (the
env-only control), and its update costs what the learner-only control measured at the same batch, minibatches,
epochs and width. What is left (the policy inside the rollout, the DLPack hand-off, the host loop) is what the
hand-off control measures on the Brax env; on Gymnasium's host loop no control measures it. No parameter is
fitted to the runs: the prediction is the controls' sum, so its error says how far the controls explain a run.
Where it misses by more than MISS_LIMIT, the run's own rollout/update split says which half holds the miss.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from bench.report.data import LOCAL_SOURCE, Run, Store, finite
from bench.report.settings import MATRIX, MATRIX_LEARNERS, MATRIX_SIMULATORS
from bench.report.tables import PAIRED_METRICS, Summary

MISS_LIMIT = 0.20
"""A prediction off by more than this share of the measured speed is a miss the report explains."""
SIMULATOR_OF_COLUMN = {"Brax MJX": "brax", "Gymnasium MuJoCo C": "gymnasium"}
"""Matrix column -> the env-only control's simulator (MuJoCo Warp has no env-only control)."""
FRAMEWORK_OF_ROW = {"JAX jit": "jax-jit", "PyTorch eager": "torch-eager", "PyTorch compiled": "torch-compile"}
"""Matrix row -> the learner-only control's framework."""
SIMULATORS = {
    MATRIX[row][col]: SIMULATOR_OF_COLUMN[name]
    for col, name in enumerate(MATRIX_SIMULATORS)
    if name in SIMULATOR_OF_COLUMN
    for row in range(len(MATRIX_LEARNERS))
}
LEARNER_FRAMEWORKS = {
    MATRIX[row][col]: FRAMEWORK_OF_ROW[name] for row, name in enumerate(MATRIX_LEARNERS) for col in range(2)
}
GPU_FRAMEWORKS = {"torch-compile": "torch-compile-cudagraphs"}
"""On CUDA the compiled trainers replay their steps as CUDA graphs (reduce-overhead, their default)."""


def learner_framework(contender: str, device_kind: str) -> str:
    """The learner-only control's framework that runs `contender`'s update on that device kind."""
    framework = LEARNER_FRAMEWORKS[contender]
    return GPU_FRAMEWORKS.get(framework, framework) if device_kind == "gpu" else framework


@dataclass(frozen=True, order=True)
class Point:
    """A sweep point, read from a run's spec: num_envs, rollout length, the networks' width."""

    num_envs: int
    num_steps: int
    hidden: tuple[int, ...]

    @property
    def batch(self) -> int:
        return self.num_envs * self.num_steps


def point_of(run: Run) -> Point | None:
    spec = run.record.spec
    try:
        return Point(int(spec["num_envs"]), int(spec["num_steps"]), tuple(spec["actor_hidden"]))
    except (KeyError, TypeError, ValueError):
        return None


Machine = tuple[bool, Any, Any, Any]
"""(local, CPU model, GPU name, cores): controls count for the runs of the same machine and kind of store."""


def machine_of(source: Any, provenance: dict[str, Any]) -> Machine:
    keys = ("cpu_model", "gpu_name", "cpu_cores")
    return (source == LOCAL_SOURCE, *(provenance.get(k) for k in keys))  # type: ignore[return-value]


@dataclass(frozen=True)
class Controls:
    """One machine's control measurements, the latest ok record per key."""

    env: dict[tuple[Any, ...], float]
    """(simulator, backend, task, num_envs) -> env steps per second."""
    learner: dict[tuple[Any, ...], float]
    """(framework, task, batch, hidden, minibatches, epochs) -> seconds per update."""
    handoff: dict[str, dict[str, float]]
    """Spec hash of the point -> ms per env step of each hand-off mode (fused, jax_loop, torch_dlpack)."""


def controls_of(store: Store, machine: Machine) -> Controls:
    def ok(kind: str) -> list[Any]:
        found = store.others.get(kind, [])
        return [
            r
            for r in found
            if r.get("status") == "ok" and machine_of(r.get("_source"), r.provenance) == machine
        ]

    env = {(r.get("simulator"), r.get("backend"), r.get("task"), r.get("num_envs")): finite(r.get("steps_per_s"))
           for r in ok("env_throughput")}  # fmt: skip
    learner = {
        (r.get("framework"), r.get("task"), r.get("batch_size"), tuple(r.get("hidden") or ()),
         r.get("num_minibatches"), r.get("update_epochs")): finite(r.get("update_s_mean"))
        for r in ok("learner_throughput")
    }  # fmt: skip
    handoff = {str(r.get("spec_hash")): r.get("ms_per_step") for r in ok("handoff")}
    return Controls(
        {k: v for k, v in env.items() if v}, {k: v for k, v in learner.items() if v},
        {k: {m: float(x) for m, x in v.items() if finite(x) is not None} for k, v in handoff.items() if isinstance(v, dict)},
    )  # fmt: skip


@dataclass(frozen=True)
class Terms:
    """Predicted seconds per update by term, each from one control (None: that control is not in the store)."""

    env_s: float | None
    learner_s: float | None
    rest_s: float | None
    """None: no control measures it for this contender (Gymnasium's host loop); counted as 0."""

    @property
    def predicted_s(self) -> float | None:
        if self.env_s is None or self.learner_s is None:
            return None
        return self.env_s + self.learner_s + (self.rest_s or 0.0)

    @property
    def dominant(self) -> str | None:
        """The largest term: "env", "learner" or "rest"."""
        if self.predicted_s is None:
            return None
        sizes = {"env": self.env_s, "learner": self.learner_s, "rest": self.rest_s or 0.0}
        return max(sizes, key=lambda name: sizes[name] or 0.0)


def env_backend(run: Run, simulator: str) -> Any:
    """The env-only control's setting a run stepped: its Brax backend, or the vector env mode it used."""
    spec = run.record.spec
    if simulator == "brax":
        return spec.get("brax_backend")
    resources = run.record.extra.get("resources")
    vector = resources.get("vector_env") if isinstance(resources, dict) else None
    mode = vector.get("mode") if isinstance(vector, dict) else None
    return mode or (spec.get("vector_env") if spec.get("vector_env") != "auto" else "sync")


def env_rate(run: Run, controls: Controls) -> float | None:
    """The simulator's own steps per second at the run's num_envs (the env-only control): its ceiling."""
    point, simulator = point_of(run), SIMULATORS.get(run.contender)
    if point is None or simulator is None:
        return None
    return controls.env.get((simulator, env_backend(run, simulator), run.task, point.num_envs))


def terms_of(run: Run, controls: Controls) -> Terms:
    """The model's terms for one run's point: B / env rate; the learner's update; the hand-off control's
    per-step cost beyond the env (fused scan for JAX, torch over DLPack for torch) times the rollout length."""
    point, rate = point_of(run), env_rate(run, controls)
    if point is None or run.contender not in LEARNER_FRAMEWORKS:
        return Terms(None, None, None)
    spec = run.record.spec
    framework = learner_framework(run.contender, run.device_kind)
    shape = (point.hidden, spec.get("num_minibatches"), spec.get("update_epochs"))
    learner_s = controls.learner.get((framework, run.task, point.batch, *shape))
    modes = controls.handoff.get(run.spec_hash, {})
    mode = "fused" if framework == "jax-jit" else "torch_dlpack"
    rest_s = None
    if SIMULATORS.get(run.contender) == "brax" and rate and mode in modes:
        rest_s = point.num_steps * (modes[mode] / 1e3 - point.num_envs / rate)
    return Terms(None if not rate else point.batch / rate, learner_s, rest_s)


@dataclass(frozen=True)
class Fit:
    """One contender at one point: measured against predicted steady SPS and, for a miss, where it lies."""

    contender: str
    point: Point
    measured_sps: float | None
    terms: Terms
    rollout_s: float | None
    """Measured steady seconds per update in the rollout half (the runs' own split); None: not split."""
    update_s: float | None
    ceiling_sps: float | None
    """The simulator's own rate at this num_envs (env-only control)."""

    @property
    def predicted_sps(self) -> float | None:
        predicted = self.terms.predicted_s
        return None if not predicted or predicted <= 0 else self.point.batch / predicted

    @property
    def error(self) -> float | None:
        """measured / predicted - 1."""
        if self.measured_sps is None or self.predicted_sps is None:
            return None
        return self.measured_sps / self.predicted_sps - 1

    @property
    def fraction(self) -> float | None:
        """Steady SPS as a fraction of the simulator's own rate."""
        return (
            None
            if not self.ceiling_sps or self.measured_sps is None
            else self.measured_sps / self.ceiling_sps
        )

    @property
    def missed(self) -> bool:
        return self.error is not None and abs(self.error) > MISS_LIMIT

    @property
    def gaps(self) -> tuple[float, float] | None:
        """(rollout, update) measured minus predicted seconds per update; None without the runs' split."""
        if self.rollout_s is None or self.update_s is None or self.terms.predicted_s is None:
            return None
        assert self.terms.env_s is not None and self.terms.learner_s is not None
        rollout = self.rollout_s - self.terms.env_s - (self.terms.rest_s or 0.0)
        return rollout, self.update_s - self.terms.learner_s

    @property
    def miss_term(self) -> str | None:
        """For a miss, the half that holds most of it ("rollout" or "update"), or "unexplained" (no split)."""
        if not self.missed:
            return None
        if self.gaps is None:
            return "unexplained"
        rollout, update = self.gaps
        return "rollout" if abs(rollout) >= abs(update) else "update"

    @property
    def miss_share(self) -> float | None:
        """That half's gap as a share of the whole gap (measured minus predicted seconds per update)."""
        if self.gaps is None or self.measured_sps is None or self.terms.predicted_s is None:
            return None
        whole = self.point.batch / self.measured_sps - self.terms.predicted_s
        gap = self.gaps[0] if self.miss_term == "rollout" else self.gaps[1]
        return None if whole == 0 else gap / whole


def fit(contender: str, point: Point, summary: Summary, run: Run, controls: Controls) -> Fit:
    """The model at one point from the contender's summary there and one of its runs (spec, device, extra)."""
    per_update = point.batch / 1e6
    rollout, update = summary.rollout_s_per_mstep, summary.update_s_per_mstep
    return Fit(
        contender, point, summary.sps.value if summary.sps else None, terms_of(run, controls),
        None if rollout is None else rollout * per_update, None if update is None else update * per_update,
        env_rate(run, controls),
    )  # fmt: skip


def cold_first_update(summary: Summary) -> float | None:
    """Mean time to the first update over the runs that started with a cold compilation cache."""
    index = PAIRED_METRICS.index("first_update_s")
    values = [v for run in summary.per_run if (v := run.values[index]) is not None]
    return sum(values) / len(values) if values else None


def break_even_steps(jax: Summary, torch: Summary) -> float | None:
    """Env steps after which the JAX side's run has caught up with the PyTorch side's, from the mean time to
    the first update of cold-start runs (compile included) and steady SPS: 0 when JAX has nothing to pay back (its first update
    comes no later), inf when it never catches up (not faster); None without both figures."""
    starts = [cold_first_update(jax), cold_first_update(torch)]
    if None in starts or jax.sps is None or torch.sps is None:
        return None
    extra_s = starts[0] - starts[1]  # type: ignore[operator]
    per_step_saved = 1 / torch.sps.value - 1 / jax.sps.value
    if extra_s <= 0:
        return 0.0
    return math.inf if per_step_saved <= 0 else extra_s / per_step_saved
