"""The thread-defaults benchmark: its variants pair each default with one alternative, and its lines name them."""

from __future__ import annotations

import json

import pytest

from experiments import perf_threads


def test_each_side_has_one_default_and_an_alternative() -> None:
    for side in ("torch", "jax"):
        variants = [v for v in perf_threads.VARIANTS if v.side == side]
        assert sum(v.default for v in variants) == 1 and len(variants) == 2


def test_unknown_side_exits_2_naming_it(capsys) -> None:
    assert perf_threads.main(["--sides", "torch,tensorflow"]) == 2
    assert "torch,tensorflow" in capsys.readouterr().err


@pytest.mark.slow
def test_torch_side_writes_one_line_per_run_in_rotating_rounds(capsys) -> None:
    assert perf_threads.main(["--preset", "smoke", "--seeds", "2", "--sides", "torch", "--json"]) == 0
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [(r["round"], r["variant"]) for r in lines] == [
        (0, "torch_threads=1"), (0, "torch_threads=2"), (1, "torch_threads=2"), (1, "torch_threads=1"),
    ]  # fmt: skip
    assert all(r["status"] == "ok" and r["sps"] > 0 and r["cpu_model"] for r in lines)
