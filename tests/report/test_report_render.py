"""The rendered report, from the fixture stores in reports/fixtures/ (see tests/report/make_fixtures.py)."""

from __future__ import annotations

import base64
import json
import re
import shutil
from pathlib import Path
from xml.etree import ElementTree

import numpy as np
import pytest
from report_html import Table, numbers, parse
from scipy import stats as scipy_stats

from bench.report import render_report
from bench.report.cli import main
from shared_spec.exit_codes import EXIT_BAD_SPEC

FIXTURES = Path(__file__).resolve().parents[2] / "reports" / "fixtures"
SVG = "data:image/svg+xml;base64,"


def render(tmp_path: Path, fixture: str, published: dict[str, str] | None = None) -> str:
    store = tmp_path / "results.jsonl"
    shutil.copy(FIXTURES / fixture, store)
    for folder, source in (published or {}).items():
        target = tmp_path / "published" / folder
        target.mkdir(parents=True)
        shutil.copy(FIXTURES / source, target / "results.jsonl")
    out = render_report(store, tmp_path / "index.html")
    return out.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def several(tmp_path_factory: pytest.TempPathFactory) -> str:
    return render(tmp_path_factory.mktemp("several"), "several_seeds.jsonl")


def load(fixture: str) -> list[dict]:
    return [json.loads(line) for line in (FIXTURES / fixture).read_text().splitlines() if line.strip()]


def headline_tables(html: str) -> list[Table]:
    return [t for t in parse(html).tables if "headline" in t.css_class]


def test_every_image_is_an_embedded_svg_with_text_as_text(several: str) -> None:
    images = parse(several).images
    # the answer panel; per group: learning curves, speed (SPS, run time, rollout vs update); code metrics, env and
    # learner controls
    assert len(images) == 6
    for src in images:
        assert src.startswith(SVG)
        text = base64.b64decode(src.removeprefix(SVG)).decode("utf-8")
        root = ElementTree.fromstring(text)
        width, height = (float(root.get(k, "0").removesuffix("pt")) for k in ("width", "height"))
        assert 300 < width <= 12 * 72 + 20 and height > 100  # no wider than the page (12 in, tight bbox)
        assert root.findall(".//{http://www.w3.org/2000/svg}text")  # svg.fonttype none: labels stay text
        assert (
            "Bitstream Vera Sans" not in text and "<metadata>" not in text
        )  # one font family, no boilerplate


def test_nothing_is_fetched_from_the_network(several: str) -> None:
    parsed = parse(several)
    assert all(not re.match(r"\s*(https?:)?//", link) for link in parsed.links)
    assert "@import" not in several
    assert "<script" not in several.lower()
    assert not re.search(r"url\(\s*['\"]?(https?:)?//", several)


def test_headline_numbers_match_a_direct_computation(several: str) -> None:
    (table,) = headline_tables(several)
    (per_seed_table,) = [t for t in parse(several).tables if t.css_class == "per-seed"]
    assert per_seed_table.header == ["contender", "seed", "final return"]
    records = [r for r in load("several_seeds.jsonl") if r["record_type"] == "run"]
    contenders = sorted({r["contender"] for r in records})
    assert sorted(table.column("contender")) == contenders
    for contender in contenders:
        row = table.row_by("contender", contender)
        mine = [r for r in records if r["contender"] == contender]
        ok = [r for r in mine if r["status"] == "ok"]
        assert int(row["failed runs"]) == len(mine) - len(ok)
        assert int(row["seeds (ok)"]) == sum(r["num_seeds"] for r in ok)
        if not ok:
            assert row["final return"].startswith("–")
            continue
        for column, key in (
            ("startup_s", "startup_s"),
            ("compile_s", "compile_s"),
            ("first_update_s", "first_update_s"),
        ):
            assert numbers(row[column])[0] == pytest.approx(np.mean([r[key] for r in ok]), rel=1e-3, abs=1e-3)
        assert numbers(row["peak host MB"])[0] == pytest.approx(max(r["peak_rss_mb"] for r in ok), rel=1e-3)
        returns = [v for r in ok for v in (r["per_seed_final_return"] or [r["final_return"]])]
        assert_estimate_cell(row["final return"], returns)
        assert_estimate_cell(row["steady SPS"], [r["sps"] for r in ok])
        failed = len(mine) - len(ok)
        assert (f"{failed} of {len(mine)} runs failed" in row["final return"]) == (failed > 0)
        per_seed = [numbers(r[2])[0] for r in per_seed_table.rows if r[0] == contender]
        assert sorted(per_seed) == pytest.approx(sorted(returns), rel=1e-3)
        reached = [r["time_to_threshold_s"] for r in ok if r["time_to_threshold_s"] is not None]
        threshold_cell = row["time to threshold"]
        assert threshold_cell.startswith(f"reached by {len(reached)} of {len(mine)}")
        if reached:
            assert numbers(threshold_cell)[2] == pytest.approx(float(np.median(reached)), rel=1e-3)


