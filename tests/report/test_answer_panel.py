"""The report's opening panel: its view model from the fixture stores (tests/report/make_fixtures.py), numbers
recomputed here by hand from the records; its template with and without GPU groups; its SVG figures."""

from __future__ import annotations

import base64
import json
import math
import re
import shutil
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
import pytest
from scipy import stats as scipy_stats

from bench.report import render_report
from bench.report.answer import AnswerModel, group_panel
from bench.report.answer import answer_model as answer_of_model
from bench.report.answer_render import render_answer
from bench.report.data import Run, Store, load_store
from bench.report.model import build_model
from bench.report.render import FOLD_ROWS, Table, environment

FIXTURES = Path(__file__).resolve().parents[2] / "reports" / "fixtures"
SPEED_VERDICT_WORDS = ("faster beyond", "no difference beyond", "little")
VERDICT_WORDS = (*SPEED_VERDICT_WORDS, "consistent with")


def answer_model(store: Store) -> AnswerModel:
    """The answer panel's view of the store's one report model."""
    return answer_of_model(build_model(store))


def records(fixture: str) -> list[dict]:
    lines = (FIXTURES / fixture).read_text().splitlines()
    return [r for r in map(json.loads, filter(None, lines)) if r.get("record_type") == "run"]


def ok_sps(fixture: str, contender: str) -> dict[int, float]:
    """seed -> steady SPS of the contender's ok runs."""
    return {
        r["seed"]: r["sps"] for r in records(fixture) if r["contender"] == contender and r["status"] == "ok"
    }


def make_store(tmp_path: Path, fixture: str, published: dict[str, str] | None = None) -> Path:
    store = tmp_path / "results.jsonl"
    shutil.copy(FIXTURES / fixture, store)
    for folder, source in (published or {}).items():
        (tmp_path / "published" / folder).mkdir(parents=True)
        shutil.copy(FIXTURES / source, tmp_path / "published" / folder / "results.jsonl")
    return store


def render(tmp_path: Path, fixture: str, published: dict[str, str] | None = None) -> str:
    return render_store(make_store(tmp_path, fixture, published))


def render_store(store: Path) -> str:
    """The page of `store` (plus `published/` beside it), rendered beside it; no real envs built."""
    return render_report(store, store.parent / "index.html").read_text(encoding="utf-8")


def section(html: str, anchor: str) -> str:
    start = html.index(f'<section id="{anchor}"')
    return html[start : html.index("</section>", start)]


