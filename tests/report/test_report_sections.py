"""The sections' view models from the fixture stores (numbers and codes, not HTML), their templates with and
without GPU groups, and the figures' size rules."""

from __future__ import annotations

import base64
import io
import json
import re
import shutil
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pytest
from PIL import Image

from bench.report import plots, render_report
from bench.report.data import load_store
from bench.report.model import build_model
from bench.report.render import environment
from bench.report.sections import controls_model, headline_model, overview_model

FIXTURES = Path(__file__).resolve().parents[2] / "reports" / "fixtures"
SECTIONS = ("overview", "how-to-read", "headline", "across-tasks", "figures", "code", "parity", "details",
            "controls", "failures", "provenance")  # fmt: skip
"""The sections this module's templates word (the others have their own tests)."""


def store_of(
    tmp_path: Path, fixture: str, published: dict[str, str] | None = None, extra: tuple = ()
) -> Path:
    store = tmp_path / "results.jsonl"
    shutil.copy(FIXTURES / fixture, store)
    with store.open("a") as handle:
        handle.writelines(json.dumps(record) + "\n" for record in extra)
    for folder, source in (published or {}).items():
        (tmp_path / "published" / folder).mkdir(parents=True)
        shutil.copy(FIXTURES / source, tmp_path / "published" / folder / "results.jsonl")
    return store


def runs_of(fixture: str) -> list[dict]:
    lines = (FIXTURES / fixture).read_text().splitlines()
    return [r for r in map(json.loads, filter(None, lines)) if r.get("record_type") == "run"]


def test_headline_model_counts_every_run_and_keeps_every_seed(tmp_path: Path) -> None:
    store = load_store(store_of(tmp_path, "several_seeds.jsonl"), None)
    (group,) = headline_model(build_model(store).groups)
    assert "CPU: AMD EPYC 7B13, 2 cores" in group.label and "preset cpu-quick" in group.label
    records = runs_of("several_seeds.jsonl")
    for summary in group.summaries:
        mine = [r for r in records if r["contender"] == summary.contender]
        ok = [r for r in mine if r["status"] == "ok"]
        assert (summary.ok_runs, summary.failed_runs) == (len(ok), len(mine) - len(ok))
        if ok:
            assert summary.sps.value == pytest.approx(np.mean([r["sps"] for r in ok]))
            assert summary.sps.n == len(ok) and summary.sps.kind == (
                "ci" if len(ok) >= 5 else "range" if len(ok) > 1 else "single"
            )
    assert group.table.columns[:3] == ("contender", "seeds (ok)", "failed runs")
    assert "peak device MB" not in group.table.columns  # a CPU group
    returns = [
        v for r in records if r["status"] == "ok" for v in (r["per_seed_final_return"] or [r["final_return"]])
    ]
    assert len(group.per_seed.rows) == len(returns) and group.per_seed.folded


def test_headline_model_shows_device_memory_for_a_gpu_group(tmp_path: Path) -> None:
    store = load_store(
        store_of(tmp_path, "single_seed.jsonl", {"h100-2026-11": "gpu.jsonl"}), tmp_path / "published"
    )
    models = headline_model(build_model(store).groups)
    gpu = next(m for m in models if "NVIDIA H100" in m.label)
    assert "peak device MB" in gpu.table.columns
    assert {s.contender: s.peak_device_mb for s in gpu.summaries} == {
        name: max(r["peak_device_mb"] for r in runs_of("gpu.jsonl") if r["contender"] == name)
        for name in ("jax", "torch")
    }


def handoff(ms: dict[str, float], **fields: object) -> dict:
    """A `handoff` record as `python -m bench.controls.handoff` stores it."""
    provenance = {"hostname": "gpu-host", "date": "2026-12-01T00:00:00+00:00"}
    return {"record_type": "handoff", "preset": "smoke", "spec_hash": "abc123", "num_envs": 4, "steps": 200,
            "ms_per_step": ms, "device": "cuda", "hardware": "GPU: NVIDIA H200", "provenance": provenance,
            **fields}  # fmt: skip


def test_controls_model_reads_handoff_records_latest_per_point(tmp_path: Path) -> None:
    older = handoff(
        {"fused": 9.0, "jax_loop": 9.0, "torch_dlpack": 9.0}, not_fused_ms=0.0, handoff_and_torch_ms=0.0
    )
    latest = handoff(
        {"fused": 0.5, "jax_loop": 2.0, "torch_dlpack": 5.5}, not_fused_ms=1.5, handoff_and_torch_ms=3.5
    )
    bare = handoff(
        {"fused": 1.0, "jax_loop": 1.25, "torch_dlpack": 3.0}, num_envs=64
    )  # differences not stored
    store = load_store(store_of(tmp_path, "several_seeds.jsonl", extra=(older, latest, bare)), None)
    model = controls_model(store)
    first, second = model.handoff
    assert (first.hardware, first.preset, first.num_envs) == ("GPU: NVIDIA H200", "smoke", 4)
    assert (first.fused, first.jax_loop, first.torch_dlpack) == (0.5, 2.0, 5.5)  # the later record replaces
    assert (first.not_fused, first.handoff_and_torch) == (1.5, 3.5)
    assert (second.num_envs, second.not_fused, second.handoff_and_torch) == (64, 0.25, 1.75)  # recomputed
    assert model.handoff_table.rows[0][3:] == ("4", "0.5", "2", "5.5", "1.5", "3.5")
    assert [len(p.table.rows) for p in model.panels["env_throughput"]] == [5]  # the fixture's own controls
    html = render_report(tmp_path / "results.jsonl", tmp_path / "index.html").read_text(encoding="utf-8")
    controls = html[html.index('<section id="controls">') :]
    assert "Hand-off control · ms per env step" in controls and "price of not fusing" in controls
    assert "Not measured: no handoff records" not in controls


