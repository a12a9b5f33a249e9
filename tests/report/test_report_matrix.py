"""The framework x simulator table (rows JAX / PyTorch learner, columns Brax MJX / MuJoCo C) and the report's
opening panel, from the fixture stores (tests/report/make_fixtures.py)."""

from __future__ import annotations

import json
import math
import re
import shutil
from pathlib import Path

import numpy as np
import pytest
from scipy import stats as scipy_stats

from bench.harness.store import append_record
from bench.report import render_report
from bench.report.answer import answer_model
from bench.report.data import GroupKey, Run, group_runs, load_store, to_run
from bench.report.matrix import matrix_section, matrix_view
from bench.report.model import build_model
from bench.report.settings import MATRIX, MATRIX_SIMULATORS
from bench.report.stats import noise_band
from bench.report.tables import summarize

FIXTURES = Path(__file__).resolve().parents[2] / "reports" / "fixtures"
CPU = "CPU: AMD EPYC 7B13, 2 cores"


def render(tmp_path: Path, fixture: str, published: dict[str, str] | None = None) -> str:
    store = tmp_path / "results.jsonl"
    shutil.copy(FIXTURES / fixture, store)
    for folder, source in (published or {}).items():
        (tmp_path / "published" / folder).mkdir(parents=True)
        shutil.copy(FIXTURES / source, tmp_path / "published" / folder / "results.jsonl")
    return render_report(store, tmp_path / "index.html").read_text(encoding="utf-8")


def section(html: str, anchor: str) -> str:
    start = html.index(f'<section id="{anchor}"')
    return html[start : html.index("</section>", start)]


def text(html: str) -> str:
    return re.sub(r"<[^>]+>", " ", html.replace("&#x27;", "'"))


def cells(block: str) -> list[list[str]]:
    """The matrix table's body cells, row by row, as text."""
    table = block[block.index('<table class="matrix"') : block.index("</table>")]
    rows = re.findall(r"<tr><th>[^<]*learner</th>(.*?)</tr>", table, re.S)
    return [[text(cell) for cell in re.findall(r"<td>(.*?)</td>", row, re.S)] for row in rows]


def paired_sps_ratio(fixture: str, a: str, b: str) -> tuple[float, int]:
    """(geometric mean of sps_a / sps_b over the seeds both ran ok, number of pairs), from the raw records."""
    records = [json.loads(line) for line in (FIXTURES / fixture).read_text().splitlines() if line.strip()]
    sps = {
        (r["contender"], r["seed"]): r["sps"]
        for r in records
        if r.get("record_type") == "run" and r["status"] == "ok" and r.get("num_seeds", 1) == 1
    }
    ratios = [sps[(a, seed)] / sps[(b, seed)] for (name, seed) in sps if name == a and (b, seed) in sps]
    return float(np.exp(np.mean(np.log(ratios)))), len(ratios)


@pytest.fixture(scope="module")
def several(tmp_path_factory: pytest.TempPathFactory) -> str:
    return render(tmp_path_factory.mktemp("several"), "several_seeds.jsonl")


def test_the_report_opens_with_the_answer_panel(several: str) -> None:
    assert several.index('<section id="answer-panel"') < several.index('<section id="overview"')
    assert (
        '<section id="answer"' not in several
    )  # the old sentence block is gone: the panel carries the answer
    claims = [text(c) for c in re.findall(r"<li>(.*?)</li>", section(several, "answer-panel"), re.S)]
    assert len(claims) == 5  # speed, first result, code length, readability, learning time
    assert "Learning time" in claims[4] and "not measurable by this tool" in claims[4]
    assert "312" in claims[2] and "371" in claims[2]  # SLOC of each core, from the code metrics
    ratio = paired_sps_ratio("several_seeds.jsonl", "jax-gym", "torch")
    assert f"jax-gym runs at {ratio[0]:.2f}× the steady SPS of torch" in claims[0]
    assert f"over {ratio[1]} seed pairs" in claims[0]


