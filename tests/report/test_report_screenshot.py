"""The report as a browser shows it: a headless Chromium screenshot that is not blank.

Chromium is a system package (`apt-get install chromium`; .ci/run installs it). Without it the test fails
under CI (env var CI set) and is skipped with the reason elsewhere.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from bench.report import render_report

FIXTURES = Path(__file__).resolve().parents[2] / "reports" / "fixtures"
CHROMIUM_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
)


def chromium() -> str:
    """Path of the Chromium binary, or fail (CI) / skip (elsewhere) saying how to get it."""
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found:
        return found
    message = "chromium not installed (apt-get install -y chromium); the report screenshot test needs it"
    if os.environ.get("CI"):
        pytest.fail(message)
    pytest.skip(message)


@pytest.mark.slow
@pytest.mark.timeout(180)
def test_screenshot_of_the_report_is_not_blank(tmp_path: Path) -> None:
    binary = chromium()
    page = render_report(FIXTURES / "several_seeds.jsonl", tmp_path / "index.html")
    assert "Env parity" in page.read_text()
    shot = tmp_path / "shot.png"
    subprocess.run(
        [
            binary,
            *CHROMIUM_FLAGS,
            f"--user-data-dir={tmp_path / 'profile'}",
            f"--screenshot={shot}",
            "--window-size=1280,2000",
            page.resolve().as_uri(),
        ],
        check=True,
        capture_output=True,
        timeout=120,
    )
    pixels = np.asarray(Image.open(shot).convert("L"), dtype=float)
    assert pixels.shape == (2000, 1280)
    assert pixels.std() > 20, "screenshot is (nearly) uniform: the page rendered blank"
    dark = (pixels < 128).mean()
    assert 0.01 < dark < 0.6, f"dark-pixel fraction {dark:.3f}: expected text and figures on a light page"
