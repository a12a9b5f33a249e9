"""The "framework, measured on third-party code" table: JAX/PyTorch ratios of each pair by the headline's one
pairing rule, with n, the spec fields each library could not express, and no table without a third-party pair."""

from __future__ import annotations

import pytest

from bench.report.data import Store, to_run
from bench.report.field_pairs import COLUMNS, field_pairs_section, pair_rows
from bench.report.model import Group, build_model


def record(
    contender: str, seed: int, sps: float, first: float, ttt: float | None, status: str = "ok", **more: object
) -> dict:
    return {"contender": contender, "seed": seed, "status": status, "sps": sps, "first_update_s": first,
            "time_to_threshold_s": ttt, "task": "inverted_pendulum", "preset": "cpu-quick",
            "device": {"kind": "cpu", "name": "EPYC"}, "extra": {"unmapped": {"clip_vloss": "why"}}} | more  # fmt: skip


def groups_of(*records: dict) -> tuple[Group, ...]:
    return build_model(Store([to_run(r, "local") for r in records], {}, [])).groups


def rows_of(*records: dict) -> list[tuple[str, ...]]:
    (group,) = groups_of(*records)
    return pair_rows(group.summaries, group.runs)


SPS, FIRST, THRESHOLD = (COLUMNS.index(c) for c in COLUMNS[1:4])


def test_ratios_pair_seeds_and_skip_failed_or_unmeasured_runs() -> None:
    (row,) = rows_of(
        record("sbx", 0, 200.0, 10.0, 20.0), record("sbx", 1, 300.0, 8.0, None),
        record("sbx", 2, 100.0, 1.0, 1.0, status="failed"), record("sb3", 0, 100.0, 5.0, 10.0),
        record("sb3", 1, 100.0, 4.0, 12.0), record("sb3", 2, 100.0, 1.0, 1.0),
    )  # fmt: skip
    assert row[SPS].endswith("(2 to 3), n = 2")  # seeds 0 and 1; seed 2 failed on the JAX side
    assert row[FIRST].endswith("(2 to 2), n = 2")
    assert row[THRESHOLD] == "2 (n = 1)"  # seed 1 never reached it


def test_pairs_follow_the_headline_rule_same_round_and_cold_starts_only() -> None:
    warm = {"extra": {"compile_cache": {"state": "warm"}, "unmapped": {}}}
    (row,) = rows_of(
        record("sbx", 0, 200.0, 10.0, 20.0, round=0), record("sb3", 0, 100.0, 5.0, 10.0, round=1),
        record("sbx", 1, 300.0, 8.0, 16.0, round=1, **warm), record("sb3", 1, 100.0, 4.0, 8.0, round=1),
    )  # fmt: skip
    assert row[SPS] == "3 (n = 1)"  # seed 0 ran in two rounds: not a pair; seed 1's SPS pairs
    assert row[FIRST] == row[THRESHOLD] == "–"  # seed 1's JAX run is warm: no cold pair left


def test_table_has_a_row_per_pair_present_with_n_and_unmapped_fields() -> None:
    rows = rows_of(
        *(record("sbx", s, 200.0, 10.0, 20.0) for s in range(2)),
        *(record("sb3", s, 100.0, 5.0, 10.0) for s in range(2)),
        record("jax-gym", 0, 50.0, 2.0, 4.0),
        record("torch", 0, 100.0, 1.0, 2.0),
    )
    assert [row[0].split(" ")[0] for row in rows] == ["SBX", "this"]
    assert rows[0][SPS] == "mean 2 (2 to 2), n = 2"
    assert rows[1][SPS] == "0.5 (n = 1)"
    assert rows[0][-1] == "clip_vloss | clip_vloss" and rows[1][-1] == "none"  # JAX side | PyTorch side


@pytest.mark.parametrize("contenders", [("jax-gym", "torch"), ("sbx",)])
def test_no_table_without_a_third_party_pair(contenders: tuple[str, ...]) -> None:
    _, _, body = field_pairs_section(groups_of(*(record(name, 0, 1.0, 1.0, 1.0) for name in contenders)))
    assert "No third-party pair" in body and "<table" not in body


def test_a_group_with_a_third_party_pair_gets_one_captioned_table_that_says_how_it_pairs() -> None:
    groups = groups_of(record("sbx", 0, 200.0, 10.0, 20.0), record("sb3", 0, 100.0, 5.0, 10.0))
    anchor, title, body = field_pairs_section(groups)
    assert (anchor, title) == ("field-pairs", "Framework, measured on third-party code")
    assert body.count('<table class="field-pairs">') == 1
    assert (
        f"<caption>Framework on third-party code · {groups[0].label} · runs without recorded rounds" in body
    )
    assert "<td>2 (n = 1)</td>" in body and "No third-party pair" not in body
