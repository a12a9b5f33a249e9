"""Paired ratios with intervals, their coverage, the noise band and the one function that says verdict words."""

from __future__ import annotations

import math
import re
import shutil
from pathlib import Path

import numpy as np
import pytest

from bench.report import render_report
from bench.report.data import Run
from bench.report.render import environment
from bench.report.stats import (
    MIN_PAIRS_FOR_RANGE_VERDICT,
    NO_DIFFERENCE,
    Estimate,
    mean_estimate,
    noise_band,
    ratio_estimate,
    verdict,
)
from bench.report.tables import paired_ratio, summarize

FIXTURES = Path(__file__).resolve().parents[2] / "reports" / "fixtures"
T_975_4DF = 2.7764451051977987
"""Student's t quantile 0.975 with 4 degrees of freedom (tables: 2.776)."""
VERDICT_WORDS = re.compile(
    r"faster than|slower than|little \(|not little|ahead after|ahead at every|no difference"
)


def run(
    contender: str, seed: int, sps: float, first_update: float = 10.0, round_index: int | None = None
) -> Run:
    record = {"sps": sps, "first_update_s": first_update, "final_return": 1.0}
    if round_index is not None:
        record["round"] = round_index
    return Run("local", "CPU: X, 2 cores", "cpu", "hopper", "p", contender, seed, "ok", record)


def ratio_text(ratio: Estimate | None) -> str:
    """A paired ratio as the claims sections say it (`claims_macros.ratio`)."""
    return str(environment().get_template("claims_macros.html.j2").module.ratio(ratio))


def summaries(runs: list[Run]) -> dict[str, object]:
    return {s.contender: s for s in summarize(runs)}


def test_paired_ratio_and_its_t_interval_match_a_hand_computation() -> None:
    left = [100.0, 110.0, 90.0, 105.0, 95.0]
    right = [50.0, 50.0, 45.0, 60.0, 40.0]
    rows = summaries(
        [run("jax", s, v) for s, v in enumerate(left)] + [run("torch", s, v) for s, v in enumerate(right)]
    )
    estimate = paired_ratio(rows["jax"], rows["torch"], "sps")
    logs = [math.log(a / b) for a, b in zip(left, right, strict=True)]  # ratios 2, 2.2, 2, 1.75, 2.375
    mean = sum(logs) / 5
    sd = math.sqrt(sum((x - mean) ** 2 for x in logs) / 4)
    half = T_975_4DF * sd / math.sqrt(5)
    assert estimate.kind == "ci" and estimate.n == 5
    assert estimate.value == pytest.approx(math.exp(mean))  # the geometric mean of the five ratios
    assert (estimate.low, estimate.high) == pytest.approx((math.exp(mean - half), math.exp(mean + half)))
    assert (
        ratio_text(estimate)
        == f"{math.exp(mean):.2f}x [{math.exp(mean - half):.2f}x, {math.exp(mean + half):.2f}x] 95% CI, n = 5 pairs"
    )


def test_pairs_need_the_same_seed_and_the_same_round_where_both_record_one() -> None:
    jax = [run("jax", 0, 300.0, round_index=0), run("jax", 1, 330.0, round_index=1), run("jax", 2, 360.0)]
    torch = [
        run("torch", 0, 100.0, round_index=0),
        run("torch", 1, 100.0, round_index=2),
        run("torch", 2, 90.0),
    ]
    rows = summaries([*jax, *torch, run("torch", 7, 1.0)])  # seed 7: jax never ran it, in no pair
    estimate = paired_ratio(rows["jax"], rows["torch"], "sps")
    # seed 0 (round 0 both) and seed 2 (no round) pair; seed 1 ran in different rounds: no pair
    assert estimate.n == 2 and estimate.kind == "range"
    assert (estimate.low, estimate.high) == pytest.approx((3.0, 4.0))
    assert estimate.value == pytest.approx(math.sqrt(12.0))
    assert ratio_text(estimate) == "3.46x (3.00x to 4.00x), n = 2 pairs"
    single = ratio_estimate([(5.0, 2.0)])
    assert single.kind == "single" and single.value == 2.5 and ratio_text(single) == "2.50x (n = 1 pair)"
    assert ratio_estimate([]) is None


