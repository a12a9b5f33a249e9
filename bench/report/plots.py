"""Figures of the report, drawn with matplotlib (Agg) and embedded as data URIs.

Each function takes already-grouped data and returns a data URI, or None when there is nothing to draw; what a
figure shows (hardware, preset, what a band means) is said by the template around it, so images carry axis
labels and legends only. Sized for the page (at most 1240 px wide): 12 inches is the full width. A figure of
few elements (bars, short curves) is SVG with text kept as text, made lean by `minify_svg`; one of many points
is a PNG at DPI. Axis and legend labels are drawn into the images (labels, not sentences). Bands and error bars
are 95% CIs over runs from MIN_RUNS_FOR_CI runs on, the runs' min-max range below that (none for a single run).
Colours are fixed per contender (`settings`).
"""

from __future__ import annotations

import base64
import io
import re

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
from matplotlib.figure import Figure

from bench.harness.schema import Record
from bench.report.data import Run, by_contender
from bench.report.settings import CONTENDER_COLORS, DEBATE_PAIR, UNKNOWN_COLOR
from bench.report.stats import MIN_RUNS_FOR_CI, Estimate, pointwise_mean_band
from bench.report.tables import Summary

WIDTH = 12.0
"""Inches: the page's width (SVG at 72 pt per inch renders 1152 px wide; PNG at DPI 1200 px)."""
DPI = 100
PNG_ABOVE_POINTS = 2000
"""A figure drawing more data points than this is a PNG: past that, SVG grows larger than the pixels."""
MAX_CURVE_POINTS = 300
"""The most points a curve is drawn with (`thin`): more are not seen at the page's width."""
RC = {"svg.fonttype": "none", "font.sans-serif": ["DejaVu Sans"], "font.size": 9}
"""For every figure of the report: text kept as text in SVG, named by one font family (matplotlib's default
list of twelve repeats on every label)."""
matplotlib.rcParams.update(RC)
SVG_METADATA = ("Date", "Creator", "Format", "Type")
"""Left out of every SVG: a date would change the bytes of the same store's page, the rest is boilerplate."""
CODE_METRICS = (
    ("sloc", "SLOC"),
    ("cc_mean", "cyclomatic complexity\n(mean per block)"),
    ("cognitive", "cognitive complexity"),
    ("cyclomatic_max", "cyclomatic complexity\n(max)"),
    ("max_nesting", "max nesting depth"),
)
"""The code bars' metrics, those some record carries (`cc_mean`: records made before the one rule)."""


def color(contender: str) -> str:
    """The contender's colour from bench.report.settings."""
    return CONTENDER_COLORS.get(contender, UNKNOWN_COLOR)


_GEOMETRY = re.compile(r' (d|x|y|transform|points)="([^"]*)"')
_DECIMALS = re.compile(r"(\d\.\d)\d+")
_MARKERS = re.compile(
    r'<use xlink:href="#\w+" x="[^"]*" y="[^"]*" style="([^"]*)"/>(?:<use [^>]*style="\1"/>)+'
)


def minify_svg(svg: str) -> str:
    """matplotlib's SVG, smaller and drawn the same: coordinates to 0.1 pt, no indentation, no group ids, and
    the style of a run of identical markers said once on a group around them."""
    svg = _GEOMETRY.sub(lambda m: " " + m[1] + '="' + _DECIMALS.sub(r"\1", m[2]) + '"', svg)
    svg = re.sub(r">\s+<", "><", re.sub(r"\n\s*", " ", svg))
    svg = re.sub(r'<g id="[^"]*">', "<g>", svg)

    def grouped(run: re.Match[str]) -> str:
        if re.search(r"(^|[ ;])opacity:", run[1]):  # opacity is not inherited: it must stay per marker
            return run[0]
        return f'<g style="{run[1]}">' + run[0].replace(f' style="{run[1]}"', "") + "</g>"

    return _MARKERS.sub(grouped, svg)


def to_svg(fig: Figure, salt: str = "ppo-bench") -> str:
    """`fig` as lean SVG text (`minify_svg`); a fixed `salt` makes its ids, so a store renders the same bytes."""
    buffer = io.StringIO()
    with plt.rc_context({"svg.hashsalt": salt}):
        fig.savefig(buffer, format="svg", bbox_inches="tight", metadata=dict.fromkeys(SVG_METADATA))
    return minify_svg(buffer.getvalue())


