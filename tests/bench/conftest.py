"""Fixtures for the harness tests: fake contenders and a bench invocation bound to a temporary store."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from bench.commands import main
from bench.harness import load
from bench.harness.contenders import Contender
from bench.metrics import field_code

FAKES_DIR = Path(__file__).parent / "fake_contenders"


@pytest.fixture(autouse=True)
def quiet_machine(monkeypatch, request):
    """Runs are never marked `loaded` here: this machine may be busy with other work while the tests run, and
    a test must not depend on that. A test of the rule itself asks for the `real_load_rule` fixture."""
    if "real_load_rule" not in request.fixturenames:
        monkeypatch.setattr(load, "FOREIGN_CORES_MIN", math.inf)


@pytest.fixture
def real_load_rule() -> None:
    """Keeps bench.harness.load's threshold as shipped (see `quiet_machine`)."""


@pytest.fixture(autouse=True)
def offline_field_code(monkeypatch):
    """Tests never reach the network: `bench code` and `bench all` can download no archive."""
    monkeypatch.setattr(field_code, "pip_download", lambda archive, cache: False)


def fake(name: str, script: str, *extra: str) -> Contender:
    """A contender that runs `fake_contenders/<script>.py` with the real trainer flags."""
    return Contender(name, (str(FAKES_DIR / f"{script}.py"), *extra))


FAKES = {
    c.name: c
    for c in (
        fake("ok", "ok"),
        fake("ok-big", "ok", "--alloc-mb", "300"),
        fake("wrong-hash", "ok", "--wrong-hash"),
        fake("crash", "crash"),
        fake("hang", "hang"),
        fake("nan", "nan"),
        fake("diverged", "diverged"),
        fake("garbage", "garbage"),
        fake("oom", "oom"),
        fake("noisy-ok", "noisy_ok"),
        Contender("vmap", (str(FAKES_DIR / "ok.py"),), vmap_seeds=True),
    )
}


class Bench:
    """`python -m bench` run in-process against a temporary store and log folder, with the fakes."""

    def __init__(self, root: Path) -> None:
        self.store_path = root / "results.jsonl"
        self.logs = root / "logs"
        self.fakes_dir = FAKES_DIR
        self.table: dict[str, Contender] = dict(FAKES)

    def run(self, contenders: str, *extra: str, seeds: int = 1) -> int:
        """`run --preset smoke --device cpu` with these contenders and seeds; `extra` goes last."""
        argv = [
            "run",
            "--preset",
            "smoke",
            "--device",
            "cpu",
            "--seeds",
            str(seeds),
            "--contenders",
            contenders,
        ]
        return self.main("--store", str(self.store_path), *argv, "--logs-dir", str(self.logs), *extra)

    def main(self, *argv: str) -> int:
        """Any `python -m bench` command line, with the fakes (`self.table`) as contender table."""
        return main(list(argv), contenders=self.table)


@pytest.fixture
def bench(tmp_path: Path) -> Bench:
    return Bench(tmp_path)
