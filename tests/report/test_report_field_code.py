"""The report's "Code: this project and the field" section and the debate's field answers, from records."""

from __future__ import annotations

import re
from html import unescape
from pathlib import Path

from bench.harness.store import append_record
from bench.report import render_report
from bench.report.field_code import pair_ratios


def row(name: str, framework: str, pair: str, sloc: int, vocabulary: int, **extra: object) -> dict:
    metrics = dict.fromkeys(("cognitive", "cyclomatic", "halstead_volume", "halstead_difficulty"), 10)
    return {
        "record_type": "code_metrics", "status": "ok", "implementation": name, "framework": framework,
        "pair": pair, "classification": "as declared", "package": name, "version": "1.0", "sloc": sloc,
        "vocabulary": vocabulary, "transforms": 3, "python_loops": 2, "files": [f"{name}/ppo.py"],
        "counts": "the PPO file", "provenance": {"git_commit": "abc1234def"}, **metrics, **extra,
    }  # fmt: skip


ROWS = [
    row("a-jax", "jax", "pair A", 80, 30),
    row("a-torch", "torch", "pair A", 100, 20),
    row("b-jax", "jax", "pair B", 120, 10),
    row("b-torch", "torch", "pair B", 100, 20),
    row("jax_ppo", "jax", "ppo-bench (this project)", 90, 40, package="ppo-bench", classification="core"),
    row(
        "torch_ppo", "torch", "ppo-bench (this project)", 100, 40, package="ppo-bench", classification="core"
    ),
    row("minppo", "jax", "minppo (the seed post's example)", 231, 36),
]


def render(tmp_path: Path, records: list[dict]) -> str:
    store = tmp_path / "results.jsonl"
    for record in records:
        append_record(record, store)
    return render_report(store, tmp_path / "index.html").read_text(encoding="utf-8")


def text_html(html: str, anchor: str) -> str:
    part = html[html.index(f'<section id="{anchor}"') :]
    return part[: part.index("</section>")]


def text(html: str, anchor: str) -> str:
    part = html[html.index(f'<section id="{anchor}"') :]
    return unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", part[: part.index("</section>")])))


def test_ratios_are_jax_over_torch_per_pair_and_unpaired_rows_have_none():
    ratios = {(r["pair"], r["classification"]): r for r in pair_ratios(ROWS)}
    assert set(ratios) == {
        ("pair A", "as declared"),
        ("pair B", "as declared"),
        ("ppo-bench (this project)", "core"),
    }
    assert (
        ratios[("pair A", "as declared")]["sloc"] == 0.8
        and ratios[("pair B", "as declared")]["vocabulary"] == 0.5
    )
    assert ratios[("ppo-bench (this project)", "core")]["project"]


def test_section_shows_each_implementation_ratios_spread_and_plot(tmp_path):
    html = render(tmp_path, ROWS)
    field = text(html, "field-code")
    assert "Muñoz Barón" in field and "Scalabrino" in field
    assert "SLOC 0.8 to 1.2" in field  # the spread over the field's pairs, this project left out
    assert "minppo" in field and "n = 1" in field and "code abc1234" in field
    section = html[html.index('<section id="field-code"') :]
    assert section.index("data:image/svg+xml;base64,") < section.index("</section>")


def test_debate_answers_all_four_claims_from_the_field(tmp_path):
    debate = text(render(tmp_path, ROWS), "debate")
    assert "pair A 0.8; pair B 1.2" in debate and "1 of 2 pairs fall within 10 points" in debate
    assert "This project's pair by classification: core 0.9" in debate
    assert "about three days to learn" in debate
    assert "Learning time cannot be measured by this tool" in debate and "pair A 1.5; pair B 0.5" in debate


def test_the_answer_panel_gives_the_field_beside_this_project(tmp_path):
    claims = re.findall(r"<li>(.*?)</li>", text_html(render(tmp_path, ROWS), "answer-panel"), re.S)
    code, learning = (" ".join(unescape(c).split()) for c in claims[-3::2])
    assert "Independent pairs from PyPI, JAX / PyTorch SLOC: pair A 0.80; pair B 1.20." in code
    assert (
        "pair A 1.50; pair B 0.50 (blind spot: it counts framework names reached through imports" in learning
    )


def test_offline_bench_says_why_the_field_was_not_measured(tmp_path):
    reason = "minppo 0.0.1: cannot download it (offline?)"
    html = render(tmp_path, [{"record_type": "code_metrics", "status": "not_measured", "reason": reason}])
    assert f"The field code was not measured: {reason}" in text(html, "field-code")


def test_odd_field_records_never_crash_the_section(tmp_path):
    odd = [
        {"record_type": "code_metrics", "implementation": "x", "classification": "as declared", "pair": "X"},
        {**ROWS[0], "sloc": None},
        ROWS[1],
    ]
    field = text(render(tmp_path, odd), "field-code")
    assert "a-jax" in field and "x" in field