def data_points(fig: Figure) -> int:
    """How many data points `fig` draws (lines, markers, scatter offsets, band vertices)."""
    count = 0
    for ax in fig.axes:
        count += sum(len(line.get_xdata()) for line in ax.lines)
        count += sum(
            len(c.get_offsets()) + sum(len(p.vertices) for p in c.get_paths()) for c in ax.collections
        )
    return count


def to_data_uri(fig: Figure) -> str:
    """`fig` as an SVG data URI, or a PNG one when it draws more than PNG_ABOVE_POINTS points; closes it."""
    if data_points(fig) > PNG_ABOVE_POINTS:
        buffer = io.BytesIO()
        fig.savefig(buffer, format="png", dpi=DPI, bbox_inches="tight", metadata={"Software": None})
        kind, data = "png", buffer.getvalue()
    else:
        kind, data = "svg+xml", to_svg(fig).encode("utf-8")
    plt.close(fig)
    return f"data:image/{kind};base64," + base64.b64encode(data).decode("ascii")


def thin(*columns: np.ndarray | list[float], most: int = MAX_CURVE_POINTS) -> list[np.ndarray]:
    """Every column at evenly spaced indices, at most `most` of them, first and last kept."""
    length = len(columns[0])
    keep = np.unique(np.linspace(0, length - 1, most).round().astype(int)) if length > most else slice(None)
    return [np.asarray(column)[keep] for column in columns]


def aligned_curves(runs: list[Run]) -> tuple[np.ndarray, np.ndarray] | None:
    """(env_steps, return) arrays shaped runs x evals, truncated to the shortest curve."""
    curves = [r.curve() for r in runs if r.ok and r.curve()]
    if not curves:
        return None
    length = min(len(c) for c in curves)
    array = np.array([c[:length] for c in curves], dtype=float)
    return array[:, :, 0], array[:, :, 2]


def learning_curves(runs: list[Run], threshold: float | None, seed: int = 0) -> str | None:
    """Evaluation return against env steps: the mean over runs with its band, per contender. (Against wall-clock
    time every run is drawn in the answer panel.)"""
    series = {c: s for c, rs in by_contender(runs).items() if (s := aligned_curves(rs)) is not None}
    if not series:
        return None
    fig, ax = plt.subplots(figsize=(WIDTH, 3.4), layout="constrained")
    for contender, (steps, returns) in series.items():
        n = returns.shape[0]
        if n >= MIN_RUNS_FOR_CI:
            mean, low, high = pointwise_mean_band(returns, seed)
        else:  # too few runs for an interval: the band is the runs' range
            mean, low, high = returns.mean(axis=0), returns.min(axis=0), returns.max(axis=0)
        x, mean, *band = thin(steps.mean(axis=0), mean, *([] if low is None else [low, high]))
        marker = "o" if len(x) <= 30 else None
        ax.plot(x, mean, marker=marker, ms=3, color=color(contender), label=f"{contender} (n = {n})")
        if band:
            ax.fill_between(x, *band, color=color(contender), alpha=0.2, linewidth=0)
    if threshold is not None:
        ax.axhline(threshold, color="#555", linestyle=":", linewidth=1, label="threshold")
    ax.set_xlabel("env steps")
    ax.set_ylabel("evaluation return")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8, loc="center left", bbox_to_anchor=(1.01, 0.5), frameon=False)
    return to_data_uri(fig)


