"""Honest device labels, published-group headings, and `bench report --published DIR` (a folder re-rendered)."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from bench import commands as bench_cli
from bench.harness.schema import RunRecord
from bench.report import cli as report_cli
from bench.report.data import hardware_label, source_label

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "reports" / "fixtures"
H200 = ROOT / "reports" / "published" / "h200-2026-11-27"
CPU_RECORD = {"provenance": {"cpu_model": "AMD EPYC 7B13", "cpu_cores": 2}}
VERDICT_WORDS = re.compile(
    r"faster than|slower than|little \(|not little|ahead after|ahead at every|no difference"
)


@pytest.mark.parametrize(
    ("device", "label"),
    [
        # `make bench` runs --device auto: no GPU asked for, so plain CPU (the record says fallback: true)
        ({"kind": "cpu", "requested": "auto", "fallback": True}, "CPU: AMD EPYC 7B13, 2 cores"),
        ({"kind": "cpu", "requested": "cpu", "fallback": False}, "CPU: AMD EPYC 7B13, 2 cores"),
        ({"kind": "cpu", "requested": "gpu"}, "CPU: AMD EPYC 7B13, 2 cores (GPU requested but absent)"),
        (
            {"kind": "cpu", "requested": "auto", "trainer_requested": "gpu"},
            "CPU: AMD EPYC 7B13, 2 cores (GPU requested but absent)",
        ),
        ({"kind": "gpu", "name": "NVIDIA H200", "requested": "auto"}, "GPU: NVIDIA H200"),
    ],
)
def test_the_device_label_says_what_was_used_and_a_missing_gpu_only_when_asked_for(
    device: dict[str, object], label: str
) -> None:
    assert hardware_label(RunRecord.from_json({**CPU_RECORD, "device": device}))[0] == label


def test_published_groups_are_named_by_card_and_date() -> None:
    assert (
        source_label("published: h200-2026-11-27", "GPU: NVIDIA H200") == "published, NVIDIA H200, 2026-11-27"
    )
    pooled = source_label("published: h200-2026-11-26 + h200-2026-11-27", "GPU: NVIDIA H200")
    assert pooled == "published, NVIDIA H200, 2026-11-26 + 2026-11-27"
    assert source_label("published: odd-name", "GPU: NVIDIA H100") == "published, NVIDIA H100, odd-name"
    assert source_label("local", "CPU: X, 2 cores") == "local"
    cpu = source_label("published: epyc-2026-11-27", "CPU: AMD EPYC 7B13, 2 cores")
    assert cpu == "published, CPU: AMD EPYC 7B13, 2 cores, 2026-11-27"


def test_published_folder_is_re_rendered_from_its_own_store(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "h200-2026-11-27"
    folder.mkdir()
    shutil.copy(H200 / "results.jsonl", folder / "results.jsonl")
    assert report_cli.main(["--published", str(folder)]) == 0
    html = (folder / "index.html").read_text(encoding="utf-8")
    assert str(folder / "index.html") in capsys.readouterr().out
    answer = html[html.index('<section id="answer-panel"') : html.index('<section id="overview"')]
    text = " ".join(re.sub(r"<[^>]+>", " ", answer).split())
    # the opening shows both groups of the card, each captioned once as published with card and date
    assert text.count("published, NVIDIA H200, 2026-11-27 · preset gpu-scale") == 1
    assert text.count("published, NVIDIA H200, 2026-11-27 · preset gpu-gym") == 1
    # the README's figures (n = 1 each), and no verdict word at one pair
    assert "jax runs at 1.63× the steady SPS of torch-brax-compile (one pair of runs)" in text
    assert "jax runs at 3.00× the steady SPS of torch-brax (one pair of runs)" in text
    assert "jax-gym runs at 1.02× the steady SPS of torch (one pair of runs)" in text
    assert not VERDICT_WORDS.search(text), VERDICT_WORDS.search(text)
    assert "local" not in re.sub(r"<[^>]+>", " ", html[html.index('<section id="headline"') :][:3000])


@pytest.mark.parametrize("content", [None, ""])
def test_a_missing_or_empty_published_store_is_one_line_and_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], content: str | None
) -> None:
    if content is not None:
        (tmp_path / "results.jsonl").write_text(content)
    assert bench_cli.main(["report", "--published", str(tmp_path)]) == 2
    error = capsys.readouterr().err.strip()
    assert error.count("\n") == 0 and "--published" in error and str(tmp_path) in error
    assert not (tmp_path / "index.html").exists()
