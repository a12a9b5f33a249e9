"""`python -m bench scale`: steady speed as a function of scale, each point beside the controls that bound it.

Why: whether JAX brings a speed gain depends on how many envs step at once and how wide the networks are; one
shape per preset cannot say. Every point keeps the learner's work per update fixed: the preset's batch
(num_envs x num_steps), so num_steps = batch / num_envs, with its minibatch count and epochs; at one num_envs
the networks' width moves too, so the learner's share moves. Round r runs seed r of every contender at every
point (the order rotating), so a slow spell of the machine falls on all of them; each record carries its
`sweep_point`. The controls come first (a budget that cuts the runs short still leaves the model's terms), at
the same points, on the same machine and store: env-only (the simulator's own rate, the ceiling), learner-only
(same batch, minibatches, epochs, width) and, for the Brax env, the hand-off; the report's cost model uses
nothing else. Resumable: runs and control points this host stored ok are skipped (`--force` repeats them).
JAX's persistent compilation cache is on, one folder per point and contender (a trainer calls a run warm when
its folder holds anything): a point's first round compiles cold (the break-even run length reads those
runs), its later rounds start warm, which leaves steady SPS alone and saves most of a JAX run on a small CPU.
"""

from __future__ import annotations

import dataclasses
import os
import socket
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from unittest import mock

from bench.commands import envs, handoff, learner, run
from bench.commands.common import EXIT_RUN_FAILED, fail, flag, split
from bench.harness.contenders import Contender
from bench.harness.devices import DeviceChoice
from bench.harness.store import read_records
from bench.harness.sweep import run_sweep
from bench.report.scale_model import LEARNER_FRAMEWORKS, SIMULATORS, learner_framework
from shared_spec.cli import spec_or_exit
from shared_spec.exit_codes import EXIT_OK
from shared_spec.resources import resolve_vector_env
from shared_spec.spec import PPOSpec

AUTO_PRESETS = {"cpu": "cpu-scale", "gpu": "gpu-scale"}
CACHE_VARIABLE = "JAX_COMPILATION_CACHE_DIR"
DEFAULT_NUM_ENVS = {"cpu": "4,16,64,256", "gpu": "256,2048,16384"}


@dataclass(frozen=True)
class ScalePoint:
    """One point of the sweep: num_envs, the rollout length that keeps the batch, the networks' width."""

    num_envs: int
    num_steps: int
    hidden: tuple[int, ...]

    def overrides(self, base: PPOSpec) -> list[str]:
        """`--set` words; the width only where it differs from the preset's, so its own point keeps its hash."""
        words = [f"num_envs={self.num_envs}", f"num_steps={self.num_steps}"]
        if self.hidden != base.actor_hidden or self.hidden != base.critic_hidden:
            width = ",".join(map(str, self.hidden))
            words += [f"actor_hidden={width}", f"critic_hidden={width}"]
        return words

    def tag(self, batch_size: int) -> dict[str, Any]:
        return {"sweep": "scale", "num_envs": self.num_envs, "num_steps": self.num_steps,
                "hidden": list(self.hidden), "batch_size": batch_size}  # fmt: skip


@dataclass(frozen=True)
class ScaleArgs(run.RunArgs):
    preset: str = flag("auto", "preset whose learner work every point keeps (auto: cpu-scale, gpu-scale)")
    seeds: int = flag(4, "rounds of every contender at every point (4: the fewest pairs a verdict needs)")
    contenders: str = flag("jax,torch-brax,jax-gym,torch", "comma-separated names (same-simulator pairs)")
    num_envs: str | None = flag(None, "comma-separated; each divides the batch (default: CPU 4,16,64,256; "
                                "GPU 256,2048,16384)")  # fmt: skip
    widths: str = flag("64x64,256x256,1024x1024", "the width axis, both networks (empty: none)")
    width_envs: int | None = flag(None, "num_envs of the width axis (default: the preset's)")
    no_controls: bool = flag(False, "skip the env-only, learner-only and hand-off controls")
    env_budget_steps: int = flag(20_000, "env steps the env-only control times per point")
    jax_cache: str = flag("reports/jax-cache", "JAX's compilation cache, a folder per point and contender: each "
                          "point's first round compiles cold, later rounds start warm, labelled ('': off)")  # fmt: skip


