"""Tables of the report: numbers per (group, contender) computed once, then laid out as `render.Table`s.

`summarize` holds the numbers (the other sections reuse them); `*_table` functions turn them into cells, whose
wording comes from `templates/cells.txt.j2` (`fmt_*`). Statistics cover ok runs only; failed runs are counted,
never dropped silently.
"""

from __future__ import annotations

import statistics
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import Any

import numpy as np

from bench.report.data import Run, by_contender
from bench.report.render import MISSING, Table, cell, cell_text, fmt, table_of_rows
from bench.report.stats import Estimate, noise_band, ratio_estimate, seed_estimate
from shared_spec.startup import PHASES

PAIRED_METRICS = ("sps", "first_update_s", "time_to_threshold_s")
"""The figures the report takes ratios of, over pairs of runs."""


@dataclass(frozen=True)
class RunFigures:
    """One ok run's paired figures: what pairs it (seed index, round when recorded) and PAIRED_METRICS' values
    (compile-dependent ones None for a warm-cache run: not a cold start)."""

    seed: str
    round: Any
    values: tuple[float | None, ...]

    def pairs_with(self, other: RunFigures) -> bool:
        """Same seed index, and the same round where both record one."""
        return self.seed == other.seed and (
            self.round is None or other.round is None or self.round == other.round
        )


@dataclass(frozen=True)
class Summary:
    """One contender in one group: counts and across-run statistics of its ok runs."""

    contender: str
    ok_runs: int
    failed_runs: int
    seeds: int
    """Seeds behind the ok runs (a vmapped program counts all its seeds)."""
    startup_s: float | None
    compile_s: float | None
    first_update_s: float | None
    wall_s: float | None
    sps: Estimate | None
    final_return: Estimate | None
    tt_threshold_median: float | None
    """Median time to threshold over the runs that reached it (shown with "reached by k of n")."""
    tt_reached: int
    peak_rss_mb: float | None
    peak_device_mb: float | None
    env_steps: float | None
    """Env steps one run trains (mean over ok runs)."""
    train_s: float | None = None
    """Seconds executing updates (None where the contender does not report it, e.g. brax-ppo)."""
    eval_s: float | None = None
    """Seconds in evaluations."""
    rollout_s_per_mstep: float | None = None
    """Steady seconds per million env steps spent in the rollout half (env step + action sampling)."""
    update_s_per_mstep: float | None = None
    """Steady seconds per million env steps spent in the PPO update half."""
    split_note: str | None = None
    """How the split was measured or why it is missing, where the trainer says (`extra.phase_split`); None:
    timed inline around each half of every steady update."""
    per_seed_returns: tuple[tuple[Any, float], ...] = ()
    """(seed, final return) of every ok run, in seed order (always shown beside the estimate)."""
    sps_values: tuple[float, ...] = ()
    """Steady SPS of every ok run (dots beside the SPS bar)."""
    warm_runs: int = 0
    """Ok runs that started with a warm compilation cache: left out of compile, wall and time to threshold."""
    startup_phases: tuple[tuple[str, float], ...] = ()
    """(phase, mean seconds) over the ok runs that split their startup (shared_spec/startup.py order)."""
    startup_phase_runs: int = 0
    """How many ok runs those means are over."""
    per_run: tuple[RunFigures, ...] = ()
    """Every ok run's paired figures (`paired_ratio` pairs them with another contender's)."""
    first_update_warm_s: float | None = None
    """Mean first update of the warm-cache runs: shown beside the cold figure, never averaged into it."""

    @property
    def in_time(self) -> bool:
        """Every run records its interleaved round, so its pairs are paired in time, not by seed index only."""
        return all(f.round is not None for f in self.per_run)


def run_figures(run: Run) -> RunFigures:
    """The paired figures of one ok run (`round`: the harness's interleaved round, absent in older records)."""
    cold = not run.warm_cache
    values = tuple(run.metric(m) if m == "sps" or cold else None for m in PAIRED_METRICS)
    return RunFigures(str(run.seed), run.record.round, values)


def paired_ratio(left: Summary, right: Summary, metric: str) -> Estimate | None:
    """left / right of `metric` over pairs of runs (stats.ratio_estimate); None without a pair."""
    index = PAIRED_METRICS.index(metric)
    pairs = [
        (a.values[index], b.values[index])
        for a in left.per_run
        for b in right.per_run
        if a.pairs_with(b) and a.values[index] is not None and b.values[index] is not None
    ]
    return ratio_estimate(pairs)  # type: ignore[arg-type]


def pair_band(left: Summary, right: Summary, metric: str) -> float | None:
    """The noise band of one comparison, from the two compared contenders' runs only: a noisy third contender
    of the group never widens this pair's margin."""
    index = PAIRED_METRICS.index(metric)
    return noise_band(
        {s.contender: [v for f in s.per_run if (v := f.values[index]) is not None] for s in (left, right)}
    )