def test_noise_band_pools_each_contenders_coefficient_of_variation_by_degrees_of_freedom() -> None:
    jax, torch = [90.0, 100.0, 110.0], [45.0, 50.0, 55.0, 50.0]
    cv_jax = np.std(jax, ddof=1) / np.mean(jax)  # 0.1
    cv_torch = np.std(torch, ddof=1) / np.mean(torch)
    expected = math.sqrt((2 * cv_jax**2 + 3 * cv_torch**2) / 5)
    assert noise_band({"jax": jax, "torch": torch, "one-run": [7.0]}) == pytest.approx(expected)
    assert noise_band({"jax": [100.0], "torch": [50.0]}) is None  # no repeated runs: no band


def ci(value: float, low: float, high: float, n: int = 5) -> Estimate:
    return Estimate(value, low, high, n, "ci", "ratio")


def test_verdict_words_only_outside_the_noise_band_and_never_at_one_pair() -> None:
    assert verdict(ratio_estimate([(200.0, 100.0)]), 0.05) is None  # n = 1: figures only, even at 2x
    assert verdict(ci(2.0, 1.8, 2.2), None) is None  # no repeated runs: no band, no word
    assert verdict(ci(1.10, 1.04, 1.16), 0.05) == NO_DIFFERENCE  # the interval reaches into the band
    assert verdict(ci(1.10, 1.06, 1.16), 0.05) == "faster"
    assert verdict(ci(0.80, 0.70, 0.90), 0.05) == "slower"
    assert verdict(ci(0.80, 0.70, 0.90), 0.05, ("sooner", "later")) == "later"
    assert verdict(ci(1.0, 0.9, 1.1), 0.0) == NO_DIFFERENCE  # spans 1
    # below 5 pairs the range decides, from 4 pairs on; fewer pairs give figures only, however far apart
    assert verdict(ratio_estimate([(3.0, 1.0), (3.2, 1.0), (2.9, 1.0)]), 0.05) is None
    assert verdict(ratio_estimate([(3.0, 1.0), (3.2, 1.0), (2.9, 1.0), (3.1, 1.0)]), 0.05) == "faster"
    assert verdict(ratio_estimate([(3.0, 1.0), (3.2, 1.0), (1.01, 1.0), (3.1, 1.0)]), 0.05) == NO_DIFFERENCE


def test_mean_interval_covers_95_percent_where_the_percentile_bootstrap_does_not() -> None:
    """2,000 samples of 5 runs from a lognormal (SPS-like: 10% spread) with a known mean."""
    rng = np.random.default_rng(2026)
    mu, sigma, n, samples = math.log(5000.0), 0.1, 5, 2000
    true_mean = math.exp(mu + sigma**2 / 2)
    draws = np.exp(rng.normal(mu, sigma, (samples, n)))
    estimates = [mean_estimate(row) for row in draws]
    t_coverage = np.mean([e.low <= true_mean <= e.high for e in estimates])
    assert 0.93 <= t_coverage <= 0.97
    # The old method: percentile bootstrap of the mean (resample the 5 runs with replacement, 2.5/97.5%).
    resampled = np.take_along_axis(draws[:, None, :], rng.integers(0, n, (samples, 1000, n)), axis=2)
    low, high = np.percentile(resampled.mean(axis=2), [2.5, 97.5], axis=1)
    bootstrap_coverage = np.mean((low <= true_mean) & (true_mean <= high))
    assert bootstrap_coverage < 0.90  # under-covers at n = 5: why the report uses Student's t


