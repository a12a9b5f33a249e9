"""Tables of the report: numbers per (group, contender) computed once, then formatted as pandas HTML.

`summarize` holds the numbers (the debate section reuses them); `*_table` functions turn them into HTML with
pandas' `to_html` (escaped). Statistics cover ok runs only; failed runs are counted, never dropped silently.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from bench.report.data import Run, by_contender
from bench.report.render import FOLD_ROWS, MISSING, fmt
from bench.report.stats import (
    MIN_PAIRS_FOR_RANGE_VERDICT,
    MIN_RUNS_FOR_CI,
    RATIO_METHOD,
    Estimate,
    noise_band,
    ratio_estimate,
    seed_estimate,
)
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
    """How the split was measured, or why it is missing (the trainer's `extra.phase_split`)."""
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
    bands: tuple[float | None, ...] = (None, None, None)
    """The group's noise band per PAIRED_METRICS (stats.noise_band over every contender of the group)."""

    def band(self, metric: str) -> float | None:
        return self.bands[PAIRED_METRICS.index(metric)]


def run_figures(run: Run) -> RunFigures:
    """The paired figures of one ok run (`round`: the harness's interleaved round, absent in older records)."""
    cold = not run.warm_cache
    values = tuple(run.metric(m) if m == "sps" or cold else None for m in PAIRED_METRICS)
    return RunFigures(str(run.seed), run.record.get("round"), values)


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


def group_bands(figures: dict[str, list[RunFigures]]) -> tuple[float | None, ...]:
    """Per PAIRED_METRICS, the noise band of one group from every contender's runs."""
    return tuple(
        noise_band(
            {name: [v for f in runs if (v := f.values[i]) is not None] for name, runs in figures.items()}
        )
        for i in range(len(PAIRED_METRICS))
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
    notes = [
        r.record.get("extra", {}).get("phase_split") for r in runs if isinstance(r.record.get("extra"), dict)
    ]
    notes = [n for n in notes if isinstance(n, str)]
    if notes:
        return notes[0]
    return "timed inline around each half of every steady update" if runs else None


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


def summarize(runs: list[Run], seed: int = 0) -> list[Summary]:
    """One Summary per contender of `runs` (runs of one group)."""
    out = []
    grouped = by_contender(runs)
    figures = {name: [run_figures(r) for r in group if r.ok] for name, group in grouped.items()}
    bands = group_bands(figures)
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
                first_update_s=_mean([r.metric("first_update_s") for r in ok]),
                wall_s=_mean([r.metric("wall_s") for r in cold]),
                train_s=_mean_if_all([r.metric("train_s") for r in ok]),
                eval_s=_mean_if_all([r.metric("eval_s") for r in ok]),
                sps=seed_estimate(sps, "mean", seed) if sps else None,
                final_return=seed_estimate(returns, "mean", seed) if returns else None,
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
                per_run=tuple(figures[contender]),
                bands=bands,
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


def fmt_estimate(estimate: Estimate | None) -> str:
    """What the estimate is, with n: "x (n = 1)"; "mean x (min a to max b), n = k" below MIN_RUNS_FOR_CI
    runs (no interval claimed); "mean x [a, b] 95% CI, n = k" from MIN_RUNS_FOR_CI runs on."""
    if estimate is None:
        return MISSING
    if estimate.kind == "single" or estimate.low is None or estimate.high is None:
        return f"{fmt(estimate.value)} (n = {estimate.n})"
    if estimate.kind == "range":
        return f"mean {fmt(estimate.value)} ({fmt(estimate.low)} to {fmt(estimate.high)}), n = {estimate.n}"
    return f"{estimate.statistic} {fmt(estimate.value)} [{fmt(estimate.low)}, {fmt(estimate.high)}] 95% CI, n = {estimate.n}"


def fmt_times(value: float) -> str:
    """A ratio as '1.63x' (two decimals; two significant digits below 0.1)."""
    return f"{value:.2f}x" if value >= 0.1 else f"{value:.2g}x"


def fmt_ratio(ratio: Estimate | None) -> str:
    """A paired ratio with its n: "1.63x (n = 1 pair)"; "1.60x (1.55x to 1.66x), n = 3 pairs" below
    MIN_RUNS_FOR_CI pairs; "1.60x [1.55x, 1.66x] 95% CI, n = 5 pairs" from there on."""
    if ratio is None:
        return MISSING
    if ratio.kind == "single" or ratio.low is None or ratio.high is None:
        return f"{fmt_times(ratio.value)} (n = 1 pair)"
    low, high = fmt_times(ratio.low), fmt_times(ratio.high)
    if ratio.kind == "range":
        return f"{fmt_times(ratio.value)} ({low} to {high}), n = {ratio.n} pairs"
    return f"{fmt_times(ratio.value)} [{low}, {high}] 95% CI, n = {ratio.n} pairs"


def fmt_band(band: float | None) -> str:
    """'noise band +/-4.2%' (the group's run-to-run spread), or that it is unknown (no repeated runs)."""
    return "noise band unknown (no repeated runs)" if band is None else f"noise band ±{100 * band:.1f}%"


def fmt_return_cell(summary: Summary) -> str:
    """The final-return estimate of the ok runs, and how many of all runs failed (never dropped silently)."""
    total = summary.ok_runs + summary.failed_runs
    failed = f"; {summary.failed_runs} of {total} runs failed" if summary.failed_runs else ""
    return fmt_estimate(summary.final_return) + failed


def fmt_threshold_cell(summary: Summary) -> str:
    """'reached by k of n, median t s' (n = every cold-start run of the group, failed ones included)."""
    total = summary.ok_runs - summary.warm_runs + summary.failed_runs
    warm = f" ({summary.warm_runs} warm-cache runs left out)" if summary.warm_runs else ""
    if not total:
        return MISSING + warm
    if not summary.tt_reached:
        return f"reached by 0 of {total}{warm}"
    return f"reached by {summary.tt_reached} of {total}, median {fmt(summary.tt_threshold_median)} s{warm}"


def fmt_compile_cell(summary: Summary) -> str:
    """Mean cold compile seconds, and how many runs started warm (left out of it) when some did."""
    if not summary.warm_runs:
        return fmt(summary.compile_s)
    cold = summary.ok_runs - summary.warm_runs
    return f"{fmt(summary.compile_s)} (cold, n = {cold}; {summary.warm_runs} warm-cache runs left out)"


def fmt_per_seed(summary: Summary) -> str:
    """'seed: return' of every ok run, so the reader sees each seed behind the estimate."""
    return ", ".join(f"{seed}: {fmt(value)}" for seed, value in summary.per_seed_returns) or MISSING


STATISTICS_RULE = (
    f"n = 1: the value; n < {MIN_RUNS_FOR_CI}: mean (min to max), no interval claimed; n >= {MIN_RUNS_FOR_CI}: "
    "the mean (SPS, final return) with a 95% Student-t CI over runs. Ratios of two contenders are over pairs of "
    "runs (same seed index, same round where recorded): the geometric mean of the per-pair ratios; one pair: "
    f"its ratio; fewer than {MIN_RUNS_FOR_CI}: their range; {MIN_RUNS_FOR_CI} or more: a 95% CI "
    f"({RATIO_METHOD}). Noise band: the coefficient of variation of each contender's runs in the group, pooled "
    "over contenders. A verdict word (faster, little, ahead) only where the ratio's CI (or, from "
    f"{MIN_PAIRS_FOR_RANGE_VERDICT} pairs, its range) lies wholly outside 1 -/+ the band; otherwise "
    f"no difference measured at this n; below {MIN_PAIRS_FOR_RANGE_VERDICT} pairs, figures only"
)


def headline_frame(summaries: list[Summary], with_device_memory: bool) -> pd.DataFrame:
    """The headline table of one group as a DataFrame of display strings."""
    rows = []
    for s in summaries:
        row = {
            "contender": s.contender,
            "seeds (ok)": str(s.seeds),
            "failed runs": str(s.failed_runs),
            "startup_s": fmt(s.startup_s),
            "compile_s": fmt_compile_cell(s),
            "first_update_s": fmt(s.first_update_s),
            "eval_s": fmt(s.eval_s),
            "steady SPS": fmt_estimate(s.sps),
            "final return": fmt_return_cell(s),
            "final return per seed": fmt_per_seed(s),
            "time to threshold": fmt_threshold_cell(s),
            "peak host MB": fmt(s.peak_rss_mb),
        }
        if with_device_memory:
            row["peak device MB"] = fmt(s.peak_device_mb)
        rows.append(row)
    return pd.DataFrame(rows)


def phase_split_frame(summaries: list[Summary]) -> pd.DataFrame:
    """Rollout vs update seconds per 1M steady env steps, with the share and how each was measured."""
    rows = []
    for s in summaries:
        if not s.ok_runs:
            continue
        rollout, update = s.rollout_s_per_mstep, s.update_s_per_mstep
        share = None if rollout is None or update is None else 100 * rollout / (rollout + update)
        rows.append(
            {
                "contender": s.contender,
                "rollout s / 1M steps": fmt(rollout),
                "update s / 1M steps": fmt(update),
                "rollout share %": fmt(share),
                "how measured": s.split_note or MISSING,
            }
        )
    return pd.DataFrame(rows)


def startup_phases_frame(summaries: list[Summary]) -> pd.DataFrame:
    """Mean seconds of each startup phase per contender (runs that split their startup), with n.

    The phases hold any compilation inside them (torch-brax's env, the JAX init program), which the startup_s
    column leaves to compile_s; so they add up to more than startup_s there.
    """
    rows = []
    for s in summaries:
        if not s.startup_phases:
            continue
        row: dict[str, Any] = {"contender": s.contender, "runs": s.startup_phase_runs}
        row |= {f"{phase} s": fmt(seconds) for phase, seconds in s.startup_phases}
        row["startup_s (compile excluded)"] = fmt(s.startup_s)
        rows.append(row)
    return pd.DataFrame(rows)


def frame_html(frame: pd.DataFrame, css_class: str, caption: str) -> str:
    """A DataFrame as an escaped HTML table with a caption (every table names its hardware and preset)."""
    if frame.empty:
        return f'<p class="note">{_escape(caption)}: no rows.</p>'
    table = frame.to_html(index=False, escape=True, classes=css_class, border=0, na_rep=MISSING)
    table = table.replace(">\n  <thead>", f">\n  <caption>{_escape(caption)}</caption>\n  <thead>", 1)
    if len(frame) <= FOLD_ROWS:
        return table
    return f"<details><summary>{_escape(caption)} · {len(frame)} rows</summary>{table}</details>"


def _escape(text: str) -> str:
    import html

    return html.escape(text, quote=True)


def failures_frame(runs: list[Run]) -> pd.DataFrame:
    """Every run whose status is not ok, with where it ran and its error text."""
    rows = [
        {
            "status": r.status,
            "contender": r.contender,
            "task": r.task,
            "preset": r.preset,
            "seed": MISSING if r.seed is None else str(r.seed),
            "hardware": r.hardware,
            "source": r.source,
            "exit code": MISSING if r.record.get("exit_code") is None else str(r.record.get("exit_code")),
            "error": r.error_text,
        }
        for r in runs
        if not r.ok
    ]
    return pd.DataFrame(rows)


def records_frame(records: list[dict[str, Any]], columns: tuple[str, ...]) -> pd.DataFrame:
    """Selected keys of plain records as display strings (missing keys show '–')."""
    rows = []
    for record in records:
        row = {}
        for column in columns:
            value = record.get(column)
            if isinstance(value, float):
                row[column] = fmt(value)
            elif isinstance(value, list | tuple):
                row[column] = "x".join(str(v) for v in value)
            else:
                row[column] = MISSING if value is None else str(value)
        rows.append(row)
    return pd.DataFrame(rows, columns=list(columns))
