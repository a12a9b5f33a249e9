"""The scale section from a small synthetic sweep store (tests/report/scale_store.py): the grouping of sweep
points, the cost model's terms, prediction and error recomputed here from the control records, the misses and
where they lie, the crossover rule, the break-even run length and the rendered section and answer sentence."""

from __future__ import annotations

import copy
import json
import math
import re
from dataclasses import MISSING, fields
from pathlib import Path

import numpy as np
import pytest
import scale_store as fixture

from bench.report import render_report
from bench.report.data import load_store
from bench.report.model import build_model
from bench.report.scale import Crossover, Family, PointPair, crossover
from bench.report.scale_model import MISS_LIMIT, Point, break_even_steps
from bench.report.stats import Estimate
from bench.report.tables import RunFigures, Summary

FIXTURES = Path(__file__).resolve().parents[2] / "reports" / "fixtures"


def family_of(tmp_path: Path, records: list[dict]) -> tuple[Family, ...]:
    store = fixture.write_store(tmp_path / "results.jsonl", records)
    return build_model(load_store(store, None)).scale


def fit_of(family: Family, contender: str, num_envs: int, hidden: tuple[int, ...] = (64, 64)):
    return next(
        f
        for f in family.fits
        if f.contender == contender and f.point == Point(num_envs, 2048 // num_envs, hidden)
    )


def test_sweep_points_form_one_family_and_no_groups_of_their_own(tmp_path: Path) -> None:
    (family,) = family_of(tmp_path, fixture.scale_records())
    model = build_model(load_store(tmp_path / "results.jsonl", None))
    assert model.groups == ()  # every run is a sweep point: no panel of its own
    assert family.num_envs == fixture.NUM_ENVS
    assert (family.width, family.width_envs, family.batch) == ((64, 64), fixture.WIDTH_ENVS, fixture.BATCH)
    assert (family.n_min, family.n_max) == (4, 4)
    assert [(p.left, p.right) for p in family.pairs] == [("jax", "torch-brax"), ("jax-gym", "torch")]
    assert [r.point.hidden for r in family.width_pairs[0].points] == [(64, 64), (256, 256)]


def test_runs_of_another_machine_form_another_family_and_bench_run_records_join(tmp_path: Path) -> None:
    records = fixture.scale_records(with_controls=False)
    other = copy.deepcopy([r for r in records if r["spec"]["num_envs"] in (4, 16)])
    for record in other:
        record["provenance"]["cpu_model"] = "Other CPU"
    joined = copy.deepcopy(
        next(r for r in records if r["contender"] == "torch" and r["spec"]["num_envs"] == 64)
    )
    joined.update(seed=4, round=4, sweep_point=None)  # the same spec run by `bench run`
    families = family_of(tmp_path, [*records, *other, joined])
    assert [f.hardware for f in families] == ["CPU: AMD EPYC 7B13, 2 cores", "CPU: Other CPU, 2 cores"]
    assert fit_of(families[0], "torch", 64).measured_sps is not None
    assert families[0].n_max == 5 and families[1].num_envs == (4, 16)


def test_the_model_is_the_controls_sum_and_its_error_is_against_the_mean_sps(tmp_path: Path) -> None:
    records = fixture.scale_records()
    (family,) = family_of(tmp_path, records)
    for contender, n in (("jax", 64), ("torch-brax", 256), ("torch", 4)):
        env_s, learner_s, rest_s = fixture.predicted(contender, n, (64, 64))
        fit = fit_of(family, contender, n)
        assert fit.terms.env_s == pytest.approx(env_s)
        assert fit.terms.learner_s == pytest.approx(learner_s)
        assert fit.terms.rest_s == (None if rest_s is None else pytest.approx(rest_s))
        assert fit.predicted_sps == pytest.approx(2048 / (env_s + learner_s + (rest_s or 0.0)))
        measured = np.mean([r["sps"] for r in records if r.get("contender") == contender and r.get("spec", {}).get("num_envs") == n and r["spec"]["actor_hidden"] == [64, 64]])  # fmt: skip
        assert fit.measured_sps == pytest.approx(measured)
        assert fit.error == pytest.approx(measured / fit.predicted_sps - 1)
        simulator = fixture.SIMULATOR[contender]
        assert fit.fraction == pytest.approx(measured / fixture.ENV_SPS[(simulator, n)])
    assert fit_of(family, "torch-brax", 256).terms.dominant == "rest"
    assert fit_of(family, "jax", 4).terms.dominant == "env"


def test_a_miss_names_the_half_that_holds_it(tmp_path: Path) -> None:
    (family,) = family_of(tmp_path, fixture.scale_records())
    (miss,) = family.misses
    assert (miss.contender, miss.point.hidden) == ("torch", (256, 256))
    assert abs(miss.error) > MISS_LIMIT
    assert miss.miss_term == "update"
    assert miss.miss_share == pytest.approx(1.0, abs=0.05)  # the extra 0.2 s all lie in the update half


def test_a_miss_without_the_runs_split_is_unexplained(tmp_path: Path) -> None:
    records = fixture.scale_records()
    for record in records:
        if record.get("contender") == "torch":
            record.update(rollout_s=None, update_s=None)
    (family,) = family_of(tmp_path, records)
    (miss,) = family.misses
    assert miss.miss_term == "unexplained"


def test_controls_of_another_machine_predict_nothing(tmp_path: Path) -> None:
    records = fixture.scale_records()
    for record in records:
        if record["record_type"] != "run":
            record["provenance"]["cpu_model"] = "Other CPU"
    (family,) = family_of(tmp_path, records)
    assert all(f.predicted_sps is None and f.fraction is None for f in family.fits)
    assert family.misses == ()


def pair(n: int, code: str | None, value: float = 1.0) -> PointPair:
    return PointPair(
        Point(n, 2048 // n, (64, 64)), Estimate(value, value, value, 4, "range"), 0.05, code, None
    )


@pytest.mark.parametrize(
    ("codes", "expected"),
    [
        ([None, None, None], Crossover("figures_only")),
        (["no_difference", None, "no_difference"], Crossover("none")),
        (["faster", "faster", "faster"], Crossover("every", 4, "faster", 1.0, 3.0, True)),
        (["no_difference", "faster", "faster"], Crossover("from", 16, "faster", 2.0, 3.0, True)),
        ([None, "faster", "faster"], Crossover("from", 16, "faster", 2.0, 3.0, False)),
        (["faster", "slower", "slower"], Crossover("from", 16, "slower", 2.0, 3.0, False)),
        (["slower", "no_difference", "no_difference"], Crossover("up_to", 4, "slower", 1.0, 1.0, True)),
    ],
)
def test_crossover_is_where_the_interval_clears_the_band_to_the_axis_end(codes, expected) -> None:
    points = [
        pair(n, code, value) for n, code, value in zip((4, 16, 64), codes, (1.0, 2.0, 3.0), strict=True)
    ]
    assert crossover(points) == expected


def test_break_even_is_the_extra_start_over_the_time_saved_per_step(tmp_path: Path) -> None:
    (family,) = family_of(tmp_path, fixture.scale_records())
    at_64 = next(p for p in family.pairs[0].points if p.point.num_envs == 64)
    jax, torch_brax = fit_of(family, "jax", 64).measured_sps, fit_of(family, "torch-brax", 64).measured_sps
    assert at_64.break_even == pytest.approx((30.0 - 4.0) / (1 / torch_brax - 1 / jax))
    assert next(p for p in family.pairs[0].points if p.point.num_envs == 4).break_even in (
        math.inf,
        pytest.approx(0),
    )


def test_break_even_edges_and_only_cold_starts_count() -> None:
    def summary(first: float, sps: float) -> Summary:
        required = {f.name: None for f in fields(Summary) if f.default is MISSING}
        required.update(contender="x", ok_runs=1, failed_runs=0, seeds=1, tt_reached=0, first_update_s=first)
        cold, warm = RunFigures("0", 0, (sps, first, None)), RunFigures("1", 1, (sps, None, None))
        return Summary(**{**required, "sps": Estimate(sps, None, None, 1, "single"), "per_run": (cold, warm)})

    assert (
        break_even_steps(summary(2.0, 100.0), summary(4.0, 50.0)) == 0.0
    )  # starts sooner: nothing to pay back
    assert break_even_steps(summary(4.0, 50.0), summary(2.0, 100.0)) == math.inf  # later and slower: never
    assert break_even_steps(summary(12.0, 200.0), summary(2.0, 100.0)) == pytest.approx(
        10.0 / (1 / 100 - 1 / 200)
    )


def test_the_section_and_the_answer_panel_say_the_crossover(tmp_path: Path) -> None:
    store = fixture.write_store(tmp_path / "results.jsonl", fixture.scale_records())
    html = render_report(store, tmp_path / "index.html").read_text(encoding="utf-8")
    section = html[html.index('<section id="scale">') :]
    section = section[: section.index("</section>")]
    assert section.count("<img ") == 3  # ratio, fraction of the simulator's rate, break-even
    text = " ".join(re.sub(r"<[^>]+>", " ", section).split())
    assert "below 64 envs within the noise band, from 64 envs on jax faster, 2.00 to 3.00×" in text
    assert "jax-gym / torch on Gymnasium MuJoCo C: within the noise band at every point, 4 to 256 envs: no crossover in this range" in text  # fmt: skip
    assert "Cost model: measured vs predicted steady SPS" in text
    assert "the update half holds 100% of the gap" in text
    answer = html[html.index('<section id="answer-panel">') : html.index('<section id="overview">')]
    answer_text = " ".join(re.sub(r"<[^>]+>", " ", answer).split())
    assert "Against scale (CPU: AMD EPYC 7B13" in answer_text
    assert "from 64 envs on jax faster" in answer_text
    assert "No ok run in the store yet" not in answer_text


def test_a_store_without_a_sweep_says_so(tmp_path: Path) -> None:
    store = fixture.write_store(tmp_path / "results.jsonl", fixture.scale_records()[:1])
    html = render_report(store, tmp_path / "index.html").read_text(encoding="utf-8")
    assert "No scale sweep in the store" in html


def test_published_folders_of_one_card_pool_into_one_sweep(tmp_path: Path) -> None:
    """The GPU plan's case: the headline cell's untagged runs in one published folder are a point of the sweep
    whose other points a later session published; the controls of either folder count."""
    records = fixture.scale_records()
    headline = [r for r in records if r.get("spec", {}).get("num_envs") == 16]
    for record in headline:
        record["sweep_point"] = None
    rest = [r for r in records if r not in headline]
    for folder, part in (("gpu-2026-12-01", headline), ("gpu-2026-12-02", rest)):
        (tmp_path / "published" / folder).mkdir(parents=True)
        fixture.write_store(tmp_path / "published" / folder / "results.jsonl", part)
    local = fixture.write_store(tmp_path / "results.jsonl", [])
    (family,) = build_model(load_store(local, tmp_path / "published")).scale
    assert family.published and family.source == "gpu-2026-12-01, gpu-2026-12-02"
    assert family.num_envs == fixture.NUM_ENVS and family.width_envs == fixture.WIDTH_ENVS
    assert fit_of(family, "jax", 16).predicted_sps is not None


def test_the_scale_line_joins_the_speed_sentence_of_its_machines_panel(tmp_path: Path) -> None:
    store = fixture.write_store(tmp_path / "results.jsonl", fixture.scale_records())
    main = [json.loads(line) for line in (FIXTURES / "several_seeds.jsonl").read_text().splitlines() if line]
    for record in main:  # the same machine as the sweep's
        record.get("provenance", {}).update(fixture.MACHINE)
    with store.open("a", encoding="utf-8") as out:
        out.writelines(json.dumps(r) + "\n" for r in main)
    html = render_report(store, tmp_path / "index.html").read_text(encoding="utf-8")
    answer = html[html.index('<section id="answer-panel">') : html.index('<section id="overview">')]
    speed = [item for item in answer.split("<li>") if "Speed</a>, simulator held fixed" in item]
    assert len(speed) == 1 and "Against scale" in speed[0] and "from 64 envs on jax faster" in speed[0]
    assert answer.count("Against scale") == 1