def test_paired_ratio_interval_covers_95_percent_despite_drift_shared_by_each_pair() -> None:
    """2,000 samples of 5 pairs; each pair shares a drift factor (one round on one machine), known ratio 1.6."""
    rng = np.random.default_rng(2027)
    samples, n, true_ratio = 2000, 5, 1.6
    drift = rng.normal(0.0, 0.12, (samples, n))
    left = 8000.0 * true_ratio * np.exp(drift + rng.normal(0.0, 0.05, (samples, n)))
    right = 8000.0 * np.exp(drift + rng.normal(0.0, 0.05, (samples, n)))
    estimates = [ratio_estimate(list(zip(a, b, strict=True))) for a, b in zip(left, right, strict=True)]
    coverage = np.mean([e.low <= true_ratio <= e.high for e in estimates])
    assert all(e.kind == "ci" and e.n == n for e in estimates)
    assert 0.93 <= coverage <= 0.97


def render(tmp_path: Path, fixture: str) -> str:
    store = tmp_path / "results.jsonl"
    shutil.copy(FIXTURES / fixture, store)
    return render_report(store, tmp_path / "index.html").read_text(encoding="utf-8")


def section_text(html: str, anchor: str) -> str:
    start = html.index(f'<section id="{anchor}"')
    body = html[start : html.index("</section>", start)]
    return re.sub(r"<[^>]+>", " ", body).replace("&#x27;", "'")


def test_no_verdict_word_at_one_seed(tmp_path: Path) -> None:
    html = render(tmp_path, "single_seed.jsonl")
    for anchor in ("answer-panel", "matrix", "debate"):
        text = section_text(html, anchor).replace("It brings little speed in practice.", "")
        assert not VERDICT_WORDS.search(text), VERDICT_WORDS.search(text)
    assert "jax at " in section_text(html, "debate") and "(n = 1 pair)" in section_text(html, "debate")
    assert "figures only at n = 1 pair" in section_text(html, "debate")


def test_words_where_the_interval_clears_the_band_none_inside_it(tmp_path: Path) -> None:
    """paired_seeds: jax about 2x torch-brax (a word), jax-gym about torch (inside the band: no word)."""
    debate = section_text(render(tmp_path, "paired_seeds.jsonl"), "debate")
    assert "jax faster than torch-brax (noise band" in debate
    framework = debate[debate.index("The framework, on one simulator") :]
    gym = framework[framework.index("jax-gym n = 6, torch n = 6") :]
    assert "of torch: no difference measured at this n (noise band" in gym
    assert "jax-gym faster" not in debate and "torch faster" not in debate
    assert "torch starts sooner; steady SPS: no difference measured at this n" in debate
    assert "it is ahead after about" in debate  # jax starts later and is faster: a break-even run length


def chance_words(pairs: int, rng: np.random.Generator, samples: int = 4000) -> float:
    """How often two contenders of equal speed (10% run-to-run spread) get a verdict word, the band estimated
    from the same runs, as the report does."""
    words = 0
    for _ in range(samples):
        left, right = 1000.0 * np.exp(rng.normal(0.0, 0.1, (2, pairs)))
        band = noise_band({"left": list(left), "right": list(right)})
        words += verdict(ratio_estimate(list(zip(left, right, strict=True))), band) in ("faster", "slower")
    return words / samples


def test_with_no_real_difference_a_word_comes_by_chance_less_often_than_5_percent() -> None:
    rng = np.random.default_rng(2028)
    for pairs in (MIN_PAIRS_FOR_RANGE_VERDICT, 5, 6):  # the range of the pairs, then the CI from 5
        assert chance_words(pairs, rng) < 0.05
    # why not one pair fewer: all of them beyond an estimated band, on one side, happens too often by chance
    fewer, beyond = MIN_PAIRS_FOR_RANGE_VERDICT - 1, 0
    for _ in range(4000):
        left, right = rng.normal(0.0, 0.1, (2, fewer))
        band = noise_band({"left": list(np.exp(left)), "right": list(np.exp(right))})
        ratios = np.exp(left - right)
        beyond += bool(np.all(ratios > 1 + band) or np.all(ratios < 1 - band))
    assert beyond / 4000 > 0.05