def assert_estimate_cell(cell: str, data: list[float]) -> None:
    """n = 1: the value; n < 5: mean (min to max), no CI; n >= 5: the mean with its Student-t 95% CI."""
    n, values = len(data), numbers(cell)
    assert f"n = {n}" in cell
    if n == 1:
        assert values[0] == pytest.approx(data[0], rel=1e-3) and "CI" not in cell
    elif n < 5:
        assert cell.startswith("mean") and "CI" not in cell
        assert values[:3] == pytest.approx([np.mean(data), min(data), max(data)], rel=1e-3)
    else:
        half = scipy_stats.t.ppf(0.975, n - 1) * np.std(data, ddof=1) / np.sqrt(n)
        assert cell.startswith("mean") and "95% CI" in cell
        expected = [np.mean(data), np.mean(data) - half, np.mean(data) + half]
        assert values[:3] == pytest.approx(expected, rel=1e-3)


def test_from_five_runs_means_carry_a_students_t_interval(tmp_path: Path) -> None:
    (table,) = headline_tables(render(tmp_path, "paired_seeds.jsonl"))
    records = [r for r in load("paired_seeds.jsonl") if r["record_type"] == "run"]
    for contender in table.column("contender"):
        mine = [r for r in records if r["contender"] == contender]
        assert len(mine) == 6
        row = table.row_by("contender", contender)
        assert_estimate_cell(row["steady SPS"], [r["sps"] for r in mine])
        assert_estimate_cell(row["final return"], [r["final_return"] for r in mine])


def test_rollout_update_split_is_seconds_per_million_steady_steps(several: str) -> None:
    (table,) = [t for t in parse(several).tables if t.css_class.split()[-1] == "split"]
    ok = [r for r in load("several_seeds.jsonl") if r["record_type"] == "run" and r["status"] == "ok"]
    for contender in sorted({r["contender"] for r in ok}):
        row = table.row_by("contender", contender)
        mine = [r for r in ok if r["contender"] == contender]
        steady = [r["sps"] * (r["rollout_s"] + r["update_s"]) for r in mine]
        rollout = np.mean([1e6 * r["rollout_s"] / n for r, n in zip(mine, steady, strict=True)])
        update = np.mean([1e6 * r["update_s"] / n for r, n in zip(mine, steady, strict=True)])
        assert numbers(row["rollout s / 1M steps"])[0] == pytest.approx(rollout, rel=1e-3)
        assert numbers(row["update s / 1M steps"])[0] == pytest.approx(update, rel=1e-3)
        assert numbers(row["rollout share %"])[0] == pytest.approx(
            100 * rollout / (rollout + update), rel=1e-3
        )


def test_headline_names_hardware_and_preset_and_says_cpu(several: str) -> None:
    (table,) = headline_tables(several)
    assert "CPU: AMD EPYC 7B13, 2 cores" in table.caption
    assert "preset cpu-quick" in table.caption
    assert "every absolute number from them is a CPU number" in several
    assert "peak device MB" not in table.header


def test_failed_runs_are_listed_with_their_errors(several: str) -> None:
    (table,) = [t for t in parse(several).tables if "failures" in t.css_class]
    failed = [r for r in load("several_seeds.jsonl") if r["record_type"] == "run" and r["status"] != "ok"]
    assert sorted(table.column("status")) == sorted(r["status"] for r in failed)
    assert "NaN in pg_loss" in " ".join(table.column("error"))
    assert "BackendCompilerFailed" in " ".join(table.column("error"))