def test_every_cell_holds_its_contender_speed_split_compile_threshold_and_n(several: str) -> None:
    table = cells(section(several, "matrix"))
    assert len(table) == 2 and all(len(row) == 2 for row in table)  # no compiled runs: the 2x2 core only
    for names, row in zip(MATRIX[:2], table, strict=True):
        for name, cell in zip(names[:2], row, strict=True):  # no Warp runs: no Warp column
            assert cell.strip().startswith(f"{name} (n = ")
            assert "steady SPS" in cell and "per 1M steps" in cell and "compile" in cell
            assert "time to threshold" in cell
    assert "n = 3" in table[0][1]  # jax-gym: 3 seeds


def test_sentences_state_each_effect_with_ratios_computed_from_the_runs(several: str) -> None:
    block = text(section(several, "matrix"))
    ratio = {
        (a, b): paired_sps_ratio("several_seeds.jsonl", a, b)[0]
        for a, b in (("jax", "torch-brax"), ("jax-gym", "torch"), ("jax", "jax-gym"), ("torch-brax", "torch"))
    }
    framework = re.search(r"Framework effect, simulator held fixed \(([^)]*)\)(.*?)\.\s", block, re.S)
    simulator = re.search(r"Simulator effect, learner held fixed \(([^)]*)\)(.*?)\.\s", block, re.S)
    assert framework and simulator
    for match in (framework, simulator):
        assert CPU in match.group(1)
    assert f"jax at {ratio[('jax', 'torch-brax')]:.2f}x (n = 1 pair) of torch-brax" in block
    assert f"jax-gym at {ratio[('jax-gym', 'torch')]:.2f}x (" in block and "n = 3 pairs of torch" in block
    assert f"jax at {ratio[('jax', 'jax-gym')]:.2f}x (" in block and "n = 3 pairs of jax-gym" in block
    assert f"torch-brax at {ratio[('torch-brax', 'torch')]:.2f}x (n = 1 pair) of torch" in block
    for simulator_name in MATRIX_SIMULATORS[:2]:
        assert f"on {simulator_name}" in block
    assert "<th>MuJoCo Warp</th>" not in section(several, "matrix")
    debate = text(section(several, "debate"))
    assert "From the framework x simulator table" in debate and "Framework effect" in debate


def test_missing_cells_say_not_measured(tmp_path: Path) -> None:
    html = render(tmp_path, "single_seed.jsonl")
    table = cells(section(html, "matrix"))
    assert "not measured" in table[0][1] and "not measured" in table[1][0]  # jax-gym, torch-brax
    block = text(section(html, "matrix"))
    assert "not measured (no ok run of torch-brax)" in block
    assert "not measured (no ok run of jax-gym)" in block


def test_the_panel_shows_local_groups_first_then_published_ones_named_by_card(tmp_path: Path) -> None:
    html = render(tmp_path, "several_seeds.jsonl", published={"h100-run": "gpu.jsonl"})
    panel = text(section(html, "answer-panel"))
    assert panel.index(CPU) < panel.index("published, NVIDIA H100 80GB HBM3, h100-run")
    assert html.count('<table class="matrix"') == 2  # one per group in the matrix section


def run(contender: str, sps: float, seed: int = 0, preset: str = "gpu-warp") -> Run:
    """One ok run record on an H200, as the harness writes it (steady SPS and the rollout/update split)."""
    record = {
        "record_type": "run", "contender": contender, "seed": seed, "status": "ok", "sps": sps, "final_return": 1.0, "compile_s": 9.0,
        "rollout_s": 1.0, "update_s": 1.0, "task": "inverted_pendulum", "preset": preset,
        "device": {"kind": "gpu", "name": "NVIDIA H200"},
    }  # fmt: skip
    return to_run(record, "local")


def key_of(runs: list[Run]) -> GroupKey:
    (key,) = group_runs(runs)
    return key