def phase_seconds_per_mstep(run: Run) -> tuple[float, float] | None:
    """(rollout, update) steady seconds per 1M env steps of one run, from rollout_s, update_s and sps.

    Steady env steps = sps x (rollout_s + update_s) for every contender that reports a split (the torch
    trainers time the halves inline; the JAX trainer apportions its fused steady time), so the split is
    normalized per env step and comparable across contenders of one spec.
    """
    rollout, update, sps = run.metric("rollout_s"), run.metric("update_s"), run.metric("sps")
    if rollout is None or update is None or not sps or rollout + update <= 0:
        return None
    steady_steps = sps * (rollout + update)
    return 1e6 * rollout / steady_steps, 1e6 * update / steady_steps


def _split_note(runs: list[Run]) -> str | None:
    notes = (r.record.extra.get("phase_split") for r in runs)  # the trainer's own diagnostics: free-form
    return next((note for note in notes if isinstance(note, str)), None)


def _mean(values: list[float | None]) -> float | None:
    present = [v for v in values if v is not None]
    return float(np.mean(present)) if present else None


def _mean_if_all(values: list[float | None]) -> float | None:
    """The mean when every run reports the value (a bucket averaged over some runs only would not add up)."""
    return None if not values or any(v is None for v in values) else float(np.mean(values))


def _max(values: list[float | None]) -> float | None:
    present = [v for v in values if v is not None]
    return max(present) if present else None


def _per_seed_returns(ok: list[Run]) -> tuple[tuple[Any, float], ...]:
    pairs = []
    for run in ok:
        returns = run.final_returns()
        if run.num_seeds > 1:  # a vmapped program: seeds seed .. seed + num_seeds - 1
            start = run.seed if isinstance(run.seed, int) else 0
            pairs += [(start + i, value) for i, value in enumerate(returns)]
        elif returns:
            pairs.append((run.seed, returns[0]))
    return tuple(sorted(pairs, key=lambda pair: str(pair[0]).zfill(6)))


def summarize(runs: list[Run]) -> list[Summary]:
    """One Summary per contender of `runs` (runs of one group)."""
    out = []
    grouped = by_contender(runs)
    for contender, group in grouped.items():
        ok = [r for r in group if r.ok]
        cold = [r for r in ok if not r.warm_cache]  # compile-dependent figures: cold starts only
        returns = [v for r in ok for v in r.final_returns()]
        sps = [r.metric("sps") for r in ok if r.metric("sps") is not None]
        reached = [
            r.metric("time_to_threshold_s") for r in cold if r.metric("time_to_threshold_s") is not None
        ]
        splits = [split for r in ok if (split := phase_seconds_per_mstep(r)) is not None]
        phased = [phases for r in ok if (phases := r.startup_phases())]
        out.append(
            Summary(
                contender=contender,
                ok_runs=len(ok),
                failed_runs=len(group) - len(ok),
                seeds=sum(r.num_seeds for r in ok),
                startup_s=_mean([r.metric("startup_s") for r in ok]),
                compile_s=_mean([r.metric("compile_s") for r in cold]),
                first_update_s=_mean([r.metric("first_update_s") for r in cold]),
                first_update_warm_s=_mean([r.metric("first_update_s") for r in ok if r.warm_cache]),
                wall_s=_mean([r.metric("wall_s") for r in cold]),
                train_s=_mean_if_all([r.metric("train_s") for r in ok]),
                eval_s=_mean_if_all([r.metric("eval_s") for r in ok]),
                sps=seed_estimate(sps) if sps else None,
                final_return=seed_estimate(returns) if returns else None,
                tt_threshold_median=statistics.median(reached) if reached else None,
                tt_reached=len(reached),
                peak_rss_mb=_max([r.metric("peak_rss_mb") for r in ok]),
                peak_device_mb=_max([r.metric("peak_device_mb") for r in ok]),
                env_steps=_mean([r.metric("total_env_steps") for r in ok]),
                rollout_s_per_mstep=_mean([split[0] for split in splits]),
                update_s_per_mstep=_mean([split[1] for split in splits]),
                split_note=_split_note(ok),
                per_seed_returns=_per_seed_returns(ok),
                sps_values=tuple(sps),
                warm_runs=len(ok) - len(cold),
                startup_phases=_mean_phases(phased),
                startup_phase_runs=len(phased),
                per_run=tuple(run_figures(r) for r in ok),
            )
        )
    return out