def test_controls_without_handoff_records_say_not_measured(tmp_path: Path) -> None:
    store = load_store(store_of(tmp_path, "single_seed.jsonl"), None)
    model = controls_model(store)
    assert model.handoff == () and all(panels == () for panels in model.panels.values())
    html = render_report(tmp_path / "results.jsonl", tmp_path / "index.html").read_text(encoding="utf-8")
    assert "Not measured: no handoff records in the store." in html


def test_superseded_reasons_are_codes_worded_by_the_template(tmp_path: Path) -> None:
    records = [r for r in runs_of("single_seed.jsonl") if r["contender"] == "jax"]
    old = {
        **records[0],
        "code_version": "old0000000000000",
        "provenance": {**records[0]["provenance"], "started_unix": 0},
    }
    new = {
        **records[0],
        "code_version": "new0000000000000",
        "provenance": {**records[0]["provenance"], "started_unix": 1},
    }
    store_path = tmp_path / "results.jsonl"
    store_path.write_text("".join(json.dumps(r) + "\n" for r in (old, new, new)))
    store = load_store(store_path, None)
    assert sorted((reason.code, reason.by) for _, reason in store.superseded) == [
        ("later_record", ""), ("older_code", "new0000000000000")]  # fmt: skip
    why = overview_model(store).superseded.rows
    assert {row[-1] for row in why} == {
        "a later record of the same contender and seed replaces it",
        "older code version old0000000000000 (commit "
        + store.superseded[0][0].commit
        + "); current new0000000000000",
    }


def sections_of(html: str) -> dict[str, str]:
    return dict(re.findall(r'<section id="([^"]+)"><h2>[^<]+</h2>(.*?)</section>', html, re.S))


@pytest.mark.parametrize("published", [None, {"h100-2026-11": "gpu.jsonl"}], ids=["cpu", "cpu+gpu"])
def test_every_section_renders_with_and_without_gpu_groups(tmp_path: Path, published: dict | None) -> None:
    html = render_report(
        store_of(tmp_path, "single_seed.jsonl", published), tmp_path / "index.html"
    ).read_text()
    sections = sections_of(html)
    for anchor in SECTIONS:
        assert sections.get(anchor, "").strip(), anchor
    gpu = "NVIDIA H100 80GB HBM3"
    for anchor in ("headline", "figures", "provenance"):
        assert (gpu in sections[anchor]) == bool(published), anchor
    assert ("peak device MB" in sections["headline"]) == bool(published)
    assert len(re.findall(r"<img ", sections["figures"])) == 2 * (2 if published else 1)
    assert all(alt for alt in re.findall(r'<img [^>]*alt="([^"]*)"', html))


def test_an_empty_store_renders_every_section(tmp_path: Path) -> None:
    store = tmp_path / "results.jsonl"
    store.write_text("")
    sections = sections_of(render_report(store, tmp_path / "index.html").read_text())
    assert all(sections.get(anchor, "").strip() for anchor in SECTIONS)


def test_every_template_parses_and_each_section_has_its_template() -> None:
    env = environment()
    names = env.list_templates(extensions=["j2"])
    for name in names:
        env.get_template(name)
    assert {f"sections/{anchor}.html.j2" for anchor in SECTIONS} <= set(names)


def test_figures_of_many_points_are_png_sized_to_the_page_few_are_lean_svg() -> None:
    fig, ax = plt.subplots(figsize=(plots.WIDTH, 3))
    ax.plot(np.arange(plots.PNG_ABOVE_POINTS + 1), np.zeros(plots.PNG_ABOVE_POINTS + 1))
    uri = plots.to_data_uri(fig)
    assert uri.startswith("data:image/png;base64,")
    width = Image.open(io.BytesIO(base64.b64decode(uri.split(",", 1)[1]))).size[0]
    assert width <= 1240
    fig, ax = plt.subplots()
    ax.plot([1.123456, 2.5], [3.0, 4.0], "o-", color="#1f77b4")
    assert plots.to_data_uri(fig).startswith("data:image/svg+xml;base64,")


def test_minified_svg_keeps_every_element_and_label() -> None:
    fig, ax = plt.subplots()
    ax.plot(np.linspace(0, 1, 50), np.linspace(0, 1, 50) ** 2, "o-", label="jax (n = 5)")
    ax.legend()
    raw = io.StringIO()
    fig.savefig(raw, format="svg")
    plt.close(fig)
    lean = plots.minify_svg(raw.getvalue())
    assert len(lean) < 0.7 * len(raw.getvalue())
    for tag in ("<path", "<use", "<text", "<clipPath"):
        assert lean.count(tag) == raw.getvalue().count(tag), tag
    assert "jax (n = 5)" in lean and re.search(r'<g style="[^"]+"><use ', lean)  # 50 markers share one style
    assert not re.search(r"\d\.\d\d+", " ".join(re.findall(r' d="([^"]*)"', lean)))


def test_thin_keeps_first_and_last_and_at_most_the_limit() -> None:
    x, y = plots.thin(np.arange(10_000), np.arange(10_000) * 2.0, most=300)
    assert len(x) <= 300 and x[0] == 0 and x[-1] == 9_999 and np.all(y == 2 * x)
    short, _ = plots.thin([1.0, 2.0], [3.0, 4.0])
    assert list(short) == [1.0, 2.0]