def test_compiled_torch_gets_its_own_row_where_it_has_runs() -> None:
    runs = [run("jax", 400_000.0), run("torch-brax", 40_000.0), run("torch-brax-compile", 100_000.0)]
    rows = summarize(runs)
    view = matrix_view(key_of(runs), rows)
    assert view.learners == ("JAX jit", "PyTorch eager", "PyTorch compiled")
    assert view.simulators == MATRIX_SIMULATORS[:2]  # no Warp run: no Warp column
    eager, _, compiled, _ = view.ratios  # JAX over each PyTorch row, on each simulator
    assert (eager.left, eager.right, compiled.left, compiled.right) == (
        "jax", "torch-brax", "jax", "torch-brax-compile",
    )  # fmt: skip
    assert eager.ratio.value == pytest.approx(10.0) and compiled.ratio.value == pytest.approx(4.0)
    assert eager.verdict is None and compiled.verdict is None  # one pair: figures only
    table = text(matrix_section([view])[2])
    assert "PyTorch compiled learner" in table and "torch-brax-compile (n = 1 run)" in table
    assert "JAX jit vs PyTorch eager, on Brax MJX, jax at 10.00x (n = 1 pair) of torch-brax" in table
    assert (
        "JAX jit vs PyTorch compiled, on Brax MJX, jax at 4.00x (n = 1 pair) of torch-brax-compile" in table
    )
    assert "not measured (no ok run of jax-gym or torch-compile)" in table


JAX_WARP = [3000.0, 3300.0, 2700.0, 3100.0, 2900.0]
TORCH_WARP = [1000.0, 1100.0, 1000.0, 1000.0, 1000.0]


def warp_runs(preset: str = "gpu-warp") -> list[Run]:
    """Five seeds each of jax-warp, torch-warp and jax (Brax MJX), one of torch-brax."""
    return [
        *(run("jax-warp", sps, seed, preset) for seed, sps in enumerate(JAX_WARP)),
        *(run("torch-warp", sps, seed, preset) for seed, sps in enumerate(TORCH_WARP)),
        *(run("jax", 2 * sps, seed, preset) for seed, sps in enumerate(JAX_WARP)),
        run("torch-brax", 1500.0, 0, preset),
    ]


def test_groups_with_warp_runs_get_a_warp_column_with_its_framework_ratio_over_seed_pairs() -> None:
    runs = warp_runs()
    rows = summarize(runs)
    view = matrix_view(key_of(runs), rows)
    assert view.simulators == ("Brax MJX", "Gymnasium MuJoCo C", "MuJoCo Warp")
    assert [[c.contender for c in row] for row in view.cells] == [
        ["jax", "jax-gym", "jax-warp"],
        ["torch-brax", "torch", "torch-warp"],
    ]  # no compiled run: no compiled row
    brax, gym, warp = view.ratios
    assert (warp.left, warp.right, warp.simulator) == ("jax-warp", "torch-warp", "MuJoCo Warp")
    logs = [math.log(a / b) for a, b in zip(JAX_WARP, TORCH_WARP, strict=True)]
    half = scipy_stats.t.ppf(0.975, 4) * np.std(logs, ddof=1) / math.sqrt(5)
    assert warp.ratio.kind == "ci" and warp.ratio.n == 5
    assert warp.ratio.value == pytest.approx(math.exp(np.mean(logs)))
    assert (warp.ratio.low, warp.ratio.high) == pytest.approx(
        (math.exp(np.mean(logs) - half), math.exp(np.mean(logs) + half))
    )
    pair = ("jax-warp", "torch-warp")  # the band of the two compared cells' runs, not of the whole group
    band = noise_band({name: [r.metric("sps") for r in runs if r.contender == name] for name in pair})
    assert warp.band == pytest.approx(band)
    assert warp.verdict == "faster" and warp.beyond_little  # about 3x, wholly beyond 1.25x
    assert brax.ratio.n == 1 and brax.verdict is None and gym.ratio is None
    # the simulator effect: Brax MJX over each other column, per learner row
    assert [(p.left, p.right) for p in view.simulator_ratios] == [
        ("jax", "jax-gym"), ("torch-brax", "torch"), ("jax", "jax-warp"), ("torch-brax", "torch-warp"),
    ]  # fmt: skip
    assert view.simulator_ratios[2].ratio.value == pytest.approx(2.0)
    html = matrix_section([view])[2]
    assert html.count("<th>MuJoCo Warp</th>") == 1 and len(cells(html)[0]) == 3
    block = text(html)
    assert (
        f"on MuJoCo Warp, jax-warp at {warp.ratio.value:.2f}x [" in block
        and "n = 5 pairs of torch-warp" in block
    )
    assert "Brax MJX vs MuJoCo Warp, with the JAX jit learner, jax at 2.00x [2.00x, 2.00x]" in block