def test_code_metrics_and_controls_tables_have_one_row_per_record(several: str) -> None:
    tables = parse(several).tables
    records = load("several_seeds.jsonl")
    (code,) = [t for t in tables if "code" == t.css_class.split()[-1]]
    assert sorted(code.column("implementation")) == sorted(
        r["implementation"] for r in records if r["record_type"] == "code_metrics"
    )
    controls = [t for t in tables if "controls" in t.css_class]
    assert [len(t.rows) for t in controls] == [
        sum(r["record_type"] == kind for r in records) for kind in ("env_throughput", "learner_throughput")
    ]
    assert all("CPU: AMD EPYC 7B13" in t.caption for t in controls)


def test_debate_answers_are_computed_from_the_code_metrics(several: str) -> None:
    records = {
        r["implementation"]: r for r in load("several_seeds.jsonl") if r["record_type"] == "code_metrics"
    }
    jax, torch = records["jax_ppo"]["sloc"], records["torch_ppo"]["sloc"]
    shorter = round(100 * (torch - jax) / torch)
    assert f"jax_ppo {jax}, torch_ppo {torch}" in several
    assert f"{shorter}% shorter" in several


def debate_items(html: str) -> dict[str, list[str]]:
    """The debate's speed answers: question heading -> the text of each list item."""
    section = html[html.index('id="debate"') :]
    section = section[: section.index("</section>")]
    out: dict[str, list[str]] = {}
    for block in re.split(r"<h4>", section)[1:]:
        title, rest = block.split("</h4>", 1)
        out[title] = [re.sub(r"<[^>]+>", "", item) for item in re.findall(r"<li>(.*?)</li>", rest, re.S)]
    return out


def test_debate_answers_the_framework_question_only_from_same_simulator_pairs(several: str) -> None:
    items = debate_items(several)
    framework, framework_gym = items["The framework, on one simulator"]
    assert "JAX jit vs PyTorch eager" in framework and "Brax MJX" in framework
    assert "steady SPS jax" in framework and "vs torch-brax" in framework
    assert "JAX jit vs PyTorch eager" in framework_gym and "Gymnasium MuJoCo C" in framework_gym
    assert "steady SPS jax-gym" in framework_gym and "vs torch " in framework_gym
    simulator, simulator_jax = items["The simulator, with one learner"]
    assert "Brax MJX vs Gymnasium MuJoCo C" in simulator and "torch-brax" in simulator
    assert "the same learner, JAX jit" in simulator_jax and "jax-gym" in simulator_jax
    (setup,) = items["Each framework as usually run (framework and simulator together)"]
    # jax and torch share 3 seeds: fewer pairs than a verdict needs, so figures only, no run-length verdict
    assert "framework and simulator together" in setup and "figures only at n = 3 pairs" in setup
    assert "depends on run length" not in setup and "ahead" not in setup
    for item in framework, framework_gym, simulator, simulator_jax, setup:  # hardware and n in each sentence
        for sentence in re.split(r"(?<=\.) (?=On )", item):
            assert "CPU: AMD EPYC 7B13" in sentence, sentence
            assert re.search(r"n = \d|\d+ runs?|mean of \d+ run|reached by \d+ of \d+", sentence), sentence


def test_debate_says_not_measured_without_a_same_simulator_pair(tmp_path: Path) -> None:
    items = debate_items(render(tmp_path, "single_seed.jsonl"))
    assert items["The framework, on one simulator"] == [
        "Not measured: no group of runs has ok runs of both jax and torch-brax or jax and torch-brax-compile "
        "or jax-warp and torch-warp or jax-warp and torch-warp-compile or jax-gym and torch."
    ]
    assert len(items["Each framework as usually run (framework and simulator together)"]) == 1


def test_provenance_names_commit_spec_hash_and_command(several: str) -> None:
    run = next(r for r in load("several_seeds.jsonl") if r["record_type"] == "run")
    assert run["provenance"]["git_commit"] in several
    assert run["spec_hash"] in several
    assert "python -m bench run --preset cpu-quick --seeds" in several
    assert "make bench" in several


