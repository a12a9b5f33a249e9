"""The debate's view model from the fixture stores (tests/report/make_fixtures.py): the code claims, each speed
comparison's ratios and verdict codes, the run length where one side overtakes the other; numbers recomputed
here from the records. Then its template with and without GPU runs."""

from __future__ import annotations

import json
import math
import re
import shutil
from pathlib import Path

import numpy as np
import pytest

from bench.report.data import load_store
from bench.report.debate import DebateModel, debate_section
from bench.report.model import build_model
from bench.report.sections import debate_model

FIXTURES = Path(__file__).resolve().parents[2] / "reports" / "fixtures"


def records(fixture: str) -> list[dict]:
    return [json.loads(line) for line in (FIXTURES / fixture).read_text().splitlines() if line.strip()]


def model_of(tmp_path: Path, fixture: str) -> DebateModel:
    shutil.copy(FIXTURES / fixture, tmp_path / "results.jsonl")
    store = load_store(tmp_path / "results.jsonl", None)
    return debate_model(build_model(store))


def ok_values(fixture: str, contender: str, metric: str) -> dict[int, float]:
    """seed -> `metric` of the contender's ok single-seed runs."""
    return {
        r["seed"]: r[metric]
        for r in records(fixture)
        if r.get("record_type") == "run" and r["contender"] == contender and r["status"] == "ok"
        if r.get("num_seeds", 1) == 1 and r.get(metric) is not None
    }


def paired(fixture: str, a: str, b: str, metric: str = "sps") -> tuple[float, int]:
    """(geometric mean of a / b over the seeds both ran ok, number of pairs)."""
    left, right = ok_values(fixture, a, metric), ok_values(fixture, b, metric)
    logs = [math.log(left[s] / right[s]) for s in left if s in right]
    return math.exp(float(np.mean(logs))), len(logs)


def test_code_claims_come_from_the_code_metrics_records(tmp_path: Path) -> None:
    code = {
        r["implementation"]: r for r in records("several_seeds.jsonl") if r["record_type"] == "code_metrics"
    }
    jax, torch = code["jax_ppo"], code["torch_ppo"]
    claims = model_of(tmp_path, "several_seeds.jsonl").code
    length = claims.length
    assert length is not None and (length.jax_sloc, length.torch_sloc) == (jax["sloc"], torch["sloc"])
    assert length.percent_shorter == pytest.approx(100 * (torch["sloc"] - jax["sloc"]) / torch["sloc"])
    assert length.consistent  # about 16% shorter: within 10 points of the claimed 20%
    assert not length.core and length.sources == ("local",)  # older records: whole packages
    assert length.shared is None  # ppo_envs not measured
    readability = claims.readability
    assert readability is not None
    expected = [(k, jax[k], torch[k]) for k in ("cc_mean", "cyclomatic_max", "max_nesting", "closures")]
    assert list(readability.metrics) == expected
    assert readability.jax_higher == sum(a > b for _, a, b in expected) == 2
    assert readability.jax_lower == sum(a < b for _, a, b in expected) == 2
    assert not any(claims.field.pairs.values())  # no row measured as one of a pair


def test_each_comparison_is_answered_where_both_ran_with_ratios_over_seed_pairs(tmp_path: Path) -> None:
    model = model_of(tmp_path, "several_seeds.jsonl")
    answered = {
        q: [(a.comparison.left, a.comparison.right) for a in items] for q, items in model.answers.items()
    }
    assert answered == {
        "framework": [("jax", "torch-brax"), ("jax-gym", "torch")],
        "simulator": [("torch-brax", "torch"), ("jax", "jax-gym")],
        "setup": [("jax", "torch")],
        "reference": [],  # no brax-ppo run in this fixture
    }
    for answers in model.answers.values():
        for answer in answers:
            ratio, n = paired("several_seeds.jsonl", answer.comparison.left, answer.comparison.right)
            assert answer.sps is not None and answer.sps.n == n
            assert answer.sps.value == pytest.approx(ratio)
            assert answer.verdict is None  # at most 3 pairs: figures only
            assert answer.caption.hardware == "CPU: AMD EPYC 7B13, 2 cores"
    (setup,) = model.answers["setup"]
    assert (setup.break_even.kind, setup.break_even.n) == ("figures_only", 3)
    assert not model.any_gpu and len(model.matrices) == 1


