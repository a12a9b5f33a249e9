"""The "framework, measured on third-party code" table: per-seed JAX/PyTorch ratios of each pair, with n,
the spec fields each library could not express, and no table without a third-party pair."""

from __future__ import annotations

import pytest

from bench.report.data import to_run
from bench.report.field_pairs import COLUMNS, field_pairs_section, pair_rows, paired_values


def record(
    contender: str, seed: int, sps: float, first: float, ttt: float | None, status: str = "ok"
) -> dict:
    return {"contender": contender, "seed": seed, "status": status, "sps": sps, "first_update_s": first,
            "time_to_threshold_s": ttt, "task": "inverted_pendulum", "preset": "cpu-quick",
            "device": {"kind": "cpu", "name": "EPYC"}, "extra": {"unmapped": {"clip_vloss": "why"}}}  # fmt: skip


def runs_of(*records: dict) -> list:
    return [to_run(r, "local") for r in records]


def test_ratios_pair_seeds_and_skip_failed_or_unmeasured_runs() -> None:
    jax = runs_of(record("sbx", 0, 200.0, 10.0, 20.0), record("sbx", 1, 300.0, 8.0, None),
                  record("sbx", 2, 100.0, 1.0, 1.0, status="failed"))  # fmt: skip
    torch = runs_of(record("sb3", 0, 100.0, 5.0, 10.0), record("sb3", 1, 100.0, 4.0, 12.0),
                    record("sb3", 2, 100.0, 1.0, 1.0))  # fmt: skip
    assert paired_values(jax, torch, "sps") == [(200.0, 100.0), (300.0, 100.0)]
    assert paired_values(jax, torch, "first_update_s") == [(10.0, 5.0), (8.0, 4.0)]
    assert paired_values(jax, torch, "time_to_threshold_s") == [(20.0, 10.0)]  # seed 1 never reached it


def test_table_has_a_row_per_pair_present_with_n_and_unmapped_fields() -> None:
    runs = runs_of(
        *(record("sbx", s, 200.0, 10.0, 20.0) for s in range(2)),
        *(record("sb3", s, 100.0, 5.0, 10.0) for s in range(2)),
        record("jax-gym", 0, 50.0, 2.0, 4.0),
        record("torch", 0, 100.0, 1.0, 2.0),
    )
    rows = pair_rows(runs)
    assert [row[0].split(" ")[0] for row in rows] == ["SBX", "this"]
    sps_column = COLUMNS.index("steady SPS, JAX / PyTorch")
    assert rows[0][sps_column] == "mean 2 (2 to 2), n = 2"
    assert rows[1][sps_column] == "0.5 (n = 1)"
    assert rows[0][-1] == "clip_vloss | clip_vloss" and rows[1][-1] == "none"  # JAX side | PyTorch side


@pytest.mark.parametrize("contenders", [("jax-gym", "torch"), ("sbx",)])
def test_no_table_without_a_third_party_pair(contenders: tuple[str, ...]) -> None:
    runs = runs_of(*(record(name, 0, 1.0, 1.0, 1.0) for name in contenders))
    _, _, body = field_pairs_section([("label", runs)])
    assert "No third-party pair" in body and "<table" not in body


def test_a_group_with_a_third_party_pair_gets_one_captioned_table() -> None:
    runs = runs_of(record("sbx", 0, 200.0, 10.0, 20.0), record("sb3", 0, 100.0, 5.0, 10.0))
    anchor, title, body = field_pairs_section([("the group", runs)])
    assert (anchor, title) == ("field-pairs", "Framework, measured on third-party code")
    assert body.count('<table class="field-pairs">') == 1
    assert "<caption>Framework on third-party code · the group</caption>" in body
    assert "<td>2 (n = 1)</td>" in body and "No third-party pair" not in body