def scale_points(
    spec: PPOSpec, num_envs: list[int], widths: list[tuple[int, ...]], width_envs: int
) -> list[ScalePoint]:
    """The num_envs axis at the preset's width, then the width axis at `width_envs`; each divides the batch."""
    batch = spec.batch_size
    for n in [*num_envs, width_envs]:
        if n < 1 or batch % n:
            raise fail(
                f"--num-envs/--width-envs: got {n}; allowed: divisors of the batch {batch} (num_envs x num_steps)"
            )
    points = [ScalePoint(n, batch // n, spec.actor_hidden) for n in num_envs]
    points += [ScalePoint(width_envs, batch // width_envs, width) for width in widths]
    return list(dict.fromkeys(points))


def parse_widths(text: str) -> list[tuple[int, ...]]:
    try:
        return [tuple(int(n) for n in width.split("x")) for width in split(text)]
    except ValueError:
        raise fail(f"--widths: got {text!r}; allowed: e.g. 64x64,256x256") from None


def scale(args: ScaleArgs, table: Mapping[str, Contender], bench_argv: list[str]) -> int:
    """The controls, then every point's runs interleaved round by round; exit 1 if anything did not end ok."""
    contenders = run.check_arguments(args, table)
    if args.tasks:
        raise fail("--tasks: not allowed with scale; a sweep runs its preset's task (--set task=NAME)")
    device = run.choose_device(args)
    preset = AUTO_PRESETS[device.kind] if args.preset == "auto" else args.preset
    args = dataclasses.replace(args, preset=preset)
    _, spec, _ = run.resolve(args, device)
    try:
        num_envs = [int(n) for n in split(args.num_envs or DEFAULT_NUM_ENVS[device.kind])]
    except ValueError:
        raise fail(f"--num-envs: got {args.num_envs!r}; allowed: comma-separated integers") from None
    points = scale_points(spec, num_envs, parse_widths(args.widths), args.width_envs or spec.num_envs)
    statuses = (
        []
        if args.no_controls
        else controls(args, spec, points, [c.name for c in contenders], device, bench_argv)
    )
    plans = []
    for point in points:
        point_args = dataclasses.replace(args, overrides=[*args.overrides, *point.overrides(spec)])
        runs, context = run.planned(point_args, table, bench_argv, device)
        plans.append((point, runs, dataclasses.replace(context, sweep_point=point.tag(spec.batch_size))))
    print(f"bench scale: preset {preset}, batch {spec.batch_size}, {len(points)} points, {args.seeds} round(s) "
          f"of {', '.join(c.name for c in contenders)}, store {args.store}", file=sys.stderr)  # fmt: skip
    records = []
    for seed in range(args.first_seed, args.first_seed + args.seeds):
        for point, runs, context in plans:
            print(f"bench scale: round {seed}, {point.num_envs} envs x {point.num_steps} steps, "
                  f"hidden {'x'.join(map(str, point.hidden))}", file=sys.stderr)  # fmt: skip
            for scheduled in [r for r in runs if r.seed == seed]:
                cache = Path(args.jax_cache).resolve() / context.spec.spec_hash() / scheduled.contender.name
                with mock.patch.dict(os.environ, {CACHE_VARIABLE: str(cache)} if args.jax_cache else {}):
                    records += run_sweep([scheduled], context, store=args.store, force=args.force,
                                         executor=args.executor, address=args.address)  # fmt: skip
    print(run.summary(records))
    return max([*statuses, EXIT_RUN_FAILED if any(r["status"] != "ok" for r in records) else EXIT_OK])


def measured(store: Path) -> set[tuple[Any, ...]]:
    """The control points this host already stored ok: a resumed sweep measures only what is missing."""
    host, found = socket.gethostname(), set()
    for r in read_records(store) if store.exists() else []:
        if r.get("status") == "ok" and r.get("provenance", {}).get("hostname") == host:
            kind = r.get("record_type")
            if kind == "env_throughput":
                found.add((kind, r.get("simulator"), r.get("backend"), r.get("task"), r.get("num_envs")))
            elif kind == "learner_throughput":
                found.add(
                    (
                        kind,
                        r.get("framework"),
                        r.get("preset"),
                        r.get("batch_size"),
                        tuple(r.get("hidden") or ()),
                    )
                )
            elif kind == "handoff":
                found.add((kind, r.get("spec_hash")))
    return found


def controls(
    args: ScaleArgs,
    spec: PPOSpec,
    points: list[ScalePoint],
    names: list[str],
    device: DeviceChoice,
    bench_argv: list[str],
) -> list[int]:
    """The controls the report's cost model reads, at the sweep's points and not yet stored by this host
    (`--force`: all): env-only per simulator the contenders step, learner-only per framework at the batch and
    every width, the hand-off at every point of the Brax env."""
    done = set() if args.force else measured(args.store)
    kind, simulators, statuses = device.kind, {SIMULATORS.get(name) for name in names}, []
    settings = [("brax", spec.brax_backend)] if "brax" in simulators else []
    if "gymnasium" in simulators:
        settings += [
            ("gymnasium", mode)
            for mode in sorted({resolve_vector_env(spec.vector_env, p.num_envs) for p in points})
        ]
    for simulator, setting in settings:
        todo = sorted(
            {p.num_envs for p in points}
            - {key[4] for key in done if key[:4] == ("env_throughput", simulator, setting, spec.task)}
        )
        if todo:
            env_args = envs.EnvArgs(
                task=spec.task, num_envs=",".join(map(str, todo)), brax_backends=setting if simulator == "brax" else "",
                gym_modes=setting if simulator == "gymnasium" else "", budget_steps=args.env_budget_steps,
                logs_dir=args.logs_dir, store=args.store,
            )  # fmt: skip
            statuses.append(envs.run(env_args, bench_argv, device))
    for framework in sorted({learner_framework(n, kind) for n in names if n in LEARNER_FRAMEWORKS}):
        widths = sorted(
            {
                "x".join(map(str, p.hidden))
                for p in points
                if ("learner_throughput", framework, args.preset, spec.batch_size, p.hidden) not in done
            }
        )
        if widths:
            learner_args = learner.LearnerArgs(
                frameworks=framework, preset=args.preset, batch_sizes=str(spec.batch_size), hiddens=",".join(widths),
                rounds=3, device=kind, logs_dir=args.logs_dir, store=args.store,
            )  # fmt: skip
            statuses.append(learner.run(learner_args, bench_argv, device))
    for point in points if "brax" in simulators else []:
        overrides = [*args.overrides, *point.overrides(spec), f"device={kind}"]  # the runs' spec, so its hash
        if ("handoff", spec_or_exit(args.preset, overrides).spec_hash()) not in done:
            handoff_args = handoff.HandoffArgs(args.preset, 100, overrides, args.logs_dir, args.store)
            statuses.append(handoff.handoff(handoff_args, bench_argv))
    return statuses
