"""Across-seed statistics for the report: means with Student-t intervals, paired ratios, the noise band.

Means (SPS, final return per task) get a Student-t 95% interval from MIN_RUNS_FOR_CI runs on: at n = 5 a
percentile bootstrap of the mean is narrower than t with 4 degrees of freedom and covers well under 95%
(tests/report/test_report_pairs.py simulates both). A ratio of two contenders is estimated over pairs of runs
(same seed index, same round when recorded): the geometric mean of the per-pair ratios, with a Student-t
interval on the log ratios (a ratio of two means has no interval of its own). The noise band is the run-to-run
spread of the two compared contenders; `verdict`, the one place verdict words are decided, gives a word only outside it.

Where the report pools across tasks or draws curve bands it keeps rliable's bootstrap. Data convention
(rliable's): scores shaped runs x tasks (here runs = seeds). A bootstrap of one task and contender is
one column, where rliable's stratified bootstrap reduces to the ordinary
percentile bootstrap over runs; `scipy.stats.bootstrap` computes exactly that, with an explicit
`numpy.random.Generator` (reproducible: same store and seed, same numbers). The IQM is
`scipy.stats.trim_mean(x, 0.25)`, the definition rliable's `aggregate_iqm` uses.

Why not rliable itself: rliable 1.2.0 imports `arch`, which fails to import under pandas 3 (the pinned stack),
and its bootstrap draws from NumPy's global RNG, ignoring the `random_state` it is given.
Learning-curve bands resample whole runs (all points of a curve together), so a band is a set of curves.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
from scipy import stats as scipy_stats

MIN_RUNS_FOR_CI = 5
"""Below this many runs no interval is claimed: a percentile bootstrap over 3 values is just [min, max] and
covers the truth about 75% of the time, not 95%. Such cells show the mean and the range instead."""
DEFAULT_REPS = 2000
"""Bootstrap replications: 2000 keeps a report render within seconds; rliable's default is 50000."""
DEFAULT_SEED = 0
CI_SIZE = 0.95


@dataclass(frozen=True)
class Estimate:
    """A point estimate over `n` runs with its spread: a 95% CI (`kind` "ci"), the min-max range of the runs
    (`kind` "range", n < MIN_RUNS_FOR_CI), or nothing (one run, `kind` "single")."""

    value: float
    low: float | None
    high: float | None
    n: int
    kind: str = "ci"
    statistic: str = "mean"
    """"mean", "IQM" or RATIO (the geometric mean of per-pair ratios)."""


def seed_estimate(scores: list[float]) -> Estimate:
    """The report's across-seed mean, saying what it is: n = 1 the value; n < MIN_RUNS_FOR_CI the mean and the
    range of the runs (no interval claimed); from there the mean with its Student-t 95% CI."""
    values = [float(v) for v in scores]
    n = len(values)
    if n == 0:
        raise ValueError("scores: got 0 runs; allowed: at least 1 run")
    if n == 1:
        return Estimate(values[0], None, None, 1, "single", "mean")
    if n < MIN_RUNS_FOR_CI:
        return Estimate(float(np.mean(values)), min(values), max(values), n, "range", "mean")
    return mean_estimate(values)


def interquartile_mean(array: np.ndarray) -> float:
    """IQM of all values: the mean of the middle 50% (`trim_mean(x, 0.25)`, as rliable's `aggregate_iqm`)."""
    return float(scipy_stats.trim_mean(np.asarray(array, dtype=float).reshape(-1), proportiontocut=0.25))


def mean_estimate(scores: np.ndarray | list[float]) -> Estimate:
    """Mean over all runs with its Student-t 95% CI."""
    values = np.asarray(scores, dtype=float).reshape(-1)
    if values.size == 0 or not np.all(np.isfinite(values)):
        raise ValueError("scores: got no runs or non-finite values; allowed: finite numbers, at least 1 run")
    mean = float(np.mean(values))
    if values.size < 2:
        return Estimate(mean, None, None, 1, "single")
    low, high = t_interval(values)
    return Estimate(mean, low, high, int(values.size), "ci")


def t_interval(values: np.ndarray) -> tuple[float, float]:
    """Student's t 95% interval of the mean of `values` (at least 2): mean -/+ t(0.975, n - 1) s / sqrt(n)."""
    n = values.size
    half = float(scipy_stats.t.ppf((1 + CI_SIZE) / 2, n - 1)) * float(np.std(values, ddof=1)) / math.sqrt(n)
    mean = float(np.mean(values))
    return mean - half, mean + half


RATIO = "geometric mean of paired ratios"
RATIO_METHOD = "Student's t on the log ratios"


def ratio_estimate(pairs: Sequence[tuple[float, float]]) -> Estimate | None:
    """left / right over pairs of runs: the geometric mean of the per-pair ratios; n = 1 the one ratio; n < 5
    its range (min to max of the ratios, no interval claimed); n >= 5 a 95% CI, Student's t on the log ratios
    transformed back. None when no pair has two positive values (a ratio needs both)."""
    logs = np.array([math.log(a / b) for a, b in pairs if a > 0 and b > 0], dtype=float)
    if logs.size == 0:
        return None
    value = math.exp(float(np.mean(logs)))
    if logs.size == 1:
        return Estimate(value, None, None, 1, "single", RATIO)
    if logs.size < MIN_RUNS_FOR_CI:
        return Estimate(
            value, math.exp(float(logs.min())), math.exp(float(logs.max())), int(logs.size), "range", RATIO
        )
    low, high = t_interval(logs)
    return Estimate(value, math.exp(low), math.exp(high), int(logs.size), "ci", RATIO)