def test_single_seed_says_no_interval_and_controls_not_measured(tmp_path: Path) -> None:
    html = render(tmp_path, "single_seed.jsonl")
    (table,) = headline_tables(html)
    assert all("n = 1" in cell and "CI" not in cell for cell in table.column("final return"))
    assert html.count("Not measured: no env_throughput records") == 1
    assert "Not measured: no learner_throughput records" in html
    assert "Not measured: no code_metrics records" in html
    assert len(parse(html).images) == 3  # the answer panel, learning curves, speed (with rollout vs update)


def test_gpu_records_show_device_memory_and_published_stores_are_labelled(tmp_path: Path) -> None:
    html = render(tmp_path, "single_seed.jsonl", published={"h100-2026-11": "gpu.jsonl"})
    tables = headline_tables(html)
    assert len(tables) == 2
    gpu = next(t for t in tables if "NVIDIA H100 80GB HBM3" in t.caption)
    # a published group says "published, <card>, <date>" (the folder's name where it ends in no full date)
    assert gpu.caption.startswith(
        "Headline · published, NVIDIA H100 80GB HBM3, h100-2026-11 · preset gpu-brax"
    )
    records = load("gpu.jsonl")
    for contender in ("jax", "torch"):
        expected = max(r["peak_device_mb"] for r in records if r["contender"] == contender)
        assert numbers(gpu.row_by("contender", contender)["peak device MB"])[0] == pytest.approx(expected)
    cpu = next(t for t in tables if "CPU:" in t.caption)
    assert "local" in cpu.caption


def test_odd_and_minimal_records_never_crash_the_report(tmp_path: Path) -> None:
    store = tmp_path / "results.jsonl"
    odd = [
        {"record_type": "run", "status": "failed", "exit_code": 1},
        {"record_type": "run", "contender": "jax", "status": "ok", "sps": None, "curve": [[0, 1.0, None]]},
        {"record_type": "code_metrics"},
        {"record_type": "env_throughput", "steps_per_s": "fast"},
    ]
    store.write_text("".join(json.dumps(r) + "\n" for r in odd) + '{"truncated": \n')
    html = render_report(store, tmp_path / "index.html").read_text()
    assert "(no error text recorded)" in html
    assert "Failed runs" in html


def test_empty_store_renders_with_notes(tmp_path: Path) -> None:
    store = tmp_path / "results.jsonl"
    store.write_text("")
    html = render_report(store, tmp_path / "index.html").read_text()
    assert "No run records in the store yet." in html
    assert "Not measured: no env_throughput records" in html
    assert "jax_ppo.losses:compute_gae" in html  # the details checklist needs no records