JAX_NAMES = ("jax-warp", "torch-warp", "jax", "torch-brax")


def test_a_store_with_and_without_warp_groups_shows_the_column_only_where_it_has_runs(tmp_path: Path) -> None:
    store = tmp_path / "results.jsonl"
    records = [r.record for r in warp_runs()] + [
        run(name, 1000.0, 0, "gpu-brax").record for name in ("jax", "torch")
    ]
    for record in records:
        append_record(record, store)
    html = render_report(store, tmp_path / "index.html").read_text(encoding="utf-8")
    matrix = section(html, "matrix")
    assert matrix.count('<table class="matrix"') == 2 and matrix.count("<th>MuJoCo Warp</th>") == 1
    panels = answer_model(build_model(load_store(store, None))).panels
    assert sorted(panel.simulators[-1] for panel in panels) == ["Gymnasium MuJoCo C", "MuJoCo Warp"]
    warp_panel = next(p for p in panels if "MuJoCo Warp" in p.simulators)
    assert [p.verdict for p in warp_panel.ratios] == [None, None, "faster"]
    assert "on MuJoCo Warp jax-warp runs at" in " ".join(text(section(html, "answer-panel")).split())
    assert "jax-warp and torch-warp" not in text(section(html, "debate"))  # the Warp pair is measured


PAIRED_SEEDS_VERDICTS = {
    ("jax", "torch-brax"): "faster",  # about 1.9x, [1.76, 2.05] clears the band (about 14%)
    ("jax-gym", "torch"): "no_difference",  # about 1.06x, inside it
    ("jax", "jax-gym"): "faster",
    ("torch-brax", "torch"): "faster",
}


@pytest.mark.parametrize(
    "fixture", ["several_seeds.jsonl", "paired_seeds.jsonl", "single_seed.jsonl", "gpu.jsonl"]
)
def test_the_matrix_view_of_each_fixture_pairs_runs_by_seed_in_rows_and_columns(
    tmp_path: Path, fixture: str
) -> None:
    shutil.copy(FIXTURES / fixture, tmp_path / "results.jsonl")
    store = load_store(tmp_path / "results.jsonl", None)
    (key, runs), *_ = group_runs(store.runs).items()
    view = matrix_view(key, summarize(runs))
    assert view.learners == ("JAX jit", "PyTorch eager") and view.simulators == MATRIX_SIMULATORS[:2]
    framework = [(p.left, p.right) for p in view.ratios]
    simulator = [(p.left, p.right) for p in view.simulator_ratios]
    assert framework == [("jax", "torch-brax"), ("jax-gym", "torch")]  # a column: the simulator held fixed
    assert simulator == [("jax", "jax-gym"), ("torch-brax", "torch")]  # a row: the learner held fixed
    for pair in view.ratios + view.simulator_ratios:
        measured = [c.contender for c in (pair.first, pair.second) if c.summary is not None]
        if len(measured) < 2:
            assert pair.ratio is None and pair.verdict is None
            continue
        value, n = paired_sps_ratio(fixture, pair.left, pair.right)
        assert pair.ratio is not None and (pair.ratio.value, pair.ratio.n) == (pytest.approx(value), n)
        # a verdict code only with 4 pairs or more (paired_seeds: 6); elsewhere at most 3: figures only
        assert pair.verdict == (PAIRED_SEEDS_VERDICTS[(pair.left, pair.right)] if n >= 4 else None)
