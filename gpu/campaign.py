"""`python -m gpu.campaign PLAN`: run a GPU campaign plan file (`gpu/plan.py`, docs/GPU.md).

Exit 0 when every step went well, 1 when one failed or was skipped for budget, 2 for a bad plan or (unless
`--rehearsal`) a GPU that JAX and torch do not both see. The device is resolved once, for every step.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tarfile
import time
from collections.abc import Mapping
from dataclasses import MISSING, dataclass, field, replace
from pathlib import Path

from bench.commands.common import EXIT_RUN_FAILED, add_flags, fail, flag, split, typed
from bench.commands.run import RunArgs, planned
from bench.harness.contenders import CONTENDERS, Contender
from bench.harness.devices import DeviceChoice, select_device
from bench.harness.runner import run_child
from bench.harness.store_lock import store_lock
from bench.harness.sweep import recorded_ok, run_sweep
from gpu.plan import PARTS, Plan, PlanError, Step, load_plan
from shared_spec.exit_codes import EXIT_OK, EXIT_UNAVAILABLE


@dataclass
class CampaignRun:
    """One execution of a plan: options, clock, and what happened (`lines` becomes the timing table)."""

    plan: Plan
    out: Path
    part: str = "all"
    first_seed: int = 0
    budget_s: float | None = None
    rehearsal: bool = False
    state: Path | None = None
    started: float = field(default_factory=time.monotonic)
    lines: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    gave_up: dict[str, str] = field(default_factory=dict)
    """Contender -> why it is not started again."""
    took_s: dict[str, float] = field(default_factory=dict)
    """Contender -> how long its last run here took: a run is not started with less left than that."""
    device: DeviceChoice | None = None
    """The device of every run, resolved once when the campaign starts."""

    def __post_init__(self) -> None:
        if self.budget_s is None:
            self.budget_s = self.plan.rehearsal_budget_s if self.rehearsal else self.plan.budget_s
        if self.state is None:  # a rehearsal never resumes an earlier one
            self.state = self.out / "state" if self.rehearsal else Path(self.plan.state_dir)

    @property
    def store(self) -> Path:
        return self.state / "results.jsonl"

    @property
    def logs(self) -> Path:
        return self.out / "logs"

    def left_s(self) -> float:
        return self.budget_s - (time.monotonic() - self.started)

    def note(self, name: str, seconds: float | None, outcome: str, failed: bool) -> None:
        """One line of the timing table; a failed (or, unless ok to skip, skipped) step fails the campaign."""
        took = "-" if seconds is None else f"{seconds:.0f} s"
        self.lines.append(f"{name:28s} {took:>7s}   {outcome}")
        print(f"=== [{name}] {outcome}" + ("" if seconds is None else f" in {seconds:.0f} s"), flush=True)
        if failed:
            self.failed.append(name)
        if self.store.exists():
            shutil.copy(self.store, self.out / "results.jsonl")


def pack_logs(out: Path) -> None:
    """The run logs into out/logs.tar.gz (the device tool returns files at most two folders deep)."""
    if (out / "logs").is_dir():
        with tarfile.open(out / "logs.tar.gz", "w:gz") as tar:
            tar.add(out / "logs", arcname="logs")
        shutil.rmtree(out / "logs")


def bench_command(run: CampaignRun, step: Step) -> list[str]:
    """The step's command line: `python -m bench --store STORE SUBCOMMAND ...` or `python -m MODULE ...`
    ({out}: the output folder, {first_seed}: `--first-seed`)."""
    words = step.rehearsal_command if run.rehearsal and step.rehearsal_command is not None else step.command
    words = [w.replace("{out}", str(run.out)).replace("{first_seed}", str(run.first_seed)) for w in words]
    if words[0] == "-m":
        return [sys.executable, *words]
    return [sys.executable, "-m", "bench", "--store", str(run.store), *words]


@dataclass(frozen=True)
class CampaignArgs:
    plan: Path = flag(MISSING, "the plan file (TOML), e.g. gpu/gpu.toml", flag="plan")
    out: Path = flag(Path("reports/campaign"), "results.jsonl, index.html, logs")
    budget_s: float | None = flag(None, "wall-time budget (default: the plan's)")
    part: str = flag("all", "run one part of the plan (a, b, c) or all", choices=PARTS)
    first_seed: int = flag(0, "round r runs seed K+r: add seeds to earlier runs")
    rehearsal: bool = flag(False, "on the CPU at toy scale (the plan's rehearsal)")
    state: Path | None = flag(None, "store and caches (default: the plan's state_dir)")
    skip: str | None = flag(
        None, "comma-separated step names to leave out of this call (e.g. env-brax,env-gym)"
    )


def campaign(
    args: CampaignArgs, table: Mapping[str, Contender], bench_argv: list[str], wait_for_lock: bool = False
) -> int:
    """Every selected step in plan order, then the final ones; the timing table; the exit code. The campaign's
    store is locked for the whole campaign (its steps, child benches, find it held by their parent)."""
    try:
        plan = load_plan(args.plan)
    except PlanError as err:
        raise fail(str(err)) from None
    if args.first_seed < 0:
        raise fail(f"--first-seed: got {args.first_seed}; allowed: an integer >= 0")
    args.out.mkdir(parents=True, exist_ok=True)
    run = CampaignRun(
        plan, args.out.resolve(), args.part, args.first_seed, args.budget_s, args.rehearsal, args.state
    )
    run.state.mkdir(parents=True, exist_ok=True)
    with store_lock(run.store, wait=wait_for_lock):
        return run_steps(args, plan, run, table, bench_argv)


def run_steps(
    args: CampaignArgs, plan: Plan, run: CampaignRun, table: Mapping[str, Contender], bench_argv: list[str]
) -> int:
    """The campaign itself, its store locked."""
    print(f"campaign: {args.plan} ({plan.description}), part {args.part}, budget {run.budget_s:.0f} s, "
          f"rehearsal {args.rehearsal}, state {run.state}, out {run.out}", flush=True)  # fmt: skip
    run.device = select_device("cpu") if args.rehearsal or plan.device == "cpu" else gpu_device()
    os.environ.update(PYTHONUNBUFFERED="1", MPLBACKEND="Agg")  # every child: unbuffered, no display
    if args.rehearsal:
        os.environ["JAX_PLATFORMS"] = "cpu"
    chosen = [s for s in plan.steps if s.final or args.part == "all" or s.part in (args.part, "all")]
    for step in sorted(chosen, key=lambda s: s.final):  # the final steps last, whatever the part
        if step.name in split(args.skip):
            run.note(step.name, None, "SKIPPED: --skip", failed=False)
        elif step.gpu_only and args.rehearsal:
            run.note(step.name, None, "SKIPPED: GPU only (rehearsal on the CPU)", failed=False)
        elif step.contenders:
            run_rounds(run, step, table, bench_argv)
        else:
            run_command(run, step)
    pack_logs(run.out)
    print(f"\n=== timings (wall s; budget {run.budget_s:.0f} s, used {run.budget_s - run.left_s():.0f} s)")
    print("\n".join(run.lines))
    print(f"campaign: FAILED steps: {' '.join(run.failed)}" if run.failed else "campaign: all steps ok")
    return EXIT_RUN_FAILED if run.failed else EXIT_OK


def gpu_device() -> DeviceChoice:
    """The GPU every run of the campaign gets; exit 2 with one line unless nvidia-smi lists a GPU that JAX and
    torch both see."""
    device = select_device("auto")
    if device.kind != "gpu":
        raise fail(f"no usable GPU ({device.reason}); --rehearsal rehearses on the CPU")
    print(f"gpu: {device.name}, seen by jax and torch", flush=True)
    return replace(device, requested="gpu", reason="requested")  # what `--device gpu` records


def run_command(run: CampaignRun, step: Step) -> None:
    """A command step in its own process group, within its cap or what the budget leaves."""
    cap = step.cap_s * (run.plan.rehearsal_cap_factor if run.rehearsal else 1)
    limit = min(cap, cap if step.final else run.left_s() - run.plan.reserve_s)
    if limit < min(30, cap):
        return run.note(
            step.name, None, f"SKIPPED: only {max(limit, 0):.0f} s left of the budget", failed=True
        )
    argv = bench_command(run, step)
    print(
        f"\n=== [{step.name}] start: limit {limit:.0f} s, {run.left_s():.0f} s left; $ {' '.join(argv)}",
        flush=True,
    )
    outcome = run_child(argv, limit, run.logs / f"step-{step.name}.log")
    print(outcome.stdout + outcome.stderr, flush=True)
    status = "TIMED OUT" if outcome.timed_out else f"exit {outcome.exit_code}"
    run.note(step.name, outcome.wall_s, status, failed=outcome.exit_code != 0)


def run_rounds(run: CampaignRun, step: Step, table: Mapping[str, Contender], bench_argv: list[str]) -> None:
    """The step's rounds, interleaved; each run within the budget; a contender that failed is not started again."""
    names = [name for name in step.contenders if name in table]
    for name in sorted(set(step.contenders) - set(names)):
        run.note(f"run:{name}", None, "SKIPPED: not a contender of this tree", failed=False)
    if not names:
        return
    args = RunArgs(
        preset=step.preset, seeds=step.rounds, first_seed=run.first_seed + step.first_round, contenders=",".join(names),
        device="cpu" if run.rehearsal else run.plan.device, overrides=list(run.plan.rehearsal_sets) if run.rehearsal else [],
        logs_dir=run.logs, store=run.store,
    )  # fmt: skip
    scheduled, context = planned(args, table, bench_argv, run.device)
    spec, done = context.spec, recorded_ok(run.store)
    for scheduled_run in [p for p in scheduled if p.key(spec.spec_hash()) not in done]:
        name, seed = scheduled_run.contender.name, scheduled_run.seed
        label = f"run:{name}:{context.preset}:s{seed}"
        limit = min(spec.run_timeout_s, run.left_s() - run.plan.reserve_s)
        needed = run.took_s.get(name, run.plan.min_run_s)  # its last run here, else the plan's minimum
        if name in run.gave_up:
            run.note(label, None, f"SKIPPED: not started again: {run.gave_up[name]}", failed=False)
            continue
        if limit < needed:
            left = f"{max(limit, 0):.0f} s left of the budget, {needed:.0f} s needed"
            run.note(label, None, f"SKIPPED: {left}", failed=True)
            continue
        if run.plan.jax_cache:  # torch-brax and torch-brax-compile share the Brax env's programs
            cache = run.state / "jax-cache" / name.removesuffix("-compile")
            os.environ["JAX_COMPILATION_CACHE_DIR"] = str(cache)
        print(f"\n=== [{label}] start: limit {limit:.0f} s, {run.left_s():.0f} s left", flush=True)
        within_budget = replace(context, timeout_s=limit)
        (record,) = run_sweep([scheduled_run], within_budget, store=run.store, force=False)
        run.took_s[name] = record["harness_wall_s"]
        if record["status"] == "ok":
            run.note(label, record["harness_wall_s"], "ok", failed=False)
            continue
        unavailable = record.get("exit_code") == EXIT_UNAVAILABLE
        if not (record["timed_out"] and limit < spec.run_timeout_s):  # stopped by the budget: not its fault
            run.gave_up[name] = f"seed {seed} did not end ok ({record['status']})"
        outcome = "SKIPPED: unavailable on this install" if unavailable else record["status"].upper()
        run.note(label, record["harness_wall_s"], f"{outcome}: {record.get('error')}", failed=not unavailable)


def main(argv: list[str] | None = None, contenders: Mapping[str, Contender] = CONTENDERS) -> int:
    """Entry point; `contenders` is injectable so tests can run fake trainers."""
    words = list(sys.argv[1:] if argv is None else argv)
    parser = argparse.ArgumentParser(prog="python -m gpu.campaign", description=__doc__)
    add_flags(parser, CampaignArgs)
    return campaign(typed(CampaignArgs, parser.parse_args(words)), contenders, ["campaign", *words])


if __name__ == "__main__":
    sys.exit(main())