def noise_band(values_by_contender: Mapping[str, Sequence[float]]) -> float | None:
    """Run-to-run spread on one machine: the coefficient of variation (sample sd / mean) of each contender's
    runs, pooled over the contenders with 2 or more runs by their degrees of freedom
    (sqrt(sum (n_c - 1) cv_c^2 / sum (n_c - 1))). None without a contender of 2 runs."""
    weighted, dof = 0.0, 0
    for values in values_by_contender.values():
        array = np.asarray([v for v in values if math.isfinite(v)], dtype=float)
        if array.size < 2 or np.mean(array) <= 0:
            continue
        weighted += (array.size - 1) * (float(np.std(array, ddof=1)) / float(np.mean(array))) ** 2
        dof += array.size - 1
    return math.sqrt(weighted / dof) if dof else None


NO_DIFFERENCE = "no_difference"
"""`verdict`'s code for a ratio inside the noise band; `templates/cells.txt.j2` (`no_difference`) words it."""
MIN_PAIRS_FOR_RANGE_VERDICT = 4
"""Below MIN_RUNS_FOR_CI pairs a verdict needs every one of at least this many pairs beyond the band: the
fewest pairs for which two contenders of equal speed get a word by chance less often than a 95% CI's 5%
(the band estimated from the same runs; tests/report/test_report_pairs.py simulates it)."""


def verdict(
    ratio: Estimate | None, band: float | None, words: tuple[str, str] = ("faster", "slower")
) -> str | None:
    """The one place a verdict is decided, as a code the templates word: `words[0]` when the ratio's interval
    lies wholly above 1 + band, `words[1]` wholly below 1 - band, else NO_DIFFERENCE. The interval is the 95% CI from
    MIN_RUNS_FOR_CI pairs, the range of the pairs from MIN_PAIRS_FOR_RANGE_VERDICT; with fewer pairs (one
    included), or without a ratio or a band, None: figures only."""
    if ratio is None or band is None or ratio.low is None or ratio.high is None:
        return None
    if ratio.n < MIN_PAIRS_FOR_RANGE_VERDICT:
        return None
    if ratio.low > 1 + band:
        return words[0]
    if ratio.high < 1 - band:
        return words[1]
    return NO_DIFFERENCE


def pointwise_mean_band(
    scores: np.ndarray, seed: int = DEFAULT_SEED, reps: int = DEFAULT_REPS
) -> tuple[np.ndarray, np.ndarray | None, np.ndarray | None]:
    """Per-column mean of runs x points (a learning curve) and its 95% percentile-bootstrap band, whole runs
    resampled together (None, None for one run)."""
    array = np.asarray(scores, dtype=float)
    mean = np.mean(array, axis=0)
    if array.shape[0] < 2:
        return mean, None, None
    band = scipy_stats.bootstrap(
        (np.arange(array.shape[0]),),
        lambda rows: np.mean(array[rows.astype(int)], axis=0),
        vectorized=False,
        method="percentile",
        confidence_level=CI_SIZE,
        n_resamples=reps,
        random_state=np.random.default_rng(seed),
    ).confidence_interval
    return mean, np.atleast_1d(band.low), np.atleast_1d(band.high)


def stratified_iqm_estimate(
    scores_by_task: Mapping[str, Sequence[float]], seed: int = DEFAULT_SEED, reps: int = DEFAULT_REPS
) -> Estimate:
    """IQM over every run of every task, with rliable's stratified bootstrap CI.

    Each bootstrap sample resamples runs with replacement within each task (so every task keeps its run
    count), then takes the IQM of all of them pooled (rliable's `StratifiedBootstrap` + `aggregate_iqm`).
    Scores must be comparable across tasks (normalized by the caller). Below MIN_RUNS_FOR_CI runs in all:
    the min-max range, no interval.
    """
    arrays = [np.asarray(values, dtype=float) for values in scores_by_task.values()]
    if not arrays or any(a.size == 0 for a in arrays):
        raise ValueError("scores_by_task: got a task without runs; allowed: at least 1 run per task")
    pooled = np.concatenate(arrays)
    if not np.all(np.isfinite(pooled)):
        raise ValueError("scores: got non-finite values; allowed: finite numbers (drop failed runs first)")
    value, n = interquartile_mean(pooled), int(pooled.size)
    if n == 1:
        return Estimate(value, None, None, 1, "single", "IQM")
    if n < MIN_RUNS_FOR_CI:
        return Estimate(value, float(pooled.min()), float(pooled.max()), n, "range", "IQM")
    rng = np.random.default_rng(seed)
    samples = [
        interquartile_mean(np.concatenate([a[rng.integers(0, a.size, a.size)] for a in arrays]))
        for _ in range(reps)
    ]
    low, high = np.percentile(samples, [100 * (1 - CI_SIZE) / 2, 100 * (1 + CI_SIZE) / 2])
    return Estimate(value, float(low), float(high), n, "ci", "IQM")