def text(html: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def test_cells_hold_each_contenders_mean_sps_and_its_range_below_five_runs(tmp_path: Path) -> None:
    (panel,) = answer_model(load_store(make_store(tmp_path, "several_seeds.jsonl"), None)).panels
    assert panel.learners == ("JAX jit", "PyTorch eager")  # no compiled run: the 2x2 core
    assert [[c.contender for c in row] for row in panel.cells] == [
        ["jax", "jax-gym"],
        ["torch-brax", "torch"],
    ]
    for row in panel.cells:
        for cell in row:
            values = list(ok_sps("several_seeds.jsonl", cell.contender).values())
            assert cell.sps is not None and cell.sps.n == len(values)
            assert cell.sps.value == pytest.approx(sum(values) / len(values))
            assert sorted(cell.sps_runs) == sorted(values)
            if len(values) == 1:
                assert cell.sps.kind == "single" and cell.sps.low is None
            else:  # 3 or 4 runs: the range, no interval claimed
                assert (cell.sps.kind, cell.sps.low, cell.sps.high) == ("range", min(values), max(values))


def test_ratios_pair_runs_by_seed_and_give_no_verdict_below_five_pairs(tmp_path: Path) -> None:
    (panel,) = answer_model(load_store(make_store(tmp_path, "several_seeds.jsonl"), None)).panels
    brax, gym = panel.ratios
    jax, torch_brax = ok_sps("several_seeds.jsonl", "jax"), ok_sps("several_seeds.jsonl", "torch-brax")
    assert (brax.left, brax.right, brax.simulator) == ("jax", "torch-brax", "Brax MJX")
    assert (
        brax.ratio is not None and brax.ratio.kind == "single" and brax.ratio.n == 1
    )  # torch-brax: seed 0 only
    assert brax.ratio.value == pytest.approx(jax[0] / torch_brax[0])
    jax_gym, torch = ok_sps("several_seeds.jsonl", "jax-gym"), ok_sps("several_seeds.jsonl", "torch")
    ratios = [jax_gym[s] / torch[s] for s in (0, 1, 2)]
    assert gym.ratio is not None and (gym.ratio.kind, gym.ratio.n) == ("range", 3)
    assert gym.ratio.value == pytest.approx((ratios[0] * ratios[1] * ratios[2]) ** (1 / 3))
    assert (gym.ratio.low, gym.ratio.high) == pytest.approx((min(ratios), max(ratios)))
    assert brax.verdict is None and gym.verdict is None


def test_the_caption_fields_name_hardware_preset_task_n_and_code(tmp_path: Path) -> None:
    (panel,) = answer_model(load_store(make_store(tmp_path, "several_seeds.jsonl"), None)).panels
    caption = panel.caption
    assert (caption.hardware, caption.source, caption.published) == (
        "CPU: AMD EPYC 7B13, 2 cores",
        "local",
        False,
    )
    assert (caption.preset, caption.task, caption.code_version) == (
        "cpu-quick",
        "inverted_pendulum",
        "unversioned",
    )
    assert (caption.n_min, caption.n_max, caption.failed) == (
        1,
        4,
        3,
    )  # torch-brax 1 ... jax 4; 3 failed runs
    assert len(panel.curves) == sum(1 for r in records("several_seeds.jsonl") if r["status"] == "ok")
    assert panel.threshold == 500.0  # the inverted pendulum's threshold (shared_spec.tasks)


def fake_runs(contender: str, speeds: list[float]) -> list[Run]:
    """Ok runs of one contender, seeds 0..n-1, with the given steady SPS."""
    return [
        Run(
            "local",
            "CPU: test",
            "cpu",
            "hopper",
            "p",
            contender,
            seed,
            "ok",
            {"sps": sps, "curve": [[0, 1.0, 0.0]]},
        )
        for seed, sps in enumerate(speeds)
    ]


def pooled_cv(*samples: list[float]) -> float:
    """The noise band by hand: each sample's sd / mean, pooled by degrees of freedom."""
    dof = sum(len(x) - 1 for x in samples)
    return math.sqrt(sum((len(x) - 1) * (np.std(x, ddof=1) / np.mean(x)) ** 2 for x in samples) / dof)


@pytest.mark.parametrize(
    ("jax", "torch", "verdict", "beyond_little"),
    [
        ([3000, 3300, 2700, 3100, 2900], [1000, 1100, 1000, 1000, 1000], "faster", True),
        ([1000, 1100, 1000, 1000, 1000], [3000, 3300, 2700, 3100, 2900], "slower", True),
        ([1000, 1010, 1000, 1005, 1000], [1000, 1000, 1010, 1000, 1005], "no_difference", False),
        ([3000, 3300, 2700, 3100], [1000, 1100, 1000, 1000], "faster", True),  # 4 pairs: the range decides
        ([3000, 3300, 2700], [1000, 1100, 1000], None, None),  # 3 pairs: figures only
    ],
)
def test_ratio_over_seed_pairs_with_its_interval_and_verdict(
    jax: list[float], torch: list[float], verdict: str | None, beyond_little: bool | None
) -> None:
    runs = fake_runs("jax", jax) + fake_runs("torch-brax", torch)
    (group,) = build_model(Store(runs, {}, [])).groups
    panel = group_panel(group)
    brax = panel.ratios[0]
    assert (brax.left, brax.right, brax.simulator) == ("jax", "torch-brax", "Brax MJX")
    logs = [math.log(a / b) for a, b in zip(jax, torch, strict=True)]
    mean, n = sum(logs) / len(logs), len(logs)
    assert brax.ratio is not None and brax.ratio.n == n and brax.ratio.value == pytest.approx(math.exp(mean))
    if n >= 5:
        half = scipy_stats.t.ppf(0.975, n - 1) * np.std(logs, ddof=1) / math.sqrt(n)
        assert brax.ratio.kind == "ci"
        assert (brax.ratio.low, brax.ratio.high) == pytest.approx(
            (math.exp(mean - half), math.exp(mean + half))
        )
    else:
        assert (brax.ratio.kind, brax.ratio.low, brax.ratio.high) == pytest.approx(
            ("range", math.exp(min(logs)), math.exp(max(logs)))
        )
    assert brax.band == pytest.approx(pooled_cv(jax, torch))
    assert (brax.verdict, brax.beyond_little) == (verdict, beyond_little)
    assert panel.ratios[1].ratio is None and panel.ratios[1].verdict is None  # no MuJoCo C runs
    words = text(render_answer(AnswerModel((panel,), None, None)))
    band = f"(±{100 * brax.band:.1f}%)"
    expected = {
        "faster": f"JAX jit faster beyond the noise band {band}, by more than 1.25× either way: not little",
        "slower": f"PyTorch eager faster beyond the noise band {band}, by more than 1.25× either way: not little",
        "no_difference": f"no difference beyond the noise band {band} at this n",
    }
    if verdict is None:
        assert not any(word in words for word in SPEED_VERDICT_WORDS)
    else:
        assert expected[verdict] in words


def test_the_page_opens_with_the_panel_and_each_claim_links_to_its_evidence(tmp_path: Path) -> None:
    html = render(tmp_path, "several_seeds.jsonl")
    assert html.index('<section id="answer-panel"') == html.index("<section ")
    panel = section(html, "answer-panel")
    anchors = re.findall(r'<a href="#([\w-]+)">', panel)
    # speed, first result, code length, readability, learning time
    assert anchors == ["matrix", "figures", "code", "code", "field-code"]
    for anchor in set(anchors):
        assert f'<section id="{anchor}"' in html
    words = text(panel)
    caption = "CPU: AMD EPYC 7B13, 2 cores · preset cpu-quick · task inverted_pendulum · n = 1 to 4 ok runs"
    assert words.count(caption) == 1 and "code unversioned" in words and "GPU requested" not in words
    jax_gym, torch = ok_sps("several_seeds.jsonl", "jax-gym"), ok_sps("several_seeds.jsonl", "torch")
    ratios = [jax_gym[s] / torch[s] for s in (0, 1, 2)]
    ratio = math.prod(ratios) ** (1 / 3)
    assert (
        f"jax-gym runs at {ratio:.2f}× the steady SPS of torch ({min(ratios):.2f} to {max(ratios):.2f} over 3 "
        "seed pairs)" in words
    )
    assert "jax_ppo 312 vs torch_ppo 371" in words and "16% shorter" in words
    assert not any(word in words for word in SPEED_VERDICT_WORDS)  # 3 pairs at most: no speed verdict


def test_published_gpu_groups_get_their_own_panel_after_the_local_one(tmp_path: Path) -> None:
    html = render(tmp_path, "several_seeds.jsonl", published={"h100-2026-11-22": "gpu.jsonl"})
    panel = section(html, "answer-panel")
    captions = re.findall(r"<figcaption>(.*?)</figcaption>", panel, re.S)
    assert len(captions) == 2
    assert text(captions[0]).startswith("CPU: AMD EPYC 7B13, 2 cores")
    assert text(captions[1]).startswith("published, NVIDIA H100 80GB HBM3, 2026-11-22 · preset gpu-brax")
    assert text(panel).count("published, NVIDIA H100") == 1
    assert text(panel).count("Code length") == 1  # hardware-independent: said once


def test_no_verdict_word_at_n_1(tmp_path: Path) -> None:
    html = render(tmp_path, "single_seed.jsonl")
    words = text(section(html, "answer-panel"))
    assert "n = 1 ok run per contender" in words
    assert "no same-simulator pair measured" in words  # jax and torch only: each on its own simulator
    assert not any(word in words for word in VERDICT_WORDS)
    (panel,) = answer_model(load_store(tmp_path / "results.jsonl", None)).panels
    assert all(pair.verdict is None for pair in panel.ratios)


def test_a_cpu_run_says_gpu_requested_only_when_it_was(tmp_path: Path) -> None:
    store = make_store(tmp_path, "single_seed.jsonl")
    lines = [json.loads(line) for line in store.read_text().splitlines()]
    for record in lines:
        record["device"] |= {"requested": "gpu", "fallback": True}
    store.write_text("".join(json.dumps(r) + "\n" for r in lines))
    html = render_store(store)
    assert "CPU: AMD EPYC 7B13, 2 cores (GPU requested but absent)" in text(section(html, "answer-panel"))


def test_every_figure_has_alt_text_and_its_svg_file_is_written(tmp_path: Path) -> None:
    html = render(tmp_path, "several_seeds.jsonl", published={"h100-2026-11-22": "gpu.jsonl"})
    panel = section(html, "answer-panel")
    images = re.findall(r'<img [^>]*src="data:image/svg\+xml;base64,([^"]+)" alt="([^"]+)"', panel)
    assert len(images) == 2
    files = sorted((tmp_path / "figures").glob("*.svg"))
    assert len(files) == 2
    captions = [text(c) for c in re.findall(r"<figcaption>(.*?)</figcaption>", panel, re.S)]
    for (data, alt), caption in zip(images, captions, strict=True):
        assert "steady env steps per second" in alt and "wall-clock seconds" in alt
        assert caption.split(" · SVG")[0] in alt.replace("&amp;", "&")  # hardware, n and code version
        embedded = ET.fromstring(base64.b64decode(data))
        assert embedded.findall(".//{http://www.w3.org/2000/svg}text")  # text kept as text
    for path in files:
        assert f'href="figures/{path.name}"' in panel
        root = ET.fromstring(path.read_text(encoding="utf-8"))
        labels = " ".join("".join(t.itertext()) for t in root.iter("{http://www.w3.org/2000/svg}text"))
        assert "preset" in labels and "code unversioned" in labels  # the file carries its caption
    assert len(re.findall(r"<img ", html)) == len(re.findall(r'<img [^>]*alt="[^"]+"', html))


PROBE = """<script>
window.addEventListener("load", () => {
  const box = (el) => { const r = el.getBoundingClientRect(); return [r.left, r.top + scrollY, r.right, r.bottom + scrollY]; };
  const panel = document.querySelector("#answer-panel .panel");
  const report = {
    width: innerWidth, panel: panel.id, caption: panel.querySelector("figcaption").textContent,
    figure: box(panel.querySelector("figure img")), speed: box(panel.querySelector("ul.claims li")),
    images: [...document.images].map((i) => [i.alt, i.complete && i.naturalWidth > 0]),
    fetched: performance.getEntriesByType("resource").map((e) => e.name),
  };
  const out = document.createElement("pre"); out.id = "probe"; out.textContent = JSON.stringify(report);
  document.body.append(out);
});
</script>"""
"""The test's probe, added to a copy of the page (the report itself has no script): element boxes in page
coordinates (layout depends on the width only), every image's alt text and whether it decoded, and what the
page fetched."""
OFFLINE = ("--proxy-server=127.0.0.1:9", "--host-resolver-rules=MAP * ~NOTFOUND")
"""Any network request would fail: a dead proxy and no name resolution."""


@pytest.mark.slow
@pytest.mark.timeout(240)
def test_first_screen_in_a_real_browser_shows_the_local_panel_offline(tmp_path: Path) -> None:
    from PIL import Image
    from test_report_screenshot import CHROMIUM_FLAGS, chromium

    binary = chromium()
    html = render(tmp_path, "several_seeds.jsonl", published={"h100-2026-11-22": "gpu.jsonl"})
    page, probe = tmp_path / "index.html", tmp_path / "probe.html"
    probe.write_text(html.replace("</body>", PROBE + "</body>"), encoding="utf-8")
    browser = [
        binary,
        *CHROMIUM_FLAGS,
        *OFFLINE,
        f"--user-data-dir={tmp_path / 'profile'}",
        "--window-size=1280,800",
    ]
    dom = subprocess.run(
        [*browser, "--virtual-time-budget=5000", "--dump-dom", probe.resolve().as_uri()],
        check=True, capture_output=True, text=True, timeout=120,
    ).stdout  # fmt: skip
    report = json.loads(re.search(r'<pre id="probe">(.*?)</pre>', dom, re.S).group(1))  # type: ignore[union-attr]
    assert report["width"] == 1280
    assert report["panel"].startswith("panel-local-cpu")  # the local group's panel comes first
    assert report["caption"].startswith("CPU: AMD EPYC 7B13, 2 cores")
    left, top, right, bottom = report["figure"]
    assert 0 <= left and right <= 1280 and 0 <= top and bottom <= 800, report["figure"]
    assert report["speed"][1] < 800  # the first claim's sentence starts on the first screen too
    assert report["images"] and all(alt and decoded for alt, decoded in report["images"])
    assert all(name.startswith(("data:", "file:")) for name in report["fetched"]), report["fetched"]
    shot = tmp_path / "shot.png"
    subprocess.run(
        [*browser, f"--screenshot={shot}", page.resolve().as_uri()],
        check=True,
        capture_output=True,
        timeout=120,
    )
    pixels = np.asarray(Image.open(shot).convert("L"), dtype=float)
    assert pixels.shape == (800, 1280)
    figure = pixels[int(top) : int(bottom), int(left) : int(right)]
    assert figure.std() > 20 and 0.01 < (figure < 128).mean() < 0.6  # drawn, not blank, in the first screen


def test_a_published_folder_opens_with_its_jax_on_brax_group_and_names_card_and_date() -> None:
    folder = FIXTURES.parent / "published" / "h200-2026-11-27"
    store = load_store(folder / "results.jsonl", None, "published: h200-2026-11-27")
    panels = answer_model(store).panels
    assert [p.caption.preset for p in panels] == ["gpu-scale", "gpu-gym"]  # jax ran in gpu-scale
    assert {p.caption.source for p in panels} == {"published, NVIDIA H200, 2026-11-27"}
    assert all(p.caption.published and p.caption.n_max == 1 for p in panels)
    assert all(pair.verdict is None for p in panels for pair in p.ratios)  # one seed each: figures only


def test_long_tables_fold_away_short_ones_stay_open(tmp_path: Path) -> None:
    def table(rows: int, fold: bool = False) -> str:
        t = Table("a caption", ("x",), tuple((str(i),) for i in range(rows)), "t", fold)
        return str(environment().get_template("macros.html.j2").module.table(t))

    folded = table(FOLD_ROWS + 1)
    assert (
        folded.startswith(f"<details><summary>a caption · {FOLD_ROWS + 1} rows</summary>")
        and "<caption>" in folded
    )
    assert "<details>" not in table(FOLD_ROWS) and "<table" in table(FOLD_ROWS)
    assert table(2, fold=True).startswith("<details>")  # folded whatever its length (per-seed values, say)
    details = section(render(tmp_path, "several_seeds.jsonl"), "details")  # the 37-item checklist
    assert "<details><summary>Implementation details" in details


@pytest.mark.parametrize(
    ("jax", "brax", "verdict"),
    [
        ([840, 850, 830, 845, 835], [1000, 1010, 990, 1005, 995], "slower"),
        ([1000, 1010, 990, 1005, 995], [1000, 1005, 995, 1010, 990], "no_difference"),
        ([840, 850, 830], [1000, 1010, 990], None),  # 3 pairs: figures only
    ],
)
def test_rule_3_on_this_hardware_pairs_each_side_with_its_reference(
    jax: list[float], brax: list[float], verdict: str | None
) -> None:
    runs = fake_runs("jax", jax) + fake_runs("brax-ppo", brax)
    (group,) = build_model(Store(runs, {}, [])).groups
    (check,) = group_panel(group).references
    logs = [math.log(a / b) for a, b in zip(jax, brax, strict=True)]
    assert (check.side, check.reference, check.verdict) == ("jax", "brax-ppo", verdict)
    assert check.ratio is not None and check.ratio.n == len(jax)
    assert check.ratio.value == pytest.approx(math.exp(sum(logs) / len(logs)))
    words = text(render_answer(AnswerModel((group_panel(group),), None, None)))
    assert f"jax runs at {check.ratio.value:.2f}× the steady SPS of brax-ppo" in words
    understated = "so the framework ratios above understate its side by up to"
    assert (understated in words) is (verdict == "slower")
    if verdict is None:
        assert not any(word in words for word in SPEED_VERDICT_WORDS)


def test_no_reference_line_without_runs_of_the_reference() -> None:
    (group,) = build_model(Store(fake_runs("jax", [1000, 1010]), {}, [])).groups
    assert group_panel(group).references == ()
    assert "fairness rule 3" not in text(render_answer(AnswerModel((group_panel(group),), None, None)))