def _mean_phases(runs_phases: list[dict[str, float]]) -> tuple[tuple[str, float], ...]:
    """Mean seconds of each phase over the runs that recorded it, in PHASES order."""
    means = []
    for phase in PHASES:
        values = [phases[phase] for phases in runs_phases if phase in phases]
        if values:
            means.append((phase, statistics.fmean(values)))
    return tuple(means)


# The wording of a cell, from `templates/cells.txt.j2` (see each macro there): an estimate with n ("mean x (a to
# b), n = k" below MIN_RUNS_FOR_CI runs, "mean x [a, b] 95% CI, n = k" from there on), a paired ratio ("1.60x
# [1.55x, 1.66x] 95% CI, n = 5 pairs"), the noise band, and a Summary's return, time-to-threshold and compile
# cells (failed and warm-cache runs counted, never dropped silently).
fmt_estimate: Callable[[Estimate | None], str] = partial(cell, "estimate")
fmt_ratio: Callable[[Estimate | None], str] = partial(cell, "ratio")
fmt_band: Callable[[float | None], str] = partial(cell, "band")
fmt_return_cell: Callable[[Summary], str] = partial(cell, "return_cell")
fmt_threshold_cell: Callable[[Summary], str] = partial(cell, "threshold_cell")
fmt_compile_cell: Callable[[Summary], str] = partial(cell, "compile_cell")
fmt_first_update_cell: Callable[[Summary], str] = partial(cell, "first_update_cell")


def headline_table(summaries: list[Summary], with_device_memory: bool, per_folder: dict[str, str]) -> Table:
    """One group's headline: counts, startup figures, SPS, final return, time to threshold, memory; the runs
    each published folder gave where seeds were pooled across folders (`per_folder`)."""
    rows = []
    for s in summaries:
        row = {
            "contender": s.contender, "seeds (ok)": s.seeds, "failed runs": s.failed_runs,
            "startup_s": fmt(s.startup_s), "compile_s": fmt_compile_cell(s),
            "first_update_s": fmt_first_update_cell(s), "eval_s": fmt(s.eval_s), "steady SPS": fmt_estimate(s.sps),
            "final return": fmt_return_cell(s), "time to threshold": fmt_threshold_cell(s),
            "peak host MB": fmt(s.peak_rss_mb),
        }  # fmt: skip
        if with_device_memory:
            row["peak device MB"] = fmt(s.peak_device_mb)
        if any(per_folder.values()):
            row["runs per published folder"] = per_folder.get(s.contender) or MISSING
        rows.append(row)
    return table_of_rows(rows, css_class="headline")


def per_seed_table(summaries: list[Summary]) -> Table:
    """Every ok run's final return, seed by seed, beside the estimates (folded: it is long)."""
    rows = [(s.contender, str(seed), fmt(value)) for s in summaries for seed, value in s.per_seed_returns]
    return Table("", ("contender", "seed", "final return"), tuple(rows), "per-seed", fold=True)


def phase_split_table(summaries: list[Summary]) -> Table:
    """Rollout vs update seconds per 1M steady env steps, the rollout's share, and how each was measured
    (None: timed inline, the template says so)."""
    rows = []
    for s in summaries:
        rollout, update = s.rollout_s_per_mstep, s.update_s_per_mstep
        share = None if rollout is None or update is None else 100 * rollout / (rollout + update)
        if s.ok_runs:
            rows.append(
                (s.contender, fmt(rollout), fmt(update), fmt(share), cell("split_note", s.split_note))
            )
    columns = ("contender", "rollout s / 1M steps", "update s / 1M steps", "rollout share %", "how measured")
    return Table("", columns, tuple(rows), "split")


def startup_table(summaries: list[Summary]) -> Table:
    """Mean seconds of each startup phase per contender (runs that split their startup), with n.

    The phases hold any compilation inside them (torch-brax's env, the JAX init program), which the startup_s
    column leaves to compile_s; so they add up to more than startup_s there.
    """
    rows = [
        {"contender": s.contender, "runs": s.startup_phase_runs}
        | {f"{phase} s": fmt(seconds) for phase, seconds in s.startup_phases}
        | {"startup_s (compile excluded)": fmt(s.startup_s)}
        for s in summaries
        if s.startup_phases
    ]
    return table_of_rows(rows, css_class="startup")


def failures_table(runs: list[Run]) -> Table:
    """Every run whose status is not ok, with where it ran and its error text."""
    columns = ("status", "contender", "task", "preset", "seed", "hardware", "source", "exit code", "error")
    rows = tuple(  # the error text keeps its lines (a traceback)
        (*map(cell_text, (r.status, r.contender, r.task, r.preset, r.seed, r.hardware, r.source,
                          r.record.exit_code)), r.error_text or cell("no_error_text"))
        for r in runs
        if not r.ok
    )  # fmt: skip
    return Table("", columns, rows, "failures")