def speed_and_time(summaries: list[Summary]) -> str | None:
    """One row of three panels sharing the contenders: steady SPS (bar, interval, every run's dot); where a
    run's seconds go (startup, compile, training, evaluation); rollout vs update per 1M steady env steps."""
    rows = [s for s in summaries if s.ok_runs]
    if not rows:
        return None
    fig, (ax_sps, ax_time, ax_split) = plt.subplots(
        1, 3, figsize=(WIDTH, 1.5 + 0.4 * max(len(rows), 2)), sharey=True, layout="constrained"
    )
    y = np.arange(len(rows))
    sps = [s.sps or Estimate(0.0, None, None, 0) for s in rows]
    err = [[0, 0] if e.low is None or e.high is None else [e.value - e.low, e.high - e.value] for e in sps]
    colors = [color(s.contender) for s in rows]
    ax_sps.barh(y, [e.value for e in sps], xerr=np.array(err).T, color=colors, capsize=3, alpha=0.85)
    for row, summary in zip(y, rows, strict=True):  # every run's value, so n and spread are visible
        n = len(summary.sps_values)
        jitter = np.linspace(-0.18, 0.18, n) if n > 1 else np.zeros(n)
        ax_sps.plot(summary.sps_values, row + jitter, "o", color="black", markersize=2.5, alpha=0.8)
    ax_sps.set_yticks(y, [s.contender for s in rows])
    ax_sps.invert_yaxis()
    ax_sps.locator_params(axis="x", nbins=4)
    keys = ("startup_s", "compile_s", "wall_s", "rollout_s_per_mstep", "update_s_per_mstep")
    startup, compile_s, wall, rollout, update = (np.array([getattr(s, k) or 0.0 for s in rows]) for k in keys)
    rest = np.maximum(wall - startup - compile_s, 0.0)
    # train and eval where the contender reports both; otherwise (brax-ppo) one "training + evaluation" bar
    split = np.array([s.train_s is not None and s.eval_s is not None for s in rows])
    train = np.array([s.train_s if ok else 0.0 for s, ok in zip(rows, split, strict=True)])
    for ax, xlabel, stacks in (
        (ax_sps, "steady env steps / s", ()),
        (ax_time, "seconds per run (mean)", (
            (startup, "#bbbbbb", "startup (imports, env reset)"), (compile_s, "#f2a541", "compile"),
            (train, "#4c956c", "training"), (np.where(split, rest - train, 0.0), "#8fb8de", "evaluation (+ host)"),
            (np.where(split, 0.0, rest), "#a3c9a8", "training + evaluation (not split)"))),
        (ax_split, "steady s per 1M env steps", (
            (rollout, "#7b6fb0", "rollout (env step + action sampling)"),
            (update, "#e9c46a", "PPO update (epochs x minibatches)"))),
    ):  # fmt: skip
        left = np.zeros(len(rows))  # stacked left to right; a stack with no value stays out of the legend
        for values, colour, label in stacks:
            ax.barh(y, values, left=left, color=colour, label=label if values.any() else None)
            left = left + values
        ax.set_xlabel(xlabel)
        ax.grid(axis="x", alpha=0.3)
    handles = [h for ax in (ax_time, ax_split) for h in ax.get_legend_handles_labels()[0]]
    fig.legend(handles=handles, loc="outside lower center", ncols=4, fontsize=8, frameon=False)
    return to_data_uri(fig)


def code_metrics(records: list[Record]) -> str | None:
    """One bar panel per code metric, one bar per implementation (the two cores in their sides' colours)."""
    if not records:
        return None
    names = [str(r.get("implementation", "?")) for r in records]
    jax_name, torch_name = DEBATE_PAIR
    palette = {"jax_ppo": color(jax_name), "torch_ppo": color(torch_name)}
    metrics = [(key, title) for key, title in CODE_METRICS if any(r.get(key) is not None for r in records)]
    fig, axes = plt.subplots(1, len(metrics), figsize=(WIDTH, 3.0), layout="constrained")
    for ax, (key, title) in zip(axes, metrics, strict=True):
        values = [np.nan if r.get(key) is None else float(r.get(key)) for r in records]
        ax.bar(range(len(names)), values, color=[palette.get(n, UNKNOWN_COLOR) for n in names])
        ax.set_xticks(range(len(names)), names, rotation=30, ha="right", fontsize=8)
        ax.set_title(title, fontsize=9)
        ax.grid(axis="y", alpha=0.3)
    return to_data_uri(fig)


def scaling_lines(series: dict[str, tuple[list[float], list[float]]], xlabel: str, ylabel: str) -> str | None:
    """Log-log lines, one per series name: y (a throughput) against x (num_envs or batch size)."""
    series = {name: xy for name, xy in series.items() if xy[0]}
    if not series:
        return None
    fig, ax = plt.subplots(figsize=(8.0, 3.6), layout="constrained")
    for name, (xs, ys) in sorted(series.items()):
        order = np.argsort(xs)
        ax.plot(np.asarray(xs)[order], np.asarray(ys)[order], marker="o", ms=4, label=name)
    ax.set_xscale("log", base=2)
    ax.set_yscale("log")
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.grid(which="both", alpha=0.3)
    ax.legend(fontsize=8, loc="center left", bbox_to_anchor=(1.01, 0.5), frameon=False)
    return to_data_uri(fig)
