"""Figures of the report, drawn with matplotlib (Agg) and embedded as SVG data URIs (text kept as text).

Each function takes already-grouped runs plus a `label` naming hardware and preset, and returns a data URI;
every figure carries that label in its title. Bands and error bars are 95% percentile-bootstrap CIs over
runs from MIN_RUNS_FOR_CI runs on, the runs' min-max range below that (none for a single run). Colours are fixed per contender so figures can be compared.
"""

from __future__ import annotations

import base64
import io

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
from matplotlib.figure import Figure

from bench.report.data import Run, by_contender
from bench.report.settings import CONTENDER_COLORS, DEBATE_PAIR, UNKNOWN_COLOR
from bench.report.stats import MIN_RUNS_FOR_CI, pointwise_mean_band
from bench.report.tables import Summary


def color(contender: str) -> str:
    """The contender's colour from bench.report.settings."""
    return CONTENDER_COLORS.get(contender, UNKNOWN_COLOR)


def to_svg(fig: Figure, salt: str = "ppo-bench") -> str:
    """`fig` as SVG text, text kept as text (small, sharp at any size, searchable); a fixed `salt` makes its
    ids, so the same store renders the same bytes."""
    buffer = io.StringIO()
    with plt.rc_context({"svg.fonttype": "none", "svg.hashsalt": salt}):
        fig.savefig(buffer, format="svg", bbox_inches="tight", metadata={"Date": None})
    return buffer.getvalue()


def to_data_uri(fig: Figure) -> str:
    """`fig` as an SVG data URI; the figure is closed."""
    text = to_svg(fig)
    plt.close(fig)
    return "data:image/svg+xml;base64," + base64.b64encode(text.encode("utf-8")).decode("ascii")


def aligned_curves(runs: list[Run]) -> tuple[np.ndarray, np.ndarray, np.ndarray] | None:
    """(env_steps, wall_s, return) arrays shaped runs x evals, truncated to the shortest curve."""
    curves = [r.curve() for r in runs if r.ok and r.curve()]
    if not curves:
        return None
    length = min(len(c) for c in curves)
    array = np.array([c[:length] for c in curves], dtype=float)
    return array[:, :, 0], array[:, :, 1], array[:, :, 2]


def learning_curves(runs: list[Run], label: str, threshold: float | None, seed: int = 0) -> str | None:
    """Evaluation return vs env steps and vs wall-clock seconds since process start (compile included)."""
    series = {c: aligned_curves(rs) for c, rs in by_contender(runs).items()}
    series = {c: s for c, s in series.items() if s is not None}
    if not series:
        return None
    fig, (ax_steps, ax_wall) = plt.subplots(1, 2, figsize=(12, 4.4), layout="constrained")
    for contender, (steps, wall, returns) in series.items():
        n = returns.shape[0]
        if n >= MIN_RUNS_FOR_CI:
            mean, low, high = pointwise_mean_band(returns, seed)
        else:  # too few runs for an interval: the band is the runs' range
            mean, low, high = returns.mean(axis=0), returns.min(axis=0), returns.max(axis=0)
        for ax, x in ((ax_steps, steps.mean(axis=0)), (ax_wall, wall.mean(axis=0))):
            ax.plot(x, mean, marker="o", ms=3, color=color(contender), label=f"{contender} (n={n})")
            if low is not None:
                ax.fill_between(x, low, high, color=color(contender), alpha=0.2, linewidth=0)
    for ax, xlabel in (
        (ax_steps, "env steps"),
        (ax_wall, "wall-clock s since process start (compile included)"),
    ):
        if threshold is not None:
            ax.axhline(threshold, color="#555", linestyle=":", linewidth=1, label="threshold")
        ax.set_xlabel(xlabel)
        ax.set_ylabel("evaluation return")
        ax.grid(alpha=0.3)
    ax_steps.legend(fontsize=8, loc="best")
    fig.suptitle(
        f"Learning curves: mean over runs; band: 95% CI from {MIN_RUNS_FOR_CI} runs on, min-max range below\n{label}",
        fontsize=10,
    )
    return to_data_uri(fig)


