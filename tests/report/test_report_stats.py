"""bench.report.stats: the IQM with rliable's stratified bootstrap CI and the curve bands' percentile bootstrap,
reproducible with a fixed seed; means with Student-t intervals."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats as scipy_stats

from bench.report.stats import mean_estimate, pointwise_mean_band, seed_estimate, stratified_iqm_estimate
from bench.report.tables import Summary, fmt_estimate, fmt_return_cell, fmt_threshold_cell

SCORES = [812.0, 955.5, 1000.0, 640.25, 990.0, 870.0, 402.0]


def iqm_estimate(scores: list[float], seed: int = 0, reps: int = 2000):
    """The IQM of one task's runs: rliable's stratified bootstrap with one stratum, the ordinary one."""
    return stratified_iqm_estimate({"hopper": scores}, seed, reps)


def test_iqm_matches_a_25_percent_trimmed_mean() -> None:
    estimate = iqm_estimate(SCORES, seed=0)
    assert estimate.value == pytest.approx(scipy_stats.trim_mean(SCORES, 0.25))
    assert estimate.n == len(SCORES)


def test_bootstrap_interval_contains_the_estimate_and_stays_within_the_data() -> None:
    estimate = iqm_estimate(SCORES, seed=3)
    assert estimate.kind == "ci"
    assert min(SCORES) <= estimate.low <= estimate.value <= estimate.high <= max(SCORES)


def test_mean_interval_is_students_t_computed_by_hand() -> None:
    # n = 7: t(0.975, 6) = 2.446912; half-width = t * sample sd / sqrt(7).
    mean = sum(SCORES) / 7
    sd = (sum((x - mean) ** 2 for x in SCORES) / 6) ** 0.5
    half = 2.446912 * sd / 7**0.5
    estimate = mean_estimate(SCORES)
    assert estimate.kind == "ci" and estimate.n == 7
    assert estimate.value == pytest.approx(mean)
    assert (estimate.low, estimate.high) == pytest.approx((mean - half, mean + half), rel=1e-6)


def test_same_seed_same_interval_even_after_global_rng_use() -> None:
    # The bootstrap must use its own seeded Generator, never NumPy's global RNG.
    first = iqm_estimate(SCORES, seed=7, reps=500)
    np.random.seed(12345)
    np.random.random(10)
    second = iqm_estimate(SCORES, seed=7, reps=500)
    assert first == second


def test_global_rng_state_is_untouched() -> None:
    np.random.seed(99)
    expected = np.random.random(3)
    np.random.seed(99)
    iqm_estimate(SCORES, seed=1, reps=200)
    assert np.array_equal(np.random.random(3), expected)


def test_a_single_run_gives_the_value_and_no_interval() -> None:
    estimate = iqm_estimate([733.0])
    assert estimate.value == 733.0
    assert estimate.kind == "single"
    assert estimate.low is None and estimate.high is None


def test_non_finite_scores_are_refused_with_a_message() -> None:
    with pytest.raises(ValueError, match="non-finite"):
        iqm_estimate([1.0, float("nan")])


def test_curve_band_is_pointwise_mean_with_ordered_bounds() -> None:
    curves = np.array([[0.0, 100.0, 400.0], [10.0, 150.0, 500.0], [5.0, 120.0, 450.0]])
    mean, low, high = pointwise_mean_band(curves, seed=0, reps=300)
    assert np.allclose(mean, curves.mean(axis=0))
    assert np.all(low <= mean) and np.all(mean <= high)
    assert np.all(low >= curves.min(axis=0)) and np.all(high <= curves.max(axis=0))


def test_interval_matches_an_independent_percentile_bootstrap() -> None:
    # Same resampling rule written out with numpy: resample runs with replacement, take the 2.5/97.5 percentiles.
    rng = np.random.default_rng(11)
    draws = rng.choice(np.asarray(SCORES), size=(20000, len(SCORES)), replace=True)
    reference = np.percentile(scipy_stats.trim_mean(draws, 0.25, axis=1), [2.5, 97.5])
    estimate = iqm_estimate(SCORES, seed=5, reps=20000)
    assert estimate.low == pytest.approx(reference[0], abs=25.0)
    assert estimate.high == pytest.approx(reference[1], abs=25.0)


@pytest.mark.parametrize("n", [1, 3, 5, 10])
def test_estimate_labels_say_what_they_are(n: int) -> None:
    """No interval below 5 runs (a bootstrap over 3 values is just [min, max]); the mean with a 95% CI from 5 on."""
    data = [100.0 + 10 * i for i in range(n)]
    label = fmt_estimate(seed_estimate(data))
    assert f"n = {n}" in label
    if n == 1:
        assert label == "100 (n = 1)"
    elif n < 5:
        assert label == f"mean {np.mean(data):.4g} ({min(data):.4g} to {max(data):.4g}), n = {n}"
        assert "CI" not in label
    else:
        assert label.startswith("mean ") and "95% CI" in label


def test_failed_runs_count_in_every_n_the_table_shows() -> None:
    summary = Summary(
        contender="jax",
        ok_runs=3,
        failed_runs=2,
        seeds=3,
        startup_s=None,
        compile_s=None,
        first_update_s=None,
        wall_s=None,
        sps=None,
        final_return=seed_estimate([1.0, 2.0, 3.0]),
        tt_threshold_median=40.0,
        tt_reached=2,
        peak_rss_mb=None,
        peak_device_mb=None,
        env_steps=None,
    )
    assert fmt_return_cell(summary) == "mean 2 (1 to 3), n = 3; 2 of 5 runs failed"
    assert fmt_threshold_cell(summary) == "reached by 2 of 5, median 40 s"


def test_warm_cache_runs_count_for_speed_but_not_for_compile_time_or_first_update() -> None:
    from bench.report.data import Run
    from bench.report.tables import fmt_compile_cell, fmt_first_update_cell, summarize

    def run(seed: int, compile_s: float, cache: str) -> Run:
        record = {
            "compile_s": compile_s, "wall_s": compile_s + 20.0, "sps": 1000.0 + seed, "final_return": 10.0,
            "time_to_threshold_s": compile_s + 5.0, "first_update_s": compile_s + 2.0,
            "extra": {"resources": {"jax_compile_cache": {"state": cache}}},
        }  # fmt: skip
        return Run("local", "GPU: H200", "gpu", "hopper", "gpu-scale", "jax", seed, "ok", record)

    (summary,) = summarize([run(0, 60.0, "cold"), run(1, 4.0, "warm"), run(2, 62.0, "off")])
    assert summary.ok_runs == 3 and summary.warm_runs == 1 and summary.sps.n == 3
    assert summary.compile_s == pytest.approx(61.0) and summary.wall_s == pytest.approx(81.0)
    assert summary.tt_reached == 2 and summary.tt_threshold_median == pytest.approx(66.0)
    assert fmt_compile_cell(summary) == "61 (cold, n = 2; 1 warm-cache runs left out)"
    assert fmt_threshold_cell(summary).endswith("(1 warm-cache runs left out)")
    assert summary.first_update_s == pytest.approx(63.0) and summary.first_update_warm_s == pytest.approx(6.0)
    assert (
        fmt_first_update_cell(summary)
        == "63 (cold, n = 2); warm cache 6 (n = 1, shown apart, never averaged in)"
    )


def test_stratified_iqm_pools_tasks_and_resamples_within_each() -> None:
    from bench.report.stats import interquartile_mean, stratified_iqm_estimate

    by_task = {"hopper": [0.2, 0.4, 0.5, 0.9], "walker2d": [1.1, 1.3, 0.7]}
    estimate = stratified_iqm_estimate(by_task, seed=3)
    pooled = [v for values in by_task.values() for v in values]
    assert estimate.value == pytest.approx(interquartile_mean(np.array(pooled))) and estimate.n == 7
    assert estimate.kind == "ci" and min(pooled) <= estimate.low <= estimate.value <= estimate.high <= max(
        pooled
    )
    assert stratified_iqm_estimate(by_task, seed=3) == estimate  # reproducible
    # One task whose runs all agree contributes no spread: with only that task, the interval is a point.
    constant = stratified_iqm_estimate({"hopper": [0.5] * 6})
    assert constant.low == constant.high == constant.value == 0.5
    with pytest.raises(ValueError, match="a task without runs"):
        stratified_iqm_estimate({"hopper": []})


def test_across_tasks_section_needs_two_tasks_and_names_them() -> None:
    from bench.report.across_tasks import across_tasks_section
    from bench.report.data import Run

    def run(task: str, seed: int, final: float) -> Run:
        return Run("local", "CPU: X, 2 cores", "cpu", task, "p", "jax", seed, "ok", {"final_return": final})

    groups = {
        ("local", "CPU: X, 2 cores", "p", "hopper", "h1", "v1"): [
            run("hopper", s, 500.0 + s) for s in range(3)
        ],
        ("local", "CPU: X, 2 cores", "p", "walker2d", "h2", "v1"): [
            run("walker2d", s, 900.0) for s in range(3)
        ],
    }
    _anchor, _title, body = across_tasks_section(groups)
    assert "hopper, walker2d" in body and "hopper 3, walker2d 3" in body and "IQM" in body and "n = 6" in body
    only_one = {key: runs for key, runs in groups.items() if key[3] == "hopper"}
    assert "Not measured" in across_tasks_section(only_one)[2]
