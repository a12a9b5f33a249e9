"""The record classes (bench/harness/schema.py): one per record type writes and reads the store, round trip
exact, newer fields carried along, a wrong type refused on write; the migration to schema 2."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bench.harness.migrate import migrate_record, migrate_store
from bench.harness.schema import RECORD_CLASSES, STORE_SCHEMA_VERSION, RunRecord, record_class
from bench.harness.store import append_record, read_records, read_typed

ROOT = Path(__file__).resolve().parents[2]
STORES = sorted((ROOT / "reports" / "published").glob("*/results.jsonl"))


def lines(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


@pytest.mark.parametrize("store", STORES, ids=lambda p: p.parent.name)
def test_every_published_record_round_trips_through_its_class(store: Path) -> None:
    for data in lines(store):
        record = record_class(data).from_json(data, strict=True)
        written = record.to_json()
        assert {k: written[k] for k in data} == data  # nothing lost or changed, named or not
        assert record_class(written).from_json(written) == record


def test_every_record_type_has_one_class_and_the_stores_are_at_this_version() -> None:
    found = {data["record_type"] for store in STORES for data in lines(store)}
    assert found <= set(RECORD_CLASSES)
    assert {data["store_schema_version"] for store in STORES for data in lines(store)} == {
        STORE_SCHEMA_VERSION
    }


def test_a_field_a_newer_writer_adds_is_kept(tmp_path: Path) -> None:
    store = tmp_path / "results.jsonl"
    append_record(
        {"record_type": "run", "contender": "jax", "seed": 0, "status": "ok", "loaded": True}, store
    )
    (record,) = read_typed(store)
    assert isinstance(record, RunRecord) and record.contender == "jax" and record.more == {"loaded": True}
    assert read_records(store)[0]["loaded"] is True


def test_a_wrong_type_is_refused_on_write_and_read_as_the_default(tmp_path: Path) -> None:
    store = tmp_path / "results.jsonl"
    with pytest.raises(ValueError, match=r"run\.sps: got 'fast'; allowed: "):
        append_record({"record_type": "run", "sps": "fast"}, store)
    store.write_text(json.dumps({"record_type": "run", "sps": "fast", "extra": []}) + "\n")
    (record,) = read_typed(store)
    assert record.sps is None and record.extra == {}  # one odd line never stops a reader


def test_a_bench_loc_record_becomes_one_row_per_part_and_migration_is_idempotent(tmp_path: Path) -> None:
    loc = {
        "record_type": "code_metrics", "store_schema_version": 1, "implementation": "jax_ppo", "part": "core",
        "sloc": 300, "cc_max": 4, "nested_functions": 2, "provenance": {"git_commit": "abc"},
        "parts": {"glue": {"implementation": "jax_ppo", "part": "glue", "sloc": 90, "cc_max": 3}},
    }  # fmt: skip
    core, glue = migrate_record(loc)
    assert (core["classification"], core["closures"], core["cyclomatic_max"], core["sloc"]) == (
        "core",
        2,
        4,
        300,
    )
    assert (glue["classification"], glue["provenance"], glue["framework"]) == (
        "glue",
        {"git_commit": "abc"},
        "jax",
    )
    assert "parts" not in core and "part" not in glue
    store = tmp_path / "results.jsonl"
    store.write_text(
        json.dumps(loc) + "\n" + json.dumps({"record_type": "field_code_metrics", "sloc": 1}) + "\n"
    )
    assert migrate_store(store) == 2
    first = store.read_text()
    assert migrate_store(store) == 0 and store.read_text() == first
    assert [r["record_type"] for r in lines(store)] == ["code_metrics"] * 3