def test_cli_renders_and_refuses_a_missing_store(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert (
        main(["--store", str(tmp_path / "absent.jsonl"), "--out", str(tmp_path / "x.html")]) == EXIT_BAD_SPEC
    )
    assert "--store" in capsys.readouterr().err
    out = tmp_path / "index.html"
    assert main(["--store", str(FIXTURES / "single_seed.jsonl"), "--out", str(out)]) == 0
    assert out.read_text().startswith("<!DOCTYPE html>")


def test_same_store_same_page_apart_from_the_date(tmp_path: Path) -> None:
    pages = []
    for name in ("a", "b"):
        (tmp_path / name).mkdir()
        page = render(tmp_path / name, "several_seeds.jsonl")
        pages.append(re.sub(r"Generated [^<]* from [^<]*\(", "", page))
    assert pages[0] == pages[1]


def test_local_code_metrics_win_over_published_ones(tmp_path: Path) -> None:
    """Code metrics describe the rendering checkout: a published (older) record never replaces a local one."""
    store = tmp_path / "results.jsonl"
    local = [r for r in load("several_seeds.jsonl") if r["record_type"] == "code_metrics"]
    local = [{**r, "classification": "core"} if r["implementation"] != "shared_spec" else r for r in local]
    store.write_text("".join(json.dumps(r) + "\n" for r in local))
    published = [{**r, "sloc": r["sloc"] * 3} for r in local]  # another commit's, very different numbers
    target = tmp_path / "published" / "h100-2026-01-01"
    target.mkdir(parents=True)
    (target / "results.jsonl").write_text("".join(json.dumps(r) + "\n" for r in published))
    html = render_report(store, tmp_path / "index.html").read_text(encoding="utf-8")
    by_impl = {r["implementation"]: r["sloc"] for r in local}
    assert f"jax_ppo {by_impl['jax_ppo']}, torch_ppo {by_impl['torch_ppo']}" in html
    assert "radon SLOC of the files the records count as core: jax_ppo" in " ".join(html.split())
    assert f"jax_ppo {by_impl['jax_ppo'] * 3}," not in html


@pytest.mark.parametrize("extra_files", [(), ("__main__.py",)])
def test_the_code_sentence_names_the_files_its_record_measured_and_an_older_classification(
    tmp_path: Path, extra_files: tuple[str, ...]
) -> None:
    """The sentence names the record's files; a core that counted other files than today's rule says so."""
    store = tmp_path / "results.jsonl"
    rows = [r for r in load("several_seeds.jsonl") if r["record_type"] == "code_metrics"]
    names = ("networks.py", "losses.py", "train.py", *extra_files)
    rows = [{**r, "classification": "core", "files": [f"{r['implementation']}/{n}" for n in names]}
            for r in rows if r["implementation"] != "shared_spec"]  # fmt: skip
    store.write_text("".join(json.dumps(r) + "\n" for r in rows))
    html = " ".join(render_report(store, tmp_path / "index.html").read_text(encoding="utf-8").split())
    listed = ", ".join(sorted(names))
    assert f"count as core: jax_ppo {listed}; torch_ppo {listed}" in html
    assert ("an older classification of core than today's" in html) == bool(extra_files)


def test_unlike_runs_are_never_pooled(tmp_path: Path) -> None:
    """An older code version is superseded, a --force rerun replaces its seed, another spec hash is its own group."""
    runs = [
        r
        for r in load("several_seeds.jsonl")
        if r.get("record_type", "run") == "run" and r["contender"] == "jax"
    ]
    old = [{**r, "code_version": "old0000000000000", "final_return": -999.0} for r in runs]
    new = [{**r, "code_version": "new0000000000000"} for r in runs]
    forced = {**new[0], "final_return": new[0]["final_return"] + 1.0}  # the same seed again, recorded later
    other_spec = {**new[1], "spec_hash": "ffffffffffff"}
    store = tmp_path / "results.jsonl"
    store.write_text("".join(json.dumps(r) + "\n" for r in [*old, *new, forced, other_spec]))
    html = render_report(store, tmp_path / "index.html").read_text(encoding="utf-8")
    tables = headline_tables(html)
    assert len(tables) == 2  # the other spec hash is a group of its own
    main_table = next(
        t for t in tables if "new0000000000000" in t.caption and "ffffffffffff" not in t.caption
    )
    (row,) = [r for r in main_table.rows if r[0] == "jax"]
    ok_seeds = sum(r["status"] == "ok" for r in new)
    assert row[1] == str(ok_seeds)  # each seed counts once: the forced rerun replaced seed 0
    assert all(
        "-999" not in cell for r in main_table.rows for cell in r
    )  # the old version is not averaged in
    superseded = [t for t in parse(html).tables if "superseded" in t.css_class]
    assert len(superseded) == 1 and len(superseded[0].rows) == len(old) + 1
    assert "older code version old0000000000000" in html


def test_the_two_core_train_files_are_shown_side_by_side_highlighted(several: str) -> None:
    start = several.index('class="side-by-side"')
    block = several[start : several.index("</section>", start)]
    text = re.sub(r"<[^>]+>", "", block)
    for relative in ("jax_ppo/train.py", "torch_ppo/train.py"):
        assert relative in text
    for step in ("collect_batch", "learn_from_batch", "update_step", "shuffled_minibatches", "evaluate"):
        assert text.count(f"def {step}(") == 2, step
    assert 'style="color:' in block  # highlighted with inline styles: nothing to fetch


def test_published_folders_of_one_card_spec_and_code_pool_their_seeds(tmp_path: Path) -> None:
    """Seeds accumulate across GPU runs; a seed published twice counts once; another code version stays apart."""
    first = [{**r, "provenance": {**r["provenance"], "started_unix": 1000.0}} for r in load("gpu.jsonl")]
    later = [  # a second GPU run, a day later: seed 1 becomes 3, and seed 0 again (it replaces the first's)
        {
            **r,
            "seed": r["seed"] + 2 if r["seed"] else 0,
            "provenance": {**r["provenance"], "started_unix": 87400.0},
        }
        for r in first
    ]
    other_code = [{**r, "code_version": "elsewhere0000000"} for r in first]
    for folder, records in (("h100-a", first), ("h100-b", later), ("h100-c", other_code)):
        target = tmp_path / "published" / folder
        target.mkdir(parents=True)
        (target / "results.jsonl").write_text("".join(json.dumps(r) + "\n" for r in records))
    store = tmp_path / "results.jsonl"
    store.write_text("")
    html = render_report(store, tmp_path / "index.html").read_text(encoding="utf-8")
    tables = headline_tables(html)
    assert len(tables) == 2
    pooled = next(t for t in tables if "published, NVIDIA H100 80GB HBM3, h100-a + h100-b" in t.caption)
    assert next(t for t in tables if t is not pooled).caption.count("h100-c") == 1  # its own group
    per_folder = pooled.column("runs per published folder")
    for row in pooled.rows:
        assert row[1] == "3"  # seeds 0 (the later), 1 and 3: each seed once
    assert set(per_folder) == {"h100-a: 1, h100-b: 2"}
    assert "the same seed in a later published folder (published: h100-b) replaces it" in html


def test_startup_phases_table_means_each_phase_over_the_runs_that_split_it(tmp_path: Path) -> None:
    records = load("several_seeds.jsonl")
    torch_ok = [r for r in records if r.get("contender") == "torch" and r.get("status") == "ok"]
    for index, record in enumerate(torch_ok[:2]):  # the third run predates the split: no phases
        record["extra"]["startup_phases"] = {"interpreter": 1.0 + index, "imports": 2.0, "device": 0.5,
                                             "envs": 3.0, "train_state": 4.0 + 2 * index}  # fmt: skip
    store = tmp_path / "results.jsonl"
    store.write_text("".join(json.dumps(r) + "\n" for r in records))
    html = render_report(store, tmp_path / "index.html").read_text(encoding="utf-8")
    (table,) = [t for t in parse(html).tables if t.css_class.split()[-1] == "startup"]
    assert "Where startup goes" in table.caption and "CPU: AMD EPYC 7B13, 2 cores" in table.caption
    row = table.row_by("contender", "torch")
    assert numbers(row["runs"])[0] == 2
    assert numbers(row["interpreter s"])[0] == pytest.approx(1.5)
    assert numbers(row["train_state s"])[0] == pytest.approx(5.0)
    assert [c for c in table.header if c.endswith(" s")][:5] == [
        "interpreter s", "imports s", "device s", "envs s", "train_state s"]  # fmt: skip
    assert len(table.rows) == 1  # contenders without phases get no row


def test_no_startup_table_when_no_record_splits_its_startup(several: str) -> None:
    assert not [t for t in parse(several).tables if t.css_class.split()[-1] == "startup"]


def test_contenders_with_their_own_code_versions_share_one_group() -> None:
    """A code version covers what one contender can execute, so jax's and torch's differ: both stay current and
    in one group (one table, one pair); only a contender's own older version is superseded."""
    from bench.report.data import current_runs, group_runs, to_run

    records = [r for r in load("several_seeds.jsonl") if r["record_type"] == "run"]
    contenders = sorted({r["contender"] for r in records})
    assert len(contenders) >= 2
    versioned = [
        {
            **r,
            "code_version": f"version-of-{r['contender']}",
            "provenance": {**r["provenance"], "started_unix": 1e3 + i},
        }
        for i, r in enumerate(records)
    ]
    current, superseded = current_runs([to_run(r, "local") for r in versioned])
    assert superseded == [] and len(current) == len(records)
    [(key, members)] = group_runs(current).items()
    assert sorted({m.contender for m in members}) == contenders
    assert key[5] == "+".join(sorted(f"version-of-{name}" for name in contenders))
    older = {
        **versioned[0],
        "code_version": "older",
        "provenance": {**versioned[0]["provenance"], "started_unix": 0.0},
    }
    current, superseded = current_runs([to_run(r, "local") for r in [older, *versioned]])
    assert [run.code_version for run, _ in superseded] == ["older"] and len(current) == len(records)