def speed_and_time(summaries: list[Summary], label: str) -> str | None:
    """Steady SPS bars with CI, beside stacked bars of startup / compile / rest-of-run time (means)."""
    rows = [s for s in summaries if s.ok_runs]
    if not rows:
        return None
    fig, (ax_sps, ax_time) = plt.subplots(
        1, 2, figsize=(12, 1.6 + 0.55 * max(len(rows), 2)), layout="constrained"
    )
    names = [s.contender for s in rows]
    y = np.arange(len(rows))
    sps = [s.sps.value if s.sps else 0.0 for s in rows]
    err = np.array(
        [
            [s.sps.value - s.sps.low, s.sps.high - s.sps.value]
            if s.sps and s.sps.low is not None and s.sps.high is not None
            else [0, 0]
            for s in rows
        ]
    ).T
    ax_sps.barh(y, sps, xerr=err, color=[color(n) for n in names], capsize=4, alpha=0.85)
    for row, summary in zip(y, rows, strict=True):  # every run's value, so n and spread are visible
        values = np.asarray(summary.sps_values, dtype=float)
        jitter = np.linspace(-0.18, 0.18, len(values)) if len(values) > 1 else np.zeros(len(values))
        ax_sps.plot(values, row + jitter, "o", color="black", markersize=3, alpha=0.8)
    ax_sps.set_yticks(y, names)
    ax_sps.invert_yaxis()
    ax_sps.set_xlabel(
        f"steady-state env steps per second (bar: mean; whisker: 95% CI from {MIN_RUNS_FOR_CI} runs on, "
        "else min-max; dots: each run)"
    )
    ax_sps.grid(axis="x", alpha=0.3)
    startup = np.array([s.startup_s or 0.0 for s in rows])
    compile_s = np.array([s.compile_s or 0.0 for s in rows])
    rest = np.array([max((s.wall_s or 0.0) - (s.startup_s or 0.0) - (s.compile_s or 0.0), 0.0) for s in rows])
    # train and eval where the contender reports both; otherwise (brax-ppo) one "training + evaluation" bar
    split = np.array([s.train_s is not None and s.eval_s is not None for s in rows])
    train = np.array([s.train_s if ok else 0.0 for s, ok in zip(rows, split, strict=True)])
    evals = np.where(split, rest - train, 0.0)
    ax_time.barh(y, startup, color="#bbbbbb", label="startup (imports, env reset)")
    ax_time.barh(y, compile_s, left=startup, color="#f2a541", label="compile")
    any_split, any_unsplit = bool(split.any()), bool((~split).any())
    ax_time.barh(
        y, train, left=startup + compile_s, color="#4c956c", label="training" if any_split else None
    )  # fmt: skip
    ax_time.barh(
        y, evals, left=startup + compile_s + train, color="#8fb8de",
        label="evaluation (+ host)" if any_split else None,
    )  # fmt: skip
    ax_time.barh(
        y, np.where(split, 0.0, rest), left=startup + compile_s, color="#a3c9a8",
        label="training + evaluation (not split)" if any_unsplit else None,
    )  # fmt: skip
    ax_time.set_yticks(y, names)
    ax_time.invert_yaxis()
    ax_time.set_xlabel("seconds of the whole run (mean over ok runs)")
    ax_time.legend(fontsize=8, loc="upper center", bbox_to_anchor=(0.5, -0.28), ncols=3, frameon=False)
    ax_time.grid(axis="x", alpha=0.3)
    fig.suptitle(f"Throughput and where the time goes\n{label}", fontsize=10)
    return to_data_uri(fig)


def phase_split(summaries: list[Summary], label: str) -> str | None:
    """Stacked bars: steady seconds per 1M env steps in the rollout half and in the update half."""
    rows = [s for s in summaries if s.rollout_s_per_mstep is not None and s.update_s_per_mstep is not None]
    if not rows:
        return None
    fig, ax = plt.subplots(figsize=(8, 1.4 + 0.5 * max(len(rows), 2)), layout="constrained")
    y = np.arange(len(rows))
    rollout = np.array([s.rollout_s_per_mstep for s in rows])
    update = np.array([s.update_s_per_mstep for s in rows])
    ax.barh(y, rollout, color="#4c956c", label="rollout (env step + action sampling)")
    ax.barh(y, update, left=rollout, color="#f2a541", label="PPO update (epochs x minibatches)")
    ax.set_yticks(y, [s.contender for s in rows])
    ax.invert_yaxis()
    ax.set_xlabel("steady-state seconds per 1M env steps (mean over ok runs; shorter is faster)")
    ax.legend(fontsize=8, loc="upper center", bbox_to_anchor=(0.5, -0.3), ncols=2, frameon=False)
    ax.grid(axis="x", alpha=0.3)
    ax.set_title(f"Rollout vs update\n{label}", fontsize=10)
    return to_data_uri(fig)


CODE_METRICS = (
    ("sloc", "SLOC"),
    ("cc_mean", "cyclomatic complexity\n(mean per block)"),
    ("cc_max", "cyclomatic complexity\n(max)"),
    ("max_nesting", "max nesting depth"),
)


def code_metrics(records: list[dict], label: str) -> str | None:
    """One bar panel per code metric, one bar per implementation."""
    if not records:
        return None
    names = [str(r.get("implementation", "?")) for r in records]
    jax_name, torch_name = DEBATE_PAIR
    palette = {"jax_ppo": color(jax_name), "torch_ppo": color(torch_name)}
    fig, axes = plt.subplots(1, len(CODE_METRICS), figsize=(12, 3.6), layout="constrained")
    for ax, (key, title) in zip(axes, CODE_METRICS, strict=True):
        values = [float(r[key]) if isinstance(r.get(key), int | float) else np.nan for r in records]
        ax.bar(range(len(names)), values, color=[palette.get(n, UNKNOWN_COLOR) for n in names])
        ax.set_xticks(range(len(names)), names, rotation=30, ha="right", fontsize=8)
        ax.set_title(title, fontsize=9)
        ax.grid(axis="y", alpha=0.3)
    fig.suptitle(f"Code metrics per implementation\n{label}", fontsize=10)
    return to_data_uri(fig)


def scaling_lines(
    series: dict[str, tuple[list[float], list[float]]], xlabel: str, ylabel: str, title: str
) -> str | None:
    """Log-log lines, one per series name: y (a throughput) against x (num_envs or batch size)."""
    series = {name: xy for name, xy in series.items() if xy[0]}
    if not series:
        return None
    fig, ax = plt.subplots(figsize=(9, 5), layout="constrained")
    for name, (xs, ys) in sorted(series.items()):
        order = np.argsort(xs)
        ax.plot(np.asarray(xs)[order], np.asarray(ys)[order], marker="o", label=name)
    ax.set_xscale("log", base=2)
    ax.set_yscale("log")
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.grid(which="both", alpha=0.3)
    ax.legend(fontsize=8)
    ax.set_title(title, fontsize=10)
    return to_data_uri(fig)