def test_verdict_codes_and_the_break_even_run_length_where_the_ratios_clear_the_band(tmp_path: Path) -> None:
    """paired_seeds: jax about 2x torch-brax and slower to start; jax-gym about torch, inside the band."""
    model = model_of(tmp_path, "paired_seeds.jsonl")
    brax, gym = model.answers["framework"]
    assert (brax.comparison.right, brax.verdict, brax.sps.n) == ("torch-brax", "faster", 6)
    assert (gym.comparison.right, gym.verdict) == ("torch", "no_difference")
    assert (gym.break_even.kind, gym.break_even.sooner) == ("same_speed", "torch")
    assert gym.break_even.band == pytest.approx(gym.band)
    even = brax.break_even
    assert (even.kind, even.later, even.sooner, even.n) == ("depends", "jax", "torch-brax", 6)
    first = {
        name: np.mean(list(ok_values("paired_seeds.jsonl", name, "first_update_s").values()))
        for name in ("jax", "torch-brax")
    }
    sps = {
        name: np.mean(list(ok_values("paired_seeds.jsonl", name, "sps").values()))
        for name in ("jax", "torch-brax")
    }
    extra = first["jax"] - first["torch-brax"]
    assert even.extra_s == pytest.approx(extra)
    assert even.steps == pytest.approx(extra / (1 / sps["torch-brax"] - 1 / sps["jax"]))


def test_one_seed_gives_ratios_but_no_verdict_code(tmp_path: Path) -> None:
    model = model_of(tmp_path, "single_seed.jsonl")
    assert not model.answers["framework"] and not model.answers["simulator"]
    (setup,) = model.answers["setup"]
    assert setup.sps is not None and setup.sps.n == 1 and setup.verdict is None
    assert (setup.break_even.kind, setup.break_even.n) == ("figures_only", 1)
    assert all(p.verdict is None for view in model.matrices for p in view.ratios + view.simulator_ratios)


@pytest.mark.parametrize(("fixture", "gpu"), [("gpu.jsonl", True), ("single_seed.jsonl", False)])
def test_the_template_says_cpu_figures_only_without_a_gpu_run(
    tmp_path: Path, fixture: str, gpu: bool
) -> None:
    shutil.copy(FIXTURES / fixture, tmp_path / "results.jsonl")
    store = load_store(tmp_path / "results.jsonl", None)
    anchor, title, body = debate_section(debate_model(build_model(store)))
    words = re.sub(r"<[^>]+>", " ", body)
    assert anchor == "debate" and title.startswith("The debate")
    assert ("No GPU run is in this store" in words) is not gpu
    assert words.count("“") == 4  # the four claims, each answered
    hardware = "GPU: NVIDIA H100 80GB HBM3" if gpu else "CPU: AMD EPYC 7B13, 2 cores"
    assert f"On {hardware}, preset" in words


def test_the_jax_side_is_held_against_brax_own_ppo_over_seed_pairs() -> None:
    """Fairness rule 3 as a comparison of its own: jax vs brax-ppo, paired by seed, kept out of the framework
    question (Brax's PPO is the JAX camp's reference, not the other framework)."""
    from bench.report.data import Store, to_run

    def run(contender: str, seed: int, sps: float) -> dict:
        return {
            "record_type": "run", "contender": contender, "seed": seed, "status": "ok", "sps": sps,
            "final_return": 900.0, "task": "inverted_pendulum", "preset": "cpu-quick",
            "device": {"kind": "cpu", "name": "AMD EPYC"}, "started_unix": 1_000.0 + seed,
        }  # fmt: skip

    jax_sps, brax_sps = [24_000.0, 26_000.0, 25_000.0], [25_000.0, 25_500.0, 26_000.0]
    runs = [to_run(run(c, s, v), "local") for c, values in (("jax", jax_sps), ("brax-ppo", brax_sps))
            for s, v in enumerate(values)]  # fmt: skip
    store = Store(runs, {}, [], [])
    model = debate_model(build_model(store))
    (answer,) = model.answers["reference"]
    assert (answer.comparison.left, answer.comparison.right) == ("jax", "brax-ppo")
    expected = math.exp(np.mean(np.log(np.array(jax_sps) / np.array(brax_sps))))
    assert answer.sps.value == pytest.approx(expected) and answer.sps.n == 3
    assert model.answers["framework"] == ()
